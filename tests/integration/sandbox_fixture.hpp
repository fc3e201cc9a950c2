// A sandbox in this process and a client pointed at it.
#pragma once

#include <sandbox/server.hpp>

#include <klaviyo/klaviyo.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace ktest {

/// Every request the sandbox answered with a 4xx, as "METHOD path -> status",
/// from a request log (JSON lines).
std::vector<std::string> refused_requests(const std::string& log);

struct sandbox_fixture {
    std::unique_ptr<sandbox::server> sandbox;
    boost::asio::io_context ioc;
    std::unique_ptr<klaviyo::client> client;
    /// Tests that send bad requests on purpose (or provoke 429s) set this;
    /// for every other test, a 4xx in the sandbox's log fails the test.
    bool expects_refusals = false;
    std::string own_log; ///< this fixture's request log, when the test did not name one

    explicit sandbox_fixture(sandbox::options so = {}, klaviyo::client_options co = {}) {
        so.api_keys = {"pk_TESTSECRET_sandbox_key"};
        if (so.request_log.empty()) {
            static int n = 0;
            own_log = "sandbox-requests-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".jsonl";
            std::remove(own_log.c_str());
            so.request_log = own_log;
        }
        sandbox = std::make_unique<sandbox::server>(so);
        sandbox->start();
        co.base_url = sandbox->base_url();
        // Pace by the sandbox's clock; with its limits off there is nothing to pace.
        if (!so.rate_limits) co.pacing.enabled = false;
        co.pacing.time_scale = so.time_scale;
        if (so.tls) co.transport.ca_pem = sandbox->ca_pem();
        client = std::make_unique<klaviyo::client>(ioc.get_executor(), klaviyo::api_key(so.api_keys[0]), co);
    }

    sandbox_fixture(const sandbox_fixture&) = delete;
    sandbox_fixture& operator=(const sandbox_fixture&) = delete;

    /// Stops the sandbox, checks its log and hands the log on to the one CI
    /// inspects (KLAVIYO_SANDBOX_REQUEST_LOG), so that no request escapes the key check.
    ~sandbox_fixture() {
        sandbox->stop();
        if (own_log.empty()) return;
        if (!expects_refusals) {
            auto bad = refused_requests(own_log);
            std::string list;
            for (const auto& b : bad) list += b + "; ";
            BOOST_TEST(bad.empty(), "the sandbox refused: " << list);
        }
        if (const char* shared = std::getenv("KLAVIYO_SANDBOX_REQUEST_LOG")) {
            std::ifstream in(own_log, std::ios::binary);
            std::ofstream(shared, std::ios::app | std::ios::binary) << in.rdbuf();
        }
        std::remove(own_log.c_str());
    }

    template <class F>
    void run(F&& body) {
        std::exception_ptr failure;
        boost::asio::co_spawn(ioc, std::forward<F>(body), [&](std::exception_ptr e) { failure = e; });
        ioc.run();
        ioc.restart();
        if (failure) std::rethrow_exception(failure);
    }

    /// Sends a hand-made request to the sandbox, bypassing the client's checks.
    klaviyo::http_response raw(klaviyo::http_request req) {
        req.origin = client->origin();
        klaviyo::http_response out;
        klaviyo::error_code ec;
        client->transport().async_send(req, std::chrono::seconds(10),
                                       [&](klaviyo::error_code e, klaviyo::http_response r) {
                                           ec = e;
                                           out = std::move(r);
                                       });
        ioc.run();
        ioc.restart();
        if (ec) throw boost::system::system_error(ec);
        return out;
    }

    /// A request as the client would send it, to be spoiled by a test.
    klaviyo::http_request good_request(klaviyo::http_method m, std::string target, std::string body = {}) {
        klaviyo::detail::request_plan plan;
        plan.method = m;
        plan.target = std::move(target);
        plan.body = std::move(body);
        return client->make_request(plan);
    }
};

} // namespace ktest

#include <boost/json/parse.hpp>

namespace ktest {

inline std::vector<std::string> refused_requests(const std::string& log) {
    std::vector<std::string> out;
    std::ifstream in(log);
    std::string line;
    while (std::getline(in, line)) {
        auto v = boost::json::parse(line);
        auto status = v.at("status").to_number<unsigned>();
        if (status >= 400 && status < 500)
            out.push_back(std::string(v.at("method").as_string()) + " " + std::string(v.at("path").as_string()) +
                          " -> " + std::to_string(status));
    }
    return out;
}

/// A status and the parsed body (null when empty).
struct answer {
    unsigned status;
    boost::json::value body;
    klaviyo::http_response raw;
};

inline answer call(sandbox_fixture& f, klaviyo::http_method m, std::string target, std::string body = {}) {
    auto r = f.raw(f.good_request(m, std::move(target), std::move(body)));
    boost::json::value v;
    if (!r.body.empty()) v = boost::json::parse(r.body);
    return {r.status, std::move(v), std::move(r)};
}

inline std::string id_of(const answer& a) { return std::string(a.body.at("data").at("id").as_string()); }
inline std::string error_code_of(const answer& a) {
    return std::string(a.body.at("errors").at(0).at("code").as_string());
}
inline std::string pointer_of(const answer& a) {
    const auto& src = a.body.at("errors").at(0).at("source").as_object();
    if (const auto* p = src.if_contains("pointer")) return std::string(p->as_string());
    if (const auto* p = src.if_contains("parameter")) return std::string(p->as_string());
    return {};
}

} // namespace ktest
