// klaviyo-cpp: JSON:API documents, resource objects, links and errors.
#pragma once

#include <klaviyo/error.hpp>
#include <klaviyo/jsonapi/convert.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

/// JSON:API as Klaviyo speaks it: documents, pages and resource objects with
/// typed attributes, `errors[]`, and the Boost.Describe conversions between
/// attribute structs and JSON.
namespace klaviyo::jsonapi {

/// A JSON:API resource object with typed attributes. `raw` keeps the object
/// as received but for `relationships` and `links`, which move to their own
/// members: fields the typed model does not know (yet) still reach the
/// caller, and nothing is held twice.
template <class Attributes>
struct resource {
    /// The resource type, e.g. "profile".
    std::string type;
    /// Klaviyo's id of the resource.
    std::string id;
    /// Typed attributes; what Klaviyo left out or sent as null is empty.
    Attributes attributes{};
    /// `relationships` as received (see related_ids()).
    json::object relationships;
    /// `links` as received (see self_link()).
    json::object links;
    /// The resource object as received, minus `relationships` and `links`: fields the typed attributes lack are here.
    json::object raw;
    /// Attributes left empty because their value did not fit their C++ type (the value stays in `raw`).
    std::vector<decode_issue> issues{};

    /// `links.self`, or empty.
    std::string_view self_link() const noexcept {
        auto it = links.find("self");
        return it != links.end() && it->value().is_string() ? std::string_view(it->value().get_string())
                                                            : std::string_view();
    }

    /// Ids of a to-many or to-one relationship's `data`, e.g. related_ids("lists").
    std::vector<std::string> related_ids(std::string_view name) const {
        std::vector<std::string> ids;
        auto it = relationships.find(name);
        if (it == relationships.end() || !it->value().is_object()) return ids;
        const auto* data = it->value().get_object().if_contains("data");
        auto take = [&](const json::value& r) {
            if (const auto* o = r.if_object())
                if (const auto* id = o->if_contains("id"); id && id->is_string()) ids.emplace_back(id->get_string());
        };
        if (data && data->is_array())
            for (const auto& r : data->get_array()) take(r);
        else if (data && data->is_object())
            take(*data);
        return ids;
    }
};

/// A document whose primary data is one resource.
template <class Attributes>
struct document {
    resource<Attributes> data; ///< the primary resource
    json::array included; ///< the related resources asked for with `include`, as received
    json::object links; ///< the document's `links`
    json::object meta; ///< the document's `meta`, if any
};

/// A document whose primary data is a collection: one page of it.
template <class Attributes>
struct page {
    std::vector<resource<Attributes>> data; ///< this page's resources, in Klaviyo's order
    json::array included; ///< the related resources asked for with `include`, as received
    std::string self_link; ///< `links.self`: the URL of this page
    std::string next_link; ///< absolute URL of the next page; empty on the last page
    std::string prev_link; ///< `links.prev`: the URL of the previous page; empty on the first
    json::object meta; ///< the document's `meta`, if any

    /// Whether next_link names another page (basic_client::async_get_page() reads it).
    bool has_next() const noexcept { return !next_link.empty(); }
};

namespace detail {

inline const json::object& as_object(const json::value& v, std::string_view path) {
    if (!v.is_object()) throw conversion_error(std::string(path), "expected an object");
    return v.get_object();
}

inline std::string string_member(const json::object& o, std::string_view key) {
    if (const auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return {};
}

inline json::object object_member(const json::object& o, std::string_view key) {
    if (const auto* v = o.if_contains(key); v && v->is_object()) return v->get_object();
    return {};
}

/// Moves an object member out (the document it came from is a temporary).
inline json::object take_object(json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_object()) return std::move(v->get_object());
    return {};
}

/// One parser per thread: its stacks are kept from answer to answer instead
/// of being allocated for each (json::parse makes a new one). Not inlined:
/// clang up to 16 may keep a thread-local's address across a co_await in the
/// coroutine it was inlined into and, resumed on another thread, use the
/// first thread's object (LLVM issue 63022). A call computes it afresh.
[[gnu::noinline]] inline json::parser& thread_parser() {
    thread_local json::parser parser;
    return parser;
}

inline json::value parse_body(std::string_view body) {
    json::parser& parser = thread_parser();
    boost::system::error_code ec;
    parser.reset();
    parser.write(body.data(), body.size(), ec);
    if (ec) {
        parser.reset();
        throw conversion_error("(body)", "not valid JSON");
    }
    return parser.release();
}

} // namespace detail

/// Parses one resource object, taking it over: `raw` becomes it instead of
/// a deep copy of it (half the cost of parsing a profile). Throws
/// conversion_error naming `path` when `v` is not an object; attributes that
/// do not fit are noted in `issues` instead.
template <class Attributes>
resource<Attributes> parse_resource(json::value&& v, std::string_view path = "data") {
    detail::as_object(v, path);
    auto& o = v.get_object();
    resource<Attributes> r;
    r.type = detail::string_member(o, "type");
    r.id = detail::string_member(o, "id");
    // Leniently: a member Klaviyo sends in a shape the model does not
    // expect is noted, not fatal (the answer is valid; the model is behind).
    if (const auto* a = o.if_contains("attributes"); a && !a->is_null())
        from_json_lenient(*a, r.attributes, "attributes", r.issues);
    r.relationships = detail::take_object(o, "relationships");
    r.links = detail::take_object(o, "links");
    o.erase("relationships");
    o.erase("links");
    r.raw = std::move(o);
    return r;
}

/// The same for a resource the caller keeps: parses a copy.
template <class Attributes>
resource<Attributes> parse_resource(const json::value& v, std::string_view path = "data") {
    return parse_resource<Attributes>(json::value(v), path);
}

/// Parses a single-resource document. Throws conversion_error.
template <class Attributes>
document<Attributes> parse_document(std::string_view body) {
    auto v = detail::parse_body(body);
    detail::as_object(v, "(document)");
    auto& o = v.get_object();
    auto* data = o.if_contains("data");
    if (!data) throw conversion_error("data", "missing");
    document<Attributes> d;
    d.data = parse_resource<Attributes>(std::move(*data));
    if (auto* inc = o.if_contains("included"); inc && inc->is_array()) d.included = std::move(inc->get_array());
    d.links = detail::take_object(o, "links");
    d.meta = detail::take_object(o, "meta");
    return d;
}

/// Parses a collection document. Throws conversion_error.
template <class Attributes>
page<Attributes> parse_page(std::string_view body) {
    auto v = detail::parse_body(body);
    detail::as_object(v, "(document)");
    auto& o = v.get_object();
    auto* data = o.if_contains("data");
    if (!data || !data->is_array()) throw conversion_error("data", "expected an array");
    page<Attributes> p;
    auto& arr = data->get_array();
    p.data.reserve(arr.size());
    std::string path;
    for (std::size_t i = 0; i < arr.size(); ++i) {
        path.assign("data[").append(std::to_string(i)).append("]");
        p.data.push_back(parse_resource<Attributes>(std::move(arr[i]), path));
    }
    if (auto* inc = o.if_contains("included"); inc && inc->is_array()) p.included = std::move(inc->get_array());
    auto links = detail::take_object(o, "links");
    p.self_link = detail::string_member(links, "self");
    p.next_link = detail::string_member(links, "next");
    p.prev_link = detail::string_member(links, "prev");
    p.meta = detail::take_object(o, "meta");
    return p;
}

/// Reads a Klaviyo `{"errors":[...]}` body leniently: whatever is missing
/// stays empty; a body that is not such a document yields no entries.
inline std::vector<error_object> parse_errors(std::string_view body) {
    std::vector<error_object> out;
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec || !v.is_object()) return out;
    const auto* errs = v.get_object().if_contains("errors");
    if (!errs || !errs->is_array()) return out;
    for (const auto& e : errs->get_array()) {
        const auto* o = e.if_object();
        if (!o) continue;
        error_object eo;
        eo.id = detail::string_member(*o, "id");
        if (const auto* s = o->if_contains("status")) {
            if (s->is_int64())
                eo.status = static_cast<int>(s->get_int64());
            else if (s->is_string())
                eo.status = std::atoi(std::string(s->get_string()).c_str());
        }
        eo.code = detail::string_member(*o, "code");
        eo.title = detail::string_member(*o, "title");
        eo.detail = detail::string_member(*o, "detail");
        auto src = detail::object_member(*o, "source");
        eo.source_pointer = detail::string_member(src, "pointer");
        eo.source_parameter = detail::string_member(src, "parameter");
        eo.meta = detail::object_member(*o, "meta");
        out.push_back(std::move(eo));
    }
    return out;
}

} // namespace klaviyo::jsonapi
