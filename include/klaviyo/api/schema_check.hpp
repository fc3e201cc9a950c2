// klaviyo-cpp: checks a JSON value against a schema of a generated table
// (schema.hpp): what api::async_call does to a body before sending it, and
// what the sandbox does to every body it receives and every answer it sends.
#pragma once

#include <klaviyo/api/schema.hpp>
#include <klaviyo/config.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace klaviyo::api::schema {

/// Where a value breaks its schema: the RFC 6901 pointer of the member
/// ("/data/attributes/email", empty for the whole value) and what is wrong
/// with it ("is required", "must be a string", ...).
struct violation {
    std::string pointer; ///< RFC 6901 JSON pointer of the offending value; empty for the whole value
    std::string message; ///< what is wrong with it, to follow the pointer (e.g. "is required")
};

namespace detail {

inline bool digits(std::string_view s, std::size_t at, std::size_t n) {
    if (at + n > s.size()) return false;
    for (std::size_t i = at; i < at + n; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

/// HH:MM[:SS[.frac]][Z|±HH:MM] from `at`; the offset is optional because
/// Klaviyo reads a time without one as UTC.
inline bool time_part(std::string_view s, std::size_t at) {
    if (!digits(s, at, 2) || at + 2 >= s.size() || s[at + 2] != ':' || !digits(s, at + 3, 2)) return false;
    std::size_t i = at + 5;
    if (i < s.size() && s[i] == ':') {
        if (!digits(s, i + 1, 2)) return false;
        i += 3;
        if (i < s.size() && s[i] == '.') {
            std::size_t j = ++i;
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
            if (i == j) return false;
        }
    }
    if (i == s.size()) return true;
    if (s[i] == 'Z' || s[i] == 'z') return i + 1 == s.size();
    if (s[i] != '+' && s[i] != '-') return false;
    return digits(s, i + 1, 2) && (i + 3 == s.size() || (s[i + 3] == ':' && digits(s, i + 4, 2) && i + 6 == s.size()) ||
                                   (digits(s, i + 3, 2) && i + 5 == s.size()));
}

inline bool date_part(std::string_view s) {
    return digits(s, 0, 4) && s.size() >= 10 && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' && digits(s, 8, 2);
}

inline bool format_ok(format f, std::string_view s) {
    switch (f) {
    case format::date_time:
        // ISO 8601 as Klaviyo reads it: a date, optionally with a time.
        return date_part(s) && (s.size() == 10 || ((s[10] == 'T' || s[10] == 't' || s[10] == ' ') && time_part(s, 11)));
    case format::date: return date_part(s) && s.size() == 10;
    case format::time: return time_part(s, 0);
    case format::uri: {
        auto colon = s.find(':');
        return colon != std::string_view::npos && colon > 0 && s.find_first_of(" \t\r\n") == std::string_view::npos;
    }
    case format::email: {
        auto at = s.find('@');
        return at != std::string_view::npos && at > 0 && at + 1 < s.size() && s.find('@', at + 1) == std::string_view::npos;
    }
    default: return true;
    }
}

inline std::string_view kind_name(kind k) {
    switch (k) {
    case kind::object: return "an object";
    case kind::array: return "an array";
    case kind::string: return "a string";
    case kind::integer: return "an integer";
    case kind::number: return "a number";
    case kind::boolean: return "a boolean";
    case kind::string_or_number: return "a string or a number";
    default: return "a value";
    }
}

inline bool enum_holds(const table& t, const node& n, const json::value& v) {
    for (std::uint16_t i = 0; i < n.enum_count; ++i) {
        std::string_view e = t.enums[n.enum_first + i];
        switch (e.front()) {
        case 's':
            if (v.is_string() && v.get_string() == e.substr(1)) return true;
            break;
        case 'b':
            if (v.is_bool() && v.get_bool() == (e == "btrue")) return true;
            break;
        case 'i':
            if (v.is_int64() && std::to_string(v.get_int64()) == e.substr(1)) return true;
            if (v.is_uint64() && std::to_string(v.get_uint64()) == e.substr(1)) return true;
            break;
        default:
            if (v.is_null()) return true;
        }
    }
    return false;
}

inline std::string enum_list(const table& t, const node& n) {
    std::string s;
    for (std::uint16_t i = 0; i < n.enum_count && i < 12; ++i) {
        if (!s.empty()) s += ", ";
        std::string_view e = t.enums[n.enum_first + i];
        s += e.front() == 's' ? "'" + std::string(e.substr(1)) + "'" : std::string(e == "n" ? "null" : e.substr(1));
    }
    if (n.enum_count > 12) s += ", ...";
    return s;
}

inline std::string escape_token(std::string_view name) {
    std::string s;
    for (char c : name) {
        if (c == '~') s += "~0";
        else if (c == '/') s += "~1";
        else s += c;
    }
    return s;
}

/// One check; `pointer` is the location of `v`. Returns the first violation.
inline std::optional<violation> check_node(const table& t, std::uint16_t at, const json::value& v,
                                           const std::string& pointer) {
    const node& n = t.nodes[at];
    auto fail = [&](std::string why) { return violation{pointer, std::move(why)}; };
    if (v.is_null()) {
        if (n.flags & nullable || n.k == kind::any) return std::nullopt;
        return fail("must not be null");
    }
    switch (n.k) {
    case kind::any: return std::nullopt;
    case kind::one_of:
    case kind::any_of: {
        // At least one alternative: the spec's unions are not written to
        // be exclusive (open objects overlap), so "exactly one" would
        // refuse values Klaviyo takes.
        std::optional<violation> first_failure;
        for (std::uint16_t i = 0; i < n.count; ++i) {
            auto r = check_node(t, t.members[n.first + i].node, v, pointer);
            if (!r) return std::nullopt;
            if (!first_failure) first_failure = std::move(r);
        }
        if (n.count == 1) return first_failure;
        return fail("matches none of the " + std::to_string(n.count) + " forms it may take");
    }
    case kind::all_of:
        for (std::uint16_t i = 0; i < n.count; ++i)
            if (auto r = check_node(t, t.members[n.first + i].node, v, pointer)) return r;
        return std::nullopt;
    case kind::object: {
        if (!v.is_object()) return fail("must be " + std::string(kind_name(n.k)));
        const auto& o = v.get_object();
        for (std::uint16_t i = 0; i < n.count; ++i) {
            const member& m = t.members[n.first + i];
            const json::value* mv = o.if_contains(m.name);
            std::string p = pointer + "/" + escape_token(m.name);
            if (!mv) {
                if (m.required) return violation{p, "is required"};
                continue;
            }
            if (auto r = check_node(t, m.node, *mv, p)) return r;
        }
        return std::nullopt;
    }
    case kind::array: {
        if (!v.is_array()) return fail("must be an array");
        const auto& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i)
            if (auto r = check_node(t, n.items, a[i], pointer + "/" + std::to_string(i))) return r;
        return std::nullopt;
    }
    case kind::string:
        if (!v.is_string()) return fail("must be a string");
        if (!format_ok(n.fmt, v.get_string()))
            return fail("'" + std::string(v.get_string()) + "' is not a valid " +
                        (n.fmt == format::date_time ? "date-time (ISO 8601)"
                         : n.fmt == format::date    ? "date (YYYY-MM-DD)"
                         : n.fmt == format::time    ? "time (HH:MM:SS)"
                         : n.fmt == format::uri     ? "URI"
                                                    : "value of its format"));
        break;
    case kind::integer:
        if (!(v.is_int64() || v.is_uint64() ||
              (v.is_double() && v.get_double() == static_cast<double>(static_cast<std::int64_t>(v.get_double())))))
            return fail("must be an integer");
        break;
    case kind::number:
        if (!v.is_number()) return fail("must be a number");
        break;
    case kind::boolean:
        if (!v.is_bool()) return fail("must be a boolean");
        break;
    case kind::string_or_number:
        if (!v.is_string() && !v.is_number()) return fail("must be a string or a number");
        break;
    }
    if (n.enum_count && !enum_holds(t, n, v))
        return fail("" + json::serialize(v) + " is not one of " + enum_list(t, n));
    return std::nullopt;
}

} // namespace detail

/// Checks `v` against the node `s` names: types, required members, enum
/// values, nullability and formats (date-time, date, time, uri). Members
/// the schema does not name are accepted (Klaviyo adds members over time).
/// Returns the first violation, or nothing.
inline std::optional<violation> check(ref s, const json::value& v) {
    if (!s) return std::nullopt;
    return detail::check_node(*s.in, s.root, v, "");
}

} // namespace klaviyo::api::schema
