// klaviyo-cpp: the pure core that turns an operation and its inputs into
// the method, target and body of one request. No I/O here.
#pragma once

#include <klaviyo/detail/origin.hpp>
#include <klaviyo/error.hpp>
#include <klaviyo/http.hpp>
#include <klaviyo/operation.hpp>
#include <klaviyo/policy/retry.hpp>
#include <klaviyo/query.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace klaviyo::detail {

/// Everything the client needs to send one request, or the reason not to.
struct request_plan {
    std::string_view operation_id;
    http_method method = http_method::get;
    std::string target;
    std::string body;
    bool idempotent = true;
    rate_limit rate{};
    std::string invalid;                   ///< non-empty: bad input, named by field; nothing is sent
    errc refusal = errc::invalid_argument; ///< how a non-empty `invalid` is reported

    // Only what a few operations change (uploads, the raw request):
    std::string content_type;  ///< of the body; empty: application/vnd.api+json
    header_list extra_headers; ///< added after the client's own headers
    bool authorize = true;     ///< false: no Authorization header (the public /client/* endpoints)
    std::optional<std::chrono::milliseconds> timeout; ///< per attempt; empty: the client's
    std::optional<retry_options> retry;               ///< empty: the client's
    /// OAuth scopes the operation needs (the generated descriptors state
    /// them): with OAuth, checked against the token's grant before sending.
    std::span<const std::string_view> scopes{};

    bool ok() const noexcept { return invalid.empty(); }
};

inline bool contains(std::span<const std::string_view> set, std::string_view v) {
    return std::find(set.begin(), set.end(), v) != set.end();
}

inline std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& e : v) {
        if (!s.empty()) s += ',';
        s += e;
    }
    return s;
}

/// Characters left as they are in a query key or value. '[' and ']' are
/// not among them: RFC 3986 reserves them, and strict parsers (Boost.URL's
/// included) reject a raw "fields[profile]". Klaviyo decodes either form.
inline constexpr boost::urls::grammar::lut_chars query_chars =
    boost::urls::unreserved_chars + boost::urls::grammar::lut_chars("!$'()*,;:@/");

inline std::string query_encode(std::string_view s) { return boost::urls::encode(s, query_chars); }

/// Expands "{id}" in a path template, percent-encoding the id as one segment.
inline std::string expand_path(std::string_view path, std::string_view id) {
    auto pos = path.find('{'); // {id}, or another name such as {job_id}
    if (pos == std::string_view::npos) return std::string(path);
    std::string out(path.substr(0, pos));
    out += boost::urls::encode(id, boost::urls::pchars);
    out += path.substr(path.find('}', pos) + 1);
    return out;
}

/// Builds the query and checks it against the operation's vocabulary.
/// Returns a message naming the offending option, or empty when fine.
class query_builder {
public:
    query_builder(std::string_view path, const query_vocabulary& vocab, std::string_view primary_type)
        : vocab_(vocab), primary_type_(primary_type), target_(path) {}

    void fields(const fieldsets& f) {
        for (const auto& [type, names] : f) {
            if (!contains(vocab_.fields_types, type)) {
                fail("fields[" + type + "]: not a resource type this operation returns");
                continue;
            }
            if (names.empty()) {
                fail("fields[" + type + "]: empty field list");
                continue;
            }
            add("fields[" + type + "]", join(names));
        }
    }
    void additional_fields(const std::vector<std::string>& v) {
        if (v.empty()) return;
        for (const auto& f : v)
            if (!contains(vocab_.additional_fields, f))
                fail("additional_fields: '" + f + "' is not accepted by this operation");
        add("additional-fields[" + std::string(primary_type_) + "]", join(v));
    }
    void include(const std::vector<std::string>& v) {
        if (v.empty()) return;
        for (const auto& f : v)
            if (!contains(vocab_.includes, f)) fail("include: '" + f + "' is not accepted by this operation");
        add("include", join(v));
    }
    void filter(const std::string& f) {
        if (!f.empty()) add("filter", f);
    }
    void sort(const std::string& s) {
        if (s.empty()) return;
        std::string_view key = s;
        if (key.front() == '-') key.remove_prefix(1);
        if (!contains(vocab_.sorts, key)) fail("sort: '" + s + "' is not a sort key of this operation");
        add("sort", s);
    }
    void page(std::optional<unsigned> size, std::size_t max_size, const std::string& cursor) {
        if (!cursor.empty()) add("page[cursor]", cursor);
        unsigned n = size.value_or(static_cast<unsigned>(max_size));
        if (n < 1 || n > max_size) {
            fail("page_size: must be between 1 and " + std::to_string(max_size));
            return;
        }
        add("page[size]", std::to_string(n));
    }
    void add(std::string_view key, std::string_view value) {
        target_ += has_query_ ? '&' : '?';
        has_query_ = true;
        target_ += query_encode(key);
        target_ += '=';
        target_ += query_encode(value);
    }

    const std::string& error() const noexcept { return error_; }
    const std::string& target() const noexcept { return target_; }

private:
    void fail(std::string msg) {
        if (error_.empty()) error_ = std::move(msg);
    }
    const query_vocabulary& vocab_;
    std::string_view primary_type_;
    std::string target_;
    bool has_query_ = false;
    std::string error_;
};

template <operation_descriptor Op>
request_plan make_plan(std::string target, std::string body = {}) {
    request_plan p;
    p.operation_id = Op::operation_id;
    p.method = Op::method;
    p.target = std::move(target);
    p.body = std::move(body);
    p.idempotent = Op::idempotent == idempotency::idempotent;
    p.rate = Op::rate;
    if constexpr (requires { Op::facts.scopes; }) p.scopes = Op::facts.scopes;
    return p;
}

inline request_plan invalid_plan(std::string_view operation_id, std::string message) {
    request_plan p;
    p.operation_id = operation_id;
    p.invalid = std::move(message);
    return p;
}

/// A URL that points away from the base URL's origin: refused, the key stays home.
inline request_plan foreign_host_plan(std::string_view operation_id, std::string_view field) {
    auto p = invalid_plan(operation_id, std::string(field) + ": host is not the configured base URL's host");
    p.refusal = errc::host_not_allowed;
    return p;
}

/// The request for a page link a previous page gave: an absolute URL on the
/// client's own origin only (the key never leaves for another host).
template <operation_descriptor Op>
request_plan link_plan(std::string_view link, const klaviyo::origin& home) {
    auto u = boost::urls::parse_uri(link);
    if (!u || !path_follows_authority(*u)) return invalid_plan(Op::operation_id, "link: not an absolute URL");
    if (origin_of(*u) != home) return foreign_host_plan(Op::operation_id, "link");
    // A request line needs an origin-form target: a URL without a path
    // ("https://host" or "https://host?q", found by fuzzing) asks for "/".
    std::string target(u->encoded_path());
    if (target.empty()) target = "/";
    if (u->has_query()) target.append("?").append(u->encoded_query());
    return make_plan<Op>(std::move(target));
}

/// GET one resource: /path/{id} with fields, additional fields and include.
template <operation_descriptor Op>
request_plan plan_get(std::string_view id, const get_options& o, const query_vocabulary& vocab,
                      std::string_view primary_type) {
    if (id.empty()) return invalid_plan(Op::operation_id, "id: must not be empty");
    query_builder q(expand_path(Op::path, id), vocab, primary_type);
    q.fields(o.fields);
    q.additional_fields(o.additional_fields);
    q.include(o.include);
    if (!q.error().empty()) return invalid_plan(Op::operation_id, q.error());
    return make_plan<Op>(q.target());
}

/// GET a collection (under `path`, which may hold an {id}) with every list option.
template <operation_descriptor Op>
request_plan plan_list(const list_options& o, const query_vocabulary& vocab, std::string_view primary_type,
                       std::string_view id = {}) {
    if (Op::path.find("{id}") != std::string_view::npos && id.empty())
        return invalid_plan(Op::operation_id, "id: must not be empty");
    query_builder q(expand_path(Op::path, id), vocab, primary_type);
    q.fields(o.fields);
    q.additional_fields(o.additional_fields);
    q.include(o.include);
    q.filter(o.filter);
    q.sort(o.sort);
    if constexpr (requires { Op::fixed_page_size; }) { // cursor pages of a size the server picks
        if (o.page_size) return invalid_plan(Op::operation_id, "page_size: this endpoint has a fixed page size");
        if (!o.page_cursor.empty()) q.add("page[cursor]", o.page_cursor);
    } else if constexpr (Op::max_page_size > 0) {
        q.page(o.page_size, Op::max_page_size, o.page_cursor);
    } else if (o.page_size || !o.page_cursor.empty()) {
        return invalid_plan(Op::operation_id, "page_size: this collection is not paginated");
    }
    if (!q.error().empty()) return invalid_plan(Op::operation_id, q.error());
    return make_plan<Op>(q.target());
}

/// DELETE /path/{id}.
template <operation_descriptor Op>
request_plan plan_delete(std::string_view id) {
    if (id.empty()) return invalid_plan(Op::operation_id, "id: must not be empty");
    return make_plan<Op>(expand_path(Op::path, id));
}

/// POST or PATCH a JSON:API document {"data": data}, with the write options
/// that shape the answer, refusing a body over `limit` bytes.
template <operation_descriptor Op>
request_plan plan_write(std::string_view id, json::object data, const write_options& o, const query_vocabulary& vocab,
                        std::string_view primary_type, std::size_t limit) {
    if (Op::path.find("{id}") != std::string_view::npos && id.empty())
        return invalid_plan(Op::operation_id, "id: must not be empty");
    query_builder q(expand_path(Op::path, id), vocab, primary_type);
    q.fields(o.fields);
    q.additional_fields(o.additional_fields);
    if (!q.error().empty()) return invalid_plan(Op::operation_id, q.error());
    json::object doc;
    doc["data"] = std::move(data);
    auto body = json::serialize(doc);
    if (body.size() > limit)
        return invalid_plan(Op::operation_id, "data: payload is " + std::to_string(body.size()) +
                                                  " bytes; the limit is " + std::to_string(limit / 1024) + "KB");
    return make_plan<Op>(q.target(), std::move(body));
}

} // namespace klaviyo::detail
