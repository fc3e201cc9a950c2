// klaviyo-cpp: client-side pacing under Klaviyo's rate limits.
//
// Klaviyo counts requests per account and per endpoint in two windows, a
// burst window of one second and a steady window of one minute; a call over
// either is answered 429. Firing first and collecting 429s wastes requests
// and, for writes, round trips; pacing admits calls at the rate the windows
// allow instead. Pure: every function takes the time, so tests need no clock.
#pragma once

#include <klaviyo/operation.hpp>
#include <klaviyo/policy/pacing_backend.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

namespace klaviyo {

/// How a client paces its calls under Klaviyo's rate limits (client_options::pacing): per rate-limit class, in arrival
/// order, within the burst and steady windows.
struct pacing_options {
    /// Off: every call is sent at once and 429s are handled by retries alone.
    bool enabled = true;
    /// Calls that may wait for one rate-limit class; one more fails with
    /// errc::pool_full rather than queueing without bound.
    std::size_t max_waiting = 100'000;
    /// This client's part of each limit, for several clients (or processes)
    /// that share one credential: 0.5 for each of two. Never rounds below 1.
    double share = 1.0;
    /// Divides both windows: for a sandbox that compresses time (the bundled
    /// sandbox's --time-scale). Always 1 against Klaviyo.
    double time_scale = 1.0;
    /// Where admissions are decided instead of in this client: the Redis fleet
    /// (<klaviyo/fleet.hpp>) shares the account's limits among processes. Null:
    /// this client paces itself (and `share` says how much of each limit is its).
    /// `max_waiting` and `enabled` still apply; the backend has its own time scale.
    std::shared_ptr<pacing_backend> backend{};
};

/// The windows of one rate-limit class and the calls counted in them.
///
/// A call counts from the moment it starts until one window length after its
/// response arrived: Klaviyo saw it somewhere in between, and counting the
/// latest possible moment keeps every window Klaviyo could draw (fixed or
/// sliding, wherever it starts) within the limit.
class rate_window_state {
public:
    using clock = std::chrono::steady_clock; ///< steady: pacing does not follow changes of the wall clock
    using time_point = clock::time_point; ///< a moment on that clock
    using duration = clock::duration; ///< a length of time on that clock

    /// The windows of `r`: limits scaled by `o.share` (never below 1), window lengths divided by `o.time_scale`.
    rate_window_state(rate_limit r, const pacing_options& o) noexcept
        : burst_(scaled(r.burst_per_second, o.share)), steady_(scaled(r.steady_per_minute, o.share)),
          burst_len_(window(std::chrono::seconds(1), o.time_scale)),
          steady_len_(window(std::chrono::seconds(60), o.time_scale)) {}

    unsigned burst_limit() const noexcept { return burst_; } ///< calls allowed per burst window, after `share`
    unsigned steady_limit() const noexcept { return steady_; } ///< calls allowed per steady window, after `share`
    duration burst_window() const noexcept { return burst_len_; } ///< 1 s divided by `time_scale`
    duration steady_window() const noexcept { return steady_len_; } ///< 60 s divided by `time_scale`
    unsigned in_flight() const noexcept { return in_flight_; } ///< calls started and not finished

    /// The earliest time one more call may start: `now` when it may start
    /// now, time_point::max() when only a finishing call can make room.
    time_point next_start(time_point now) {
        while (!done_.empty() && done_.front() <= now - steady_len_) done_.pop_front();
        time_point at = now;
        if (paused_until_ > at) at = paused_until_;
        if (budget_ && *budget_ == 0 && budget_until_ > now) at = std::max(at, budget_until_);
        at = std::max(at, window_opens(now, burst_, burst_len_));
        at = std::max(at, window_opens(now, steady_, steady_len_));
        return at;
    }

    /// A call starts (next_start said it may).
    void start() noexcept {
        ++in_flight_;
        if (budget_ && *budget_ > 0) --*budget_;
    }

    /// A started call was not sent after all: it counts no more.
    void unstart() noexcept {
        if (in_flight_ > 0) --in_flight_;
    }

    /// A started call ended at `now`: its response arrived, or it failed.
    void finish(time_point now) {
        if (in_flight_ > 0) --in_flight_;
        // Calls end in time order, so the log stays sorted.
        done_.push_back(done_.empty() ? now : std::max(now, done_.back()));
    }

    /// Calls `f(time_point)` with the end of each counted call that ended
    /// after `from`, oldest first.
    template <class F>
    void for_each_end_after(time_point from, F&& f) const {
        for (auto it = first_after(from); it != done_.end(); ++it) f(*it);
    }

    /// A 429's Retry-After: nothing of this class starts before `until`.
    void pause_until(time_point until) noexcept { paused_until_ = std::max(paused_until_, until); }

    /// RateLimit-Remaining and RateLimit-Reset of a response (steady window).
    /// Used only when Klaviyo reports fewer calls left than this client can
    /// account for: another client or process is spending the same limit.
    void observe(time_point now, unsigned remaining, duration reset) {
        const auto counted = in_flight_ + count_since(now - steady_len_);
        if (std::size_t(remaining) + counted >= steady_) {
            budget_.reset();
            return;
        }
        budget_ = remaining;
        budget_until_ = now + reset;
    }

private:
    static unsigned scaled(unsigned limit, double share) noexcept {
        if (limit == 0) return 0;
        double v = static_cast<double>(limit) * (share > 0 && share < 1 ? share : 1.0);
        return std::max(1u, static_cast<unsigned>(v));
    }
    static duration window(std::chrono::seconds len, double scale) noexcept {
        if (!(scale > 0)) scale = 1;
        return std::chrono::duration_cast<duration>(std::chrono::duration<double>(len) / scale);
    }

    /// The first counted call that ended after `from`.
    std::deque<time_point>::const_iterator first_after(time_point from) const {
        return std::upper_bound(done_.begin(), done_.end(), from);
    }
    std::size_t count_since(time_point from) const { return static_cast<std::size_t>(done_.end() - first_after(from)); }

    /// When the window of `limit` calls per `len` has room for one more.
    time_point window_opens(time_point now, unsigned limit, duration len) const {
        if (limit == 0) return now; // no such window
        if (in_flight_ >= limit) return time_point::max();
        auto first = first_after(now - len);
        const std::size_t in_window = static_cast<std::size_t>(done_.cend() - first);
        if (in_flight_ + in_window < limit) return now;
        // The window has room once enough of its calls have aged out of it.
        const std::size_t must_leave = in_flight_ + in_window - limit + 1;
        return *(first + static_cast<std::ptrdiff_t>(must_leave - 1)) + len;
    }

    unsigned burst_, steady_;
    duration burst_len_, steady_len_;
    unsigned in_flight_ = 0;
    std::deque<time_point> done_; ///< when counted calls ended, oldest first
    time_point paused_until_{};
    std::optional<unsigned> budget_; ///< calls Klaviyo said are left, when fewer than counted
    time_point budget_until_{};
};

/// One rate-limit class with its callers waiting in arrival order.
class pacing_queue {
public:
    using time_point = rate_window_state::time_point; ///< a moment on the steady clock
    using ticket_id = std::uint64_t; ///< identifies one waiting caller

    /// A class with limits `r`; at most `o.max_waiting` callers wait.
    pacing_queue(rate_limit r, const pacing_options& o) : state_(r, o), max_waiting_(o.max_waiting) {}

    rate_window_state& state() noexcept { return state_; } ///< the windows and counts of this class
    std::size_t waiting() const noexcept { return waiting_.size(); } ///< callers waiting, retries included

    /// Starts a call at once if nobody waits and the windows have room.
    bool try_start(time_point now) {
        if (!waiting_.empty() || state_.next_start(now) > now) return false;
        state_.start();
        return true;
    }

    /// Queues a caller; false when the queue is full. A retry goes to the
    /// front (it was admitted once already) and is never refused.
    bool push(ticket_id id, bool retry = false) {
        if (retry) {
            waiting_.push_front(id);
            return true;
        }
        if (waiting_.size() >= max_waiting_) return false;
        waiting_.push_back(id);
        return true;
    }

    /// Forgets a caller that stopped waiting (cancelled).
    void remove(ticket_id id) {
        auto it = std::find(waiting_.begin(), waiting_.end(), id);
        if (it != waiting_.end()) waiting_.erase(it);
    }

    /// Starts waiting callers in order while the windows allow, calling
    /// `started(id)` for each. Returns when to call again: nullopt when
    /// nobody waits, time_point::max() when a finishing call must make room.
    template <class F>
    std::optional<time_point> admit(time_point now, F&& started) {
        while (!waiting_.empty()) {
            auto at = state_.next_start(now);
            if (at > now) return at;
            state_.start();
            auto id = waiting_.front();
            waiting_.pop_front();
            started(id);
        }
        return std::nullopt;
    }

private:
    rate_window_state state_;
    std::size_t max_waiting_;
    std::deque<ticket_id> waiting_;
};

} // namespace klaviyo
