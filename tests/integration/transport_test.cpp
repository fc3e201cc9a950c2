// beast_transport against a real loopback server: keep-alive, pool limits,
// stale connections, deadlines, cancellation, TLS verification.
#include "../support/test_server.hpp"

#include <klaviyo/klaviyo.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

using namespace klaviyo;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

using transport = beast_transport<>;

origin origin_of(const ktest::test_server& s, bool tls = false, std::string host = "127.0.0.1") {
    return origin{tls, std::move(host), s.port()};
}

http_request get_req(const origin& o, std::string target = "/api/profiles/1") {
    http_request r;
    r.method = http_method::get;
    r.origin = o;
    r.target = std::move(target);
    r.idempotent = true;
    r.headers = {{"Accept", "application/vnd.api+json"}};
    return r;
}

struct result {
    error_code ec;
    http_response resp;
    bool done = false;
};

/// Sends `n` requests, all at once, and runs until every one completed.
std::vector<result> send_all(asio::io_context& ioc, transport& t, const std::vector<http_request>& reqs,
                             std::chrono::milliseconds timeout = 10s) {
    std::vector<result> out(reqs.size());
    for (std::size_t i = 0; i < reqs.size(); ++i)
        t.async_send(reqs[i], timeout, [&out, i](error_code ec, http_response r) {
            out[i] = {ec, std::move(r), true};
        });
    ioc.run();
    ioc.restart();
    return out;
}

result send_one(asio::io_context& ioc, transport& t, const http_request& req, std::chrono::milliseconds timeout = 10s) {
    return send_all(ioc, t, {req}, timeout).at(0);
}

} // namespace

BOOST_AUTO_TEST_SUITE(beast_transport_tests)

BOOST_AUTO_TEST_CASE(sequential_calls_reuse_one_connection) {
    ktest::test_server server;
    asio::io_context ioc;
    transport t(ioc.get_executor());
    auto req = get_req(origin_of(server));
    for (int i = 0; i < 25; ++i) {
        auto r = send_one(ioc, t, req);
        BOOST_TEST_REQUIRE(!r.ec, r.ec.message());
        BOOST_TEST(r.resp.status == 200u);
    }
    BOOST_TEST(server.connections.load() == 1);
    BOOST_TEST(t.connections_opened() == 1u);
    BOOST_TEST(server.requests.load() == 25);
}

BOOST_AUTO_TEST_CASE(pool_limit_holds_under_100_concurrent_calls) {
    ktest::test_server server({.delay = 5ms});
    asio::io_context ioc;
    transport t(ioc.get_executor(), transport_options{.max_connections_per_host = 6});
    std::vector<http_request> reqs(100, get_req(origin_of(server)));
    auto results = send_all(ioc, t, reqs);
    for (const auto& r : results) {
        BOOST_TEST(r.done);
        BOOST_TEST(!r.ec, r.ec.message());
    }
    BOOST_TEST(server.requests.load() == 100);
    BOOST_TEST(server.connections.load() <= 6);
    BOOST_TEST(t.peak_connections() <= 6u);
    BOOST_TEST(t.peak_connections() >= 2u); // and it did use the parallelism
}

BOOST_AUTO_TEST_CASE(waiting_for_a_connection_respects_the_deadline) {
    ktest::test_server server({.never_answer = true});
    asio::io_context ioc;
    transport t(ioc.get_executor(), transport_options{.max_connections_per_host = 1});
    std::vector<http_request> reqs(3, get_req(origin_of(server)));
    auto start = std::chrono::steady_clock::now();
    auto results = send_all(ioc, t, reqs, 150ms);
    for (const auto& r : results) BOOST_TEST((r.ec == errc::timeout), r.ec.message());
    BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
    BOOST_TEST(server.connections.load() == 1);
}

BOOST_AUTO_TEST_CASE(a_server_closing_kept_alive_connections_is_survived) {
    ktest::test_server server({.close_after_response = true});
    asio::io_context ioc;
    transport t(ioc.get_executor());
    auto req = get_req(origin_of(server));
    for (int i = 0; i < 10; ++i) { // back to back: the close may not have arrived yet
        auto r = send_one(ioc, t, req);
        BOOST_TEST_REQUIRE(!r.ec, r.ec.message());
    }
    auto post = get_req(origin_of(server), "/api/profiles");
    post.method = http_method::post;
    post.idempotent = false;
    post.body = "{}";
    for (int i = 0; i < 5; ++i) { // a pause lets the close arrive: the dead connection is seen before use
        std::this_thread::sleep_for(20ms);
        auto r = send_one(ioc, t, post);
        BOOST_TEST_REQUIRE(!r.ec, r.ec.message());
    }
    BOOST_TEST(server.requests.load() == 15); // nothing was sent twice
    BOOST_TEST(server.connections.load() == 15);
}

BOOST_AUTO_TEST_CASE(a_server_that_never_answers_hits_the_deadline) {
    ktest::test_server server({.never_answer = true});
    asio::io_context ioc;
    transport t(ioc.get_executor());
    auto start = std::chrono::steady_clock::now();
    auto r = send_one(ioc, t, get_req(origin_of(server)), 200ms);
    auto took = std::chrono::steady_clock::now() - start;
    BOOST_TEST((r.ec == errc::timeout), r.ec.message());
    BOOST_TEST((took >= 200ms));
    BOOST_TEST((took < 3s));
    BOOST_TEST(t.open_connections(origin_of(server)) == 0u); // the connection was dropped
}

BOOST_AUTO_TEST_CASE(nothing_listening_is_connect_failed) {
    std::uint16_t port;
    {
        ktest::test_server s;
        port = s.port();
    }
    asio::io_context ioc;
    transport t(ioc.get_executor());
    auto r = send_one(ioc, t, get_req(origin{false, "127.0.0.1", port}), 2s);
    BOOST_TEST((r.ec == errc::connect_failed), r.ec.message());
}

BOOST_AUTO_TEST_CASE(cancellation_aborts_an_exchange_in_flight) {
    ktest::test_server server({.never_answer = true});
    asio::io_context ioc;
    transport t(ioc.get_executor());
    asio::cancellation_signal sig;
    auto req = get_req(origin_of(server));
    error_code ec;
    t.async_send(req, 10s, asio::bind_cancellation_slot(sig.slot(), [&](error_code e, http_response) { ec = e; }));
    asio::steady_timer timer(ioc, 50ms);
    timer.async_wait([&](error_code) { sig.emit(asio::cancellation_type::terminal); });
    auto start = std::chrono::steady_clock::now();
    ioc.run();
    BOOST_TEST((ec == asio::error::operation_aborted), ec.message());
    BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
    BOOST_TEST(t.open_connections(origin_of(server)) == 0u);
}

BOOST_AUTO_TEST_CASE(tls_self_signed_fails_without_its_ca) {
    ktest::test_server server({.tls = true});
    asio::io_context ioc;
    transport t(ioc.get_executor());
    auto r = send_one(ioc, t, get_req(origin_of(server, true)), 5s);
    BOOST_TEST((r.ec == errc::connect_failed), r.ec.message());
    BOOST_TEST(server.requests.load() == 0);
}

BOOST_AUTO_TEST_CASE(tls_succeeds_with_the_ca_and_checks_the_host_name) {
    ktest::test_server server({.tls = true});
    asio::io_context ioc;
    transport t(ioc.get_executor(), transport_options{.ca_pem = server.ca_pem()});
    for (auto host : {"127.0.0.1", "localhost"}) {
        auto r = send_one(ioc, t, get_req(origin_of(server, true, host)), 5s);
        BOOST_TEST_REQUIRE(!r.ec, r.ec.message());
        BOOST_TEST(r.resp.status == 200u);
    }
    // The certificate names localhost and 127.0.0.1 only: another name is refused.
    auto r = send_one(ioc, t, get_req(origin_of(server, true, "127.0.0.2")), 5s);
    BOOST_TEST((r.ec == errc::connect_failed), r.ec.message());
}

BOOST_AUTO_TEST_CASE(client_over_https_end_to_end) {
    ktest::test_server server({.tls = true});
    asio::io_context ioc;
    client_options o;
    o.base_url = server.base_url();
    o.transport.ca_pem = server.ca_pem();
    klaviyo::client c(ioc.get_executor(), api_key("pk_TESTSECRET_integration"), o);
    std::string id, echo;
    c.async_get<profile>("abc", get_options{}, [&](error_code ec, jsonapi::document<profile_attributes> d) {
        BOOST_TEST(!ec, ec.message());
        id = d.data.id;
        echo = boost::json::serialize(d.meta);
    });
    ioc.run();
    BOOST_TEST(id == "1");
    BOOST_TEST(c.transport().connections_opened() == 1u);
}

BOOST_AUTO_TEST_CASE(host_header_carries_a_non_default_port) {
    ktest::test_server server;
    asio::io_context ioc;
    transport t(ioc.get_executor());
    auto r = send_one(ioc, t, get_req(origin_of(server)));
    BOOST_TEST_REQUIRE(!r.ec);
    auto v = boost::json::parse(r.resp.body);
    BOOST_TEST(v.at("echo").at("host").as_string() == "127.0.0.1:" + std::to_string(server.port()));
    BOOST_TEST(v.at("echo").at("target").as_string() == "/api/profiles/1");
}

BOOST_AUTO_TEST_CASE(request_head_and_body_arrive_as_written) {
    ktest::test_server server;
    asio::io_context ioc;
    transport t(ioc.get_executor());
    auto post = get_req(origin_of(server), "/api/events?x=1");
    post.method = http_method::post;
    post.body = "{}";
    auto r = send_one(ioc, t, post);
    BOOST_TEST_REQUIRE(!r.ec, r.ec.message());
    auto v = boost::json::parse(r.resp.body).at("echo");
    BOOST_TEST(v.at("method").as_string() == "POST");
    BOOST_TEST(v.at("target").as_string() == "/api/events?x=1");
    BOOST_TEST(v.at("content_length").as_string() == "2");
    BOOST_TEST(v.at("body").as_string() == "{}");
    // A POST without a body still states its length, as Beast would.
    post.body.clear();
    r = send_one(ioc, t, post);
    BOOST_TEST_REQUIRE(!r.ec, r.ec.message());
    BOOST_TEST(boost::json::parse(r.resp.body).at("echo").at("content_length").as_string() == "0");
}

BOOST_AUTO_TEST_CASE(a_line_break_in_a_header_is_refused_before_sending) {
    ktest::test_server server;
    asio::io_context ioc;
    transport t(ioc.get_executor());
    auto req = get_req(origin_of(server));
    req.headers.emplace_back("X-Note", "a\r\nX-Injected: 1");
    auto r = send_one(ioc, t, req);
    BOOST_TEST((r.ec == errc::invalid_argument), r.ec.message());
    req = get_req(origin_of(server), "/api/profiles/1 HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /");
    r = send_one(ioc, t, req);
    BOOST_TEST((r.ec == errc::invalid_argument), r.ec.message());
    BOOST_TEST(server.requests.load() == 0);
}

BOOST_AUTO_TEST_CASE(a_cancelled_waiter_leaves_the_queue) {
    ktest::test_server server({.delay = 50ms});
    asio::io_context ioc;
    transport t(ioc.get_executor(), transport_options{.max_connections_per_host = 1});
    auto req = get_req(origin_of(server));
    error_code a, b;
    t.async_send(req, 5s, [&](error_code e, http_response) { a = e; });
    asio::cancellation_signal sig;
    t.async_send(req, 5s, asio::bind_cancellation_slot(sig.slot(), [&](error_code e, http_response) { b = e; }));
    sig.emit(asio::cancellation_type::terminal); // before it ever ran: it must not stay queued
    ioc.run();
    ioc.restart();
    BOOST_TEST(!a, a.message());
    BOOST_TEST((b == asio::error::operation_aborted), b.message());
    auto c = send_one(ioc, t, req, 2s);
    BOOST_TEST(!c.ec, c.ec.message());
    BOOST_TEST(t.open_connections(origin_of(server)) <= 1u);
}

BOOST_AUTO_TEST_CASE(a_cancellation_between_steps_does_not_leak_a_pool_slot) {
    // B waits for A's connection. A's completion hands it over, then cancels
    // B before B runs again: B holds a connection and a cancelled state, and
    // throws at its next step. The pool slot must come back.
    ktest::test_server server({.delay = 30ms});
    asio::io_context ioc;
    transport t(ioc.get_executor(), transport_options{.max_connections_per_host = 1});
    auto req = get_req(origin_of(server));
    asio::cancellation_signal sig;
    error_code a, b;
    t.async_send(req, 5s, [&](error_code e, http_response) {
        a = e;
        sig.emit(asio::cancellation_type::terminal);
    });
    t.async_send(req, 5s, asio::bind_cancellation_slot(sig.slot(), [&](error_code e, http_response) { b = e; }));
    ioc.run();
    ioc.restart();
    BOOST_TEST(!a, a.message());
    BOOST_TEST((b == asio::error::operation_aborted), b.message());
    auto start = std::chrono::steady_clock::now();
    auto r = send_one(ioc, t, req, 2s); // would wait out its deadline if a slot had leaked
    BOOST_TEST(!r.ec, r.ec.message());
    BOOST_TEST((std::chrono::steady_clock::now() - start < 1s));
    BOOST_TEST(t.open_connections(origin_of(server)) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
