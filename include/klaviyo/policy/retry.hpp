// klaviyo-cpp: when to retry a failed request, and how long to wait first.
//
// Pure functions: given what happened, decide. The client applies them; tests
// call them directly.
#pragma once

#include <klaviyo/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace klaviyo {

/// The delay before a retry when the failed answer named none (no Retry-After): `initial`, multiplied by `multiplier`
/// for each further retry, capped at `max`, then jittered.
struct backoff_options {
    /// The delay before the first retry.
    std::chrono::milliseconds initial{250};
    /// Factor from one delay to the next; 1 keeps it constant.
    double multiplier = 2.0;
    /// No delay is longer.
    std::chrono::milliseconds max{20'000};
    /// Full-range jitter in [delay/2, delay] so that many clients that failed
    /// together do not retry together.
    bool jitter = true;
};

/// When a failed attempt is tried again (client_options::retry). Which failures qualify is is_retryable()'s rule: a 429
/// and a request that never left, for every call; a 503, 504, 524, timeout or lost connection only for idempotent
/// operations. These options bound how often and how long.
struct retry_options {
    unsigned max_attempts = 5;                      ///< first try included; 1 disables retries
    std::chrono::milliseconds max_elapsed{120'000}; ///< no retry would start after this
    /// The delays between attempts when Klaviyo names none.
    backoff_options backoff{};
    /// A Retry-After longer than this is not waited for (a daily cap, say):
    /// the call fails with rate_limited and its diagnostics carry the value.
    std::chrono::seconds max_retry_after{60};
};

/// What one attempt ended with, as the retry policy sees it.
struct attempt_outcome {
    error_code ec;                                   ///< transport error, or errc from the status
    unsigned http_status = 0;                        ///< 0 when no response arrived
    std::optional<std::chrono::seconds> retry_after; ///< parsed Retry-After
    /// The transport knows no complete request left (a timeout while connecting, say): safe to repeat for any call.
    bool unsent = false;
};

/// Whether the failure may be retried at all, before counting budgets.
///  - 429: Klaviyo throttled the request before processing it: safe for any call.
///  - connect_failed, or a timeout before the request left: safe for any call.
///  - 503, 504, 524, connection_lost, timeout: the request may have been
///    applied: only for idempotent calls.
inline bool is_retryable(const attempt_outcome& o, bool idempotent) noexcept {
    if (o.http_status == 429) return true;
    if (o.ec == errc::connect_failed || (o.unsent && o.ec == errc::timeout)) return true;
    if (!idempotent) return false;
    if (o.http_status == 503 || o.http_status == 504 || o.http_status == 524) return true;
    return o.ec == errc::connection_lost || o.ec == errc::timeout;
}

/// Exponential backoff before retry number `retry` (1 for the first retry).
template <class Rng>
std::chrono::milliseconds backoff_delay(const backoff_options& b, unsigned retry, Rng& rng) {
    double d = static_cast<double>(b.initial.count());
    for (unsigned i = 1; i < retry && d < static_cast<double>(b.max.count()); ++i) d *= b.multiplier;
    d = std::min(d, static_cast<double>(b.max.count()));
    if (b.jitter) d = std::uniform_real_distribution<double>(d / 2, d)(rng);
    return std::chrono::milliseconds(static_cast<std::int64_t>(d));
}

/// The delay before the next attempt, or nullopt to give up. `attempt` is
/// the number of attempts made so far; `elapsed` the time since the first.
template <class Rng>
std::optional<std::chrono::milliseconds> next_retry_delay(const retry_options& r, const attempt_outcome& o,
                                                          bool idempotent, unsigned attempt,
                                                          std::chrono::milliseconds elapsed, Rng& rng) {
    if (!is_retryable(o, idempotent) || attempt >= r.max_attempts) return std::nullopt;
    std::chrono::milliseconds delay;
    if (o.retry_after) { // the server's word beats our guess
        if (*o.retry_after > r.max_retry_after) return std::nullopt;
        delay = *o.retry_after;
    } else {
        delay = backoff_delay(r.backoff, attempt, rng);
    }
    if (elapsed + delay > r.max_elapsed) return std::nullopt;
    return delay;
}

/// A header value that is a plain decimal count (Retry-After seconds,
/// RateLimit-Remaining, RateLimit-Reset); empty for anything else.
inline std::optional<unsigned> parse_header_count(std::string_view v) noexcept {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (v.empty() || v.size() > 9) return std::nullopt;
    unsigned n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<unsigned>(c - '0');
    }
    return n;
}

/// Parses a Retry-After value given in seconds (Klaviyo sends whole seconds;
/// the HTTP-date form is not used by Klaviyo and is ignored).
inline std::optional<std::chrono::seconds> parse_retry_after(std::string_view v) noexcept {
    auto n = parse_header_count(v);
    if (!n) return std::nullopt;
    return std::chrono::seconds(*n);
}

} // namespace klaviyo
