// OAuth against the sandbox's provider: the whole authorization-code flow
// with PKCE, one refresh for 100 concurrent calls, refresh after a 401 (once),
// revocation, scope checks, and no secret in any message or log line.
#include "sandbox_fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <boost/url/parse.hpp>

#include <fstream>
#include <sstream>

using namespace klaviyo;
using boost::asio::awaitable;
namespace asio = boost::asio;

namespace {

/// The app's secret carries TESTSECRET, so CI's key grep covers it too.
constexpr const char* app_secret = "TESTSECRET-oauth-app-secret";

inline sandbox::options sandbox_options() {
    sandbox::options o;
    o.rate_limits = false;
    o.oauth.client_secret = app_secret;
    return o;
}

struct oauth_sandbox : ktest::sandbox_fixture {
    std::shared_ptr<memory_token_store> store = std::make_shared<memory_token_store>();
    std::unique_ptr<klaviyo::client> app;
    oauth_config config;

    explicit oauth_sandbox(std::vector<std::string> scopes, std::chrono::seconds margin = std::chrono::seconds(60))
        : ktest::sandbox_fixture(sandbox_options()) {
        const auto& base = client->options().base_url;
        config.client_id = "sandbox-app";
        config.client_secret = app_secret;
        config.redirect_uri = "http://127.0.0.1:9/callback"; // never contacted: the test reads the redirect
        config.scopes = std::move(scopes);
        config.authorize_url = base + "/oauth/authorize";
        config.token_url = base + "/oauth/token";
        config.revoke_url = base + "/oauth/revoke";
        config.refresh_margin = margin;
        client_options co;
        co.base_url = base;
        app = std::make_unique<klaviyo::client>(ioc.get_executor(), oauth_connection{config, store}, co);
    }

    /// What a browser does: open the authorize URL, take the redirect.
    std::string authorize(const authorization_request& req) {
        auto u = boost::urls::parse_uri(req.url);
        http_request get;
        get.method = http_method::get;
        get.target = std::string(u->encoded_target());
        auto r = raw(get);
        BOOST_TEST_REQUIRE(r.status == 302u);
        return std::string(r.header("Location"));
    }

    /// Authorizes and exchanges the code: the app is connected.
    void connect() {
        auto req = make_authorization_request(config);
        auto code = code_from_redirect(req, authorize(req));
        run([&]() -> awaitable<void> { co_await app->async_exchange_code(code, req.code_verifier); });
    }

    error_code list_profiles(diagnostics& d) {
        error_code ec;
        app->async_list<profile>(list_options{}, capture_diagnostics(d, [&](error_code e, auto) { ec = e; }));
        ioc.run();
        ioc.restart();
        return ec;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(oauth_against_sandbox)

BOOST_AUTO_TEST_CASE(authorization_code_flow_with_pkce) {
    oauth_sandbox f({"profiles:read", "profiles:write"});
    f.expects_refusals = true; // it tests a refused code_verifier
    auto req = make_authorization_request(f.config);
    auto redirect = f.authorize(req);
    BOOST_TEST(redirect.rfind("http://127.0.0.1:9/callback?code=", 0) == 0u, redirect);
    auto code = code_from_redirect(req, redirect);

    // A wrong verifier is refused, and the code is spent with it.
    error_code bad;
    diagnostics d;
    f.app->async_exchange_code(code, std::string(43, 'x'),
                               capture_diagnostics(d, [&](error_code e, auto) { bad = e; }));
    f.ioc.run();
    f.ioc.restart();
    BOOST_TEST((bad == errc::oauth_error));
    BOOST_TEST(d.message.find("invalid_grant: code_verifier does not match the code_challenge") != std::string::npos,
               d.message);

    auto req2 = make_authorization_request(f.config);
    auto code2 = code_from_redirect(req2, f.authorize(req2));
    new_profile p;
    p.email = "oauth@example.com";
    f.run([&]() -> awaitable<void> {
        auto t = co_await f.app->async_exchange_code(code2, req2.code_verifier);
        BOOST_TEST(t.scope == "profiles:read profiles:write");
        auto created = co_await f.app->async_create<profile>(p);
        auto read = co_await f.app->async_get<profile>(created.data.id);
        BOOST_TEST(*read.data.attributes.email == "oauth@example.com");
    });
    BOOST_TEST(f.store->saves() == 1u);
    BOOST_TEST(f.sandbox->oauth_token_requests() == 2u);
}

BOOST_AUTO_TEST_CASE(one_refresh_for_100_concurrent_calls) {
    // A margin longer than the token's life: every call finds it due for refresh.
    oauth_sandbox f({"profiles:read"}, std::chrono::hours(2));
    f.connect();
    BOOST_TEST(f.sandbox->oauth_refreshes() == 0u);
    int ok = 0;
    for (int i = 0; i < 100; ++i) f.app->async_list<profile>(list_options{}, [&](error_code ec, auto) { ok += !ec; });
    f.ioc.run();
    f.ioc.restart();
    BOOST_TEST(ok == 100);
    BOOST_TEST(f.sandbox->oauth_refreshes() == 1u);
    BOOST_TEST(f.store->saves() == 2u); // the exchange, and the rotated token
}

BOOST_AUTO_TEST_CASE(revoked_tokens_and_refresh_after_401) {
    oauth_sandbox f({"profiles:read"});
    f.expects_refusals = true; // it tests the 401s of revoked tokens
    f.connect();
    const auto first = *f.store->token();
    // Revoke the access token behind the client's back: the next call gets a
    // 401, refreshes once and succeeds with a new token.
    auto revoke = f.good_request(http_method::post, "/oauth/revoke", "token=" + first.access_token);
    revoke.headers.clear();
    revoke.headers.emplace_back("Authorization", "Basic " + detail::base64(std::string("sandbox-app:") + app_secret));
    revoke.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    BOOST_TEST(f.raw(revoke).status == 200u);
    diagnostics d;
    BOOST_TEST(!f.list_profiles(d));
    BOOST_TEST(f.sandbox->oauth_refreshes() == 1u);
    BOOST_TEST(f.store->token()->access_token != first.access_token);

    // Revoke the refresh token through the client: the session is over, and
    // a call fails with invalid_grant after exactly one more token request.
    const auto second = *f.store->token();
    f.run([&]() -> awaitable<void> { co_await f.app->async_revoke(second.refresh_token, "refresh_token"); });
    f.run([&]() -> awaitable<void> { co_await f.app->async_revoke(second.access_token, "access_token"); });
    auto before = f.sandbox->oauth_token_requests();
    auto ec = f.list_profiles(d);
    BOOST_TEST((ec == errc::oauth_error), ec.message());
    BOOST_TEST(d.message.find("invalid_grant") != std::string::npos, d.message);
    BOOST_TEST(f.sandbox->oauth_token_requests() == before + 1);
}

BOOST_AUTO_TEST_CASE(a_missing_scope_is_a_403) {
    oauth_sandbox f({"accounts:read"});
    f.expects_refusals = true; // it tests the 403
    f.connect();
    diagnostics d;
    auto ec = f.list_profiles(d);
    BOOST_TEST((ec == errc::forbidden));
    BOOST_TEST(d.summary().find("profiles:read") != std::string::npos, d.summary());
    f.run([&]() -> awaitable<void> {
        auto accounts = co_await f.app->async_list<account>();
        BOOST_TEST(accounts.data.size() == 1u);
    });
}

BOOST_AUTO_TEST_CASE(no_secret_in_messages_or_the_request_log) {
    std::string log_text;
    std::vector<std::string> secrets, messages;
    {
        oauth_sandbox f({"profiles:read"});
        f.expects_refusals = true; // it provokes token-endpoint and API refusals
        auto req = make_authorization_request(f.config);
        auto code = code_from_redirect(req, f.authorize(req));
        f.run([&]() -> awaitable<void> { co_await f.app->async_exchange_code(code, req.code_verifier); });
        const auto t = *f.store->token();
        secrets = {f.config.client_secret, t.access_token, t.refresh_token, req.code_verifier, code};
        // Failures of every kind, with their texts.
        diagnostics d;
        error_code ec;
        f.app->async_exchange_code(code, req.code_verifier,
                                   capture_diagnostics(d, [&](error_code e, auto) { ec = e; }));
        f.ioc.run();
        f.ioc.restart();
        messages.push_back(ec.message() + " " + d.summary());
        new_list nl{.name = "x"};
        f.app->async_create<klaviyo::list>(nl, {}, capture_diagnostics(d, [&](error_code e, auto) { ec = e; }));
        f.ioc.run();
        f.ioc.restart();
        messages.push_back(ec.message() + " " + d.summary()); // 403: no lists:write
        log_text = f.own_log;
        std::ifstream in(f.own_log);
        std::stringstream all;
        all << in.rdbuf();
        log_text = all.str();
        BOOST_TEST(!log_text.empty());
    }
    for (const auto& s : secrets) {
        BOOST_TEST(log_text.find(s) == std::string::npos, "a secret is in the request log");
        for (const auto& m : messages) BOOST_TEST(m.find(s) == std::string::npos, "a secret is in: " << m);
    }
}

BOOST_AUTO_TEST_SUITE_END()
