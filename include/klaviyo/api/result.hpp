// klaviyo-cpp: the typed results of the generated operations.
//
// Each descriptor names its result: api::single<A> (data is one resource),
// api::collection<A> (data is a list) or api::document (no JSON:API data:
// 202/204 answers, reports of other shapes). A is the generated attributes
// struct of the resource type (include/klaviyo/api/attributes/<type>.hpp).
//
// Decoding never fails a call that Klaviyo answered with valid JSON: every
// member is optional (null and absent both read as empty), members the
// schema does not name are skipped (the raw document stays in `body`),
// unknown enum values are kept (enums are strings), and a member whose value
// does not fit its C++ type is left empty and reported in the resource's
// `issues` (which member, what was there). Objects, unions (oneOf) and
// string-or-number members are kept as raw JSON (json::value).
#pragma once

#include <klaviyo/config.hpp>
#include <klaviyo/decode_issue.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace klaviyo::api {

/// What Klaviyo sent: the status and the JSON document (null when the
/// answer has no body, as 202 and 204 answers mostly do).
struct document {
    unsigned status = 0; ///< the HTTP status, one of the operation's success statuses
    json::value body{};  ///< the whole answer as received

    /// links.next of a page, or empty on the last page (Klaviyo sends null there).
    std::string next_link() const {
        if (const auto* o = body.if_object())
            if (const auto* l = o->if_contains("links"); l && l->is_object())
                if (const auto* n = l->as_object().if_contains("next"); n && n->is_string())
                    return std::string(n->get_string());
        return {};
    }
};

/// A member left empty because its value did not fit (see klaviyo::decode_issue).
using klaviyo::decode_issue;

/// One JSON:API resource object with typed attributes.
template <class Attributes>
struct resource {
    std::string type;                  ///< the JSON:API type, e.g. "catalog-item"
    std::string id;                    ///< the resource's id
    Attributes attributes{};           ///< the typed attributes (each member optional)
    json::object relationships{};      ///< as received
    json::object links{};              ///< as received
    std::vector<decode_issue> issues{}; ///< members left empty because their value did not fit
};

/// The result of an operation whose data is one resource (or none: data may be null).
template <class Attributes>
struct single : document {
    std::optional<resource<Attributes>> data{}; ///< `data`, typed
};

/// The result of an operation whose data is a list (a page of a collection,
/// related resources, relationship identifiers).
template <class Attributes>
struct collection : document {
    std::vector<resource<Attributes>> data{}; ///< `data`, typed, in order
};

/// The attributes structs of the resource types (generated, one header per
/// type under include/klaviyo/api/attributes/; each tag header includes
/// those its results use).
namespace attributes {}

namespace detail {

inline void note(std::vector<decode_issue>& issues, std::string_view member, const json::value& v) {
    issues.push_back({std::string(member), json::serialize(v)});
}

// One reader per member type. Absent and null leave the member empty.
inline void read(const json::object& o, std::string_view key, std::optional<std::string>& out,
                 std::vector<decode_issue>& issues) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return;
    if (v->is_string()) out.emplace(v->get_string());
    else note(issues, key, *v);
}

inline void read(const json::object& o, std::string_view key, std::optional<std::int64_t>& out,
                 std::vector<decode_issue>& issues) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return;
    if (v->is_int64()) out = v->get_int64();
    else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        out = static_cast<std::int64_t>(v->get_uint64());
    // A whole double in [-2^63, 2^63) only: casting any other is undefined behaviour (found by fuzzing).
    else if (v->is_double() && v->get_double() >= -0x1p63 && v->get_double() < 0x1p63 &&
             v->get_double() == std::trunc(v->get_double()))
        out = static_cast<std::int64_t>(v->get_double());
    else note(issues, key, *v);
}

inline void read(const json::object& o, std::string_view key, std::optional<double>& out,
                 std::vector<decode_issue>& issues) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return;
    if (v->is_number()) out = v->to_number<double>();
    else note(issues, key, *v);
}

inline void read(const json::object& o, std::string_view key, std::optional<bool>& out,
                 std::vector<decode_issue>& issues) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return;
    if (v->is_bool()) out = v->get_bool();
    else note(issues, key, *v);
}

inline void read(const json::object& o, std::string_view key, std::optional<std::vector<std::string>>& out,
                 std::vector<decode_issue>& issues) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return;
    if (!v->is_array()) return note(issues, key, *v);
    out.emplace();
    for (const auto& x : v->get_array()) {
        if (x.is_string()) out->emplace_back(x.get_string());
        else note(issues, key, x); // the item is skipped, the others kept
    }
}

/// Raw JSON: objects, unions, string-or-number members. Kept as sent.
inline void read(const json::object& o, std::string_view key, json::value& out, std::vector<decode_issue>&) {
    if (const json::value* v = o.if_contains(key)) out = *v;
}

template <class Attributes>
resource<Attributes> decode_resource(const json::value& v) {
    resource<Attributes> r;
    const json::object* o = v.if_object();
    if (!o) {
        note(r.issues, "data", v);
        return r;
    }
    if (const auto* t = o->if_contains("type"); t && t->is_string()) r.type = std::string(t->get_string());
    if (const auto* i = o->if_contains("id"); i && i->is_string()) r.id = std::string(i->get_string());
    else if (i && i->is_number()) r.id = json::serialize(*i); // ids are strings; a number is kept as its text
    if (const auto* a = o->if_contains("attributes"); a && a->is_object()) {
        std::vector<decode_issue> found;
        decode_attributes(a->get_object(), r.attributes, found); // found by ADL in the attributes' namespace
        for (auto& f : found) r.issues.push_back({"attributes." + f.member, std::move(f.value)});
    }
    if (const auto* rel = o->if_contains("relationships"); rel && rel->is_object()) r.relationships = rel->get_object();
    if (const auto* l = o->if_contains("links"); l && l->is_object()) r.links = l->get_object();
    return r;
}

template <class Attributes>
void decode_data(const json::value& body, single<Attributes>& out) {
    if (const auto* o = body.if_object())
        if (const auto* d = o->if_contains("data"); d && !d->is_null()) out.data = decode_resource<Attributes>(*d);
}

template <class Attributes>
void decode_data(const json::value& body, collection<Attributes>& out) {
    if (const auto* o = body.if_object())
        if (const auto* d = o->if_contains("data"); d && d->is_array()) {
            out.data.reserve(d->get_array().size());
            for (const auto& x : d->get_array()) out.data.push_back(decode_resource<Attributes>(x));
        }
}

} // namespace detail
} // namespace klaviyo::api
