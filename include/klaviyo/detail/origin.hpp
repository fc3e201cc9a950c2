// klaviyo-cpp: where a URL points, and whether the key may go there. One
// place for the rules that the base URL, the OAuth endpoints, page links and
// raw requests all follow.
#pragma once

#include <klaviyo/http.hpp>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace klaviyo::detail {

inline bool is_loopback_host(std::string_view host) noexcept {
    return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

/// Whether the path of `u` may follow its authority: empty or starting with
/// '/' (RFC 3986 §3.3). Boost.URL 1.81 parses "https://host:443x/p" as port
/// 443 and path "x/p" instead of refusing it (found by fuzzing); such a
/// path is no request target.
inline bool path_follows_authority(const boost::urls::url_view& u) noexcept {
    return u.encoded_path().empty() || u.encoded_path().front() == '/';
}

/// The origin of an absolute http(s) URL without user info; empty for
/// anything else (another scheme, no host, credentials in the URL, a path
/// that cannot follow the host).
inline std::optional<origin> origin_of(const boost::urls::url_view& u) {
    const bool tls = u.scheme() == "https";
    if ((!tls && u.scheme() != "http") || u.has_userinfo() || u.encoded_host().empty() || !path_follows_authority(u))
        return std::nullopt;
    origin o;
    o.tls = tls;
    o.host = std::string(u.encoded_host());
    o.port = u.has_port() ? static_cast<std::uint16_t>(u.port_number()) : (tls ? 443 : 80);
    return o;
}

/// A URL the caller configures (base_url, token_url, ...): https anywhere,
/// plain http only to loopback, where there is no network to protect the key
/// from. Throws std::invalid_argument naming `what`.
inline origin parse_endpoint(std::string_view url, std::string_view what) {
    auto fail = [&](const char* why) { throw std::invalid_argument("klaviyo: " + std::string(what) + why); };
    auto u = boost::urls::parse_uri(url);
    if (!u) fail(" is not a valid absolute URL");
    auto o = origin_of(*u);
    if (!o) fail(" must be an https URL with a host (or http for loopback)");
    if (!o->tls && !is_loopback_host(o->host)) fail(": plain http is allowed only for loopback hosts");
    return *o;
}

} // namespace klaviyo::detail
