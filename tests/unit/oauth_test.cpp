// OAuth: PKCE, the authorize URL and the redirect check, the token
// endpoint's requests byte for byte, refresh before expiry and after a 401
// (once), and errors that never carry a secret.
#include "mock_client.hpp"

#include <klaviyo/api/call.hpp>
#include <klaviyo/api/catalogs.hpp>
#include <klaviyo/api/profiles.hpp>
#include <klaviyo/auth/oauth.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <boost/url/parse.hpp>

using namespace klaviyo;
using boost::asio::awaitable;
namespace asio = boost::asio;

namespace {

using ktest::mock_client;

constexpr const char* secret = "TESTSECRET-client-secret";

oauth_config app() {
    oauth_config c;
    c.client_id = "app-1";
    c.client_secret = secret;
    c.redirect_uri = "https://app.example/callback";
    c.scopes = {"profiles:read", "lists:write"};
    return c;
}

oauth_token token(std::string access, std::string refresh, std::chrono::seconds from_now) {
    oauth_token t;
    t.access_token = std::move(access);
    t.refresh_token = std::move(refresh);
    t.expires_at = std::chrono::system_clock::now() + from_now;
    return t;
}

std::string token_json(const char* access, const char* refresh) {
    return std::string(R"({"access_token":")") + access + R"(","token_type":"Bearer","expires_in":3600,)" +
           R"("refresh_token":")" + refresh + R"(","scope":"profiles:read lists:write"})";
}

const char* profile_page = R"({"data":[],"links":{}})";

struct oauth_fixture {
    asio::io_context ioc;
    std::shared_ptr<memory_token_store> store;
    mock_client client;
    std::vector<std::string> messages; // every failure's text, for the secret check

    explicit oauth_fixture(std::optional<oauth_token> initial)
        : store(initial ? std::make_shared<memory_token_store>(*initial) : std::make_shared<memory_token_store>()),
          client(ioc.get_executor(), oauth_connection{app(), store}) {
        client.set_sleep_function([this](std::chrono::milliseconds, auto handler) {
            asio::post(ioc, [h = std::move(handler)]() mutable { std::move(h)(error_code{}); });
        });
    }
    mock_transport<>& mock() { return client.transport(); }

    /// Lists profiles with a callback token; returns the error.
    error_code list_profiles() {
        error_code ec;
        diagnostics d;
        client.async_list<profile>(list_options{}, capture_diagnostics(d, [&](error_code e, auto) { ec = e; }));
        ioc.run();
        ioc.restart();
        if (ec) messages.push_back(d.summary() + " / " + ec.message());
        return ec;
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(oauth)

BOOST_AUTO_TEST_CASE(pkce_pairs) {
    // RFC 7636, appendix B.
    BOOST_TEST(pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
               "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    auto a = make_pkce(), b = make_pkce(43), c = make_pkce(128);
    BOOST_TEST(a.verifier.size() == 64u);
    BOOST_TEST(b.verifier.size() == 43u);
    BOOST_TEST(c.verifier.size() == 128u);
    BOOST_TEST(a.verifier != make_pkce().verifier);
    for (const auto* p : {&a, &b, &c}) {
        BOOST_TEST(p->challenge == pkce_challenge(p->verifier));
        BOOST_TEST(p->challenge.size() == 43u); // 32 bytes, base64url, no padding
        BOOST_TEST(p->verifier.find_first_not_of(
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == std::string::npos);
        BOOST_TEST(p->challenge.find_first_of("+/=") == std::string::npos);
    }
    BOOST_CHECK_THROW(make_pkce(42), std::invalid_argument);
    BOOST_CHECK_THROW(make_pkce(129), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(authorize_url_and_redirect_check) {
    auto req = make_authorization_request(app());
    auto u = boost::urls::parse_uri(req.url);
    BOOST_REQUIRE(u.has_value());
    BOOST_TEST(u->encoded_host() == "www.klaviyo.com");
    BOOST_TEST(u->encoded_path() == "/oauth/authorize");
    std::map<std::string, std::string> q;
    for (auto p : u->params()) q[std::string(p.key)] = std::string(p.value);
    BOOST_TEST(q["response_type"] == "code");
    BOOST_TEST(q["client_id"] == "app-1");
    BOOST_TEST(q["redirect_uri"] == "https://app.example/callback");
    BOOST_TEST(q["scope"] == "profiles:read lists:write");
    BOOST_TEST(q["state"] == req.state);
    BOOST_TEST(q["code_challenge_method"] == "S256");
    BOOST_TEST(q["code_challenge"] == pkce_challenge(req.code_verifier));
    BOOST_TEST(req.url.find(req.code_verifier) == std::string::npos); // the verifier stays with the app
    BOOST_TEST(make_authorization_request(app()).state != req.state);

    BOOST_TEST(code_from_redirect(req, "https://app.example/callback?code=abc&state=" + req.state) == "abc");
    BOOST_TEST(code_from_redirect(req, "code=x%2By&state=" + req.state) == "x+y");
    auto fails_with = [&](std::string redirect, errc want) {
        try {
            code_from_redirect(req, redirect);
            BOOST_ERROR("accepted " << redirect);
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == want), redirect << ": " << e.what());
        }
    };
    fails_with("https://app.example/callback?code=abc&state=forged", errc::state_mismatch);
    fails_with("https://app.example/callback?code=abc", errc::state_mismatch);
    fails_with("https://app.example/callback?error=access_denied&state=" + req.state, errc::oauth_error);
    fails_with("https://app.example/callback?state=" + req.state, errc::invalid_argument);

    auto bad = app();
    bad.token_url = "https://www.klaviyo.com/oauth/token";
    asio::io_context ioc;
    BOOST_CHECK_THROW(mock_client(ioc.get_executor(), oauth_connection{bad, std::make_shared<memory_token_store>()}),
                      std::invalid_argument);
    bad = app();
    bad.token_url = "http://a.klaviyo.com/oauth/token";
    BOOST_CHECK_THROW(mock_client(ioc.get_executor(), oauth_connection{bad, std::make_shared<memory_token_store>()}),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(exchange_and_refresh_requests_byte_exact) {
    oauth_fixture f(std::nullopt);
    f.mock().respond(200, token_json("at-1", "rt-1"));
    std::string verifier(43, 'v');
    oauth_token got;
    std::exception_ptr failure;
    asio::co_spawn(
        f.ioc, [&]() -> awaitable<void> { got = co_await f.client.async_exchange_code("the-code", verifier); },
        [&](std::exception_ptr e) { failure = e; });
    f.ioc.run();
    f.ioc.restart();
    BOOST_REQUIRE(!failure);
    BOOST_TEST(got.access_token == "at-1");
    BOOST_TEST(f.store->saves() == 1u);
    const auto& ex = f.mock().requests().at(0);
    BOOST_TEST((ex.method == http_method::post));
    BOOST_TEST(ex.origin.host == "a.klaviyo.com");
    BOOST_TEST(ex.origin.tls);
    BOOST_TEST(ex.target == "/oauth/token");
    BOOST_TEST(ex.header("Authorization") == "Basic " + detail::base64(std::string("app-1:") + secret));
    BOOST_TEST(ex.header("Content-Type") == "application/x-www-form-urlencoded");
    BOOST_TEST(ex.body == "grant_type=authorization_code&code=the-code&code_verifier=" + verifier +
                              "&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback");
    BOOST_TEST(!ex.idempotent);

    // A client whose stored token is about to expire refreshes first.
    oauth_fixture g(token("at-1", "rt-1", std::chrono::seconds(10)));
    g.mock().respond(200, token_json("at-2", "rt-2")).respond(200, profile_page);
    BOOST_TEST(!g.list_profiles());
    const auto& rq = g.mock().requests();
    BOOST_REQUIRE(rq.size() == 2u);
    BOOST_TEST(rq[0].target == "/oauth/token");
    BOOST_TEST(rq[0].body == "grant_type=refresh_token&refresh_token=rt-1");
    BOOST_TEST(rq[1].header("Authorization") == "Bearer at-2");
    BOOST_TEST(g.store->token()->refresh_token == "rt-2"); // the rotated refresh token is saved
    BOOST_TEST(g.store->saves() == 1u);

    // A fresh token is used as it is.
    g.mock().respond(200, profile_page);
    BOOST_TEST(!g.list_profiles());
    BOOST_TEST(g.mock().requests().size() == 3u);
    BOOST_TEST(g.mock().requests()[2].header("Authorization") == "Bearer at-2");
}

BOOST_AUTO_TEST_CASE(token_endpoint_errors_are_surfaced_without_retrying) {
    oauth_fixture f(token("at-1", "rt-1", std::chrono::seconds(-5)));
    f.mock().respond(400, R"({"error":"invalid_grant","error_description":"Refresh token is invalid or expired."})");
    auto ec = f.list_profiles();
    BOOST_TEST((ec == errc::oauth_error));
    BOOST_TEST(f.messages.at(0).find("invalid_grant: Refresh token is invalid or expired.") != std::string::npos,
               f.messages.at(0));
    BOOST_TEST(f.mock().requests().size() == 1u); // no API call, no second refresh
    // The next call tries again (once), it does not loop.
    f.mock().respond(400, R"({"error":"invalid_grant","error_description":"Refresh token is invalid or expired."})");
    BOOST_TEST((f.list_profiles() == errc::oauth_error));
    BOOST_TEST(f.mock().requests().size() == 2u);

    oauth_fixture none(std::nullopt);
    BOOST_TEST((none.list_profiles() == errc::unauthorized));
    BOOST_TEST(none.mock().requests().empty());
}

BOOST_AUTO_TEST_CASE(a_401_refreshes_once_and_resends_once) {
    const char* expired =
        R"({"errors":[{"status":401,"code":"not_authenticated","detail":"The access token has expired."}]})";
    oauth_fixture f(token("at-1", "rt-1", std::chrono::hours(1)));
    f.mock().respond(401, expired).respond(200, token_json("at-2", "rt-2")).respond(200, profile_page);
    BOOST_TEST(!f.list_profiles());
    const auto& rq = f.mock().requests();
    BOOST_REQUIRE(rq.size() == 3u);
    BOOST_TEST(rq[0].header("Authorization") == "Bearer at-1");
    BOOST_TEST(rq[1].body == "grant_type=refresh_token&refresh_token=rt-1");
    BOOST_TEST(rq[2].header("Authorization") == "Bearer at-2");

    // Still 401 with the new token: the call fails, no second refresh.
    oauth_fixture g(token("at-1", "rt-1", std::chrono::hours(1)));
    g.mock().respond(401, expired).respond(200, token_json("at-2", "rt-2")).respond(401, expired);
    BOOST_TEST((g.list_profiles() == errc::unauthorized));
    BOOST_TEST(g.mock().requests().size() == 3u);
    BOOST_TEST(g.mock().pending() == 0u);
}

BOOST_AUTO_TEST_CASE(a_scope_the_token_lacks_fails_before_any_io_and_is_named) {
    auto granted = token("at-1", "rt-1", std::chrono::hours(1));
    granted.scope = "profiles:read lists:write";
    oauth_fixture f(granted);
    f.mock().respond(200, profile_page);
    diagnostics d;
    error_code got;
    api::async_call<api::get_catalog_items>(f.client, api::call_options{},
                                            capture_diagnostics(d, [&](error_code ec, auto) { got = ec; }));
    f.ioc.run();
    f.ioc.restart();
    BOOST_TEST((got == errc::forbidden));
    BOOST_TEST(d.message == "oauth: get_catalog_items needs the scope 'catalogs:read', which the token was not granted");
    BOOST_TEST(f.mock().requests().empty());

    // A granted scope goes through; so does any call when the grant is unknown.
    got = {};
    api::async_call<api::get_profiles>(f.client, api::call_options{}, [&](error_code ec, auto) { got = ec; });
    f.ioc.run();
    f.ioc.restart();
    BOOST_TEST(!got);
    BOOST_TEST(f.mock().requests().size() == 1u);
    BOOST_TEST(detail::missing_scope(api::get_catalog_items::facts.scopes, "").empty());
    BOOST_TEST(detail::missing_scope(api::get_catalog_items::facts.scopes, "catalogs:readx catalogs:read").empty());
    BOOST_TEST(detail::missing_scope(api::get_catalog_items::facts.scopes, "catalogs:readx") == "catalogs:read");
}

BOOST_AUTO_TEST_CASE(concurrent_calls_share_one_refresh) {
    oauth_fixture f(token("at-1", "rt-1", std::chrono::seconds(-1)));
    f.mock().respond(200, token_json("at-2", "rt-2"));
    for (int i = 0; i < 100; ++i) f.mock().respond(200, profile_page);
    int ok = 0, failed = 0;
    for (int i = 0; i < 100; ++i)
        f.client.async_list<profile>(list_options{}, [&](error_code ec, auto) { ec ? ++failed : ++ok; });
    f.ioc.run();
    BOOST_TEST(ok == 100);
    BOOST_TEST(failed == 0);
    std::size_t refreshes = 0;
    for (const auto& r : f.mock().requests()) {
        if (r.target == "/oauth/token")
            ++refreshes;
        else
            BOOST_TEST(r.header("Authorization") == "Bearer at-2");
    }
    BOOST_TEST(refreshes == 1u);

    // A failed shared refresh fails every waiting call, once.
    oauth_fixture g(token("at-1", "rt-1", std::chrono::seconds(-1)));
    g.mock().respond(400, R"({"error":"invalid_grant","error_description":"revoked"})");
    int oauth_errors = 0;
    for (int i = 0; i < 20; ++i)
        g.client.async_list<profile>(list_options{},
                                     [&](error_code ec, auto) { oauth_errors += ec == errc::oauth_error; });
    g.ioc.run();
    BOOST_TEST(oauth_errors == 20);
    BOOST_TEST(g.mock().requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(revoke_request_and_no_secret_in_any_message) {
    oauth_fixture f(token("at-1", "rt-1", std::chrono::hours(1)));
    f.mock()
        .respond(200)
        .respond(401, R"({"error":"invalid_client","error_description":"bad client"})")
        .respond(400, R"({"error":"invalid_grant","error_description":"the code has expired"})");
    std::vector<std::string> texts;
    asio::co_spawn(
        f.ioc,
        [&]() -> awaitable<void> {
            auto r = co_await f.client.async_revoke("rt-1", "refresh_token");
            BOOST_TEST(r.status == 200u);
            try {
                co_await f.client.async_revoke("at-1", "access_token");
            } catch (const api_error& e) {
                texts.push_back(e.what());
                texts.push_back(e.diagnostics().summary());
            }
            try {
                co_await f.client.async_exchange_code("code-1", std::string(50, 'v'));
            } catch (const std::exception& e) {
                texts.push_back(e.what());
            }
        },
        asio::detached);
    f.ioc.run();
    f.ioc.restart();
    const auto& rq = f.mock().requests();
    BOOST_TEST(rq[0].target == "/oauth/revoke");
    BOOST_TEST(rq[0].body == "token=rt-1&token_type_hint=refresh_token");
    BOOST_TEST(texts.size() == 3u);
    BOOST_TEST(texts.at(2).find("invalid_grant: the code has expired") != std::string::npos, texts.at(2));
    BOOST_TEST(f.mock().violations().empty());
    for (const auto& m : f.messages) texts.push_back(m);
    for (const auto& t : texts)
        for (const char* s : {secret, "at-1", "rt-1", "vvvvvvvvvv", "code-1"})
            BOOST_TEST(t.find(s) == std::string::npos, "'" << s << "' appears in: " << t);
}

BOOST_AUTO_TEST_SUITE_END()
