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

#include <boost/asio/any_completion_handler.hpp>
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

/// A completion token adapter: the operation completes `token` with
/// `void(std::exception_ptr, Result)` instead of `void(error_code, Result)`,
/// and a failure is an api_error carrying both the error_code and the
/// diagnostics. Made by with_diagnostics(); default_token is one.
template <class Token>
struct with_diagnostics_t {
    Token token; ///< the token the operation completes, e.g. asio::use_awaitable or asio::deferred
};

/// Adapts `token` so that the operation completes it with
/// `(std::exception_ptr, Result)`: co_awaiting it throws api_error on failure.
template <class Token>
with_diagnostics_t<std::decay_t<Token>> with_diagnostics(Token&& token) {
    return {std::forward<Token>(token)};
}

/// A completion token adapter: the operation still completes `token` with
/// `void(error_code, Result)`, and on failure first copies what it knows of
/// the failure into `*diag`. Made by capture_diagnostics().
template <class Token>
struct capture_diagnostics_t {
    diagnostics* diag; ///< filled on failure before the handler runs; untouched on success
    Token token;       ///< the token the operation completes with `(error_code, Result)`
};

/// Adapts `token` so that a failure's diagnostics are written to `diag`
/// before the handler runs. `diag` must outlive the operation.
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

/// The token an adapter wraps, or the token itself; points `diag` at what
/// capture_diagnostics asks to fill.
template <class Token>
decltype(auto) unwrap_token(Token&& token, diagnostics*& diag) {
    using token_t = std::decay_t<Token>;
    if constexpr (is_with_diagnostics<token_t>::value) {
        return (std::forward<Token>(token).token);
    } else if constexpr (is_capture_diagnostics<token_t>::value) {
        diag = token.diag;
        return (std::forward<Token>(token).token);
    } else {
        return std::forward<Token>(token);
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
        auto&& inner = unwrap_token(std::forward<Token>(token), diag);
        return asio::async_initiate<decltype(inner), void(error_code, Result)>(
            [](auto handler, const Executor& ex, std::decay_t<Body> body, diagnostics* diag) {
                auto slot = asio::get_associated_cancellation_slot(handler);
                auto hex = asio::get_associated_executor(handler, ex);
                asio::co_spawn(ex, std::move(body),
                               asio::bind_cancellation_slot(
                                   slot, asio::bind_executor(hex, [h = std::move(handler), diag, slot](
                                                                      std::exception_ptr ep, Result r) mutable {
                                       // Done: take co_spawn's handler out of the caller's slot, as
                                       // Asio's composed operations do (it holds a copy of `ex`).
                                       if (slot.is_connected()) slot.clear();
                                       error_code ec = to_error_code(ep, diag);
                                       std::move(h)(ec, std::move(r));
                                   })));
            },
            inner, ex, std::forward<Body>(body), diag);
    }
}

/// Starts an operation whose I/O is type-erased and whose result is made
/// from what that I/O completes with: `start(in, handler)` runs the request
/// (compiled once: it knows nothing of Result) and completes `handler` with
/// `(std::exception_ptr, Answer)`; `finish(Answer&&)` turns the answer into
/// a Result or throws. No coroutine frame and no co_spawn is instantiated
/// per Result: a typed call costs its parse and this small handler.
template <class Result, class Answer, class Executor, class Start, class In, class Finish, class Token>
auto launch_parsed(const Executor& ex, Start start, In in, Finish finish, Token&& token) {
    using token_t = std::decay_t<Token>;
    using erased = asio::any_completion_handler<void(std::exception_ptr, Answer)>;
    constexpr bool rethrow = is_with_diagnostics<token_t>::value;
    diagnostics* diag = nullptr;
    auto&& inner = unwrap_token(std::forward<Token>(token), diag);
    using signature =
        std::conditional_t<rethrow, void(std::exception_ptr, Result), void(error_code, Result)>;
    return asio::async_initiate<decltype(inner), signature>(
        [](auto handler, const Executor& ex, Start start, In in, Finish finish, diagnostics* diag) {
            auto slot = asio::get_associated_cancellation_slot(handler);
            auto hex = asio::get_associated_executor(handler, ex);
            auto done = [h = std::move(handler), finish = std::move(finish), diag, slot](std::exception_ptr ep,
                                                                                         Answer a) mutable {
                (void)diag; // read only when the token does not rethrow
                // Done: take co_spawn's handler out of the caller's slot, as
                // Asio's composed operations do. Left there, it keeps a copy
                // of the client's executor alive for as long as the signal.
                if (slot.is_connected()) slot.clear();
                Result r{};
                if (!ep) {
                    try {
                        r = finish(std::move(a));
                    } catch (...) {
                        ep = std::current_exception();
                    }
                }
                if constexpr (rethrow)
                    std::move(h)(ep, std::move(r));
                else
                    std::move(h)(to_error_code(ep, diag), std::move(r));
            };
            start(std::move(in), erased(asio::bind_cancellation_slot(slot, asio::bind_executor(hex, std::move(done)))));
        },
        inner, ex, std::move(start), std::move(in), std::move(finish), diag);
}

} // namespace detail
} // namespace klaviyo
