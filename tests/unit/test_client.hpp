// Shared fixture: a client over the mock transport, with recorded sleeps.
#pragma once

#include "mock_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <vector>

namespace ktest {

inline constexpr const char* test_key = "pk_TESTSECRET_do_not_log_0123456789";

struct fixture {
    boost::asio::io_context ioc;
    mock_client client;
    std::vector<std::chrono::milliseconds> sleeps;

    /// Pacing is off unless a test asks for it: the mock answers at once and
    /// most tests are about one call, not about the rate of many.
    explicit fixture(klaviyo::client_options opts = {}, bool paced = false)
        : client(ioc.get_executor(), klaviyo::api_key(test_key), unpaced_unless(std::move(opts), paced)) {
        // Retry sleeps are recorded and skipped: no test waits on wall time.
        client.set_sleep_function([this](std::chrono::milliseconds d, auto handler) {
            sleeps.push_back(d);
            boost::asio::post(ioc, [h = std::move(handler)]() mutable { std::move(h)(klaviyo::error_code{}); });
        });
    }
    klaviyo::mock_transport<>& mock() { return client.transport(); }
    static klaviyo::client_options unpaced_unless(klaviyo::client_options o, bool paced) {
        o.pacing.enabled = o.pacing.enabled && paced;
        return o;
    }
    const klaviyo::http_request& last() { return mock().requests().back(); }
};

inline std::string profile_json(std::string_view id, std::string_view email) {
    return std::string(R"({"type":"profile","id":")") + std::string(id) + R"(","attributes":{"email":")" +
           std::string(email) +
           R"(","first_name":"Ada","location":{"city":"London","latitude":"51.5","longitude":-0.12}},)" +
           R"("links":{"self":"https://a.klaviyo.com/api/profiles/)" + std::string(id) + R"(/"}})";
}

inline std::string profile_doc(std::string_view id, std::string_view email) {
    return R"({"data":)" + profile_json(id, email) + "}";
}

} // namespace ktest

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

namespace ktest {

/// Runs a test coroutine to completion on the fixture's io_context and
/// rethrows whatever it threw.
template <class F>
void run(fixture& f, F&& body) {
    std::exception_ptr failure;
    bool done = false;
    boost::asio::co_spawn(f.ioc, std::forward<F>(body), [&](std::exception_ptr e) {
        failure = e;
        done = true;
    });
    f.ioc.run();
    f.ioc.restart();
    if (failure) std::rethrow_exception(failure);
    if (!done) throw std::runtime_error("test coroutine did not finish");
}

} // namespace ktest
