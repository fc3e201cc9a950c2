// Fuzz target: the URLs the client is given or told to follow, and the rule
// that the key never leaves the configured origin (detail/origin.hpp).
//
// The first input byte picks the client's home (Klaviyo over https, or a
// loopback sandbox over http); the rest is split at '\n' into
//   url, header name, header value, query key, query value
// and the url goes through every check that takes one:
//   - detail::link_plan and api::detail::follow_link (links.next of a page);
//   - detail::plan_raw (a raw request's path, with the header and query);
//   - detail::parse_endpoint (a configured base URL).
// Invariants, beyond "no crash, no sanitizer report, no stray exception":
// an accepted link or absolute raw path is on the home origin, and what is
// sent is an origin-form target ("/..."), never something that changes the
// request line or adds a header.
#include <klaviyo/api/call.hpp>
#include <klaviyo/api/client.hpp>
#include <klaviyo/api/profiles.hpp>
#include <klaviyo/detail/origin.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/raw_request.hpp>

#include <boost/url/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

namespace api = klaviyo::api;
namespace detail = klaviyo::detail;

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "fuzz_links: invariant violated: %s\n", what);
    std::abort();
}

/// What may be written after the method in a request line: "/" and then
/// visible ASCII, without a fragment.
void check_target(std::string_view t, const char* where) {
    if (t.empty() || t.front() != '/') {
        std::fprintf(stderr, "fuzz_links: %s: target '%.*s'\n", where, static_cast<int>(t.size()), t.data());
        violated("a target is origin-form: it starts with '/'");
    }
    for (char c : t)
        if (c <= ' ' || c == 0x7f || c == '#') violated("a target holds visible characters, no fragment");
}

/// The accepted absolute URL points at `home`: scheme, host and port.
void check_on_home(std::string_view url, const klaviyo::origin& home) {
    auto u = boost::urls::parse_uri(url);
    if (!u) violated("an accepted URL parses");
    if ((u->scheme() == "https") != home.tls) violated("an accepted URL has the home scheme");
    if (u->encoded_host() != home.host) violated("an accepted URL has the home host");
    if (u->has_userinfo()) violated("an accepted URL carries no credentials");
    const std::uint16_t port = u->has_port() ? u->port_number() : (home.tls ? 443 : 80);
    if (port != home.port) violated("an accepted URL has the home port");
}

void links(std::string_view url, const klaviyo::origin& home) {
    auto p = detail::link_plan<api::get_profiles>(url, home);
    if (p.ok()) {
        check_on_home(url, home);
        check_target(p.target, "link_plan");
        if (!p.body.empty()) violated("a page request has no body");
    } else if (p.refusal != klaviyo::errc::invalid_argument && p.refusal != klaviyo::errc::host_not_allowed) {
        violated("a link is refused as bad input or as another host");
    }
    // The generated layer's page links: the same rule, and the public
    // /client/ endpoints never carry the key.
    auto f = api::detail::follow_link<api::get_profiles>(url, home);
    if (f.ok() != p.ok() || f.target != p.target || !(f.authorize || !f.ok())) violated("follow_link is link_plan");
    auto c = api::detail::follow_link<api::get_client_reviews>(url, home);
    if (c.ok() && c.authorize) violated("a /client/ page link is sent without the key");
}

void raw(std::string_view url, const klaviyo::origin& home, std::string_view hname, std::string_view hvalue,
         std::string_view qkey, std::string_view qvalue) {
    klaviyo::raw_request in;
    in.method = klaviyo::http_method::get;
    in.path = std::string(url);
    if (!hname.empty()) in.headers.emplace_back(hname, hvalue);
    if (!qkey.empty() || !qvalue.empty()) in.query.emplace_back(qkey, qvalue);
    auto p = detail::plan_raw(in, home, klaviyo::retry_options{});
    if (!p.ok()) return;
    check_target(p.target, "plan_raw");
    if (!url.starts_with("/")) check_on_home(url, home);
    for (const auto& [k, v] : p.extra_headers) {
        if (k.empty() || k.find_first_of(" :\r\n") != std::string::npos) violated("a header name is one token");
        if (v.find_first_of("\r\n") != std::string::npos) violated("a header value is one line");
        if (detail::iequals(k, "Authorization") || detail::iequals(k, "Host")) violated("the client's headers stay");
    }
}

void endpoint(std::string_view url) {
    try {
        auto o = detail::parse_endpoint(url, "fuzz_links.base_url");
        if (o.host.empty()) violated("an endpoint has a host");
        if (!o.tls && !detail::is_loopback_host(o.host)) violated("plain http only for loopback");
        check_on_home(url, o);
    } catch (const std::invalid_argument&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    klaviyo::origin home;
    switch (data[0] % 3) {
    case 0:
        home = {true, "a.klaviyo.com", 443};
        break;
    case 1:
        home = {false, "127.0.0.1", 8080};
        break;
    default:
        home = {false, "localhost", 80};
        break;
    }
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::string_view parts[5];
    for (auto& part : parts) {
        auto nl = in.find('\n');
        part = in.substr(0, nl);
        in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    }
    links(parts[0], home);
    raw(parts[0], home, parts[1], parts[2], parts[3], parts[4]);
    endpoint(parts[0]);
    return 0;
}
