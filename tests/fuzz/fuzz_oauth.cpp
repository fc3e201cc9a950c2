// Fuzz target: what the OAuth flow reads from the outside (auth/oauth.hpp,
// auth/pkce.hpp). The first input byte picks what the rest is:
//   0: a token endpoint answer body (detail::parse_token_response), with
//      the status from the second byte (200, 400, 401, 429 or 500);
//   1: the redirect back from the consent page (code_from_redirect);
//   2: a granted scope string (detail::missing_scope) and a PKCE verifier.
// The contract: parse_token_response and code_from_redirect return a value
// or throw klaviyo::api_error (a refusal, a mismatch, a malformed answer);
// anything else that escapes, a crash or a sanitizer report is a bug. And
// no secret leaks into an error: neither the answer's access token nor the
// request's PKCE verifier appears in what().
#include <klaviyo/auth/oauth.hpp>
#include <klaviyo/auth/pkce.hpp>
#include <klaviyo/error.hpp>

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "fuzz_oauth: invariant violated: %s\n", what);
    std::abort();
}

/// A string member of a JSON object body, or empty (read independently of the code under test).
std::string member(std::string_view body, std::string_view key) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) return {};
    const auto* m = v.get_object().if_contains(key);
    return m && m->is_string() ? std::string(m->get_string()) : std::string();
}

/// Whether `token` is in the error text for the same answer with another
/// token of its length: then it is a piece of the library's own words (found
/// by fuzzing: the token "auth token e" is inside "oauth token endpoint").
bool in_fixed_text(unsigned status, std::string_view body, const std::string& token) {
    const std::string other(token.size(), token.front() == 'Q' ? 'Z' : 'Q');
    std::string swapped(body);
    for (auto at = swapped.find(token); at != std::string::npos; at = swapped.find(token, at + other.size()))
        swapped.replace(at, token.size(), other);
    klaviyo::http_response r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = swapped;
    try {
        (void)klaviyo::detail::parse_token_response(r, std::chrono::system_clock::time_point{});
    } catch (const klaviyo::api_error& e) {
        return std::string_view(e.what()).find(token) != std::string_view::npos;
    }
    return false;
}

void token_answer(unsigned status, std::string_view body) {
    klaviyo::http_response r;
    r.status = status;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = std::string(body);
    // A fixed "now" in the present era, as the client passes system_clock::now().
    const auto now = std::chrono::system_clock::time_point{} + std::chrono::seconds(1'767'225'600);
    try {
        auto t = klaviyo::detail::parse_token_response(r, now);
        if (status < 200 || status >= 300) violated("a refusal is not a token");
        if (t.access_token.empty()) violated("a token has an access token");
    } catch (const klaviyo::api_error& e) {
        if (e.code() == klaviyo::errc::oauth_error || e.code() == klaviyo::errc::rate_limited) {
            if (status >= 200 && status < 300) violated("a 2xx answer is not a refusal");
        } else if (e.code() != klaviyo::errc::malformed_response) {
            violated("a token answer fails as a refusal or as malformed");
        }
        // An answer that carries a token and fails anyway (a refusal with a
        // token, a broken server) must not echo the token, unless the
        // server itself put it into its error text.
        const std::string token = member(body, "access_token");
        const std::string said = member(body, "error") + member(body, "error_description");
        if (token.size() >= 8 && std::string_view(e.what()).find(token) != std::string_view::npos &&
            said.find(token) == std::string::npos && !in_fixed_text(status, body, token))
            violated("an access token leaked into an error");
    }
}

/// Every key and value of the redirect's query, percent-decoded, side by side.
std::string decoded_query(std::string_view url) {
    auto q = url.find('?');
    std::string target = "/?" + std::string(q == std::string_view::npos ? url : url.substr(q + 1));
    std::string all(url);
    if (auto u = boost::urls::parse_origin_form(target))
        for (auto p : u->params()) all += " " + std::string(p.key) + " " + std::string(p.value);
    return all;
}

void redirect(std::string_view url) {
    klaviyo::authorization_request req;
    req.url = "https://www.klaviyo.com/oauth/authorize";
    req.state = "st4te-of-the-request";
    req.code_verifier = "the-verifier-which-is-secret-and-long-enough-for-pkce-rules-xx";
    try {
        auto code = klaviyo::code_from_redirect(req, url);
        if (code.empty()) violated("a code is never empty");
    } catch (const klaviyo::api_error& e) {
        const auto c = e.code();
        if (c != klaviyo::errc::state_mismatch && c != klaviyo::errc::oauth_error &&
            c != klaviyo::errc::invalid_argument)
            violated("a redirect fails as state_mismatch, oauth_error or invalid_argument");
        // The redirect's own error text is echoed (it is not a secret): the
        // verifier counts as leaked only when the redirect did not carry it.
        if (std::string_view(e.what()).find(req.code_verifier) != std::string_view::npos &&
            decoded_query(url).find(req.code_verifier) == std::string::npos)
            violated("the verifier leaked");
    }
}

void scopes(std::string_view granted) {
    static constexpr std::string_view needed[] = {"profiles:read", "profiles:write", "lists:read"};
    auto lacking = klaviyo::detail::missing_scope(needed, granted);
    if (granted.empty() && !lacking.empty()) violated("an empty grant says nothing");
    if (!lacking.empty() && lacking != needed[0] && lacking != needed[1] && lacking != needed[2])
        violated("missing_scope names a needed scope");
    auto challenge = klaviyo::pkce_challenge(granted);
    if (challenge.size() != 43) violated("an S256 challenge has 43 characters");
    auto basic = klaviyo::detail::base64(granted);
    if (basic.size() != 4 * ((granted.size() + 2) / 3)) violated("base64 pads to a multiple of 4");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    static constexpr unsigned statuses[] = {200, 200, 200, 400, 401, 429, 500, 201};
    std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
    switch (data[0] % 3) {
    case 0:
        token_answer(statuses[data[1] % 8], rest);
        break;
    case 1:
        redirect(rest);
        break;
    default:
        scopes(rest);
        break;
    }
    return 0;
}
