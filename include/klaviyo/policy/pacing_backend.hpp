// klaviyo-cpp: the seam between a client's pacer and where admissions are
// decided. Without a backend, a client paces itself in process (pacing.hpp,
// detail/pacer.hpp). With one, the backend decides: the Redis fleet
// (<klaviyo/fleet.hpp>) admits the calls of every process of an account
// against the account's windows, kept in Redis.
#pragma once

#include <klaviyo/config.hpp>
#include <klaviyo/operation.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string_view>

namespace klaviyo {

struct http_response;

/// Decides when the calls of one rate-limit class may start, for callers
/// that share a limit beyond this process (pacing_options::backend).
///
/// A client calls it from its own executor only. The semantics are the
/// in-process pacer's: each class (operation and limit) has a burst and a
/// steady window, a call counts from its start until one window length after
/// its response, a 429's Retry-After pauses the class, and RateLimit-*
/// headers that report less than is counted correct the count.
class pacing_backend {
public:
    /// One admitted call, as the backend knows it; handed back to finish().
    struct admission {
        std::uint64_t id = 0;      ///< the backend's own number for the call
        void* rate_class = nullptr; ///< the backend's own state of the call's class
    };

    virtual ~pacing_backend() = default;

    /// Waits until one call of `operation_id` (limits `rate`) may start.
    /// `retry` is set when the call was admitted before and is tried again.
    /// Throws api_error(errc::pool_full) when too many calls wait, and
    /// system_error(operation_aborted) when the caller is cancelled.
    virtual asio::awaitable<admission> async_admit(std::string_view operation_id, rate_limit rate, bool retry) = 0;

    /// The call admitted as `a` ended: with response `r`, or without one
    /// (nullptr). Never throws, never blocks: what it tells others is sent
    /// in the background.
    virtual void finish(const admission& a, const http_response* r) noexcept = 0;

    /// The call admitted as `a` was never sent (its token expired while it
    /// waited, say): its place in the windows is free again.
    virtual void give_back(const admission& a) noexcept = 0;
};

} // namespace klaviyo
