// klaviyo-cpp: OAuth 2.0 with PKCE for Klaviyo apps: the authorize URL, the
// redirect check, the token endpoint's requests and answers (pure), tokens
// and where they are kept.
//
// The flow: make_authorization_request() → send the user to `url` → on the
// redirect, code_from_redirect() → client.async_exchange_code(code, verifier)
// → every call then carries `Authorization: Bearer <access token>`, refreshed
// by the client before it expires (and once after a 401), one refresh for
// all concurrent calls.
#pragma once

#include <klaviyo/auth/pkce.hpp>
#include <klaviyo/config.hpp>
#include <klaviyo/detail/origin.hpp>
#include <klaviyo/error.hpp>
#include <klaviyo/http.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace klaviyo {

/// An OAuth app's registration. Not printable on purpose: it holds the secret.
struct oauth_config {
    /// The app's client id; required.
    std::string client_id{};
    /// The app's secret; required. Sent only to token_url and revoke_url, as HTTP Basic, and never written into an
    /// error message.
    std::string client_secret{};
    std::string redirect_uri{};        ///< as registered with the app
    std::vector<std::string> scopes{}; ///< such as {"profiles:read", "profiles:write"}
    /// Klaviyo's consent page, where make_authorization_request() sends the user.
    std::string authorize_url = "https://www.klaviyo.com/oauth/authorize";
    /// Token traffic must not go through www.klaviyo.com (blocked since 2025-03-31).
    std::string token_url = "https://a.klaviyo.com/oauth/token";
    /// Where basic_client::async_revoke() posts; like token_url, never www.klaviyo.com.
    std::string revoke_url = "https://a.klaviyo.com/oauth/revoke";
    /// Refresh when the access token expires within this margin.
    std::chrono::seconds refresh_margin{60};
};

/// What the token endpoint granted.
struct oauth_token {
    /// Sent as `Authorization: Bearer` with every API call; secret.
    std::string access_token{};
    /// Exchanged for a new access token before this one expires; Klaviyo may rotate it; secret.
    std::string refresh_token{};
    /// When the access token expires: the time of the answer plus its `expires_in` (3600 s when absent; at most a
    /// year).
    std::chrono::system_clock::time_point expires_at{};
    std::string scope{}; ///< space-separated, as granted
};

/// Where tokens live between runs. The client loads from it when it has no
/// token and saves every new one: Klaviyo rotates refresh tokens, so a new
/// token that is not saved is a connection lost. Implementations may do I/O.
///
/// A client calls its store from its own executor only. One store serves one
/// OAuth client: each refresh spends the refresh token every other holder of
/// the grant still has (Klaviyo rotates it), so clients that share a grant
/// must share one client (on a strand), not a store, or coordinate their
/// refreshes (oauth_connection::coordinator: the Redis fleet of
/// <klaviyo/fleet.hpp>).
class token_store {
public:
    virtual ~token_store() = default;
    /// The token saved last, or nullopt when there is none yet. Called when the client holds no token.
    virtual asio::awaitable<std::optional<oauth_token>> async_load() = 0;
    /// Keeps `token`, replacing the previous one. Called after the code exchange and after every refresh, before the
    /// calls waiting for that refresh go on.
    virtual asio::awaitable<void> async_save(oauth_token token) = 0;
};

/// Coordinates the refreshes of one grant among the processes that use it
/// (oauth_connection::coordinator), so that the fleet spends each refresh
/// token once: two processes refreshing with the same refresh token race,
/// and the loser's `invalid_grant` may revoke the whole grant.
///
/// The client calls it from its own executor only, and still saves every
/// token it takes up through its token_store.
class refresh_coordinator {
public:
    /// Obtains a token from the token endpoint with refresh token `refresh_token`.
    using refresh_function = std::function<asio::awaitable<oauth_token>(std::string refresh_token)>;

    virtual ~refresh_coordinator() = default;
    /// The fleet's current token, or nullopt when the fleet holds none yet. With
    /// `seed` (the client's stored token), a fleet that holds none takes `seed`.
    virtual asio::awaitable<std::optional<oauth_token>> async_current(std::optional<oauth_token> seed) = 0;
    /// A token newer than `stale`: one another process obtained, or one this
    /// process obtains by calling `refresh` while it alone may. Throws what
    /// `refresh` throws when no newer token turns up.
    virtual asio::awaitable<oauth_token> async_refresh(oauth_token stale, refresh_function refresh) = 0;
    /// A token from a new authorization (code exchange) becomes the fleet's, replacing any other.
    virtual asio::awaitable<void> async_publish(oauth_token fresh) = 0;
};

/// The default store: memory only (the token is gone when the process ends).
/// Not thread-safe: it belongs to one client, used from that client's executor.
class memory_token_store final : public token_store {
public:
    memory_token_store() = default;
    /// Starts with `t`, e.g. a token obtained elsewhere.
    explicit memory_token_store(oauth_token t) : token_(std::move(t)) {}
    /// The token held, if any.
    asio::awaitable<std::optional<oauth_token>> async_load() override { co_return token_; }
    /// Holds `t` instead of the previous token and counts the save.
    asio::awaitable<void> async_save(oauth_token t) override {
        token_ = std::move(t);
        ++saves_;
        co_return;
    }
    /// The token held now, if any.
    const std::optional<oauth_token>& token() const noexcept { return token_; }
    /// How many times async_save() ran (tests check that rotated tokens are saved).
    std::size_t saves() const noexcept { return saves_; }

private:
    std::optional<oauth_token> token_;
    std::size_t saves_ = 0;
};

/// The start of an authorization: send the user to `url`; keep `state` and
/// `code_verifier` (secret) for the redirect and the code exchange.
struct authorization_request {
    std::string url; ///< the authorize URL: send the user's browser there
    std::string state; ///< random; the redirect must bring it back (code_from_redirect() checks)
    std::string code_verifier; ///< the PKCE verifier: secret; pass it to basic_client::async_exchange_code()
};

namespace detail {

/// Checks an OAuth endpoint URL (the rules of parse_endpoint, and for token
/// traffic never www.klaviyo.com). Returns its origin; `target` gets its path.
inline origin oauth_endpoint(std::string_view url, const char* what, bool token_traffic, std::string& target) {
    auto o = parse_endpoint(url, std::string("oauth_config.") + what);
    if (token_traffic && o.host == "www.klaviyo.com")
        throw std::invalid_argument(std::string("klaviyo: oauth_config.") + what +
                                    " must not be www.klaviyo.com: Klaviyo blocks token traffic there; use "
                                    "a.klaviyo.com");
    target = std::string(boost::urls::parse_uri(url)->encoded_path());
    if (target.empty()) target = "/";
    return o;
}

inline std::string form_encode(std::string_view s) { return boost::urls::encode(s, boost::urls::unreserved_chars); }

/// application/x-www-form-urlencoded from name/value pairs.
inline std::string form_body(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    std::string out;
    for (const auto& [k, v] : fields) {
        if (!out.empty()) out += '&';
        out += form_encode(k);
        out += '=';
        out += form_encode(v);
    }
    return out;
}

/// The first of `needed` that the space-separated `granted` lacks, or empty.
/// An empty grant (a token answer without "scope") says nothing: Klaviyo judges.
inline std::string_view missing_scope(std::span<const std::string_view> needed, std::string_view granted) {
    if (granted.empty()) return {};
    for (auto want : needed) {
        bool found = false;
        for (std::size_t pos = 0; pos <= granted.size() && !found;) {
            auto end = granted.find(' ', pos);
            if (end == std::string_view::npos) end = granted.size();
            found = granted.substr(pos, end - pos) == want;
            pos = end + 1;
        }
        if (!found) return want;
    }
    return {};
}

inline std::string join_scopes(const std::vector<std::string>& scopes) {
    std::string s;
    for (const auto& x : scopes) s += (s.empty() ? "" : " ") + x;
    return s;
}

/// A request to the token or revoke endpoint: client credentials as HTTP
/// Basic, a form body, never replayed blindly (a refresh token may rotate).
inline http_request token_endpoint_request(const oauth_config& c, const origin& o, std::string target, std::string body,
                                           const std::string& user_agent) {
    http_request r;
    r.method = http_method::post;
    r.origin = o;
    r.target = std::move(target);
    r.idempotent = false;
    r.headers.emplace_back("Authorization", "Basic " + base64(c.client_id + ":" + c.client_secret));
    r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    r.headers.emplace_back("Accept", "application/json");
    r.headers.emplace_back("User-Agent", user_agent);
    r.body = std::move(body);
    return r;
}

/// Throws the token or revoke endpoint's refusal (non-2xx) as an api_error
/// carrying its `error` and `error_description`, never a token or secret.
inline void throw_if_refused(const http_response& r) {
    if (r.status >= 200 && r.status < 300) return;
    diagnostics diag;
    diag.http_status = r.status;
    std::string error = "HTTP " + std::to_string(r.status);
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (const json::object* o = ec ? nullptr : v.if_object())
        if (const auto* e = o->if_contains("error"); e && e->is_string()) {
            error = std::string(e->get_string());
            if (const auto* d = o->if_contains("error_description"); d && d->is_string())
                error += ": " + std::string(d->get_string());
        }
    diag.message = "oauth token endpoint: " + error;
    throw api_error(r.status == 429 ? errc::rate_limited : errc::oauth_error, std::move(diag));
}

/// A token endpoint answer as a token (or its refusal, thrown).
inline oauth_token parse_token_response(const http_response& r, std::chrono::system_clock::time_point now) {
    throw_if_refused(r);
    diagnostics diag;
    diag.http_status = r.status;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    const json::object* o = ec ? nullptr : v.if_object();
    auto str = [&](const char* k) -> std::string {
        const auto* x = o ? o->if_contains(k) : nullptr;
        return x && x->is_string() ? std::string(x->get_string()) : std::string();
    };
    oauth_token t;
    t.access_token = str("access_token");
    t.refresh_token = str("refresh_token");
    t.scope = str("scope");
    if (t.access_token.empty()) {
        diag.message = "oauth token endpoint: the answer has no access_token";
        throw api_error(errc::malformed_response, std::move(diag));
    }
    // The lifetime in seconds (RFC 6749 §5.1), read as any JSON number and
    // kept within [0, one year]: to_number<int64_t> throws on a fraction
    // ("expires_in": 0.5) and a huge value overflows the time arithmetic
    // (both found by fuzzing); a year is past any lifetime Klaviyo grants.
    constexpr double max_lifetime = 366.0 * 24 * 3600;
    std::int64_t expires_in = 3600;
    if (const auto* x = o->if_contains("expires_in"); x && x->is_number()) {
        const double d = x->to_number<double>(); // never throws for a number
        expires_in = d > 0 ? static_cast<std::int64_t>(d < max_lifetime ? d : max_lifetime) : 0;
    }
    t.expires_at = now + std::chrono::seconds(expires_in);
    return t;
}

} // namespace detail

/// The authorize URL (response_type=code, client_id, redirect_uri, scope,
/// state, code_challenge, code_challenge_method=S256) with a fresh PKCE
/// verifier and a random state.
inline authorization_request make_authorization_request(const oauth_config& c) {
    if (c.client_id.empty()) throw std::invalid_argument("klaviyo: oauth_config.client_id is empty");
    if (c.redirect_uri.empty()) throw std::invalid_argument("klaviyo: oauth_config.redirect_uri is empty");
    if (c.scopes.empty()) throw std::invalid_argument("klaviyo: oauth_config.scopes is empty");
    std::string ignored;
    detail::oauth_endpoint(c.authorize_url, "authorize_url", false, ignored);
    auto pkce = make_pkce();
    authorization_request r;
    r.state = detail::random_urlsafe(24);
    r.code_verifier = std::move(pkce.verifier);
    boost::urls::url u(c.authorize_url);
    auto params = u.params();
    params.append({"response_type", "code"});
    params.append({"client_id", c.client_id});
    params.append({"redirect_uri", c.redirect_uri});
    params.append({"scope", detail::join_scopes(c.scopes)});
    params.append({"state", r.state});
    params.append({"code_challenge", pkce.challenge});
    params.append({"code_challenge_method", "S256"});
    r.url = std::string(u.buffer());
    return r;
}

/// The authorization code from the redirect (a full URL, or just its query
/// or target), after checking that its state is the request's. Throws
/// api_error: state_mismatch, or oauth_error when the user or Klaviyo
/// refused (`error=access_denied`), or invalid_argument without a code.
inline std::string code_from_redirect(const authorization_request& req, std::string_view redirect) {
    std::string_view query = redirect;
    if (auto q = redirect.find('?'); q != std::string_view::npos) query = redirect.substr(q + 1);
    if (auto h = query.find('#'); h != std::string_view::npos) query = query.substr(0, h);
    const std::string target = "/?" + std::string(query);
    auto parsed = boost::urls::parse_origin_form(target);
    diagnostics diag;
    if (!parsed) {
        diag.message = "redirect: the query cannot be parsed";
        throw api_error(errc::invalid_argument, std::move(diag));
    }
    std::string code, state, error, description;
    for (auto p : parsed->params()) {
        auto key = std::string(p.key);
        if (key == "code")
            code = p.value;
        else if (key == "state")
            state = p.value;
        else if (key == "error")
            error = p.value;
        else if (key == "error_description")
            description = p.value;
    }
    if (state != req.state) {
        diag.message = "redirect: state does not match the authorization request (possible forgery)";
        throw api_error(errc::state_mismatch, std::move(diag));
    }
    if (!error.empty()) {
        diag.message = "redirect: " + error + (description.empty() ? "" : ": " + description);
        throw api_error(errc::oauth_error, std::move(diag));
    }
    if (code.empty()) {
        diag.message = "redirect: no code";
        throw api_error(errc::invalid_argument, std::move(diag));
    }
    return code;
}

/// What a client connects with when it uses OAuth: the app, and the store
/// that holds (or will hold) the token.
struct oauth_connection {
    /// The app's registration.
    oauth_config config{};
    /// Where tokens are loaded from and saved to; memory only unless you give a store of your own.
    std::shared_ptr<token_store> store = std::make_shared<memory_token_store>();
    /// Null: this client refreshes on its own. Else every refresh goes through
    /// it, shared with the other processes of the grant (<klaviyo/fleet.hpp>).
    std::shared_ptr<refresh_coordinator> coordinator{};
};

} // namespace klaviyo
