// klaviyo-cpp: a scripted transport for tests.
//
// Each call to async_send takes the next scripted exchange: a response, an
// error, or a hang (no answer until the deadline or a cancellation). Every
// request is recorded for assertions. Completions are posted, never inline.
#pragma once

#include <klaviyo/error.hpp>
#include <klaviyo/http.hpp>
#include <klaviyo/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace klaviyo {

/// A transport that answers from a script instead of a network, for tests.
///
/// Each async_send() takes the next scripted exchange (respond(), fail(), hang()) and records the request for
/// assertions; completions are posted, never inline. A client uses it in place of beast_transport:
///
/// @code
/// klaviyo::basic_client<asio::any_io_executor, klaviyo::mock_transport<>> client(ex, klaviyo::api_key("pk_test"));
/// client.transport().respond(200, body);
/// @endcode
template <class Executor = asio::any_io_executor>
class mock_transport {
public:
    using executor_type = Executor; ///< where completions are posted when the handler has no executor of its own

    /// One scripted answer, and what the request it answers is expected to be.
    struct exchange {
        std::optional<http_method> expect_method; ///< checked when set
        std::string expect_target_prefix;         ///< checked when non-empty
        std::optional<http_response> response; ///< the answer; when empty, `error` (or the hang) is the outcome
        error_code error;  ///< used when there is no response
        bool hang = false; ///< never answer: the deadline or a cancellation ends the call
    };

    /// The options are ignored: the signature is beast_transport's, so that basic_client can make either.
    mock_transport(const executor_type& ex, const transport_options& = {}) : ex_(ex) {}

    executor_type get_executor() const noexcept { return ex_; } ///< the executor given at construction

    /// Scripts the next answer.
    mock_transport& respond(unsigned status, std::string body = {}, header_list headers = {}) {
        script_.push_back({{}, {}, http_response{status, std::move(headers), std::move(body)}, {}, false});
        return *this;
    }
    /// Scripts the next call to complete with `ec` and no response (e.g. errc::connection_lost).
    mock_transport& fail(error_code ec) {
        script_.push_back({{}, {}, std::nullopt, ec, false});
        return *this;
    }
    /// Scripts the next call to get no answer: it ends at its deadline (errc::timeout) or when cancelled
    /// (operation_aborted).
    mock_transport& hang() {
        script_.push_back({{}, {}, std::nullopt, {}, true});
        return *this;
    }
    /// Adds a method/target expectation to the most recently scripted exchange.
    mock_transport& expect(http_method m, std::string target_prefix) {
        script_.back().expect_method = m;
        script_.back().expect_target_prefix = std::move(target_prefix);
        return *this;
    }

    /// Every request sent, in order.
    const std::vector<http_request>& requests() const noexcept { return requests_; }
    /// The deadline each request was sent with, in the same order.
    const std::vector<std::chrono::milliseconds>& timeouts() const noexcept { return timeouts_; }
    /// Mismatched expectations and requests that found no script entry.
    const std::vector<std::string>& violations() const noexcept { return violations_; }
    std::size_t pending() const noexcept { return script_.size(); } ///< scripted exchanges not used yet

    /// Answers `req` with the next scripted exchange: completes with `void(error_code, http_response)`, as
    /// beast_transport does. With the script used up, it fails with errc::connect_failed and notes a violation.
    template <class Token>
    auto async_send(const http_request& req, std::chrono::milliseconds timeout, Token&& token) {
        return asio::async_initiate<Token, void(error_code, http_response)>(
            [this, timeout](auto handler, const http_request* r) { this->start(*r, timeout, std::move(handler)); }, token,
            &req);
    }

private:
    template <class Handler>
    void start(const http_request& req, std::chrono::milliseconds timeout, Handler handler) {
        requests_.push_back(req);
        timeouts_.push_back(timeout);
        if (script_.empty()) {
            violations_.push_back("unexpected request: " + std::string(to_string(req.method)) + " " + req.target);
            complete(std::move(handler), make_error_code(errc::connect_failed), {});
            return;
        }
        exchange x = std::move(script_.front());
        script_.pop_front();
        if (x.expect_method && *x.expect_method != req.method)
            violations_.push_back("method mismatch for " + req.target);
        if (!x.expect_target_prefix.empty() && req.target.rfind(x.expect_target_prefix, 0) != 0)
            violations_.push_back("target mismatch: got " + req.target + ", expected " + x.expect_target_prefix);
        if (x.hang) {
            auto timer = std::make_shared<asio::steady_timer>(ex_, timeout);
            auto slot = asio::get_associated_cancellation_slot(handler);
            timer->async_wait(
                asio::bind_cancellation_slot(slot, [timer, h = std::move(handler)](error_code ec) mutable {
                    std::move(h)(ec == asio::error::operation_aborted ? ec : make_error_code(errc::timeout),
                                 http_response{});
                }));
            return;
        }
        if (x.response)
            complete(std::move(handler), {}, std::move(*x.response));
        else
            complete(std::move(handler), x.error, {});
    }

    template <class Handler>
    void complete(Handler handler, error_code ec, http_response resp) {
        auto hex = asio::get_associated_executor(handler, ex_);
        asio::post(
            hex, [h = std::move(handler), ec, resp = std::move(resp)]() mutable { std::move(h)(ec, std::move(resp)); });
    }

    executor_type ex_;
    std::deque<exchange> script_;
    std::vector<http_request> requests_;
    std::vector<std::chrono::milliseconds> timeouts_;
    std::vector<std::string> violations_;
};

} // namespace klaviyo
