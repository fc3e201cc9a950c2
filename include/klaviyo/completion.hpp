// klaviyo-cpp: how operations report completion, and the two token adapters.
//
// Every async_* operation completes, by default, with
//     void(error_code, Result)
// and accepts any Asio completion token (callbacks, use_awaitable, deferred,
// use_future, experimental::use_coro, ...). Two adapters change that:
//
//  - with_diagnostics(token): completes with void(std::exception_ptr, Result);
//    a failure is an api_error carrying the error_code *and* diagnostics.
//    The client's default token is with_diagnostics(asio::use_awaitable), so
//    inside an asio::awaitable `co_await client.async_get<profile>(id)` throws
//    api_error on failure. Inside an experimental::coro generator, pass
//    with_diagnostics(asio::deferred).
//
//    Boost 1.81 cannot co_await a *deferred* operation whose signature starts
//    with std::exception_ptr from an asio::awaitable (awaitable.hpp tests the
//    wrong member); use_awaitable does not have that defect, hence the default.
//  - capture_diagnostics(diag, token): keeps void(error_code, Result) and
//    also fills `diag` before the handler runs. `diag` must outlive the call.
#pragma once

#include <klaviyo/error.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <type_traits>
#include <utility>

namespace klaviyo {

template <class Token>
struct with_diagnostics_t {
    Token token;
};

template <class Token>
with_diagnostics_t<std::decay_t<Token>> with_diagnostics(Token&& token) {
    return {std::forward<Token>(token)};
}

template <class Token>
struct capture_diagnostics_t {
    diagnostics* diag;
    Token token;
};

template <class Token>
capture_diagnostics_t<std::decay_t<Token>> capture_diagnostics(diagnostics& diag, Token&& token) {
    return {&diag, std::forward<Token>(token)};
}

/// The default completion token of every operation.
using default_token = with_diagnostics_t<asio::use_awaitable_t<>>;

namespace detail {

template <class T>
struct is_with_diagnostics : std::false_type {};
template <class T>
struct is_with_diagnostics<with_diagnostics_t<T>> : std::true_type {};
template <class T>
struct is_capture_diagnostics : std::false_type {};
template <class T>
struct is_capture_diagnostics<capture_diagnostics_t<T>> : std::true_type {};

/// Turns what an operation body threw into (error_code, diagnostics).
inline error_code to_error_code(std::exception_ptr ep, diagnostics* diag) {
    if (!ep) return {};
    try {
        std::rethrow_exception(ep);
    } catch (const api_error& e) {
        if (diag) *diag = e.diagnostics();
        return e.code();
    } catch (const boost::system::system_error& e) {
        if (diag) diag->message = e.what();
        return e.code();
    } catch (const std::bad_alloc&) {
        return make_error_code(boost::system::errc::not_enough_memory);
    } catch (...) {
        return make_error_code(errc::malformed_response);
    }
}

/// Starts `body` (a callable returning asio::awaitable<Result>) on `ex` and
/// completes `token` in the shape that token asked for.
template <class Result, class Executor, class Body, class Token>
auto launch(const Executor& ex, Body&& body, Token&& token) {
    using token_t = std::decay_t<Token>;
    if constexpr (is_with_diagnostics<token_t>::value) {
        return asio::co_spawn(ex, std::forward<Body>(body), std::forward<Token>(token).token);
    } else {
        diagnostics* diag = nullptr;
        auto&& inner = [&]() -> decltype(auto) {
            if constexpr (is_capture_diagnostics<token_t>::value) {
                diag = token.diag;
                return (std::forward<Token>(token).token);
            } else {
                return std::forward<Token>(token);
            }
        }();
        return asio::async_initiate<decltype(inner), void(error_code, Result)>(
            [](auto handler, const Executor& ex, std::decay_t<Body> body, diagnostics* diag) {
                auto slot = asio::get_associated_cancellation_slot(handler);
                auto hex = asio::get_associated_executor(handler, ex);
                asio::co_spawn(ex, std::move(body),
                               asio::bind_cancellation_slot(
                                   slot, asio::bind_executor(hex, [h = std::move(handler), diag](std::exception_ptr ep,
                                                                                                 Result r) mutable {
                                       error_code ec = to_error_code(ep, diag);
                                       std::move(h)(ec, std::move(r));
                                   })));
            },
            inner, ex, std::forward<Body>(body), diag);
    }
}

} // namespace detail
} // namespace klaviyo
