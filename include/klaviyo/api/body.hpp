// klaviyo-cpp: typed request bodies of the generated operations.
//
// Each operation that takes a JSON body has `body_type`, a generated struct
// in klaviyo::api::bodies (in its tag header): the resource's `attributes`
// as typed members, its `id` where the schema has one, `relationships` and
// `meta` as JSON. Members the schema requires are checked when the call is
// planned, with every other rule of the spec's schema (api/schema_check.hpp),
// before anything is sent. A member the schema marks nullable is a
// klaviyo::nullable (absent, klaviyo::null or a value: PATCH leaves an absent
// member alone and clears a null one); the others are std::optional.
//
//     api::bodies::create_catalog_item b;
//     b.attributes.external_id = "MUG";
//     b.attributes.title = "Mug";
//     ...
//     auto item = co_await api::async_call<api::create_catalog_item>(client, b);
#pragma once

#include <klaviyo/config.hpp>
#include <klaviyo/nullable.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace klaviyo::api {

/// One member of a to-many relationship body: a resource identifier (the
/// type is the body's), with `meta` where the operation takes one.
struct identifier {
    std::string id;     ///< the related resource's id
    json::value meta{}; ///< per-item meta; null: not sent
};

namespace detail {

inline json::value to_value(const std::string& v) { return json::value(json::string(v)); }
inline json::value to_value(std::int64_t v) { return json::value(v); }
inline json::value to_value(double v) { return json::value(v); }
inline json::value to_value(bool v) { return json::value(v); }
inline json::value to_value(const json::value& v) { return v; }
inline json::value to_value(const std::vector<std::string>& v) {
    json::array a;
    a.reserve(v.size());
    for (const auto& s : v) a.emplace_back(json::string(s));
    return a;
}

/// Writes a member that is set; leaves out one that is not.
template <class T>
void write(json::object& o, std::string_view key, const std::optional<T>& v) {
    if (v) o[key] = to_value(*v);
}

/// Writes a nullable member: absent is left out, null written as null.
template <class T>
void write(json::object& o, std::string_view key, const nullable<T>& v) {
    if (v.is_null()) o[key] = nullptr;
    else if (v.has_value()) o[key] = to_value(*v);
}

/// {"data": {"type", "id"?, "attributes", "relationships"?, "meta"?}}.
inline json::value resource_body(std::string_view type, const std::optional<std::string>& id, json::object attributes,
                                 bool with_attributes, const json::object& relationships, const json::value& meta) {
    json::object data;
    data["type"] = type;
    if (id) data["id"] = *id;
    if (with_attributes) data["attributes"] = std::move(attributes);
    if (!relationships.empty()) data["relationships"] = relationships;
    if (!meta.is_null()) data["meta"] = meta;
    return json::object{{"data", std::move(data)}};
}

/// {"data": [{"type", "id", "meta"?}, ...]}.
inline json::value identifiers_body(std::string_view type, const std::vector<identifier>& items) {
    json::array data;
    data.reserve(items.size());
    for (const auto& i : items) {
        json::object o{{"type", type}, {"id", i.id}};
        if (!i.meta.is_null()) o["meta"] = i.meta;
        data.push_back(std::move(o));
    }
    return json::object{{"data", std::move(data)}};
}

} // namespace detail

/// The typed bodies (generated; each tag header holds its operations').
namespace bodies {}

} // namespace klaviyo::api
