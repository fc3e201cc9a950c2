// klaviyo-cpp: the plain HTTP values that cross the transport seam.
//
// Kept free of Beast so that code which only builds or reads requests (the
// pure core, the mock transport, unit tests) does not pay Beast's compile time.
#pragma once

#include <klaviyo/config.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace klaviyo {

enum class http_method { get, post, patch, put, del };

constexpr std::string_view to_string(http_method m) noexcept {
    switch (m) {
    case http_method::get:
        return "GET";
    case http_method::post:
        return "POST";
    case http_method::patch:
        return "PATCH";
    case http_method::put:
        return "PUT";
    case http_method::del:
        return "DELETE";
    }
    return "GET";
}

/// Where requests go: scheme, host and port of the base URL.
struct origin {
    bool tls = true;
    std::string host;
    std::uint16_t port = 443;

    friend bool operator==(const origin&, const origin&) = default;
};

namespace detail {
inline bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}
} // namespace detail

using header_list = std::vector<std::pair<std::string, std::string>>;

inline std::string_view find_header(const header_list& headers, std::string_view name) noexcept {
    for (const auto& [k, v] : headers)
        if (detail::iequals(k, name)) return v;
    return {};
}

struct http_request {
    http_method method = http_method::get;
    klaviyo::origin origin;
    std::string target;  ///< path and query, already percent-encoded
    header_list headers; ///< everything but Host, Content-Length
    std::string body;
    /// True when sending the request twice has the effect of sending it once.
    /// Lets a transport replay a request whose pooled connection died under it.
    bool idempotent = false;

    std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
};

struct http_response {
    unsigned status = 0;
    header_list headers;
    std::string body;

    std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
};

} // namespace klaviyo
