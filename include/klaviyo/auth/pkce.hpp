// klaviyo-cpp: the random strings and hashes of OAuth 2.0 with PKCE (RFC 7636),
// from OpenSSL: RAND_bytes, SHA-256 and base64.
#pragma once

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace klaviyo {

namespace detail {

/// Standard base64 with padding (HTTP Basic), by OpenSSL.
inline std::string base64(const void* data, std::size_t n) {
    std::string out(4 * ((n + 2) / 3), '\0');
    int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), static_cast<const unsigned char*>(data),
                              static_cast<int>(n));
    out.resize(static_cast<std::size_t>(len));
    return out;
}
inline std::string base64(std::string_view s) { return base64(s.data(), s.size()); }

/// base64url without padding (RFC 4648 §5), as PKCE uses it.
inline std::string base64url(const void* data, std::size_t n) {
    auto out = base64(data, n);
    while (!out.empty() && out.back() == '=') out.pop_back();
    for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return out;
}

/// `bytes` bytes from OpenSSL's CSPRNG, base64url-encoded.
inline std::string random_urlsafe(std::size_t bytes) {
    std::vector<unsigned char> buf(bytes);
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1)
        throw std::runtime_error("klaviyo: OpenSSL could not produce random bytes");
    return base64url(buf.data(), buf.size());
}

} // namespace detail

/// The PKCE code challenge of a verifier: base64url(SHA-256(verifier)), no padding.
inline std::string pkce_challenge(std::string_view verifier) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(verifier.data(), verifier.size(), digest, &n, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("klaviyo: OpenSSL SHA-256 failed");
    return detail::base64url(digest, n);
}

/// A PKCE code verifier and its S256 challenge (RFC 7636), as make_pkce() draws them.
struct pkce_pair {
    std::string verifier;  ///< secret: stays with the app until the code exchange
    std::string challenge; ///< goes in the authorize URL
};

/// A fresh verifier of `length` characters (43 to 128) from the unreserved
/// alphabet, and its S256 challenge.
inline pkce_pair make_pkce(std::size_t length = 64) {
    if (length < 43 || length > 128) throw std::invalid_argument("klaviyo: a PKCE verifier has 43 to 128 characters");
    // base64url of 3 bytes is 4 characters; draw enough and cut.
    auto v = detail::random_urlsafe((length * 3 + 3) / 4 + 3);
    v.resize(length);
    pkce_pair p;
    p.challenge = pkce_challenge(v);
    p.verifier = std::move(v);
    return p;
}

} // namespace klaviyo
