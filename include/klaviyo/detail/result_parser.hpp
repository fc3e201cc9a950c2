// klaviyo-cpp: turning a 2xx response into an operation's result type.
#pragma once

#include <klaviyo/accepted.hpp>
#include <klaviyo/http.hpp>
#include <klaviyo/jsonapi/document.hpp>

namespace klaviyo::detail {

template <class Result>
struct result_parser;

template <class A>
struct result_parser<jsonapi::document<A>> {
    static jsonapi::document<A> parse(const http_response& r) { return jsonapi::parse_document<A>(r.body); }
};

template <class A>
struct result_parser<jsonapi::page<A>> {
    static jsonapi::page<A> parse(const http_response& r) { return jsonapi::parse_page<A>(r.body); }
};

template <>
struct result_parser<accepted> {
    static accepted parse(const http_response& r) { return accepted{r.status}; }
};

} // namespace klaviyo::detail
