// klaviyo::fleet::redis_connection against a real redis-server (a child of
// this process, tests/fleet/redis_server.hpp): replies, pipelining from many
// coroutines, error replies, scripts after SCRIPT FLUSH, AUTH and SELECT,
// deadlines against a frozen server, restarts, cancellation, and TLS.
#include <klaviyo/fleet/redis.hpp>

#include "redis_server.hpp"

#include <sandbox/self_signed.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace boost::asio::experimental::awaitable_operators;
using asio::awaitable;
using klaviyo::fleet::redis_connection;
using klaviyo::fleet::redis_options;
using klaviyo::fleet::redis_reply;
using klaviyo::fleet::redis_script;
using ktest::redis_server;
using clock_type = std::chrono::steady_clock;
using connection = redis_connection<>;

namespace {

long long ms_since(clock_type::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - t0).count();
}

redis_options options_for(const redis_server& server) {
    redis_options o;
    o.port = server.port();
    return o;
}

// Runs one test coroutine to its end on a fresh io_context, rethrowing what it threw.
template <class Body>
void run(Body body) {
    asio::io_context io;
    std::exception_ptr failure;
    bool finished = false;
    asio::co_spawn(io, body(io.get_executor()), [&](std::exception_ptr e) {
        failure = e;
        finished = true;
    });
    io.run_for(120s);
    BOOST_REQUIRE_MESSAGE(finished, "the test coroutine did not finish");
    if (failure) std::rethrow_exception(failure);
}

awaitable<void> sleep_for(std::chrono::milliseconds d) {
    asio::steady_timer t(co_await asio::this_coro::executor, d);
    co_await t.async_wait(asio::use_awaitable);
}

// Commands are given as separate arguments, not a braced list: g++ 12 cannot
// take a braced temporary inside a co_await expression. The arguments are
// copied before the first suspension, so references to the caller's are fine.
template <class... A>
std::vector<std::string> args_of(const A&... a) {
    std::vector<std::string> v;
    v.reserve(sizeof...(a));
    (v.emplace_back(a), ...);
    return v;
}

// The error a command fails with, or none; its message into *what.
template <class... A>
awaitable<boost::system::error_code> failure_of(std::string* what, connection& c, const A&... a) {
    try {
        auto op = c.async_command(args_of(a...));
        co_await std::move(op);
    } catch (const boost::system::system_error& e) {
        if (what) *what = e.what();
        co_return e.code();
    }
    co_return boost::system::error_code{};
}

template <class... A>
awaitable<redis_reply> command(connection& c, const A&... a) {
    auto op = c.async_command(args_of(a...));
    co_return co_await std::move(op);
}

// A count-down latch on the executor: wait() returns once count() reached 0.
struct latch {
    explicit latch(const asio::any_io_executor& ex, int n) : timer(ex, clock_type::time_point::max()), left(n) {}
    void count_down() {
        if (--left == 0) timer.cancel();
    }
    awaitable<void> wait() {
        boost::system::error_code ec;
        while (left > 0) co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    asio::steady_timer timer;
    int left;
};

} // namespace

BOOST_AUTO_TEST_SUITE(fleet_redis)

BOOST_AUTO_TEST_CASE(script_sha1) {
    // The SHA-1 of "" and of "abc" (FIPS 180 test vectors).
    BOOST_TEST(redis_script("").sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    BOOST_TEST(redis_script("abc").sha1 == "a9993e364706816aba3e25717850c26c9cd0d89d");
}

BOOST_AUTO_TEST_SUITE(with_a_server, *boost::unit_test::precondition(redis_server::available))

BOOST_AUTO_TEST_CASE(replies_of_each_kind) {
    redis_server server;
    run([&](asio::any_io_executor ex) -> awaitable<void> {
        connection c(ex, options_for(server));
        BOOST_TEST(!c.connected()); // lazily: nothing before the first command

        redis_reply r = co_await command(c, "SET", "k", "v");
        BOOST_TEST((r.type == redis_reply::kind::status));
        BOOST_TEST(r.text == "OK");
        BOOST_TEST(c.connected());

        r = co_await command(c, "GET", "k");
        BOOST_TEST((r.type == redis_reply::kind::string));
        BOOST_TEST(r.text == "v");

        r = co_await command(c, "GET", "missing");
        BOOST_TEST(r.is_nil());

        r = co_await command(c, "INCR", "n");
        BOOST_TEST(r.is_integer());
        BOOST_TEST(r.integer == 1);
        r = co_await command(c, "INCRBY", "n", "41");
        BOOST_TEST(r.integer == 42);

        // Binary-safe arguments and values.
        std::string odd = "a";
        odd.push_back('\0');
        odd += "b\r\n$3\r\n";
        r = co_await command(c, "SET", odd, odd);
        BOOST_TEST(r.text == "OK");
        r = co_await command(c, "GET", odd);
        BOOST_TEST(r.text == odd);

        r = co_await command(c, "RPUSH", "l", "a", "b", "c");
        BOOST_TEST(r.integer == 3);
        r = co_await command(c, "LRANGE", "l", "0", "-1");
        BOOST_REQUIRE(r.is_array());
        BOOST_REQUIRE(r.elements.size() == 3u);
        BOOST_TEST(r.elements[0].text == "a");
        BOOST_TEST(r.elements[2].text == "c");

        // Nested arrays, nil inside an array, an empty array.
        r = co_await command(c, "EVAL", "return {1, {'x', 2}, false}", "0");
        BOOST_REQUIRE(r.is_array());
        BOOST_REQUIRE(r.elements.size() == 3u);
        BOOST_TEST(r.elements[0].integer == 1);
        BOOST_REQUIRE(r.elements[1].elements.size() == 2u);
        BOOST_TEST(r.elements[1].elements[0].text == "x");
        BOOST_TEST(r.elements[2].is_nil());
        r = co_await command(c, "LRANGE", "none", "0", "-1");
        BOOST_TEST(r.is_array());
        BOOST_TEST(r.elements.empty());

        // A large value, over several reads.
        const std::string big(1 << 20, 'x');
        co_await command(c, "SET", "big", big);
        r = co_await command(c, "GET", "big");
        BOOST_TEST((r.text == big));

        c.close();
        BOOST_TEST(!c.connected());
        r = co_await command(c, "GET", "k"); // connects again
        BOOST_TEST(r.text == "v");
    });
}

BOOST_AUTO_TEST_CASE(error_reply_is_returned) {
    redis_server server;
    run([&](asio::any_io_executor ex) -> awaitable<void> {
        connection c(ex, options_for(server));
        co_await command(c, "SET", "k", "v");
        redis_reply r = co_await command(c, "INCR", "k");
        BOOST_TEST(r.is_error());
        BOOST_TEST(r.is_error("ERR"));
        BOOST_TEST(r.text.find("not an integer") != std::string::npos);
        r = co_await command(c, "NO-SUCH-COMMAND");
        BOOST_TEST(r.is_error());
        // The connection is fine.
        BOOST_TEST(c.connected());
        r = co_await command(c, "GET", "k");
        BOOST_TEST(r.text == "v");

        // An empty command is refused before anything is sent.
        bool refused = false;
        try {
            std::vector<std::string> nothing;
            auto op = c.async_command(std::move(nothing));
            co_await std::move(op);
        } catch (const std::invalid_argument&) {
            refused = true;
        }
        BOOST_TEST(refused);
        r = co_await command(c, "GET", "k");
        BOOST_TEST(r.text == "v");
    });
}

namespace {

awaitable<void> worker(connection& c, int id, int n, int& mismatches, latch& done) {
    for (int j = 0; j < n; ++j) {
        const std::string key = "key:" + std::to_string(id) + ":" + std::to_string(j);
        const std::string value = "value:" + std::to_string(id) + ":" + std::to_string(j);
        redis_reply set = co_await command(c, "SET", key, value);
        redis_reply get = co_await command(c, "GET", key);
        redis_reply incr = co_await command(c, "INCR", "counter:" + std::to_string(id));
        if (set.text != "OK" || get.text != value || incr.integer != j + 1) ++mismatches;
    }
    done.count_down();
}

} // namespace

BOOST_AUTO_TEST_CASE(pipelining_from_many_coroutines) {
    redis_server server;
    run([&](asio::any_io_executor ex) -> awaitable<void> {
        connection c(ex, options_for(server));
        // 64 coroutines start before the connection exists: they all queue
        // while it connects, then share its socket.
        constexpr int workers = 64, per_worker = 100;
        int mismatches = 0;
        latch done(ex, workers);
        const auto t0 = clock_type::now();
        for (int i = 0; i < workers; ++i) asio::co_spawn(ex, worker(c, i, per_worker, mismatches, done), asio::detached);
        co_await done.wait();
        const auto elapsed = ms_since(t0);
        BOOST_TEST(mismatches == 0);
        BOOST_TEST_MESSAGE(workers * per_worker * 3 << " commands from " << workers << " coroutines in " << elapsed
                                                    << " ms");

        // One pipeline: replies in order.
        std::vector<std::vector<std::string>> batch;
        for (int i = 0; i < 500; ++i) batch.push_back({"INCR", "pipelined"});
        batch.push_back({"GET", "key:3:7"});
        batch.push_back({"INCR", "key:3:7"}); // an error reply in the middle of a pipeline
        batch.push_back({"GET", "missing"});
        auto op = c.async_pipeline(std::move(batch));
        std::vector<redis_reply> replies = co_await std::move(op);
        BOOST_REQUIRE(replies.size() == 503u);
        bool ordered = true;
        for (int i = 0; i < 500; ++i) ordered = ordered && replies[i].integer == i + 1;
        BOOST_TEST(ordered);
        BOOST_TEST(replies[500].text == "value:3:7");
        BOOST_TEST(replies[501].is_error());
        BOOST_TEST(replies[502].is_nil());

        std::vector<std::vector<std::string>> no_commands;
        auto empty = c.async_pipeline(std::move(no_commands));
        BOOST_TEST((co_await std::move(empty)).empty());
    });
}

BOOST_AUTO_TEST_CASE(eval_after_script_flush) {
    redis_server server;
    run([&](asio::any_io_executor ex) -> awaitable<void> {
        connection c(ex, options_for(server));
        const redis_script script("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        // Our SHA-1 is the server's name for the script.
        redis_reply loaded = co_await command(c, "SCRIPT", "LOAD", script.text);
        BOOST_TEST(loaded.text == script.sha1);

        auto first = c.async_eval(script, {"ctr"}, {"5"});
        redis_reply r = co_await std::move(first);
        BOOST_TEST(r.integer == 5);

        redis_reply flushed = co_await command(c, "SCRIPT", "FLUSH");
        BOOST_TEST(flushed.text == "OK");
        redis_reply noscript = co_await command(c, "EVALSHA", script.sha1, "1", "ctr", "1");
        BOOST_TEST(noscript.is_error("NOSCRIPT"));

        auto second = c.async_eval(script, {"ctr"}, {"7"}); // NOSCRIPT, then EVAL
        r = co_await std::move(second);
        BOOST_TEST(r.integer == 12);
        // EVAL cached it again: EVALSHA works now.
        redis_reply exists = co_await command(c, "SCRIPT", "EXISTS", script.sha1);
        BOOST_REQUIRE(exists.elements.size() == 1u);
        BOOST_TEST(exists.elements[0].integer == 1);

        // A script's own error is an error reply, not an exception.
        const redis_script broken("return redis.call('INCR')");
        auto third = c.async_eval(broken, {}, {});
        r = co_await std::move(third);
        BOOST_TEST(r.is_error());
    });
}

BOOST_AUTO_TEST_CASE(auth_and_select) {
    const std::string password = "s3cret-Pa55word-for-test";
    redis_server server({{"--requirepass", password}, {}, {}});
    run([&](asio::any_io_executor ex) -> awaitable<void> {
        redis_options o = options_for(server);
        o.password = password;
        {
            connection c(ex, o);
            redis_reply r = co_await command(c, "PING");
            BOOST_TEST(r.text == "PONG");
        }
        {
            redis_options named = o; // AUTH user password (Redis 6 ACL form)
            named.username = "default";
            connection c(ex, named);
            redis_reply r = co_await command(c, "PING");
            BOOST_TEST(r.text == "PONG");
        }
        {
            redis_options none = options_for(server); // no AUTH: the server's refusal is a reply
            connection c(ex, none);
            redis_reply r = co_await command(c, "PING");
            BOOST_TEST(r.is_error("NOAUTH"));
        }
        {
            const std::string wrong = "wrong-Pa55word-xyz";
            redis_options bad = o;
            bad.password = wrong;
            connection c(ex, bad);
            std::string what;
            auto ec = co_await failure_of(&what, c, "PING");
            BOOST_TEST((ec == asio::error::access_denied));
            BOOST_TEST_MESSAGE("wrong password: " << what);
            BOOST_TEST(what.find("AUTH") != std::string::npos);
            BOOST_TEST(what.find("127.0.0.1:" + std::to_string(server.port())) != std::string::npos);
            BOOST_TEST(what.find(wrong) == std::string::npos);
            BOOST_TEST(what.find(password) == std::string::npos);
            BOOST_TEST(!c.connected());
        }
        {
            redis_options db3 = o;
            db3.database = 3;
            connection c3(ex, db3);
            connection c0(ex, o);
            co_await command(c3, "SET", "where", "three");
            redis_reply in0 = co_await command(c0, "GET", "where");
            BOOST_TEST(in0.is_nil());
            redis_reply in3 = co_await command(c3, "GET", "where");
            BOOST_TEST(in3.text == "three");
        }
        {
            redis_options db99 = o;
            db99.database = 99; // out of range (16 databases)
            connection c(ex, db99);
            std::string what;
            auto ec = co_await failure_of(&what, c, "SET", "x", "y");
            BOOST_TEST((ec == asio::error::invalid_argument));
            BOOST_TEST(what.find("SELECT") != std::string::npos);
            BOOST_TEST(what.find(password) == std::string::npos);
        }
    });
}

BOOST_AUTO_TEST_CASE(deadline_against_a_frozen_server) {
    redis_server server;
    run([&](asio::any_io_executor ex) -> awaitable<void> {
        redis_options o = options_for(server);
        o.command_timeout = 200ms;
        connection c(ex, o);
        co_await command(c, "SET", "k", "v");
        BOOST_REQUIRE(c.connected());

        server.freeze();
        // Two commands in flight: the deadline of the first closes the
        // connection and fails the second with it.
        boost::system::error_code second_ec;
        std::string what;
        auto t0 = clock_type::now();
        asio::co_spawn(ex, failure_of(nullptr, c, "GET", "k"),
                       [&](std::exception_ptr, boost::system::error_code ec) { second_ec = ec; });
        auto ec = co_await failure_of(&what, c, "GET", "k");
        auto elapsed = ms_since(t0);
        BOOST_TEST_MESSAGE("frozen server: timed_out after " << elapsed << " ms (deadline 200 ms): " << what);
        BOOST_TEST((ec == asio::error::timed_out));
        BOOST_TEST(elapsed >= 195); // not before the deadline (timer granularity)
        BOOST_TEST(elapsed < 1500);
        BOOST_TEST(what.find("127.0.0.1:" + std::to_string(server.port())) != std::string::npos);
        BOOST_TEST(!c.connected());
        co_await sleep_for(10ms);
        BOOST_TEST((second_ec == asio::error::timed_out));

        // Still frozen, on a new connection: TCP connects (the kernel
        // accepts), the command's deadline runs from the end of the connect
        // window (connect_timeout + command_timeout at most).
        t0 = clock_type::now();
        ec = co_await failure_of(nullptr, c, "GET", "k");
        elapsed = ms_since(t0);
        BOOST_TEST_MESSAGE("frozen server, new connection: " << ec.message() << " after " << elapsed << " ms");
        BOOST_TEST((ec == asio::error::timed_out));
        BOOST_TEST(elapsed < 2500);

        server.thaw();
        redis_reply r = co_await command(c, "GET", "k");
        BOOST_TEST(r.text == "v");
        BOOST_TEST(c.connected());
    });
}

BOOST_AUTO_TEST_CASE(connect_deadline_with_auth_against_a_frozen_server) {
    const std::string password = "another-s3cret";
    redis_server server({{"--requirepass", password}, {}, {}});
    run([&](asio::any_io_executor ex) -> awaitable<void> {
        redis_options o = options_for(server);
        o.password = password;
        o.connect_timeout = 300ms;
        connection c(ex, o);
        server.freeze();
        std::string what;
        const auto t0 = clock_type::now();
        auto ec = co_await failure_of(&what, c, "PING");
        const auto elapsed = ms_since(t0);
        BOOST_TEST_MESSAGE("AUTH to a frozen server: " << what << " after " << elapsed << " ms (connect_timeout 300 ms)");
        BOOST_TEST((ec == asio::error::timed_out));
        BOOST_TEST(elapsed >= 295);
        BOOST_TEST(elapsed < 1500);
        BOOST_TEST(what.find("AUTH") != std::string::npos);
        BOOST_TEST(what.find(password) == std::string::npos);
        server.thaw();
        redis_reply r = co_await command(c, "PING");
        BOOST_TEST(r.text == "PONG");
    });
}

BOOST_AUTO_TEST_CASE(restart_and_stop) {
    redis_server server;
    run([&](asio::any_io_executor ex) -> awaitable<void> {
        connection c(ex, options_for(server));
        co_await command(c, "SET", "k", "v");

        // The executor does not run while the server restarts (this thread
        // waits for it): the connection finds the old socket closed before
        // writing to it, and connects again.
        server.restart();
        redis_reply r = co_await command(c, "GET", "k");
        BOOST_TEST(r.is_nil()); // a new server: the data is gone
        co_await command(c, "SET", "k", "v2");

        // The same, with the executor running meanwhile (the reader sees the
        // end of the connection first).
        server.restart();
        co_await sleep_for(50ms);
        BOOST_TEST(!c.connected());
        r = co_await command(c, "SET", "k", "v3");
        BOOST_TEST(r.text == "OK");

        // No server: connection refused, named.
        server.stop();
        co_await sleep_for(20ms);
        std::string what;
        auto ec = co_await failure_of(&what, c, "GET", "k");
        BOOST_TEST_MESSAGE("server stopped: " << what);
        BOOST_TEST((ec == asio::error::connection_refused));
        BOOST_TEST(what.find("connect") != std::string::npos);

        server.restart();
        r = co_await command(c, "PING");
        BOOST_TEST(r.text == "PONG");
    });
}

namespace {

template <class... A>
awaitable<void> guarded(boost::system::error_code& ec, connection& c, const A&... a) {
    ec = co_await failure_of(nullptr, c, a...);
}

} // namespace

BOOST_AUTO_TEST_CASE(cancellation) {
    redis_server server;
    run([&](asio::any_io_executor ex) -> awaitable<void> {
        redis_options o = options_for(server);
        o.command_timeout = 5s; // cancellation, not the deadline, ends the wait
        connection c(ex, o);
        co_await command(c, "SET", "a", "A");
        co_await command(c, "SET", "b", "B");

        server.freeze();
        boost::system::error_code ec;
        asio::steady_timer timer(ex, 50ms);
        auto t0 = clock_type::now();
        auto raced = co_await (guarded(ec, c, "GET", "a") || timer.async_wait(asio::use_awaitable));
        auto elapsed = ms_since(t0);
        BOOST_TEST_MESSAGE("cancelled by || after " << elapsed << " ms (timer 50 ms)");
        BOOST_TEST(raced.index() == 1u);
        BOOST_TEST((ec == asio::error::operation_aborted));
        BOOST_TEST(elapsed < 1000);
        BOOST_TEST(c.connected()); // cancelling a command does not close the connection

        // A cancellation signal on the co_spawn of a pipeline.
        asio::cancellation_signal signal;
        std::optional<boost::system::error_code> spawned_ec;
        std::vector<std::vector<std::string>> batch{{"GET", "a"}, {"GET", "b"}};
        asio::co_spawn(ex, c.async_pipeline(std::move(batch)),
                       asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e, std::vector<redis_reply>) {
                           spawned_ec = boost::system::error_code{};
                           try {
                               if (e) std::rethrow_exception(e);
                           } catch (const boost::system::system_error& x) {
                               spawned_ec = x.code();
                           }
                       }));
        co_await sleep_for(20ms);
        t0 = clock_type::now();
        signal.emit(asio::cancellation_type::terminal);
        co_await sleep_for(5ms);
        BOOST_REQUIRE(spawned_ec.has_value());
        BOOST_TEST((*spawned_ec == asio::error::operation_aborted));
        BOOST_TEST(ms_since(t0) < 500);

        // The cancelled commands' replies come after the thaw and are dropped:
        // this command gets its own reply, not GET a's.
        server.thaw();
        redis_reply r = co_await command(c, "GET", "b");
        BOOST_TEST(r.text == "B");
        r = co_await command(c, "GET", "a");
        BOOST_TEST(r.text == "A");
        BOOST_TEST(c.connected());
    });
}

BOOST_AUTO_TEST_CASE(tls) {
    const auto cert = sandbox::make_self_signed();
    redis_server server({{}, cert.cert_pem, cert.key_pem});
    run([&](asio::any_io_executor ex) -> awaitable<void> {
        auto trusting = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
        trusting->add_certificate_authority(asio::buffer(cert.cert_pem));

        redis_options o = options_for(server);
        o.tls = true;
        o.tls_context = trusting;
        o.tls_server_name = "localhost"; // SNI and the DNS name of the certificate
        {
            connection c(ex, o);
            redis_reply r = co_await command(c, "SET", "k", "over TLS");
            BOOST_TEST(r.text == "OK");
            std::vector<std::vector<std::string>> batch;
            for (int i = 0; i < 100; ++i) batch.push_back({"INCR", "n"});
            batch.push_back({"GET", "k"});
            auto op = c.async_pipeline(std::move(batch));
            auto replies = co_await std::move(op);
            BOOST_TEST(replies[99].integer == 100);
            BOOST_TEST(replies[100].text == "over TLS");
        }
        {
            redis_options by_ip = o; // the certificate's IP address, no SNI
            by_ip.tls_server_name.clear();
            connection c(ex, by_ip);
            redis_reply r = co_await command(c, "GET", "k");
            BOOST_TEST(r.text == "over TLS");
        }
        {
            redis_options wrong_name = o;
            wrong_name.tls_server_name = "redis.example.com";
            connection c(ex, wrong_name);
            std::string what;
            auto ec = co_await failure_of(&what, c, "PING");
            BOOST_TEST_MESSAGE("wrong name: " << what);
            BOOST_TEST(!!ec);
            BOOST_TEST(what.find("TLS handshake") != std::string::npos);
        }
        {
            redis_options system_cas = o; // the default context: the system's CAs do not know our certificate
            system_cas.tls_context.reset();
            connection c(ex, system_cas);
            std::string what;
            auto ec = co_await failure_of(&what, c, "PING");
            BOOST_TEST_MESSAGE("untrusted: " << what);
            BOOST_TEST(!!ec);
            BOOST_TEST(what.find("TLS handshake") != std::string::npos);
        }
    });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
