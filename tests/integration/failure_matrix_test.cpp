// The transport's failure matrix, the way Beast tests its streams with
// test::fail_count: for one exchange, fail I/O step n = 0, 1, 2, ... until
// the exchange succeeds. Each step's failure must give its documented error,
// say where it struck, leave no connection behind, and lead the client to
// the right retry decision for idempotent and non-idempotent operations.
#include "../support/test_server.hpp"

#include <klaviyo/klaviyo.hpp>

#include <boost/beast/core/error.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>
#include <vector>

using namespace klaviyo;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

const std::vector<transport_step> all_steps{transport_step::resolve,   transport_step::connect,
                                            transport_step::handshake, transport_step::write,
                                            transport_step::read_header, transport_step::read_body};

bool before_the_request_left(transport_step s) { return s <= transport_step::write; }

/// The error the system would give at `s`, for the "fails" column.
error_code system_error_at(transport_step s) {
    switch (s) {
    case transport_step::resolve:
        return asio::error::host_not_found;
    case transport_step::connect:
        return asio::error::connection_refused;
    case transport_step::handshake:
    case transport_step::read_header:
        return asio::error::connection_reset;
    case transport_step::write:
        return asio::error::broken_pipe;
    case transport_step::read_body:
        return asio::error::eof;
    }
    return {};
}

/// Fails the n-th step it is asked about (counting from 0), once, with
/// `make(step)`; records every step it saw.
struct fail_at {
    int n;
    std::function<error_code(transport_step)> make;
    std::shared_ptr<std::vector<transport_step>> seen = std::make_shared<std::vector<transport_step>>();
    std::shared_ptr<int> count = std::make_shared<int>(0);

    error_code operator()(transport_step s) const {
        seen->push_back(s);
        return (*count)++ == n ? make(s) : error_code{};
    }
};

struct outcome {
    error_code ec;
    http_response resp;
};

outcome exchange_once(ktest::test_server& server, const fail_at& f) {
    asio::io_context ioc;
    beast_transport<> t(ioc.get_executor(), transport_options{.ca_pem = server.ca_pem(), .inject_fault = f});
    http_request req;
    req.origin = origin{true, "localhost", server.port()};
    req.target = "/api/profiles/1";
    req.idempotent = true;
    outcome out;
    t.async_send(req, 5s, [&](error_code ec, http_response r) { out = {ec, std::move(r)}; });
    ioc.run();
    BOOST_TEST(t.open_connections(req.origin) <= (out.ec ? 0u : 1u)); // a failed connection is never kept
    return out;
}

/// Runs the matrix: step n fails for n = 0, 1, ... until an exchange
/// succeeds; `check` judges each failure. Returns the steps that failed.
template <class Check>
std::vector<transport_step> run_matrix(std::function<error_code(transport_step)> make, Check check) {
    ktest::test_server server({.tls = true});
    std::vector<transport_step> failed;
    for (int n = 0;; ++n) {
        BOOST_TEST_REQUIRE(n <= 10, "the exchange never succeeded");
        fail_at f{n, make};
        auto out = exchange_once(server, f);
        if (*f.count <= n) { // step n was never reached: the exchange ran whole
            BOOST_TEST(!out.ec, out.ec.message());
            BOOST_TEST(out.resp.status == 200u);
            BOOST_TEST((*f.seen == all_steps), "a whole TLS exchange takes the six steps in order");
            break;
        }
        const auto step = f.seen->back();
        BOOST_TEST_CONTEXT("step " << n << " (" << to_string(step) << ")") {
            BOOST_TEST((step == all_steps.at(static_cast<std::size_t>(n))));
            BOOST_TEST(out.resp.failure.find(step == transport_step::resolve ? "localhost" : "localhost:") !=
                           std::string::npos,
                       "the failure names the peer: " << out.resp.failure);
            BOOST_TEST(out.resp.unsent == before_the_request_left(step));
            check(step, out);
        }
        failed.push_back(step);
    }
    return failed;
}

} // namespace

BOOST_AUTO_TEST_SUITE(failure_matrix)

BOOST_AUTO_TEST_CASE(a_system_error_at_each_step) {
    auto failed = run_matrix(system_error_at, [](transport_step step, const outcome& out) {
        // Before the request left: connect_failed (safe to repeat for any
        // call). After: connection_lost (only an idempotent call repeats).
        auto expected = before_the_request_left(step) ? errc::connect_failed : errc::connection_lost;
        BOOST_TEST((out.ec == expected), out.ec.message());
        BOOST_TEST(out.resp.failure.find(system_error_at(step).message()) != std::string::npos, out.resp.failure);
    });
    BOOST_TEST((failed == all_steps));
}

BOOST_AUTO_TEST_CASE(a_deadline_at_each_step_says_which_step) {
    const std::vector<std::string> words{"resolving", "connect to", "TLS handshake", "sending the request",
                                         "reading the answer's header", "reading the answer's body"};
    auto failed = run_matrix([](transport_step) -> error_code { return boost::beast::error::timeout; },
                             [&](transport_step step, const outcome& out) {
                                 BOOST_TEST((out.ec == errc::timeout), out.ec.message());
                                 const auto& word = words.at(static_cast<std::size_t>(step));
                                 BOOST_TEST(out.resp.failure.find(word) != std::string::npos, out.resp.failure);
                                 BOOST_TEST(out.resp.failure.find("timed out") != std::string::npos,
                                            out.resp.failure);
                             });
    BOOST_TEST(failed.size() == all_steps.size());
}

BOOST_AUTO_TEST_CASE(the_client_repeats_what_is_safe_to_repeat) {
    // Through the client: step n fails on the first attempt only. A get is
    // repeated whatever the step; a create only when its request cannot have
    // left. A create lost after it left fails as possibly applied, and the
    // server saw it exactly once.
    for (bool idempotent : {true, false}) {
        for (std::size_t n = 0; n < all_steps.size(); ++n) {
            for (bool timeout : {false, true}) {
                ktest::test_server server({.tls = true});
                asio::io_context ioc;
                client_options o;
                o.base_url = server.base_url();
                o.transport.ca_pem = server.ca_pem();
                o.retry.backoff.initial = 1ms;
                o.pacing.enabled = false;
                o.transport.inject_fault = fail_at{static_cast<int>(n), [timeout](transport_step s) -> error_code {
                                                       return timeout ? error_code(boost::beast::error::timeout)
                                                                      : system_error_at(s);
                                                   }};
                klaviyo::client c(ioc.get_executor(), api_key("pk_TESTSECRET_matrix"), o);
                error_code ec;
                diagnostics diag;
                // A POST is not idempotent (the test server's answer echoes
                // the request, so it is read raw, not as a profile).
                raw_request post;
                post.method = http_method::post;
                post.path = "/api/profiles";
                post.json = json::object{{"data", json::object{{"type", "profile"}}}};
                if (idempotent)
                    c.async_get<profile>("1", {}, capture_diagnostics(diag, [&](error_code e, auto) { ec = e; }));
                else
                    c.async_raw_request(post, capture_diagnostics(diag, [&](error_code e, auto) { ec = e; }));
                ioc.run();
                // The server counts a request on its own thread, perhaps
                // after the client has already given up on it.
                const int expected = before_the_request_left(all_steps[n]) ? 1 : (idempotent ? 2 : 1);
                for (int i = 0; i < 200 && server.requests.load() < expected; ++i)
                    std::this_thread::sleep_for(10ms);
                const auto step = all_steps[n];
                BOOST_TEST_CONTEXT((idempotent ? "get" : "create") << ", " << (timeout ? "timeout" : "error")
                                                                   << " at " << to_string(step)) {
                    const bool repeated = idempotent || before_the_request_left(step);
                    if (repeated) {
                        BOOST_TEST(!ec, ec.message() << ": " << diag.summary());
                        BOOST_TEST(server.requests.load() == expected);
                    } else {
                        BOOST_TEST((ec == (timeout ? errc::timeout : errc::connection_lost)), ec.message());
                        BOOST_TEST(diag.possibly_applied);
                        BOOST_TEST(diag.attempts == 1u);
                        BOOST_TEST(diag.message.find("may have been applied") != std::string::npos, diag.message);
                        BOOST_TEST(server.requests.load() == 1); // applied once, not repeated
                    }
                    BOOST_TEST(c.transport().open_connections(origin{true, "127.0.0.1", server.port()}) <= 1u);
                }
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(an_unverified_peer_says_why) {
    // A self-signed peer reached without its CA: OpenSSL's reason is kept.
    ktest::test_server server({.tls = true});
    asio::io_context ioc;
    beast_transport<> t(ioc.get_executor());
    http_request req;
    req.origin = origin{true, "127.0.0.1", server.port()};
    req.target = "/";
    outcome out;
    t.async_send(req, 5s, [&](error_code ec, http_response r) { out = {ec, std::move(r)}; });
    ioc.run();
    BOOST_TEST((out.ec == errc::connect_failed));
    BOOST_TEST(out.resp.failure.find("TLS handshake with 127.0.0.1:" + std::to_string(server.port())) == 0u,
               out.resp.failure);
    BOOST_TEST(out.resp.failure.find("self-signed certificate") != std::string::npos, out.resp.failure);
    BOOST_TEST(out.resp.unsent);
}

BOOST_AUTO_TEST_CASE(a_refused_connection_names_host_and_port_in_the_diagnostics) {
    std::uint16_t port;
    {
        ktest::test_server s;
        port = s.port();
    }
    asio::io_context ioc;
    client_options o;
    o.base_url = "http://127.0.0.1:" + std::to_string(port);
    o.retry.max_attempts = 1;
    o.pacing.enabled = false;
    klaviyo::client c(ioc.get_executor(), api_key("pk_TESTSECRET_matrix"), o);
    error_code ec;
    diagnostics diag;
    c.async_get<profile>("1", {}, capture_diagnostics(diag, [&](error_code e, auto) { ec = e; }));
    ioc.run();
    BOOST_TEST((ec == errc::connect_failed));
    BOOST_TEST(diag.message.find("connect to 127.0.0.1:" + std::to_string(port)) != std::string::npos, diag.message);
    BOOST_TEST(diag.message.find("refused") != std::string::npos, diag.message);
    BOOST_TEST(!diag.possibly_applied);
    BOOST_TEST(diag.message.find("TESTSECRET") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
