// klaviyo-cpp: basic_client, the entry point to every Klaviyo operation.
#pragma once

#include <klaviyo/accepted.hpp>
#include <klaviyo/auth/api_key.hpp>
#include <klaviyo/auth/oauth.hpp>
#include <klaviyo/calls/bulk.hpp>
#include <klaviyo/calls/oauth.hpp>
#include <klaviyo/calls/picklists.hpp>
#include <klaviyo/calls/resources.hpp>
#include <klaviyo/completion.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/error.hpp>
#include <klaviyo/http.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/options.hpp>
#include <klaviyo/policy/retry.hpp>
#include <klaviyo/query.hpp>
#include <klaviyo/bulk.hpp>
#include <klaviyo/detail/bulk_plan.hpp>
#include <klaviyo/detail/origin.hpp>
#include <klaviyo/detail/pacer.hpp>
#include <klaviyo/raw_request.hpp>
#include <klaviyo/resources/account.hpp>
#include <klaviyo/resources/campaign.hpp>
#include <klaviyo/resources/event.hpp>
#include <klaviyo/resources/event_bulk.hpp>
#include <klaviyo/resources/list.hpp>
#include <klaviyo/resources/profile.hpp>
#include <klaviyo/resources/subscription.hpp>
#include <klaviyo/resources/template.hpp>
#include <klaviyo/select.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/coro.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>

// g++ 12 at -O2 reports -Wmismatched-new-delete on some coroutine frames of
// this file: Asio's awaitable frames pair their own sized operator new and
// delete, which the warning mistakes for a mismatch once frames are inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace klaviyo {

/// A Klaviyo API client.
///
/// @tparam Executor  executor the operations run on (any Asio executor).
/// @tparam Transport sends one HTTP request, e.g. beast_transport or mock_transport.
///
/// @par Thread safety
/// Distinct objects: safe. Shared objects: unsafe. Run all operations of one
/// client on one thread or one strand (pass a strand as the executor).
///
/// @par Object lifetimes
/// The client must outlive every operation started on it. Arguments are
/// copied when the operation is initiated: nothing the caller passes needs
/// to stay alive, even with asio::deferred.
///
/// @par Per-operation cancellation
/// Every async_* operation supports terminal cancellation through the
/// completion handler's cancellation slot (e.g. asio::bind_cancellation_slot
/// or awaitable operators). It completes with asio::error::operation_aborted;
/// a connection in use is closed, never reused. A cancelled write may or may
/// not have reached Klaviyo.
///
/// @par Where the calls are
/// This class is the engine: connection, authentication (key or OAuth with
/// refresh), pacing, retries, deadlines, and the generic calls
/// (async_execute, async_execute_bulk, async_raw_request). The families of
/// calls built on it live in headers of their own and are inherited:
/// resource_calls (calls/resources.hpp: async_get, async_list, pages, ...),
/// bulk_calls (calls/bulk.hpp), picklist_calls (calls/picklists.hpp: the
/// data sources), oauth_calls (calls/oauth.hpp); every operation of the
/// spec is api::async_call (api/call.hpp).
template <class Executor, class Transport>
class basic_client : public resource_calls<basic_client<Executor, Transport>>,
                     public bulk_calls<basic_client<Executor, Transport>>,
                     public picklist_calls<basic_client<Executor, Transport>>,
                     public oauth_calls<basic_client<Executor, Transport>> {
    // The families reach the engine's internals.
    friend class resource_calls<basic_client>;
    friend class bulk_calls<basic_client>;
    friend class picklist_calls<basic_client>;
    friend class oauth_calls<basic_client>;

public:
    /// The executor every operation of this client starts on (returned by get_executor()).
    using executor_type = Executor;
    /// The type of the object that sends each HTTP request (returned by transport()).
    using transport_type = Transport;
    /// Sleeps between retries; replaceable so that tests need no wall time.
    using sleep_function =
        std::function<void(std::chrono::milliseconds, asio::any_completion_handler<void(error_code)>)>;

    /// A client that authenticates with a private API key.
    basic_client(const executor_type& ex, api_key key, client_options opts = {})
        : ex_(ex), key_(std::move(key)), opts_(std::move(opts)),
          origin_(detail::parse_endpoint(opts_.base_url, "client_options::base_url")), transport_(ex, opts_.transport),
          pacer_(ex, opts_.pacing), rng_(std::random_device{}()) {
        if (key_->empty()) throw std::invalid_argument("klaviyo: the API key is empty");
        check_options();
    }

    /// A client that authenticates with OAuth: `Authorization: Bearer`, the
    /// token from `conn.store` (or from async_exchange_code), refreshed
    /// before it expires. Nothing else in the library knows the difference.
    basic_client(const executor_type& ex, oauth_connection conn, client_options opts = {})
        : ex_(ex), opts_(std::move(opts)), origin_(detail::parse_endpoint(opts_.base_url, "client_options::base_url")),
          transport_(ex, opts_.transport), pacer_(ex, opts_.pacing), rng_(std::random_device{}()) {
        if (conn.config.client_id.empty() || conn.config.client_secret.empty())
            throw std::invalid_argument("klaviyo: oauth_config needs client_id and client_secret");
        if (!conn.store) throw std::invalid_argument("klaviyo: oauth_connection.store is null");
        oauth_ = std::make_unique<oauth_state>(ex);
        oauth_->token_origin = detail::oauth_endpoint(conn.config.token_url, "token_url", true, oauth_->token_target);
        oauth_->revoke_origin =
            detail::oauth_endpoint(conn.config.revoke_url, "revoke_url", true, oauth_->revoke_target);
        oauth_->conn = std::move(conn);
        check_options();
    }

    basic_client(const basic_client&) = delete;
    basic_client& operator=(const basic_client&) = delete;

    /// The executor given to the constructor, on which operations run.
    executor_type get_executor() const noexcept { return ex_; }
    /// The options given to the constructor, as the client uses them.
    const client_options& options() const noexcept { return opts_; }
    /// Scheme, host and port of client_options::base_url: where requests go,
    /// and the only host a page link may point at.
    const klaviyo::origin& origin() const noexcept { return origin_; }
    /// The transport the client sends through, e.g. to script a mock_transport's
    /// answers or to read a transport's connection counts.
    transport_type& transport() noexcept { return transport_; }
    /// Replaces the wait before a retry (of an operation, or of an OAuth token
    /// request): `f` gets the delay and a handler to complete when the wait is
    /// over (a test may complete it at once). An empty `f` restores the
    /// steady_timer. Rate-limit pacing keeps its own timers.
    void set_sleep_function(sleep_function f) { sleep_ = std::move(f); }

    // ------------------------------------------------------------ any endpoint

    /// Sends a request the caller spells out (see raw_request). Completes
    /// with `(error_code, raw_response)`; a non-2xx answer is an error whose
    /// diagnostics carry the status and Klaviyo's errors.
    template <class Token = default_token>
    auto async_raw_request(raw_request in, Token&& token = {}) {
        return async_execute<raw_response>(detail::plan_raw(in, origin_, opts_.retry), std::forward<Token>(token));
    }

    // ------------------------------------------------------------ the core

    /// Sends a planned request with retries and parses the result. The
    /// building block of every operation above; public so that new
    /// operations can be added without touching the client.
    template <class Result, class Token = default_token>
    auto async_execute(detail::request_plan plan, Token&& token = {}) {
        return detail::launch_parsed<Result, answer>(
            ex_, [this](detail::request_plan p, answer_handler h) { start_send(std::move(p), std::move(h)); },
            std::move(plan), [](answer a) { return parse_answer<Result>(a); }, std::forward<Token>(token));
    }

    /// Sends the chunks of a split call in order; stops at the first that
    /// fails (after its retries). See bulk.hpp for what a failure reports.
    template <class Token = default_token>
    auto async_execute_bulk(detail::bulk_plan plan, Token&& token = {}) {
        return detail::launch_parsed<bulk_accepted, bulk_accepted>(
            ex_, [this](detail::bulk_plan p, bulk_handler h) { start_bulk(std::move(p), std::move(h)); },
            std::move(plan), [](bulk_accepted b) { return b; }, std::forward<Token>(token));
    }

    /// The HTTP request a plan turns into (headers included). Pure.
    http_request make_request(const detail::request_plan& plan) const {
        http_request r;
        r.method = plan.method;
        r.origin = origin_;
        r.target = plan.target;
        r.idempotent = plan.idempotent;
        r.headers.reserve(6 + plan.extra_headers.size());
        if (plan.authorize) {
            if (key_)
                r.headers.emplace_back("Authorization", key_->authorization());
            else if (oauth_ && oauth_->token)
                r.headers.emplace_back("Authorization", "Bearer " + oauth_->token->access_token);
        }
        r.headers.emplace_back("revision", opts_.revision);
        r.headers.emplace_back("Accept", "application/vnd.api+json");
        r.headers.emplace_back("User-Agent", opts_.user_agent);
        if (!plan.body.empty()) {
            r.headers.emplace_back("Content-Type",
                                   plan.content_type.empty() ? "application/vnd.api+json" : plan.content_type);
            r.body = plan.body;
        }
        for (const auto& h : plan.extra_headers) r.headers.push_back(h);
        return r;
    }

private:
    template <class Op>
    detail::request_plan follow_plan(std::string_view link) const {
        return detail::link_plan<Op>(link, origin_);
    }

    /// A 2xx answer and the attempts it took (what send() returns).
    struct answer {
        http_response response;
        unsigned attempts = 0;
    };
    using answer_handler = asio::any_completion_handler<void(std::exception_ptr, answer)>;
    using bulk_handler = asio::any_completion_handler<void(std::exception_ptr, bulk_accepted)>;

    /// The answer as a Result; a body that does not fit is malformed_response.
    template <class Result>
    static Result parse_answer(const answer& a) {
        try {
            return detail::result_parser<Result>::parse(a.response);
        } catch (const jsonapi::conversion_error& e) {
            diagnostics diag;
            diag.attempts = a.attempts;
            diag.http_status = a.response.status;
            diag.message = std::string("response ") + e.what();
            throw api_error(errc::malformed_response, std::move(diag));
        }
    }

    /// Sends a planned request and parses the answer as a Result, inside a
    /// coroutine of the client's (the data sources, split calls).
    template <class Result>
    asio::awaitable<Result> run(detail::request_plan plan) {
        answer a = co_await send(std::move(plan));
        co_return parse_answer<Result>(a);
    }

    // What follows is defined below the class, not in it: not being inline,
    // its instantiation for klaviyo::client can be left to the one TU that
    // includes <klaviyo/src.hpp> (KLAVIYO_SEPARATE_COMPILATION), and with it
    // the pacer, the retries, OAuth and the whole transport. A typed call
    // reaches it through start_send(), whose handler is type-erased: the
    // coroutine machinery is compiled once, not once per result type.

    /// Pacing, authorization and retries around one request: the first 2xx
    /// answer, or an api_error. Not a template of the result type.
    asio::awaitable<answer> send(detail::request_plan plan);
    /// Runs send() on the client's executor and completes `handler` with its outcome.
    void start_send(detail::request_plan plan, answer_handler handler);

    asio::awaitable<bulk_accepted> run_bulk(detail::bulk_plan plan);
    void start_bulk(detail::bulk_plan plan, bulk_handler handler);

    void check_options() const {
        if (opts_.timeout <= std::chrono::milliseconds::zero())
            throw std::invalid_argument("klaviyo: client_options::timeout must be positive");
        if (!(opts_.pacing.share > 0 && opts_.pacing.share <= 1))
            throw std::invalid_argument("klaviyo: client_options::pacing.share must be in (0, 1]");
        if (!(opts_.pacing.time_scale > 0))
            throw std::invalid_argument("klaviyo: client_options::pacing.time_scale must be positive");
    }

    [[noreturn]] static void throw_invalid(std::string message) {
        diagnostics d;
        d.message = std::move(message);
        throw api_error(errc::invalid_argument, std::move(d));
    }

    /// What an OAuth client keeps: the connection, the current token, and
    /// the single refresh in flight that concurrent calls wait for.
    struct oauth_state {
        explicit oauth_state(const executor_type& ex) : refreshed(ex, asio::steady_timer::time_point::max()) {}
        oauth_connection conn;
        klaviyo::origin token_origin, revoke_origin;
        std::string token_target, revoke_target;
        std::optional<oauth_token> token;
        std::string saved_access, saved_refresh; ///< what save_if_new() saved last (coordinated clients)
        bool refreshing = false;
        std::uint64_t generation = 0;        ///< refreshes finished
        std::uint64_t failed_generation = 0; ///< the last one that failed
        error_code failed_ec;
        diagnostics failed_diag;
        asio::steady_timer refreshed; ///< never expires; cancelled to wake the waiters
    };

    oauth_state& require_oauth() {
        if (!oauth_) throw_invalid("this client uses an API key, not OAuth");
        return *oauth_;
    }

    /// Makes sure the token is usable: loaded, not within the margin of
    /// expiry, and not `failed` (the access token a 401 answered). At most
    /// one refresh runs; everyone else waits for it and shares its outcome.
    asio::awaitable<void> ensure_token(std::string failed) {
        auto& s = *oauth_;
        for (;;) {
            if (s.refreshing) {
                const auto seen = s.generation;
                co_await s.refreshed.async_wait(asio::as_tuple(asio::use_awaitable));
                if (s.failed_generation > seen) throw api_error(s.failed_ec, s.failed_diag);
                // A token this fresh is used as it is, even if the margin is
                // longer than its lifetime: waiters must not refresh again.
                if (s.generation > seen && s.token) co_return;
                continue;
            }
            if (!s.token) {
                s.token = co_await s.conn.store->async_load();
                if (s.conn.coordinator) {
                    // The fleet's token wins over this process's stored copy,
                    // which may hold a refresh token another process spent.
                    auto seed = s.token;
                    s.token = co_await s.conn.coordinator->async_current(std::move(seed));
                    if (s.token) co_await save_if_new(*s.token);
                }
                if (!s.token) {
                    diagnostics d;
                    d.message = "oauth: no token yet; exchange an authorization code first (async_exchange_code)";
                    throw api_error(errc::unauthorized, std::move(d));
                }
            }
            const bool stale =
                failed.empty() ? s.token->expires_at - std::chrono::system_clock::now() < s.conn.config.refresh_margin
                               : s.token->access_token == failed;
            if (!stale) co_return;
            if (s.token->refresh_token.empty()) {
                diagnostics d;
                d.message = "oauth: the access token is no longer valid and there is no refresh token";
                throw api_error(errc::unauthorized, std::move(d));
            }
            s.refreshing = true;
            error_code ec;
            diagnostics diag;
            try {
                if (s.conn.coordinator) {
                    // One refresh for the whole fleet: the coordinator either
                    // finds a newer token or lets this process refresh alone.
                    auto stale = *s.token;
                    refresh_coordinator::refresh_function f = [this](std::string rt) {
                        return refresh_with(std::move(rt));
                    };
                    s.token = co_await s.conn.coordinator->async_refresh(std::move(stale), std::move(f));
                    co_await save_if_new(*s.token);
                } else {
                    auto rt = s.token->refresh_token;
                    auto fresh = co_await refresh_with(std::move(rt));
                    s.token = fresh;
                    co_await s.conn.store->async_save(std::move(fresh));
                }
            } catch (const api_error& e) {
                ec = e.code();
                diag = e.diagnostics();
            } catch (const boost::system::system_error& e) {
                ec = e.code();
                diag.message = e.what();
            }
            s.refreshing = false;
            ++s.generation;
            if (ec) {
                s.failed_generation = s.generation;
                s.failed_ec = ec;
                s.failed_diag = diag;
            }
            s.refreshed.cancel(); // wakes every waiter
            if (ec) throw api_error(ec, std::move(diag));
            co_return;
        }
    }

    /// A new token from the token endpoint for refresh token `rt`.
    asio::awaitable<oauth_token> refresh_with(std::string rt) {
        auto& s = *oauth_;
        auto body = detail::form_body({{"grant_type", "refresh_token"}, {"refresh_token", rt}});
        // The lifetime counts from when the endpoint issued the token, which
        // is before its answer arrived (a slow answer would otherwise make
        // the token look younger than it is): count from the request.
        const auto asked = std::chrono::system_clock::now();
        auto resp = co_await token_call(s.token_origin, s.token_target, std::move(body));
        auto fresh = detail::parse_token_response(resp, asked);
        if (fresh.refresh_token.empty()) fresh.refresh_token = std::move(rt); // not rotated
        co_return fresh;
    }

    /// Saves `t` through the token store unless it is what was saved last.
    asio::awaitable<void> save_if_new(oauth_token t) {
        auto& s = *oauth_;
        if (s.saved_access == t.access_token && s.saved_refresh == t.refresh_token) co_return;
        s.saved_access = t.access_token;
        s.saved_refresh = t.refresh_token;
        co_await s.conn.store->async_save(std::move(t));
    }

    /// One POST to the token or revoke endpoint. Retried only when it cannot
    /// have been applied (429, never sent): a refresh token may rotate.
    asio::awaitable<http_response> token_call(const klaviyo::origin& o, const std::string& target, std::string body) {
        auto& s = *oauth_;
        auto req = detail::token_endpoint_request(s.conn.config, o, target, std::move(body), opts_.user_agent);
        const auto start = std::chrono::steady_clock::now();
        for (unsigned attempt = 1;; ++attempt) {
            auto [ec, resp] = co_await transport_.async_send(req, opts_.timeout, asio::as_tuple(asio::use_awaitable));
            if (ec == asio::error::operation_aborted) throw boost::system::system_error(ec);
            attempt_outcome out;
            if (!ec && resp.status != 429) co_return resp;
            if (!ec) {
                out.http_status = 429;
                out.ec = errc::rate_limited;
                out.retry_after = parse_retry_after(resp.header("Retry-After"));
            } else {
                out.ec = ec;
            }
            auto elapsed =
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
            auto delay = next_retry_delay(opts_.retry, out, false, attempt, elapsed, rng_);
            if (!delay) {
                diagnostics d;
                d.attempts = attempt;
                d.http_status = out.http_status;
                d.message = "oauth token endpoint: " + (ec ? ec.message() : std::string("rate limited"));
                throw api_error(out.ec, std::move(d));
            }
            co_await sleep(*delay);
        }
    }

    asio::awaitable<void> sleep(std::chrono::milliseconds d) {
        if (sleep_) {
            co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(error_code)>(
                [this, d](auto handler) { sleep_(d, std::move(handler)); }, asio::use_awaitable);
        } else {
            asio::steady_timer t(co_await asio::this_coro::executor, d);
            co_await t.async_wait(asio::use_awaitable);
        }
    }

    template <class Op>
    asio::experimental::generator<typename Op::result_type> page_generator(asio::any_io_executor,
                                                                           detail::request_plan first) {
        using page_t = typename Op::result_type;
        page_t page = co_await async_execute<page_t>(std::move(first), with_diagnostics(asio::deferred));
        for (;;) {
            std::string next = page.next_link;
            co_yield std::move(page);
            if (next.empty()) co_return;
            page = co_await async_execute<page_t>(follow_plan<Op>(next), with_diagnostics(asio::deferred));
        }
    }

    template <class Op>
    static asio::experimental::generator<typename decltype(std::declval<typename Op::result_type>().data)::value_type>
    item_generator(asio::any_io_executor, asio::experimental::generator<typename Op::result_type> pages) {
        while (auto p = co_await pages) {
            for (auto& item : p->data) co_yield std::move(item);
        }
    }

    executor_type ex_;
    std::optional<api_key> key_;         ///< set for API-key clients
    std::unique_ptr<oauth_state> oauth_; ///< set for OAuth clients
    client_options opts_;
    klaviyo::origin origin_;
    Transport transport_;
    detail::pacer<executor_type> pacer_;
    std::minstd_rand rng_;
    sleep_function sleep_;
};

template <class Executor, class Transport>
asio::awaitable<typename basic_client<Executor, Transport>::answer>
basic_client<Executor, Transport>::send(detail::request_plan plan) {
    diagnostics diag;
    if (!plan.ok()) {
        diag.message = plan.invalid;
        throw api_error(plan.refusal, std::move(diag));
    }
    if (oauth_ && plan.authorize) {
        std::string none; // named: g++ 12 mishandles temporaries in co_await expressions
        co_await ensure_token(std::move(none));
        // A scope the grant lacks would be a 403: say which, before any I/O.
        if (auto lacking = detail::missing_scope(plan.scopes, oauth_->token->scope); !lacking.empty()) {
            diag.message = "oauth: " + std::string(plan.operation_id) + " needs the scope '" + std::string(lacking) +
                           "', which the token was not granted";
            throw api_error(errc::forbidden, std::move(diag));
        }
    }
    http_request req = make_request(plan);
    bool refreshed_after_401 = false;
    bool again = false; // a retry waits at the front of its rate-limit class
    const auto start = std::chrono::steady_clock::now();
    for (unsigned attempt = 1;; ++attempt) {
        auto ticket = co_await pacer_.acquire(plan, again);
        again = true;
        if (oauth_ && plan.authorize) {
            // The wait for the rate limit may have seen the token refreshed:
            // send with the token of now. If it outlasted the token, give the
            // turn back (waiting for a refresh while holding it would spend
            // the slot and then send late, in a burst) and queue again.
            const auto& t = oauth_->token;
            if (t && t->expires_at <= std::chrono::system_clock::now() && !t->refresh_token.empty()) {
                ticket.give_back();
                std::string none;
                co_await ensure_token(std::move(none));
                req = make_request(plan);
                --attempt; // not an attempt: nothing was sent
                continue;
            }
            if (t && req.header("Authorization").substr(7) != t->access_token) req = make_request(plan);
        }
        auto [ec, resp] = co_await transport_.async_send(req, plan.timeout.value_or(opts_.timeout),
                                                         asio::as_tuple(asio::use_awaitable));
        ticket.release(ec ? nullptr : &resp);
        diag.attempts = attempt;
        if (ec == asio::error::operation_aborted) throw boost::system::system_error(ec); // cancelled
        if (!ec && resp.status == 401 && oauth_ && plan.authorize && !refreshed_after_401) {
            // The token may have expired early or been rotated elsewhere:
            // refresh once (shared with concurrent calls), resend once.
            refreshed_after_401 = true;
            auto rejected = std::string(req.header("Authorization")).substr(7);
            co_await ensure_token(std::move(rejected));
            req = make_request(plan);
            continue;
        }
        attempt_outcome out;
        if (!ec) {
            diag.http_status = resp.status;
            if (resp.status >= 200 && resp.status < 300) co_return answer{std::move(resp), attempt};
            out.http_status = resp.status;
            out.ec = errc_from_status(resp.status);
            out.retry_after = parse_retry_after(resp.header("Retry-After"));
            diag.errors = jsonapi::parse_errors(resp.body);
            diag.retry_after = out.retry_after;
            diag.message.clear();
            if (!plan.idempotent && resp.status >= 500) diag.possibly_applied = true;
        } else {
            out.ec = ec;
            out.unsent = resp.unsent;
            diag.http_status = 0;
            diag.errors.clear();
            diag.message = resp.failure.empty() ? ec.message() : ec.message() + ": " + resp.failure;
            if (!plan.idempotent && !resp.unsent && ec != errc::connect_failed && ec != errc::pool_full)
                diag.possibly_applied = true;
        }
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        auto delay =
            next_retry_delay(plan.retry ? *plan.retry : opts_.retry, out, plan.idempotent, attempt, elapsed, rng_);
        if (!delay) {
            if (!plan.idempotent && !is_retryable(out, false) && is_retryable(out, true))
                diag.message += std::string(diag.message.empty() ? "" : "; ") +
                                "not retried: the request may have been applied and " + std::string(plan.operation_id) +
                                " is not idempotent";
            throw api_error(out.ec, std::move(diag));
        }
        // A paced 429 with Retry-After has paused its whole class: the
        // retry waits for the class, at its front, not for a timer.
        if (out.http_status == 429 && out.retry_after && pacer_.paces(plan)) continue;
        co_await sleep(*delay);
    }
}

template <class Executor, class Transport>
void basic_client<Executor, Transport>::start_send(detail::request_plan plan, answer_handler handler) {
    asio::co_spawn(ex_, send(std::move(plan)), std::move(handler));
}

template <class Executor, class Transport>
void basic_client<Executor, Transport>::start_bulk(detail::bulk_plan plan, bulk_handler handler) {
    asio::co_spawn(ex_, run_bulk(std::move(plan)), std::move(handler));
}

template <class Executor, class Transport>
asio::awaitable<bulk_accepted> basic_client<Executor, Transport>::run_bulk(detail::bulk_plan plan) {
    if (!plan.ok()) {
        diagnostics diag;
        diag.message = std::move(plan.invalid);
        throw api_error(errc::invalid_argument, std::move(diag));
    }
    bulk_accepted done;
    const std::size_t n = plan.chunks.size();
    for (std::size_t c = 0; c < n; ++c) {
        error_code failed;
        diagnostics diag;
        try {
            co_await run<accepted>(std::move(plan.chunks[c].plan));
        } catch (const api_error& e) {
            failed = e.code();
            diag = e.diagnostics();
        } catch (const boost::system::system_error& e) { // cancelled
            failed = e.code();
            diag.message = e.what();
        }
        if (failed) {
            for (std::size_t k = c; k < n; ++k)
                diag.not_accepted.insert(diag.not_accepted.end(), plan.chunks[k].items.begin(),
                                         plan.chunks[k].items.end());
            diag.message = std::string(plan.operation_id) + ": request " + std::to_string(c + 1) + " of " +
                           std::to_string(n) + " failed; " + std::to_string(diag.not_accepted.size()) +
                           " items not accepted" + (diag.message.empty() ? "" : "; " + diag.message);
            throw api_error(failed, std::move(diag));
        }
        done.requests += 1;
        done.items += plan.chunks[c].items.size();
    }
    co_return done;
}

} // namespace klaviyo

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
