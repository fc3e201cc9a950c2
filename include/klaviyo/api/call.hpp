// klaviyo-cpp: calling any operation of the API through its generated
// descriptor, with its inputs checked against what the spec states.
//
//     #include <klaviyo/api/call.hpp>
//     #include <klaviyo/api/catalogs.hpp>
//
//     klaviyo::api::call_options o;
//     o.filter = "equals(published,true)";
//     o.sort = "-created";
//     auto doc = co_await klaviyo::api::async_call<klaviyo::api::get_catalog_items>(client, o);
//     // doc.body is the JSON:API document; doc.next_link() the next page, if any
//
// The request is paced by the operation's rate-limit class and retried by
// its idempotency like every other call. The answer is typed (Op::result,
// api/result.hpp) and keeps the JSON document as Klaviyo sent it.
#pragma once

#include <klaviyo/api/descriptor.hpp>
#include <klaviyo/api/result.hpp>
#include <klaviyo/api/schema_check.hpp>
#include <klaviyo/completion.hpp>
#include <klaviyo/detail/origin.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/query.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/coro.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace klaviyo::api {

/// The inputs of any operation. Everything is checked against the
/// operation's descriptor before a byte is sent; a failure names the input.
struct call_options {
    std::string id{}; ///< the path parameter ({id} or {job_id}) when the path has one
    /// Sparse fieldsets, `fields[<type>]`: per resource type, the only fields to send back.
    fieldsets fields{};
    /// `additional-fields[<type>]`: per resource type, fields Klaviyo sends only when asked
    /// (e.g. a profile's subscriptions or predictive_analytics).
    std::vector<std::pair<std::string, std::vector<std::string>>> additional_fields{};
    /// The `include` parameter: related resources to send back in the document's `included`.
    std::vector<std::string> include{};
    std::string filter{};                ///< e.g. "and(equals(published,true),any(ids,['a','b']))"
    std::string sort{};                  ///< a sort key, '-' first for descending
    std::optional<unsigned> page_size{}; ///< default: the operation's maximum
    /// `page[cursor]`: the cursor of the page to read; empty for the first. pages() follows the links itself.
    std::string page_cursor{};
    /// The operation's other query parameters (company_id, timeframe, ...).
    std::vector<std::pair<std::string, std::string>> query{};
    std::optional<json::value> body{}; ///< the JSON:API document to send ({"data": ...})
};

namespace detail {

using klaviyo::detail::invalid_plan;
using klaviyo::detail::make_plan;
using klaviyo::detail::request_plan;

/// Checks the fields and operators a filter expression uses against the
/// operation's filter rules (x-klaviyo-filters). Returns a message naming
/// what is wrong, or empty. The expression is `op(field, value...)` calls,
/// nested in and(...), or(...) and not(...); quoted values are skipped.
inline std::string check_filter(std::string_view f, std::span<const name_rule> rules) {
    std::size_t i = 0;
    auto skip_quoted = [&](char q) {
        for (++i; i < f.size() && f[i] != q; ++i)
            if (f[i] == '\\') ++i;
        ++i;
    };
    while (i < f.size()) {
        char c = f[i];
        if (c == '\'' || c == '"') {
            skip_quoted(c);
            continue;
        }
        if (!(std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '-')) {
            ++i;
            continue;
        }
        std::size_t start = i;
        while (i < f.size() && f[i] != '(' && f[i] != ',' && f[i] != ')') ++i;
        if (i >= f.size() || f[i] != '(') continue; // a bare value (true, a number, a date)
        std::string_view op = f.substr(start, i - start);
        ++i;
        if (op == "and" || op == "or" || op == "not") continue;
        std::size_t comma = f.find(',', i);
        std::size_t close = f.find(')', i);
        std::size_t end = std::min(comma, close);
        if (end == std::string_view::npos) return "filter: '" + std::string(f) + "' is not a filter expression";
        std::string_view field = f.substr(i, end - i);
        while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
        while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
        const name_rule* rule = find_rule(rules, field);
        if (!rule) return "filter: '" + std::string(field) + "' is not a field this operation filters on";
        if (!holds(rule->values, op))
            return "filter: " + std::string(field) + " does not take the operator '" + std::string(op) + "'";
        i = end;
    }
    return {};
}

/// The query and path of a call, or the first refusal.
template <api_operation Op>
request_plan plan_call(const call_options& o) {
    constexpr const operation_facts& facts = Op::facts;
    auto refuse = [](std::string m) { return invalid_plan(Op::operation_id, std::move(m)); };
    if constexpr (Op::path_parameter.empty()) {
        if (!o.id.empty()) return refuse("id: this operation's path takes no parameter");
    } else {
        if (o.id.empty()) return refuse(std::string(Op::path_parameter) + ": must not be empty");
    }
    std::string target = klaviyo::detail::expand_path(Op::path, o.id);
    // The seed's query builder writes (and encodes) the query; the checks
    // against the descriptor's vocabulary are made here.
    static constexpr query_vocabulary no_vocabulary{};
    klaviyo::detail::query_builder q(target, no_vocabulary, {});
    auto add = [&](std::string_view key, std::string_view value) { q.add(key, value); };
    for (const auto& [type, names] : o.fields) {
        const name_rule* rule = find_rule(facts.fields, type);
        if (!rule) return refuse("fields[" + type + "]: not a resource type this operation returns");
        if (names.empty()) return refuse("fields[" + type + "]: empty field list");
        for (const auto& n : names)
            if (!holds(rule->values, n)) return refuse("fields[" + type + "]: '" + n + "' is not a field of " + type);
        add("fields[" + type + "]", klaviyo::detail::join(names));
    }
    for (const auto& [type, names] : o.additional_fields) {
        const name_rule* rule = find_rule(facts.additional_fields, type);
        if (!rule) return refuse("additional-fields[" + type + "]: not accepted by this operation");
        for (const auto& n : names)
            if (!holds(rule->values, n)) return refuse("additional-fields[" + type + "]: '" + n + "' is not accepted");
        add("additional-fields[" + type + "]", klaviyo::detail::join(names));
    }
    if (!o.include.empty()) {
        for (const auto& n : o.include)
            if (!holds(facts.include, n)) return refuse("include: '" + n + "' is not accepted by this operation");
        add("include", klaviyo::detail::join(o.include));
    }
    if (!o.filter.empty()) {
        if (facts.filter.empty()) return refuse("filter: this operation takes no filter");
        if (auto why = check_filter(o.filter, facts.filter); !why.empty()) return refuse(std::move(why));
        add("filter", o.filter);
    } else if (facts.filter_required) {
        return refuse("filter: this operation requires one");
    }
    if (!o.sort.empty()) {
        std::string_view key = o.sort;
        if (key.front() == '-') key.remove_prefix(1);
        if (!holds(facts.sort, key)) return refuse("sort: '" + o.sort + "' is not a sort key of this operation");
        add("sort", o.sort);
    }
    if constexpr (Op::max_page_size > 0) {
        q.page(o.page_size, Op::max_page_size, o.page_cursor);
        if (!q.error().empty()) return refuse(q.error());
    } else {
        if (o.page_size) return refuse("page_size: this operation takes no page size");
        if (!o.page_cursor.empty()) {
            if (!Op::cursor_paginated) return refuse("page_cursor: this operation is not paginated");
            add("page[cursor]", o.page_cursor);
        }
    }
    for (const auto& [key, value] : o.query) {
        if (!holds(facts.query, key)) return refuse(key + ": not a query parameter of this operation");
        add(key, value);
    }
    for (auto key : facts.required_query) {
        bool given = false;
        for (const auto& q : o.query) given = given || q.first == key;
        if (!given) return refuse(std::string(key) + ": this operation requires it");
    }
    std::string body;
    if constexpr (Op::body == body_kind::multipart) {
        return refuse("body: this operation uploads a multipart form; use async_raw_request");
    } else if constexpr (Op::body == body_kind::json) {
        if (o.body) {
            if (!o.body->is_object() || !o.body->as_object().contains("data"))
                return refuse("body: must be a JSON:API document with a 'data' member");
            // The spec's schema of the body: required members, types, enum
            // values, nulls and formats, before a byte is sent.
            if (auto v = schema::check(Op::request_schema, *o.body))
                return refuse("body" + v->pointer + ": " + v->message);
            body = json::serialize(*o.body);
        } else if (Op::body_required) {
            return refuse("body: this operation requires one");
        }
    } else {
        if (o.body) return refuse("body: this operation takes none");
    }
    request_plan p = make_plan<Op>(q.target(), std::move(body));
    // The public /client/ endpoints identify the account by company_id; the
    // private key is never sent there.
    p.authorize = !Op::public_client;
    return p;
}

/// The request for a page link a previous page gave: on the client's own
/// origin only (the key never leaves for another host).
template <api_operation Op>
request_plan follow_link(std::string_view link, const klaviyo::origin& home) {
    request_plan p = klaviyo::detail::link_plan<Op>(link, home);
    p.authorize = !Op::public_client;
    return p;
}

template <api_operation Op, class Client>
asio::experimental::generator<typename Op::result> page_generator(asio::any_io_executor, Client& client,
                                                                  request_plan first) {
    using page_type = typename Op::result;
    page_type page =
        co_await client.template async_execute<page_type>(std::move(first), with_diagnostics(asio::deferred));
    for (;;) {
        std::string next = page.next_link();
        co_yield std::move(page);
        if (next.empty()) co_return;
        page = co_await client.template async_execute<page_type>(follow_link<Op>(next, client.origin()),
                                                                 with_diagnostics(asio::deferred));
    }
}

} // namespace detail

/// Every page of a cursor-paginated operation, lazily: follows links.next
/// (on the client's host only) until Klaviyo sends none, at the operation's
/// maximum page size unless `o` says otherwise. One page is held at a time;
/// errors are thrown (api_error) out of async_resume.
///
/// @code
/// auto pages = klaviyo::api::pages<klaviyo::api::get_catalog_items>(client, {});
/// while (auto p = co_await pages.async_resume(asio::use_awaitable)) { ... p->body ... }
/// @endcode
template <api_operation Op, class Client>
asio::experimental::generator<typename Op::result> pages(Client& client, call_options o) {
    static_assert(Op::cursor_paginated, "klaviyo: this operation is not cursor-paginated");
    return detail::page_generator<Op>(asio::any_io_executor(client.get_executor()), client, detail::plan_call<Op>(o));
}

namespace detail {

/// The item type of a collection result.
template <class Result>
struct item_of;
template <class A>
struct item_of<collection<A>> {
    using type = resource<A>;
};

template <class Page>
asio::experimental::generator<typename item_of<Page>::type> item_generator(asio::any_io_executor,
                                                                           asio::experimental::generator<Page> pages) {
    while (auto page = co_await pages)
        for (auto& item : page->data) co_yield std::move(item);
}

} // namespace detail

/// Every item of a cursor-paginated operation whose data is a list, one at
/// a time (api::resource<A>), on top of pages(): the same requests, one page
/// held at a time; errors are thrown (api_error) out of async_resume.
///
/// @code
/// auto all = klaviyo::api::items<klaviyo::api::get_flows>(client, {});
/// while (auto flow = co_await all.async_resume(asio::use_awaitable)) { ... flow->attributes.name ... }
/// @endcode
template <api_operation Op, class Client>
asio::experimental::generator<typename detail::item_of<typename Op::result>::type> items(Client& client,
                                                                                          call_options o) {
    return detail::item_generator(asio::any_io_executor(client.get_executor()), pages<Op>(client, std::move(o)));
}

/// The request plan of one call (pure; for tests and tools).
template <api_operation Op>
klaviyo::detail::request_plan plan(const call_options& o) {
    return detail::plan_call<Op>(o);
}

/// Calls any operation: `client` is a klaviyo::basic_client; completes with
/// `(error_code, Op::result)` (or as the token says, like every call).
/// Op::result is api::single<A> or api::collection<A> (typed data, A the
/// resource type's attributes) or api::document; each keeps the status and
/// the whole JSON document as received (`status`, `body`).
template <api_operation Op, class Client, class Token = default_token>
auto async_call(Client& client, call_options o, Token&& token = {}) {
    return client.template async_execute<typename Op::result>(detail::plan_call<Op>(o), std::forward<Token>(token));
}

/// Calls an operation with its typed body (Op::body_type, api/body.hpp) and
/// the other inputs in `o` (the path's id, query parameters; its `body` is
/// replaced): the body is written as JSON and checked against the spec's
/// schema with the rest before anything is sent.
template <api_operation Op, class Client, class Token = default_token>
    requires(!std::is_void_v<typename Op::body_type>)
auto async_call(Client& client, const typename Op::body_type& body, call_options o, Token&& token = {}) {
    o.body = to_json(body); // found in klaviyo::api::bodies by argument-dependent lookup
    return client.template async_execute<typename Op::result>(detail::plan_call<Op>(o), std::forward<Token>(token));
}

/// The same without other inputs (a create). No defaulted call_options
/// parameter: g++ 12 mishandles a defaulted class argument of a function
/// whose call is co_await'ed.
template <api_operation Op, class Client, class Token = default_token>
    requires(!std::is_void_v<typename Op::body_type> && !std::is_same_v<std::remove_cvref_t<Token>, call_options>)
auto async_call(Client& client, const typename Op::body_type& body, Token&& token = {}) {
    call_options o;
    o.body = to_json(body);
    return client.template async_execute<typename Op::result>(detail::plan_call<Op>(o), std::forward<Token>(token));
}

} // namespace klaviyo::api

namespace klaviyo::detail {

/// A body that is not JSON is the one malformed answer; anything else decodes.
inline void parse_document(const http_response& r, api::document& d) {
    d.status = r.status;
    if (!r.body.empty()) {
        boost::system::error_code ec;
        d.body = json::parse(r.body, ec);
        if (ec) throw jsonapi::conversion_error("body", "not JSON");
    }
}

template <>
struct result_parser<api::document> {
    static api::document parse(const http_response& r) {
        api::document d;
        parse_document(r, d);
        return d;
    }
};

template <class A>
struct result_parser<api::single<A>> {
    static api::single<A> parse(const http_response& r) {
        api::single<A> d;
        parse_document(r, d);
        api::detail::decode_data(d.body, d);
        return d;
    }
};

template <class A>
struct result_parser<api::collection<A>> {
    static api::collection<A> parse(const http_response& r) {
        api::collection<A> d;
        parse_document(r, d);
        api::detail::decode_data(d.body, d);
        return d;
    }
};

} // namespace klaviyo::detail
