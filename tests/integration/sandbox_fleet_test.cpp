// The sandbox's fleet-mode options, over raw HTTP: a spent refresh token
// presented again (the trace of a double refresh) and the grant revoked for
// it; a slow token endpoint that has applied a refresh its client gave up
// on; and rate-limit windows per account, shared by every private key.
// Raw requests, not klaviyo::client: these are the answers a fleet's
// clients must cope with, so the test sends exactly what it means to.
#include <sandbox/server.hpp>

#include <klaviyo/auth/pkce.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;

namespace {

// Every test secret carries TESTSECRET, so CI's key grep covers them too.
constexpr const char* app_secret = "TESTSECRET-fleet-app-secret";
constexpr const char* key_one = "pk_TESTSECRET_fleet_one";
constexpr const char* key_two = "pk_TESTSECRET_fleet_two";
constexpr const char* redirect_encoded = "http%3A%2F%2F127.0.0.1%3A9%2Fcallback";

using request = http::request<http::string_body>;
using response = http::response<http::string_body>;

sandbox::options fleet_options() {
    sandbox::options o;
    o.rate_limits = false;
    o.api_keys = {key_one};
    o.oauth.client_secret = app_secret;
    return o;
}

/// One connection to a sandbox, used synchronously: a test can write a
/// request, do something else, and read the answer later (or never).
class connection {
public:
    explicit connection(const sandbox::server& s) : stream_(ioc_) {
        auto u = boost::urls::parse_uri(s.base_url());
        stream_.connect(asio::ip::tcp::endpoint(asio::ip::make_address(std::string(u->host())),
                                                static_cast<unsigned short>(u->port_number())));
    }

    void send(request req) {
        req.prepare_payload();
        http::write(stream_, req);
    }

    response receive() {
        response res;
        http::read(stream_, buffer_, res);
        return res;
    }

    /// Gone without reading the answer, as a client that gave up or died.
    void close() { stream_.socket().close(); }

private:
    asio::io_context ioc_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
};

request make(http::verb v, std::string target, std::vector<std::pair<std::string, std::string>> headers = {},
             std::string body = {}) {
    request req{v, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (auto& [k, val] : headers) req.set(k, val);
    req.body() = std::move(body);
    return req;
}

response roundtrip(const sandbox::server& s, request req) {
    connection c(s);
    c.send(std::move(req));
    return c.receive();
}

std::string form_of(const response& r, const char* member) {
    return std::string(json::parse(r.body()).at(member).as_string());
}

/// A call with a private key: GET /api/flows (3/s burst, 60/min steady).
response list_flows(const sandbox::server& s, const std::string& authorization) {
    return roundtrip(s, make(http::verb::get, "/api/flows",
                            {{"Authorization", authorization}, {"revision", "2026-07-15"}}));
}

json::value oauth_stats(const sandbox::server& s) {
    auto r = roundtrip(s, make(http::verb::get, "/sandbox/stats",
                              {{"Authorization", std::string("Klaviyo-API-Key ") + key_one}}));
    BOOST_TEST_REQUIRE(r.result_int() == 200u);
    return json::parse(r.body()).at("oauth");
}

struct tokens {
    std::string access, refresh;
};

request token_request(std::string form) {
    return make(http::verb::post, "/oauth/token",
                {{"Authorization", "Basic " + klaviyo::detail::base64(std::string("sandbox-app:") + app_secret)},
                 {"Content-Type", "application/x-www-form-urlencoded"}},
                std::move(form));
}

request refresh_request(const std::string& refresh_token) {
    return token_request("grant_type=refresh_token&refresh_token=" + refresh_token);
}

/// Authorizes (the sandbox consents at once) and exchanges the code: a new grant.
tokens connect(const sandbox::server& s, const std::string& scope) {
    const auto verifier = klaviyo::detail::random_urlsafe(32); // 43 characters
    auto authorize = roundtrip(
        s, make(http::verb::get, "/oauth/authorize?client_id=sandbox-app&response_type=code&redirect_uri=" +
                                     std::string(redirect_encoded) + "&code_challenge_method=S256&code_challenge=" +
                                     klaviyo::pkce_challenge(verifier) + "&scope=" + scope + "&state=fleet"));
    BOOST_TEST_REQUIRE(authorize.result_int() == 302u);
    auto location = boost::urls::parse_uri(authorize[http::field::location]);
    BOOST_TEST_REQUIRE(location.has_value());
    auto code = location->params().find("code");
    BOOST_TEST_REQUIRE((code != location->params().end()));
    auto r = roundtrip(s, token_request("grant_type=authorization_code&code=" + std::string((*code).value) +
                                       "&redirect_uri=" + redirect_encoded + "&code_verifier=" + verifier));
    BOOST_TEST_REQUIRE(r.result_int() == 200u, r.body());
    return {form_of(r, "access_token"), form_of(r, "refresh_token")};
}

unsigned api_status(const sandbox::server& s, const std::string& access_token) {
    return roundtrip(s, make(http::verb::get, "/api/profiles",
                            {{"Authorization", "Bearer " + access_token}, {"revision", "2026-07-15"}}))
        .result_int();
}

bool invalid_grant(const response& r) {
    return r.result_int() == 400u && form_of(r, "error") == "invalid_grant";
}

} // namespace

BOOST_AUTO_TEST_SUITE(sandbox_fleet)

BOOST_AUTO_TEST_CASE(reuse_of_a_spent_refresh_token_revokes_the_grant) {
    auto o = fleet_options();
    o.oauth.revoke_grant_on_reuse = true;
    sandbox::server s(o);
    s.start();
    const auto first = connect(s, "profiles:read");
    // Another grant of the same app: revoking one family leaves it alone.
    const auto other = connect(s, "profiles:read");

    auto r = roundtrip(s, refresh_request(first.refresh));
    BOOST_TEST_REQUIRE(r.result_int() == 200u, r.body());
    const tokens second{form_of(r, "access_token"), form_of(r, "refresh_token")};
    BOOST_TEST(api_status(s, second.access) == 200u);

    // The first refresh token again, as a second process of a fleet would send it.
    BOOST_TEST(invalid_grant(roundtrip(s, refresh_request(first.refresh))));
    BOOST_TEST(api_status(s, second.access) == 401u);
    BOOST_TEST(invalid_grant(roundtrip(s, refresh_request(second.refresh))));
    BOOST_TEST(api_status(s, other.access) == 200u);

    BOOST_TEST(s.oauth_revoked_grants() == 1u);
    BOOST_TEST(s.oauth_invalid_grants() == 2u);
    BOOST_TEST(s.oauth_refreshes() == 1u);
    auto stats = oauth_stats(s);
    BOOST_TEST(stats.at("revoked_grants").to_number<int>() == 1);
    BOOST_TEST(stats.at("invalid_grants").to_number<int>() == 2);
    BOOST_TEST(stats.at("refreshes").to_number<int>() == 1);
    BOOST_TEST(stats.at("token_requests").to_number<int>() == 5); // 2 exchanges, 3 refreshes

    // The same reuse once more: refused, the family is not counted twice.
    BOOST_TEST(invalid_grant(roundtrip(s, refresh_request(first.refresh))));
    BOOST_TEST(s.oauth_revoked_grants() == 1u);
}

BOOST_AUTO_TEST_CASE(without_the_option_reuse_is_refused_only) {
    sandbox::server s(fleet_options());
    s.start();
    const auto first = connect(s, "profiles:read");
    auto r = roundtrip(s, refresh_request(first.refresh));
    BOOST_TEST_REQUIRE(r.result_int() == 200u, r.body());
    const tokens second{form_of(r, "access_token"), form_of(r, "refresh_token")};

    BOOST_TEST(invalid_grant(roundtrip(s, refresh_request(first.refresh))));
    BOOST_TEST(api_status(s, second.access) == 200u);
    BOOST_TEST(roundtrip(s, refresh_request(second.refresh)).result_int() == 200u);
    BOOST_TEST(s.oauth_revoked_grants() == 0u);
    BOOST_TEST(s.oauth_invalid_grants() == 1u);

    // Switched on at run time, the next reuse revokes.
    s.set_oauth_revoke_on_reuse(true);
    BOOST_TEST(invalid_grant(roundtrip(s, refresh_request(second.refresh))));
    BOOST_TEST(s.oauth_revoked_grants() == 1u);
}

BOOST_AUTO_TEST_CASE(a_slow_token_endpoint_applies_the_refresh_before_it_answers) {
    constexpr auto delay = 400ms;
    auto o = fleet_options();
    o.oauth.token_delay = delay;
    sandbox::server s(o);
    s.start();
    const auto first = connect(s, "profiles:read");

    // A refresh answered no earlier than the delay; meanwhile another
    // connection is served at once.
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    connection slow(s);
    slow.send(refresh_request(first.refresh));
    auto stats = roundtrip(s, make(http::verb::get, "/sandbox/stats",
                                  {{"Authorization", std::string("Klaviyo-API-Key ") + key_one}}));
    BOOST_TEST(stats.result_int() == 200u);
    BOOST_TEST((clock::now() - start < delay), "another connection waited for the delayed token answer");
    auto r = slow.receive();
    BOOST_TEST((clock::now() - start >= delay));
    BOOST_TEST_REQUIRE(r.result_int() == 200u, r.body());
    const auto second = form_of(r, "refresh_token");

    // A client that gives up before the answer: its refresh is applied all the same.
    connection gone(s);
    gone.send(refresh_request(second));
    gone.close();
    for (auto deadline = clock::now() + 3s; s.oauth_refreshes() < 2 && clock::now() < deadline;)
        std::this_thread::sleep_for(5ms);
    BOOST_TEST(s.oauth_refreshes() == 2u);
    // Its refresh token is spent: a retry with it is refused.
    s.set_oauth_token_delay(0ms);
    BOOST_TEST(invalid_grant(roundtrip(s, refresh_request(second))));
    BOOST_TEST(s.oauth_invalid_grants() == 1u);
}

BOOST_AUTO_TEST_CASE(every_private_key_of_the_account_shares_the_windows) {
    // Windows ten times longer than Klaviyo's (a 10 s burst window): the
    // test's few calls all fall in one. GET /api/flows allows 3 a burst window.
    auto o = fleet_options();
    o.rate_limits = true;
    o.time_scale = 0.1;
    o.api_keys = {key_one, key_two};

    // Returns the RateLimit-Remaining of each call until the first 429.
    auto until_throttled = [](const sandbox::server& s, const std::vector<const char*>& keys) {
        std::vector<std::string> remaining;
        for (std::size_t i = 0; i < 10; ++i) {
            auto r = list_flows(s, std::string("Klaviyo-API-Key ") + keys[i % keys.size()]);
            if (r.result_int() == 429u) {
                BOOST_TEST(!r[http::field::retry_after].empty());
                break;
            }
            BOOST_TEST_REQUIRE(r.result_int() == 200u, r.body());
            remaining.emplace_back(r["RateLimit-Remaining"]);
        }
        return remaining;
    };

    const std::vector<std::string> expected{"59", "58", "57"};
    {
        sandbox::server s(o);
        s.start();
        BOOST_TEST(until_throttled(s, {key_one}) == expected, boost::test_tools::per_element());
    }
    sandbox::server s(o);
    s.start();
    BOOST_TEST(until_throttled(s, {key_one, key_two}) == expected, boost::test_tools::per_element());
    // The other key is throttled too: the account's window is full.
    BOOST_TEST(list_flows(s, std::string("Klaviyo-API-Key ") + key_two).result_int() == 429u);
    // An OAuth app counts on its own windows, per app in the account.
    const auto app = connect(s, "flows:read");
    auto r = list_flows(s, "Bearer " + app.access);
    BOOST_TEST(r.result_int() == 200u);
    BOOST_TEST(r["RateLimit-Remaining"] == "59");
}

BOOST_AUTO_TEST_SUITE_END()
