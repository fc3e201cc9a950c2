// klaviyo-cpp: what the generated descriptors of include/klaviyo/api/ state.
//
// Every operation of Klaviyo's spec is a struct in klaviyo::api, named by
// its operationId (as in the official SDKs), generated from spec/ by
// scripts/gen_api.py into one header per spec tag. Besides what every
// descriptor states (operation_descriptor in operation.hpp: method, path,
// rate-limit class, idempotency, page size), each has:
//
//     tag, path_parameter ("id", "job_id" or empty), default_page_size,
//     cursor_paginated, public_client (a /client/ operation: no private key,
//     company_id instead), body (none, json or multipart), body_required,
//     facts (operation_facts below: scopes, success statuses, the query
//     vocabulary), request_schema (the body's schema, schema.hpp; empty
//     without a JSON body).
#pragma once

#include <klaviyo/api/schema.hpp>
#include <klaviyo/http.hpp>
#include <klaviyo/operation.hpp>

#include <cstddef>
#include <span>
#include <string_view>

namespace klaviyo::api {

/// What an operation's request carries as its body.
enum class body_kind { none, json, multipart };

/// A name and the values it accepts: `fields[<type>]` and its field names,
/// `additional-fields[<type>]` and its values, a filter field and its operators.
struct name_rule {
    std::string_view name;                    ///< the resource type, or the filter field
    std::span<const std::string_view> values; ///< the field names, additional fields, or filter operators it accepts
};

/// The facts of an operation the spec states beyond its method and path.
struct operation_facts {
    std::span<const std::string_view> scopes;            ///< OAuth scopes (x-klaviyo-scopes)
    std::span<const unsigned> success;                   ///< 2xx statuses the spec documents
    std::span<const name_rule> fields;                   ///< `fields[<type>]` → accepted names
    std::span<const name_rule> additional_fields;        ///< `additional-fields[<type>]` → values
    std::span<const std::string_view> include;           ///< include values
    std::span<const std::string_view> sort;              ///< sort keys (each also with '-')
    std::span<const name_rule> filter;                   ///< filter field → operators
    bool filter_required = false;                        ///< the operation needs a filter
    std::span<const std::string_view> query;             ///< other query parameters
    std::span<const std::string_view> required_query;    ///< those of them it needs
};

/// A rule by name, or nullptr.
constexpr const name_rule* find_rule(std::span<const name_rule> rules, std::string_view name) {
    for (const auto& r : rules)
        if (r.name == name) return &r;
    return nullptr;
}

/// Whether `values` holds `v`.
constexpr bool holds(std::span<const std::string_view> values, std::string_view v) {
    for (auto x : values)
        if (x == v) return true;
    return false;
}

/// What a generated descriptor states beyond operation_descriptor.
template <class Op>
concept api_operation = operation_descriptor<Op> && requires {
    { Op::tag } -> std::convertible_to<std::string_view>;
    { Op::path_parameter } -> std::convertible_to<std::string_view>;
    { Op::public_client } -> std::convertible_to<bool>;
    { Op::body } -> std::convertible_to<body_kind>;
    { Op::facts } -> std::convertible_to<operation_facts>;
    { Op::request_schema } -> std::convertible_to<schema::ref>;
};

} // namespace klaviyo::api
