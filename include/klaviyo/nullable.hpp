// klaviyo-cpp: a field that can be absent, explicitly null, or set.
//
// JSON:API PATCH gives the three states different meanings: absent leaves a
// value as it is, null clears it, a value replaces it. std::optional can only
// say two of them.
#pragma once

#include <optional>
#include <utility>

namespace klaviyo {

/// The type of klaviyo::null, the value that sets a nullable<T> to an explicit JSON null. Use klaviyo::null rather than
/// making one.
struct null_t {
    explicit constexpr null_t(int) {} ///< explicit and not default: only klaviyo::null is meant to exist
};
/// Assign to a nullable<T> to send an explicit JSON null (clear the field).
inline constexpr null_t null{0};

/// A member of a PATCH input that is absent, explicitly null, or set.
///
/// JSON:API PATCH gives the three states different meanings, and jsonapi::to_json writes them so: absent (the default)
/// is left out of the body and Klaviyo keeps its value; klaviyo::null is written as JSON null and clears it; a value
/// replaces it. std::optional can say only two of these.
///
/// @code
/// klaviyo::profile_update u;
/// u.last_name = "Lovelace"; // set
/// u.title = klaviyo::null;    // clear
///                            // every other member: absent, unchanged
/// @endcode
template <class T>
class nullable {
public:
    constexpr nullable() = default;
    /// The null state: written as JSON null, which clears the field.
    constexpr nullable(null_t) : state_(state::null) {}
    /// The set state, holding a T made from `v`.
    template <class U = T>
    requires std::is_constructible_v<T, U&&> &&(!std::is_same_v<std::remove_cvref_t<U>, nullable>)&&(
        !std::is_same_v<std::remove_cvref_t<U>, null_t>)constexpr nullable(U&& v)
        : state_(state::value), value_(std::forward<U>(v)) {}

    /// Not given: left out of the body, so Klaviyo keeps its value.
    constexpr bool is_absent() const noexcept { return state_ == state::absent; }
    /// klaviyo::null: written as JSON null, so Klaviyo clears the value.
    constexpr bool is_null() const noexcept { return state_ == state::null; }
    /// Holds a T (neither absent nor null).
    constexpr bool has_value() const noexcept { return state_ == state::value; }
    /// has_value(): false for absent and for null alike.
    constexpr explicit operator bool() const noexcept { return has_value(); }

    /// The T held. Precondition: has_value().
    constexpr const T& value() const& { return *value_; }
    /// The T held, to modify in place. Precondition: has_value().
    constexpr T& value() & { return *value_; }
    constexpr const T& operator*() const& { return *value_; } ///< value(). Precondition: has_value().
    constexpr const T* operator->() const { return &*value_; } ///< &value(). Precondition: has_value().

    /// Back to absent: the member will be left out of the body.
    void reset() noexcept {
        state_ = state::absent;
        value_.reset();
    }

    friend bool operator==(const nullable&, const nullable&) = default;

private:
    enum class state : unsigned char { absent, null, value };
    state state_ = state::absent;
    std::optional<T> value_;
};

} // namespace klaviyo
