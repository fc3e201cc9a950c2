// klaviyo-cpp: private API key credentials.
#pragma once

#include <string>
#include <string_view>

namespace klaviyo {

/// A Klaviyo private API key (pk_...). Deliberately not printable: it has no
/// stream operator and no accessor that returns the key on its own, so it
/// cannot end up in a log line by accident. Only the transport's
/// Authorization header ever sees it.
class api_key {
public:
    /// Takes a private key (pk_...); basic_client throws std::invalid_argument for an empty one.
    explicit api_key(std::string key) : key_(std::move(key)) {}

    /// The value of the Authorization header.
    std::string authorization() const { return "Klaviyo-API-Key " + key_; }
    bool empty() const noexcept { return key_.empty(); } ///< whether no key was given

private:
    std::string key_;
};

} // namespace klaviyo
