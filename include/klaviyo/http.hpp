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

/// The method of an HTTP request. `del` is DELETE (`delete` is a keyword).
enum class http_method { get, post, patch, put, del };

/// The method as written in a request line: "GET", "POST", "PATCH", "PUT" or "DELETE".
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
    bool tls = true; ///< https when true; plain http (allowed for loopback hosts only) when false
    std::string host; ///< host name or address, without the port
    std::uint16_t port = 443; ///< TCP port: the URL's, else 443 for https and 80 for http

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

/// HTTP headers as (name, value) pairs in the order they are sent or were received.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// The value of the first header called `name`, compared case-insensitively; empty when there is none.
inline std::string_view find_header(const header_list& headers, std::string_view name) noexcept {
    for (const auto& [k, v] : headers)
        if (detail::iequals(k, name)) return v;
    return {};
}

/// One HTTP request as the client hands it to its transport (beast_transport sends it, mock_transport records it).
/// Plain data, free of Beast: code that only builds or inspects requests does not compile Beast.
struct http_request {
    http_method method = http_method::get; ///< the request method
    klaviyo::origin origin; ///< where it goes; the transport keeps one connection pool per origin
    std::string target;  ///< path and query, already percent-encoded
    header_list headers; ///< everything but Host, Content-Length
    /// Sent as is; the transport adds Content-Length.
    std::string body;
    /// True when sending the request twice has the effect of sending it once.
    /// Lets a transport replay a request whose pooled connection died under it.
    bool idempotent = false;

    /// find_header() in `headers`.
    std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
};

/// One HTTP response as a transport returns it, whatever its status: the client, not the transport, decides what a
/// status means.
struct http_response {
    unsigned status = 0; ///< the status code
    header_list headers; ///< the headers, in the order received
    std::string body; ///< the body as received
    /// When the exchange failed: what failed and why, in words, e.g. "connect to 127.0.0.1:8443: Connection refused"
    /// or "TLS handshake with api.klaviyo.com:443: certificate verify failed (self-signed certificate)". Names hosts
    /// and phases, never a header or a body. Empty on success.
    std::string failure{};
    /// When the exchange failed: true if the transport knows that no complete request left (resolve, connect, TLS,
    /// the wait for a pooled connection or the write failed), so that it cannot have been applied. A transport that
    /// cannot tell leaves it false, and the client then treats a lost write as possibly applied.
    bool unsent = false;

    /// find_header() in `headers`.
    std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
};

} // namespace klaviyo
