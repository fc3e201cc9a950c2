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

/// \namespace klaviyo::ops
/// The descriptors of the typed operations (ops::get_profile,
/// ops::create_event, ...): each derives from operation<> and adds its
/// operation_id, its path and a static `plan` that checks the inputs and
/// builds the request, or refuses with a message naming the wrong input.
/// A resource type (klaviyo::profile, ...) names its operations, and the
/// typed calls of basic_client look them up there.

/// \namespace klaviyo::api
/// Every operation of Klaviyo's spec as a generated descriptor, one header
/// per spec tag (`<klaviyo/api/profiles.hpp>`, ...), called through
/// api::async_call and api::pages (`<klaviyo/api/call.hpp>`).

/// A Klaviyo rate-limit class: burst (per second) and steady (per minute)
/// windows, plus a daily cap where the spec states one.
struct rate_limit {
    unsigned burst_per_second = 0; ///< calls per one-second burst window; 0: no such window
    unsigned steady_per_minute = 0; ///< calls per one-minute steady window; 0: no such window
    unsigned per_day = 0; ///< 0: no daily cap

    friend constexpr bool operator==(const rate_limit&, const rate_limit&) = default;
};

/// The tiers as Klaviyo's docs name them; values from the spec.
namespace rate_limits {
inline constexpr rate_limit xs{1, 15}; ///< XS: 1/s burst, 15/min steady
inline constexpr rate_limit s{3, 60}; ///< S: 3/s burst, 60/min steady
inline constexpr rate_limit m{10, 150}; ///< M: 10/s burst, 150/min steady
inline constexpr rate_limit l{75, 750}; ///< L: 75/s burst, 750/min steady
inline constexpr rate_limit xl{350, 3500}; ///< XL: 350/s burst, 3500/min steady
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
    /// What the call completes with: a document, a page, accepted, ...
    using result_type = Result;
    /// The HTTP method.
    static constexpr http_method method = Method;
    /// The rate-limit class the client paces the call by.
    static constexpr rate_limit rate = Rate;
    /// Whether a request that may have reached Klaviyo may be repeated (after a 5xx, a timeout or a lost connection).
    static constexpr idempotency idempotent = Idempotent;
    /// `page[size]` maximum (and default) of a cursor-paginated list; 0 for any other operation.
    static constexpr std::size_t max_page_size = MaxPageSize;
};

/// A hand-written operation built on its generated descriptor (klaviyo::api,
/// generated from the spec): operationId, path, method, rate-limit class,
/// idempotency and page size come from the spec, written once; the
/// operation adds its typed inputs and result. `MaxPageSize` differs only
/// where the seed models what the spec leaves implicit (get_metrics: a fixed
/// page of 200 without page[size]).
template <class Api, class Result, std::size_t MaxPageSize = Api::max_page_size>
struct from_spec : operation<Result, Api::method, Api::rate, Api::idempotent, MaxPageSize> {
    /// The spec's operationId; error messages name the call by it.
    static constexpr std::string_view operation_id = Api::operation_id;
    /// The path template, relative to the base URL (`{id}` becomes the percent-encoded id).
    static constexpr std::string_view path = Api::path;
};

/// An operation that reads a cursor-paginated collection (max_page_size > 0): what basic_client::pages() and
/// basic_client::async_get_page() accept.
template <class Op>
concept paginated_operation = operation_descriptor<Op> &&(Op::max_page_size > 0);

/// Sparse fieldsets, includes and additional fields an operation accepts,
/// so that a typo is caught before sending rather than answered with a 400.
struct query_vocabulary {
    std::span<const std::string_view> fields_types;      ///< keys of fields[...]
    std::span<const std::string_view> includes;          ///< values of include
    std::span<const std::string_view> additional_fields; ///< values of `additional-fields[<primary type>]`
    std::span<const std::string_view> sorts;             ///< sort keys (without '-')
};

} // namespace klaviyo
