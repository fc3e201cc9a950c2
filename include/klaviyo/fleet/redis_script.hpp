// klaviyo-cpp fleet mode: a Lua script and its SHA-1, for EVALSHA.
//
// The SHA-1 is computed once, here, so that a call sends 40 bytes instead of
// the script; Redis names cached scripts by the same lower-case hex digest.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace klaviyo::fleet {

/// A Lua script for redis_connection::async_eval: its text and its SHA-1.
struct redis_script {
    std::string text; ///< the Lua source
    std::string sha1; ///< lower-case hex, as SCRIPT LOAD returns it

    /// Computes the SHA-1 of `script_text` (OpenSSL); throws std::runtime_error when SHA-1 is unavailable.
    explicit redis_script(std::string script_text) : text(std::move(script_text)) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int len = 0;
        if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha1(), nullptr) != 1)
            throw std::runtime_error("redis_script: SHA-1 is not available from OpenSSL");
        static constexpr char hex[] = "0123456789abcdef";
        sha1.reserve(2 * len);
        for (unsigned int i = 0; i < len; ++i) {
            sha1.push_back(hex[md[i] >> 4]);
            sha1.push_back(hex[md[i] & 0x0f]);
        }
    }
};

} // namespace klaviyo::fleet
