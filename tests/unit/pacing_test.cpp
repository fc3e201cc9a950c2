// Pacing: the windows, pauses and queue order with an injected clock (the
// pure core), then the same rules through the client over the mock transport.
#include "test_client.hpp"

#include <klaviyo/policy/pacing.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/test/unit_test.hpp>

using namespace klaviyo;
using namespace std::chrono_literals;
using boost::asio::awaitable;
using tp = rate_window_state::time_point;

namespace {

const tp t0 = tp{} + 1000h; // any fixed instant: the core never reads a clock

/// Starts calls while the windows allow; returns how many started.
unsigned start_all(rate_window_state& s, tp now) {
    unsigned n = 0;
    while (s.next_start(now) <= now) {
        s.start();
        ++n;
    }
    return n;
}

} // namespace

BOOST_AUTO_TEST_SUITE(pacing)

BOOST_AUTO_TEST_CASE(burst_window_opens_exactly_one_window_after_the_calls_ended) {
    rate_window_state s(rate_limit{3, 100}, pacing_options{});
    BOOST_TEST(start_all(s, t0) == 3u);
    for (int i = 0; i < 3; ++i) s.finish(t0 + 10ms);
    // Counted until one second after their answers, not after their start.
    BOOST_TEST((s.next_start(t0 + 500ms) == t0 + 10ms + 1s));
    BOOST_TEST(start_all(s, t0 + 1s + 10ms - 1ns) == 0u);
    BOOST_TEST(start_all(s, t0 + 1s + 10ms) == 3u);
}

BOOST_AUTO_TEST_CASE(steady_window_caps_a_minute_whatever_the_burst) {
    rate_window_state s(rate_limit{3, 5}, pacing_options{});
    BOOST_TEST(start_all(s, t0) == 3u);
    for (int i = 0; i < 3; ++i) s.finish(t0);
    BOOST_TEST(start_all(s, t0 + 1s) == 2u); // 5 in the minute
    s.finish(t0 + 1s);
    s.finish(t0 + 2s);
    BOOST_TEST((s.next_start(t0 + 3s) == t0 + 60s)); // the first three age out at 60 s
    BOOST_TEST(start_all(s, t0 + 60s - 1ns) == 0u);
    BOOST_TEST(start_all(s, t0 + 60s) == 3u); // burst-bound again
    BOOST_TEST((s.next_start(t0 + 60s) == tp::max()));
}

BOOST_AUTO_TEST_CASE(calls_in_flight_count_until_they_end) {
    rate_window_state s(rate_limit{2, 100}, pacing_options{});
    BOOST_TEST(start_all(s, t0) == 2u);
    // However long they take, only an end can make room.
    BOOST_TEST((s.next_start(t0 + 10s) == tp::max()));
    s.finish(t0 + 10s);
    BOOST_TEST((s.next_start(t0 + 10s) == t0 + 11s));
    BOOST_TEST(s.in_flight() == 1u);
}

BOOST_AUTO_TEST_CASE(any_window_klaviyo_draws_holds_at_most_the_limit) {
    // 400 calls at burst 7 / steady 40, each answered 3 ms after it started;
    // every start time then falls in windows Klaviyo might draw anywhere.
    rate_window_state s(rate_limit{7, 40}, pacing_options{.time_scale = 10}); // 100 ms / 6 s windows
    std::vector<tp> starts;
    tp now = t0;
    while (starts.size() < 400) {
        auto at = s.next_start(now);
        if (at > now) {
            now = at;
            continue;
        }
        s.start();
        starts.push_back(now);
        s.finish(now + 3ms);
        now += 1ms;
    }
    auto most_in = [&](std::chrono::nanoseconds w) {
        std::size_t most = 0;
        for (std::size_t i = 0; i < starts.size(); ++i) {
            auto end = std::lower_bound(starts.begin(), starts.end(), starts[i] + w);
            most = std::max(most, static_cast<std::size_t>(end - (starts.begin() + static_cast<std::ptrdiff_t>(i))));
        }
        return most;
    };
    BOOST_TEST(most_in(100ms) == 7u);
    BOOST_TEST(most_in(6s) == 40u);
    // And the limit is used, not merely respected: 400 calls take 10 windows.
    BOOST_TEST((starts.back() - starts.front() < 9 * 6s + 6s));
}

BOOST_AUTO_TEST_CASE(retry_after_pauses_the_class) {
    rate_window_state s(rate_limit{10, 100}, pacing_options{});
    s.start();
    s.finish(t0);
    s.pause_until(t0 + 2s);
    BOOST_TEST((s.next_start(t0 + 1s) == t0 + 2s));
    s.pause_until(t0 + 1s); // an earlier, shorter pause does not shorten it
    BOOST_TEST((s.next_start(t0 + 1s) == t0 + 2s));
    BOOST_TEST(start_all(s, t0 + 2s) == 10u); // the call before the pause left the burst window at 1 s
}

BOOST_AUTO_TEST_CASE(rate_limit_remaining_counts_only_when_klaviyo_knows_more) {
    rate_window_state s(rate_limit{100, 100}, pacing_options{});
    for (int i = 0; i < 10; ++i) {
        s.start();
        s.finish(t0);
    }
    // 90 left is what this client counted itself: nothing changes.
    s.observe(t0, 90, 30s);
    BOOST_TEST(start_all(s, t0) == 90u);
    rate_window_state shared(rate_limit{100, 100}, pacing_options{});
    shared.start();
    shared.finish(t0);
    // Someone else spent 97: three are left until the window resets.
    shared.observe(t0, 2, 30s);
    BOOST_TEST(start_all(shared, t0) == 2u);
    BOOST_TEST((shared.next_start(t0) == t0 + 30s));
}

BOOST_AUTO_TEST_CASE(share_and_time_scale_shape_the_windows) {
    rate_window_state s(rate_limits::xl, pacing_options{.share = 0.5, .time_scale = 10});
    BOOST_TEST(s.burst_limit() == 175u);
    BOOST_TEST(s.steady_limit() == 1750u);
    BOOST_TEST((s.burst_window() == 100ms));
    BOOST_TEST((s.steady_window() == 6s));
    rate_window_state xs(rate_limits::xs, pacing_options{.share = 0.1});
    BOOST_TEST(xs.burst_limit() == 1u); // never below one call
}

BOOST_AUTO_TEST_CASE(queue_is_fifo_retries_first_and_bounded) {
    pacing_queue q(rate_limit{1, 100}, pacing_options{.max_waiting = 3});
    BOOST_TEST(q.push(1));
    BOOST_TEST(q.push(2));
    BOOST_TEST(q.push(3));
    BOOST_TEST(!q.push(4));      // full
    BOOST_TEST(q.push(9, true)); // a retry is never refused, and goes first
    std::vector<std::uint64_t> order;
    tp now = t0;
    for (int i = 0; i < 10 && order.size() < 4; ++i) {
        auto next = q.admit(now, [&](std::uint64_t id) {
            order.push_back(id);
            q.state().finish(now);
        });
        if (next) now = *next;
    }
    BOOST_TEST((order == std::vector<std::uint64_t>{9, 1, 2, 3}));
    BOOST_TEST((now == t0 + 3s)); // one a second
    BOOST_TEST(!q.try_start(now));
}

BOOST_AUTO_TEST_CASE(nobody_jumps_the_queue) {
    pacing_queue q(rate_limit{1, 100}, pacing_options{});
    BOOST_TEST(q.try_start(t0));
    q.state().finish(t0);
    BOOST_TEST(q.push(1));
    // The window is open again, but a caller waits: a newcomer queues behind.
    BOOST_TEST(!q.try_start(t0 + 2s));
    q.remove(1);
    BOOST_TEST(q.try_start(t0 + 2s));
}

// ------------------------------------------------------------ through the client

BOOST_AUTO_TEST_CASE(client_sends_a_class_in_arrival_order_at_its_rate) {
    client_options o;
    o.pacing.time_scale = 100; // get_account is XS, 1 a second: 10 ms here
    ktest::fixture f(o, true);
    std::vector<std::string> done;
    for (int i = 0; i < 5; ++i)
        f.mock().respond(200, R"({"data":{"type":"account","id":"A)" + std::to_string(i) + R"(","attributes":{}}})");
    for (int i = 0; i < 5; ++i)
        f.client.async_get<account>("A" + std::to_string(i), get_options{}, [&, i](error_code ec, auto) {
            done.push_back(ec ? ec.message() : "A" + std::to_string(i));
        });
    auto start = std::chrono::steady_clock::now();
    f.ioc.run();
    BOOST_TEST((done == std::vector<std::string>{"A0", "A1", "A2", "A3", "A4"}));
    for (int i = 0; i < 5; ++i) BOOST_TEST(f.mock().requests()[i].target.ends_with("/A" + std::to_string(i)));
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 40ms)); // four waits of one window at least
}

BOOST_AUTO_TEST_CASE(client_refuses_a_call_when_its_class_queue_is_full) {
    client_options o;
    o.pacing.time_scale = 100;
    o.pacing.max_waiting = 2;
    ktest::fixture f(o, true);
    for (int i = 0; i < 3; ++i) f.mock().respond(200, R"({"data":{"type":"account","id":"A","attributes":{}}})");
    std::vector<error_code> ecs(4);
    for (int i = 0; i < 4; ++i)
        f.client.async_get<account>("A", get_options{}, [&, i](error_code ec, auto) { ecs[i] = ec; });
    f.ioc.run();
    BOOST_TEST(!ecs[0]);
    BOOST_TEST(!ecs[1]);
    BOOST_TEST(!ecs[2]);
    BOOST_TEST((ecs[3] == errc::pool_full));
    BOOST_TEST(f.mock().requests().size() == 3u); // the refused call sent nothing
}

BOOST_AUTO_TEST_CASE(client_pauses_a_class_for_retry_after_and_not_the_others) {
    client_options o;
    o.retry.max_attempts = 1;
    ktest::fixture f(o, true);
    f.mock()
        .respond(429, R"({"errors":[{"status":429,"code":"throttled","title":"Throttled","detail":"x"}]})",
                 {{"Retry-After", "1"}})
        .respond(200, R"({"data":{"type":"account","id":"A","attributes":{}}})")
        .respond(200, ktest::profile_doc("P2", "b@b.co"));
    std::vector<std::string> order;
    std::chrono::steady_clock::duration paused{};
    // Taken before the 429 arrives: the pause starts when the client reads it,
    // so the paused call ends at least Retry-After later however slowly this
    // runs (valgrind). Outlives the coroutine: the callbacks read it.
    std::chrono::steady_clock::time_point before_429{};
    ktest::run(f, [&]() -> awaitable<void> {
        before_429 = std::chrono::steady_clock::now();
        auto [ec, p] = co_await f.client.async_get<profile>("P1", get_options{},
                                                            boost::asio::as_tuple(boost::asio::use_awaitable));
        BOOST_TEST((ec == errc::rate_limited));
        // Same class: waits for Retry-After. Another class: goes at once.
        f.client.async_get<profile>("P2", get_options{}, [&](error_code e, auto) {
            order.push_back(e ? e.message() : "profile");
            paused = std::chrono::steady_clock::now() - before_429;
        });
        f.client.async_get<account>("A", get_options{},
                                    [&](error_code e, auto) { order.push_back(e ? e.message() : "account"); });
    });
    BOOST_TEST((order == std::vector<std::string>{"account", "profile"}));
    BOOST_TEST((paused >= 1s));
    BOOST_TEST(f.mock().requests()[2].target.ends_with("/P2"));
}

BOOST_AUTO_TEST_SUITE_END()
