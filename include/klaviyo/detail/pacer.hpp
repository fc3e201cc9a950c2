// klaviyo-cpp: the asynchronous side of pacing. One pacing_queue per
// rate-limit class, a timer that wakes the class when its windows open, and
// one timer per waiting call that is cancelled to admit it.
//
// A client runs on one thread or strand (see basic_client), and so does its
// pacer: no locks.
#pragma once

#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/error.hpp>
#include <klaviyo/http.hpp>
#include <klaviyo/policy/pacing.hpp>
#include <klaviyo/policy/retry.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace klaviyo::detail {

template <class Executor>
class pacer {
    struct waiter;

    /// A rate-limit class: one endpoint (operation) at one limit.
    struct rate_class {
        rate_class(const Executor& ex, rate_limit r, const pacing_options& o) : queue(r, o), wake(ex) {}
        pacing_queue queue;
        asio::steady_timer wake;
        rate_window_state::time_point wake_at = rate_window_state::time_point::max();
        std::unordered_map<pacing_queue::ticket_id, waiter*> waiters;
    };

    struct waiter {
        explicit waiter(const Executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
        asio::steady_timer timer; ///< never expires: cancelled to admit
        bool admitted = false;
    };

    struct class_key {
        std::string_view operation_id;
        rate_limit rate;
        bool operator==(const class_key&) const = default;
    };
    struct key_hash {
        std::size_t operator()(const class_key& k) const noexcept {
            return std::hash<std::string_view>{}(k.operation_id) ^ (std::size_t(k.rate.burst_per_second) << 20) ^
                   k.rate.steady_per_minute;
        }
    };

public:
    /// A started call. Release it when the attempt ended; the destructor
    /// releases one that was not (an exception, a cancellation).
    class ticket {
    public:
        ticket() = default;
        ticket(ticket&& o) noexcept
            : c_(std::exchange(o.c_, nullptr)), backend_(std::exchange(o.backend_, nullptr)), admitted_(o.admitted_) {}
        ticket& operator=(ticket&& o) noexcept {
            if (this != &o) {
                release(nullptr);
                c_ = std::exchange(o.c_, nullptr);
                backend_ = std::exchange(o.backend_, nullptr);
                admitted_ = o.admitted_;
            }
            return *this;
        }
        ~ticket() { release(nullptr); }

        /// The attempt ended, with `r` or without a response (nullptr).
        void release(const http_response* r) {
            if (auto* b = std::exchange(backend_, nullptr)) {
                b->finish(admitted_, r);
                return;
            }
            if (!c_) return;
            auto* c = std::exchange(c_, nullptr);
            auto now = rate_window_state::clock::now();
            auto& st = c->queue.state();
            st.finish(now);
            if (r && r->status == 429) {
                if (auto ra = parse_retry_after(r->header("Retry-After"))) st.pause_until(now + *ra);
            } else if (r) {
                auto remaining = parse_header_count(r->header("RateLimit-Remaining"));
                auto reset = parse_header_count(r->header("RateLimit-Reset"));
                if (remaining && reset) st.observe(now, *remaining, std::chrono::seconds(*reset));
            }
            pacer::pump(*c);
        }

        /// The attempt was never sent: its place in the windows is free again.
        void give_back() {
            if (auto* b = std::exchange(backend_, nullptr)) {
                b->give_back(admitted_);
                return;
            }
            if (!c_) return;
            auto* c = std::exchange(c_, nullptr);
            c->queue.state().unstart();
            pacer::pump(*c);
        }

    private:
        friend class pacer;
        explicit ticket(rate_class* c) : c_(c) {}
        ticket(pacing_backend* b, pacing_backend::admission a) : backend_(b), admitted_(a) {}
        rate_class* c_ = nullptr;
        pacing_backend* backend_ = nullptr; ///< set when a backend admitted the call
        pacing_backend::admission admitted_{};
    };

    pacer(const Executor& ex, pacing_options o) : ex_(ex), opts_(o) {}
    pacer(const pacer&) = delete;
    pacer& operator=(const pacer&) = delete;

    const pacing_options& options() const noexcept { return opts_; }

    /// Whether calls of `plan` are paced (pacing on, and the plan states a limit).
    bool paces(const request_plan& plan) const noexcept { return opts_.enabled && plan.rate.steady_per_minute != 0; }

    /// Waits until a call of `plan`'s class may start. A retry waits at the
    /// front of its class. Throws pool_full when the class queue is full and
    /// operation_aborted when the caller cancels while waiting.
    asio::awaitable<ticket> acquire(const request_plan& plan, bool retry) {
        if (!paces(plan)) co_return ticket{};
        if (opts_.backend) {
            // The backend decides; the pacer only bounds how many wait here.
            if (backend_waiting_ >= opts_.max_waiting && !retry) {
                diagnostics d;
                d.message = "pacing: " + std::to_string(backend_waiting_) +
                            " calls already wait for the shared rate limits (pacing_options::max_waiting)";
                throw api_error(errc::pool_full, std::move(d));
            }
            ++backend_waiting_;
            struct counted {
                std::size_t& n;
                ~counted() { --n; }
            } waiting{backend_waiting_};
            auto a = co_await opts_.backend->async_admit(plan.operation_id, plan.rate, retry);
            co_return ticket{opts_.backend.get(), a};
        }
        auto& c = class_of(plan);
        if (c.queue.try_start(rate_window_state::clock::now())) co_return ticket{&c};
        const auto id = ++last_id_;
        if (!c.queue.push(id, retry)) {
            diagnostics d;
            d.message = "pacing: " + std::to_string(c.queue.waiting()) + " calls already wait for the rate limit of " +
                        std::string(plan.operation_id) + " (pacing_options::max_waiting)";
            throw api_error(errc::pool_full, std::move(d));
        }
        waiter w(ex_);
        c.waiters.emplace(id, &w);
        // Leaves the queue however this frame ends unadmitted: cancelled,
        // or destroyed with its executor.
        struct leave_if_waiting {
            rate_class& c;
            pacing_queue::ticket_id id;
            const waiter& w;
            ~leave_if_waiting() {
                if (w.admitted) return;
                c.waiters.erase(id);
                c.queue.remove(id);
            }
        } guard{c, id, w};
        pump(c);
        if (!w.admitted) co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!w.admitted) throw boost::system::system_error(asio::error::operation_aborted); // the caller cancelled
        co_return ticket{&c};
    }

private:
    rate_class& class_of(const request_plan& plan) {
        class_key k{plan.operation_id, plan.rate};
        auto it = classes_.find(k);
        if (it == classes_.end()) it = classes_.emplace(k, std::make_unique<rate_class>(ex_, plan.rate, opts_)).first;
        return *it->second;
    }

    /// Admits what may start now and sets the class timer for the rest.
    static void pump(rate_class& c) {
        auto next = c.queue.admit(rate_window_state::clock::now(), [&](pacing_queue::ticket_id id) {
            auto it = c.waiters.find(id);
            if (it == c.waiters.end()) return;
            it->second->admitted = true;
            it->second->timer.cancel();
            c.waiters.erase(it);
        });
        if (!next || *next == rate_window_state::time_point::max()) return; // nobody waits, or a finish wakes us
        if (c.wake_at == *next) return;
        c.wake_at = *next;
        c.wake.expires_at(*next);
        c.wake.async_wait([&c](error_code ec) {
            if (ec) return; // re-armed or destroyed: touch nothing
            c.wake_at = rate_window_state::time_point::max();
            pump(c);
        });
    }

    Executor ex_;
    pacing_options opts_;
    std::unordered_map<class_key, std::unique_ptr<rate_class>, key_hash> classes_;
    pacing_queue::ticket_id last_id_ = 0;
    std::size_t backend_waiting_ = 0; ///< calls waiting for the backend
};

} // namespace klaviyo::detail
