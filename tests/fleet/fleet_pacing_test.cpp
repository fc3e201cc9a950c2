// Fleet mode against a real redis-server: the booking script's windows, two
// processes' fleets sharing them, a shared Retry-After, the fallback when
// Redis freezes, and one refresh for two coordinators. (The multi-process
// run against the sandbox is fleet_test.py.)
#include <klaviyo/fleet.hpp>

#include "redis_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asio::awaitable;
using ktest::redis_server;
using clock_type = std::chrono::steady_clock;
using fleet_ptr = std::shared_ptr<klaviyo::fleet::redis_fleet>;

namespace {

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

/// A fleet member on `io` against `server`; windows 60 times shorter (a
/// steady window of 1 s, a burst window of 16.7 ms).
fleet_ptr member(asio::io_context& io, const redis_server& server, const std::string& name,
                 std::vector<std::string>* warnings = nullptr) {
    klaviyo::fleet::fleet_options o;
    o.redis.port = server.port();
    o.name = name;
    o.time_scale = 60;
    o.latency_allowance = 5ms;
    o.booking_horizon = 5000ms;
    o.rejoin_interval = 300ms;
    o.refresh_lease = 1000ms;
    o.refresh_poll = 10ms;
    o.outside_reserve = 0;
    o.on_warning = [warnings](std::string_view w) {
        if (warnings) warnings->emplace_back(w);
    };
    return klaviyo::fleet::make_redis_fleet(asio::any_io_executor(io.get_executor()), o);
}

void run(asio::io_context& io, awaitable<void> body) {
    std::exception_ptr failure;
    bool finished = false;
    asio::co_spawn(io, std::move(body), [&](std::exception_ptr e) {
        failure = e;
        finished = true;
    });
    io.run_for(60s);
    BOOST_REQUIRE_MESSAGE(finished, "the test coroutine did not finish");
    if (failure) std::rethrow_exception(failure);
}

klaviyo::http_response answer(unsigned status, std::vector<std::pair<std::string, std::string>> headers = {}) {
    klaviyo::http_response r;
    r.status = status;
    for (auto& h : headers) r.headers.emplace_back(std::move(h.first), std::move(h.second));
    return r;
}

constexpr klaviyo::rate_limit limits{2, 4, 0}; // 2 per burst window, 4 per steady window

} // namespace

BOOST_AUTO_TEST_SUITE(fleet_pacing, *boost::unit_test::precondition(redis_server::available))

BOOST_AUTO_TEST_CASE(two_members_share_one_steady_window) {
    redis_server server;
    asio::io_context io;
    auto a = member(io, server, "share"), b = member(io, server, "share");
    std::vector<double> starts;
    run(io, [&]() -> awaitable<void> {
        const auto t0 = clock_type::now();
        auto ok = answer(200);
        // Six calls alternating between the two members: the windows hold 4
        // per second and 2 per 16.7 ms whichever process asks.
        for (int i = 0; i < 6; ++i) {
            auto& m = i % 2 ? b : a;
            auto adm = co_await m->async_admit("op", limits, false);
            starts.push_back(ms_since(t0));
            m->finish(adm, &ok);
        }
        a->close();
        b->close();
    }());
    BOOST_TEST_MESSAGE("starts (ms): " << starts[0] << " " << starts[1] << " " << starts[2] << " " << starts[3]
                                       << " " << starts[4] << " " << starts[5]);
    BOOST_TEST(starts[1] < 100.0);
    BOOST_TEST(starts[2] >= 16.0);  // the third waits for the burst window
    BOOST_TEST(starts[3] < 900.0);  // four in the first steady window
    BOOST_TEST(starts[4] >= 990.0); // the fifth only once the first has aged out
    BOOST_TEST(a->status().shared_admissions == 3u);
    BOOST_TEST(b->status().shared_admissions == 3u);
    BOOST_TEST(a->status().members == 2u);
}

BOOST_AUTO_TEST_CASE(a_retry_after_pauses_every_member) {
    redis_server server;
    asio::io_context io;
    auto a = member(io, server, "pause"), b = member(io, server, "pause");
    double second = 0;
    run(io, [&]() -> awaitable<void> {
        const auto t0 = clock_type::now();
        auto adm = co_await a->async_admit("op", {100, 1000, 0}, false);
        auto throttled = answer(429, {{"Retry-After", "1"}});
        a->finish(adm, &throttled); // Retry-After is never scaled: one real second
        asio::steady_timer settle(io, 20ms); // the note reaches Redis in the background
        co_await settle.async_wait(asio::use_awaitable);
        auto other = co_await b->async_admit("op", {100, 1000, 0}, false);
        second = ms_since(t0);
        auto ok = answer(200);
        b->finish(other, &ok);
        a->close();
        b->close();
    }());
    BOOST_TEST(second >= 980.0);
    BOOST_TEST(second < 3000.0);
}

BOOST_AUTO_TEST_CASE(remaining_from_klaviyo_holds_the_fleet_until_the_reset) {
    redis_server server;
    asio::io_context io;
    auto a = member(io, server, "budget");
    double third = 0;
    run(io, [&]() -> awaitable<void> {
        const auto t0 = clock_type::now();
        const klaviyo::rate_limit wide{100, 1000, 0};
        auto first = co_await a->async_admit("op", wide, false);
        // Klaviyo counts someone else's calls: one left until the reset in 1 s.
        auto nearly_spent = answer(200, {{"RateLimit-Remaining", "1"}, {"RateLimit-Reset", "1"}});
        a->finish(first, &nearly_spent);
        asio::steady_timer settle(io, 20ms);
        co_await settle.async_wait(asio::use_awaitable);
        auto second = co_await a->async_admit("op", wide, false); // the one left
        auto ok = answer(200);
        a->finish(second, &ok);
        auto after = co_await a->async_admit("op", wide, false); // waits for the reset
        third = ms_since(t0);
        a->finish(after, &ok);
        a->close();
    }());
    BOOST_TEST(third >= 950.0);
    BOOST_TEST(third < 3000.0);
    BOOST_TEST(a->status().held_back == 0u); // the first answer left one call: not yet nothing
}

BOOST_AUTO_TEST_CASE(a_frozen_redis_makes_members_pace_alone_and_rejoin) {
    redis_server server;
    asio::io_context io;
    std::vector<std::string> warnings;
    auto a = member(io, server, "frozen", &warnings);
    double during = 0;
    run(io, [&]() -> awaitable<void> {
        auto ok = answer(200);
        auto adm = co_await a->async_admit("op", {100, 1000, 0}, false);
        a->finish(adm, &ok);
        server.freeze();
        const auto t0 = clock_type::now();
        adm = co_await a->async_admit("op", {100, 1000, 0}, false); // never waits for the frozen server
        during = ms_since(t0);
        a->finish(adm, &ok);
        server.thaw();
        asio::steady_timer rejoin(io, 400ms);
        co_await rejoin.async_wait(asio::use_awaitable);
        adm = co_await a->async_admit("op", {100, 1000, 0}, false);
        a->finish(adm, &ok);
        a->close();
    }());
    BOOST_TEST(during < 1000.0); // the deadline (100 ms) and the local windows, not the freeze
    BOOST_TEST(a->status().outages == 1u);
    BOOST_TEST(a->status().local_admissions == 1u);
    BOOST_TEST(a->status().shared_admissions == 2u);
    BOOST_TEST(a->status().joined);
    BOOST_REQUIRE(!warnings.empty());
    BOOST_TEST(warnings[0].find("pacing this process alone") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(two_coordinators_refresh_once) {
    redis_server server;
    asio::io_context io;
    auto a = member(io, server, "oauth"), b = member(io, server, "oauth");
    int refreshes = 0;
    std::string spent;
    klaviyo::oauth_token got_a, got_b;
    run(io, [&]() -> awaitable<void> {
        klaviyo::oauth_token first{"at-1", "rt-1", std::chrono::system_clock::now() + 10s, "profiles:read"};
        co_await a->async_publish(first);
        auto seen = co_await b->async_current(std::nullopt);
        BOOST_TEST(seen->refresh_token == "rt-1");
        klaviyo::refresh_coordinator::refresh_function endpoint =
            [&](std::string rt) -> awaitable<klaviyo::oauth_token> {
            ++refreshes;
            spent = rt;
            asio::steady_timer slow(io, 50ms); // both members ask meanwhile
            co_await slow.async_wait(asio::use_awaitable);
            co_return klaviyo::oauth_token{"at-2", "rt-2", std::chrono::system_clock::now() + 10s, "profiles:read"};
        };
        // Both find the token expired at once (an expired token is never
        // used while another process refreshes): whichever takes the lease
        // refreshes, the other waits for the record.
        auto expired = first;
        expired.expires_at = std::chrono::system_clock::now() - 1s;
        int done = 0;
        asio::steady_timer both(io, clock_type::time_point::max());
        asio::co_spawn(io, a->async_refresh(expired, endpoint), [&](std::exception_ptr e, klaviyo::oauth_token t) {
            if (!e) got_a = t;
            if (++done == 2) both.cancel();
        });
        asio::co_spawn(io, b->async_refresh(expired, endpoint), [&](std::exception_ptr e, klaviyo::oauth_token t) {
            if (!e) got_b = t;
            if (++done == 2) both.cancel();
        });
        co_await both.async_wait(asio::as_tuple(asio::use_awaitable));
        a->close();
        b->close();
    }());
    BOOST_TEST(refreshes == 1);
    BOOST_TEST(spent == "rt-1");
    BOOST_TEST(got_a.access_token == "at-2");
    BOOST_TEST(got_b.access_token == "at-2");
    BOOST_TEST(a->status().refreshes + b->status().refreshes == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
