// klaviyo-cpp: compile-time operation descriptors.
//
// Every Klaviyo operation is a type that states, at compile time, its HTTP
// method, path template, rate-limit class (x-klaviyo-ratelimit in the spec),
// idempotency and page-size limit. The client reads these; nothing about an
// endpoint is decided at run time except what the caller's options change.
#pragma once

#include <klaviyo/http.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <span>
#include <string_view>

namespace klaviyo {

/// A Klaviyo rate-limit class: burst (per second) and steady (per minute)
/// windows, plus a daily cap where the spec states one.
struct rate_limit {
    unsigned burst_per_second = 0;
    unsigned steady_per_minute = 0;
    unsigned per_day = 0; ///< 0: no daily cap

    friend constexpr bool operator==(const rate_limit&, const rate_limit&) = default;
};

/// The tiers as Klaviyo's docs name them; values from the spec.
namespace rate_limits {
inline constexpr rate_limit xs{1, 15};
inline constexpr rate_limit s{3, 60};
inline constexpr rate_limit m{10, 150};
inline constexpr rate_limit l{75, 750};
inline constexpr rate_limit xl{350, 3500};
} // namespace rate_limits

/// Whether repeating a request that may have reached the server is safe.
enum class idempotency { idempotent, non_idempotent };

/// What a descriptor must state. `max_page_size` is 0 for operations that
/// are not cursor-paginated.
template <class Op>
concept operation_descriptor = requires {
    { Op::operation_id } -> std::convertible_to<std::string_view>;
    { Op::method } -> std::convertible_to<http_method>;
    { Op::path } -> std::convertible_to<std::string_view>;
    { Op::rate } -> std::convertible_to<rate_limit>;
    { Op::idempotent } -> std::convertible_to<idempotency>;
    { Op::max_page_size } -> std::convertible_to<std::size_t>;
};

/// The compile-time facts every operation states, as a base to derive from:
///
///     struct get_profile : operation<jsonapi::document<profile_attributes>, http_method::get,
///                                    rate_limits::l, idempotency::idempotent> {
///         static constexpr std::string_view operation_id = "get_profile";
///         static constexpr std::string_view path = "/api/profiles/{id}";
///     };
template <class Result, http_method Method, rate_limit Rate, idempotency Idempotent, std::size_t MaxPageSize = 0>
struct operation {
    using result_type = Result;
    static constexpr http_method method = Method;
    static constexpr rate_limit rate = Rate;
    static constexpr idempotency idempotent = Idempotent;
    static constexpr std::size_t max_page_size = MaxPageSize;
};

template <class Op>
concept paginated_operation = operation_descriptor<Op> &&(Op::max_page_size > 0);

/// Sparse fieldsets, includes and additional fields an operation accepts,
/// so that a typo is caught before sending rather than answered with a 400.
struct query_vocabulary {
    std::span<const std::string_view> fields_types;      ///< keys of fields[...]
    std::span<const std::string_view> includes;          ///< values of include
    std::span<const std::string_view> additional_fields; ///< values of additional-fields[<primary type>]
    std::span<const std::string_view> sorts;             ///< sort keys (without '-')
};

} // namespace klaviyo
