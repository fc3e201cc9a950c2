// klaviyo-cpp: JSON <-> C++ conversions for Boost.Describe'd structs.
//
// Boost.JSON 1.81 converts described structs too, but demands the exact key
// set and writes empty optionals as null. Klaviyo adds fields over time and
// PATCH needs "absent" to mean "leave alone", so we convert ourselves:
// unknown keys are skipped (the raw JSON is kept elsewhere), missing or null
// optionals are empty, empty optionals are omitted on write, and
// nullable<T> can write an explicit null.
#pragma once

#include <klaviyo/config.hpp>
#include <klaviyo/decode_issue.hpp>
#include <klaviyo/nullable.hpp>

#include <boost/describe/members.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace klaviyo::jsonapi {

/// Thrown by from_json when a value has the wrong JSON type. `path` names
/// the offending member, e.g. "data.attributes.location.latitude".
class conversion_error : public std::runtime_error {
public:
    /// `path` names the member, `what` the mismatch; what() reads "<path>: <what>".
    conversion_error(std::string path, std::string what)
        : std::runtime_error(path + ": " + what), path_(std::move(path)) {}
    /// The offending member, e.g. "data.attributes.location.latitude".
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_nullable : std::false_type {};
template <class T>
struct is_nullable<nullable<T>> : std::true_type {};
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};

template <class T>
concept described = boost::describe::has_describe_members<T>::value;

inline std::string join_path(std::string_view base, std::string_view member) {
    std::string p(base);
    if (!p.empty()) p += '.';
    p += member;
    return p;
}

} // namespace detail

template <class T>
void from_json(const json::value& v, T& out, std::string_view path);

namespace detail {

inline void read_number(const json::value& v, double& out, std::string_view path) {
    if (v.is_double())
        out = v.get_double();
    else if (v.is_int64())
        out = static_cast<double>(v.get_int64());
    else if (v.is_uint64())
        out = static_cast<double>(v.get_uint64());
    else if (v.is_string()) {
        // Klaviyo sends some coordinates as strings; accept them.
        auto s = v.get_string();
        auto r = std::from_chars(s.data(), s.data() + s.size(), out);
        if (r.ec != std::errc() || r.ptr != s.data() + s.size())
            throw conversion_error(std::string(path), "expected a number");
    } else
        throw conversion_error(std::string(path), "expected a number");
}

/// Whether `d` is a whole number that Int holds: casting any other double is undefined behaviour.
template <class Int>
bool whole_in_range(double d) {
    // [min, 2^digits): both bounds are 0 or powers of two, exact as doubles.
    const double lo = static_cast<double>(std::numeric_limits<Int>::min());
    const double hi = std::ldexp(1.0, std::numeric_limits<Int>::digits);
    return d >= lo && d < hi && d == std::trunc(d);
}

template <class Int>
void read_integer(const json::value& v, Int& out, std::string_view path) {
    // Only values Int holds: an integer out of range would wrap into a wrong
    // value, a double out of range is undefined behaviour (found by fuzzing).
    if (v.is_int64() && std::in_range<Int>(v.get_int64()))
        out = static_cast<Int>(v.get_int64());
    else if (v.is_uint64() && std::in_range<Int>(v.get_uint64()))
        out = static_cast<Int>(v.get_uint64());
    else if (v.is_double() && whole_in_range<Int>(v.get_double()))
        out = static_cast<Int>(v.get_double());
    else
        throw conversion_error(std::string(path), "expected an integer");
}

} // namespace detail

/// Reads `v` into `out`. Throws conversion_error naming `path` on a type mismatch.
template <class T>
void from_json(const json::value& v, T& out, std::string_view path) {
    if constexpr (std::is_same_v<T, std::string>) {
        if (!v.is_string()) throw conversion_error(std::string(path), "expected a string");
        out.assign(v.get_string().data(), v.get_string().size());
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_bool()) throw conversion_error(std::string(path), "expected a boolean");
        out = v.get_bool();
    } else if constexpr (std::is_floating_point_v<T>) {
        double d = 0;
        detail::read_number(v, d, path);
        out = static_cast<T>(d);
    } else if constexpr (std::is_integral_v<T>) {
        detail::read_integer(v, out, path);
    } else if constexpr (std::is_same_v<T, json::value>) {
        out = v;
    } else if constexpr (std::is_same_v<T, json::object>) {
        if (!v.is_object()) throw conversion_error(std::string(path), "expected an object");
        out = v.get_object();
    } else if constexpr (std::is_same_v<T, json::array>) {
        if (!v.is_array()) throw conversion_error(std::string(path), "expected an array");
        out = v.get_array();
    } else if constexpr (detail::is_optional<T>::value) {
        if (v.is_null())
            out.reset();
        else
            from_json(v, out.emplace(), path);
    } else if constexpr (detail::is_nullable<T>::value) {
        if (v.is_null())
            out = klaviyo::null;
        else {
            typename std::remove_cvref_t<decltype(*out)> tmp{};
            from_json(v, tmp, path);
            out = std::move(tmp);
        }
    } else if constexpr (detail::is_vector<T>::value) {
        if (!v.is_array()) throw conversion_error(std::string(path), "expected an array");
        const auto& arr = v.get_array();
        out.clear();
        out.resize(arr.size());
        for (std::size_t i = 0; i < arr.size(); ++i)
            from_json(arr[i], out[i], std::string(path) + "[" + std::to_string(i) + "]");
    } else if constexpr (detail::described<T>) {
        if (!v.is_object()) throw conversion_error(std::string(path), "expected an object");
        const auto& obj = v.get_object();
        using members = boost::describe::describe_members<T, boost::describe::mod_public>;
        boost::mp11::mp_for_each<members>([&](auto m) {
            auto it = obj.find(m.name);
            if (it == obj.end()) return; // missing: leave the default (empty)
            from_json(it->value(), out.*m.pointer, detail::join_path(path, m.name));
        });
    } else {
        static_assert(sizeof(T) == 0, "klaviyo::jsonapi::from_json: no conversion for this type");
    }
}

namespace detail {
template <class T>
struct optional_described : std::false_type {};
template <class T>
    requires described<T>
struct optional_described<std::optional<T>> : std::true_type {};
} // namespace detail

/// Reads `v` into a Boost.Describe'd struct as from_json does, but never throws: a member whose value does not fit its
/// type is left empty and noted in `issues` (its path below `path`, and the JSON it held), and the other members are
/// read. Any other T is read whole, or left empty and noted. For answers: Klaviyo may send what the model does not
/// expect, and that must not fail a call.
template <class T>
void from_json_lenient(const json::value& v, T& out, std::string_view path, std::vector<decode_issue>& issues) {
    if constexpr (!detail::described<T>) {
        // Not a struct of members (a json::object kept whole, say): all or nothing.
        try {
            from_json(v, out, path);
        } catch (const conversion_error&) {
            out = T{};
            issues.push_back({std::string(path), json::serialize(v)});
        }
        return;
    } else {
        if (!v.is_object()) {
            issues.push_back({std::string(path), json::serialize(v)});
            return;
        }
        const auto& obj = v.get_object();
        using members = boost::describe::describe_members<T, boost::describe::mod_public>;
        boost::mp11::mp_for_each<members>([&](auto m) {
            auto it = obj.find(m.name);
            if (it == obj.end()) return;
            auto& field = out.*m.pointer;
            using field_t = std::remove_cvref_t<decltype(field)>;
            if constexpr (detail::described<field_t>) {
                from_json_lenient(it->value(), field, detail::join_path(path, m.name), issues);
            } else if constexpr (detail::optional_described<field_t>::value) {
                if (it->value().is_null())
                    field.reset();
                else
                    from_json_lenient(it->value(), field.emplace(), detail::join_path(path, m.name), issues);
            } else {
                // The path is built only when there is something to report:
                // a page of 100 profiles would otherwise build thousands.
                try {
                    from_json(it->value(), field, std::string_view{});
                } catch (const conversion_error&) {
                    field = field_t{};
                    issues.push_back({detail::join_path(path, m.name), json::serialize(it->value())});
                }
            }
        });
    }
}

/// Reads `v` as a new T. Throws conversion_error naming `path` (and the member below it) on a type mismatch.
template <class T>
T from_json(const json::value& v, std::string_view path = {}) {
    T out{};
    from_json(v, out, path);
    return out;
}

namespace detail {
/// Whether a member is written at all (empty optionals and absent nullables are not).
template <class T>
bool is_present(const T& v) {
    if constexpr (is_optional<T>::value)
        return v.has_value();
    else if constexpr (is_nullable<T>::value)
        return !v.is_absent();
    else
        return true;
}
} // namespace detail

/// Writes `v` as JSON: strings, numbers, booleans and JSON values as they are, vectors as arrays, Boost.Describe'd
/// structs as objects. A struct member that is an empty std::optional or an absent nullable is left out; a null
/// nullable is written as null. The inverse of from_json for the attribute and input structs.
template <class T>
json::value to_json(const T& v) {
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> || std::is_arithmetic_v<T> ||
                  std::is_same_v<T, json::value> || std::is_same_v<T, json::object> || std::is_same_v<T, json::array>) {
        return json::value(v);
    } else if constexpr (detail::is_optional<T>::value) {
        return v ? to_json(*v) : json::value(nullptr);
    } else if constexpr (detail::is_nullable<T>::value) {
        return v.has_value() ? to_json(*v) : json::value(nullptr);
    } else if constexpr (detail::is_vector<T>::value) {
        json::array arr;
        arr.reserve(v.size());
        for (const auto& e : v) arr.push_back(to_json(e));
        return arr;
    } else if constexpr (detail::described<T>) {
        json::object obj;
        using members = boost::describe::describe_members<T, boost::describe::mod_public>;
        boost::mp11::mp_for_each<members>([&](auto m) {
            const auto& field = v.*m.pointer;
            if (detail::is_present(field)) obj[m.name] = to_json(field);
        });
        return obj;
    } else {
        static_assert(sizeof(T) == 0, "klaviyo::jsonapi::to_json: no conversion for this type");
    }
}

} // namespace klaviyo::jsonapi
