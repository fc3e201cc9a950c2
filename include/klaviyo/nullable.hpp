// klaviyo-cpp: a field that can be absent, explicitly null, or set.
//
// JSON:API PATCH gives the three states different meanings: absent leaves a
// value as it is, null clears it, a value replaces it. std::optional can only
// say two of them.
#pragma once

#include <optional>
#include <utility>

namespace klaviyo {

struct null_t {
    explicit constexpr null_t(int) {}
};
/// Assign to a nullable<T> to send an explicit JSON null (clear the field).
inline constexpr null_t null{0};

template <class T>
class nullable {
public:
    constexpr nullable() = default;
    constexpr nullable(null_t) : state_(state::null) {}
    template <class U = T>
    requires std::is_constructible_v<T, U&&> &&(!std::is_same_v<std::remove_cvref_t<U>, nullable>)&&(
        !std::is_same_v<std::remove_cvref_t<U>, null_t>)constexpr nullable(U&& v)
        : state_(state::value), value_(std::forward<U>(v)) {}

    constexpr bool is_absent() const noexcept { return state_ == state::absent; }
    constexpr bool is_null() const noexcept { return state_ == state::null; }
    constexpr bool has_value() const noexcept { return state_ == state::value; }
    constexpr explicit operator bool() const noexcept { return has_value(); }

    constexpr const T& value() const& { return *value_; }
    constexpr T& value() & { return *value_; }
    constexpr const T& operator*() const& { return *value_; }
    constexpr const T* operator->() const { return &*value_; }

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
