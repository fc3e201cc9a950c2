// klaviyo-cpp: the account resource (the account the key belongs to).
#pragma once

#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/operation.hpp>

#include <boost/describe/class.hpp>

#include <optional>
#include <string>

namespace klaviyo {

struct account_contact_information {
    std::optional<std::string> default_sender_name{}, default_sender_email{}, website_url{}, organization_name{};
    std::optional<json::object> street_address{};
};
BOOST_DESCRIBE_STRUCT(account_contact_information, (),
                      (default_sender_name, default_sender_email, website_url, organization_name, street_address))

struct account_attributes {
    std::optional<bool> test_account{};
    std::optional<account_contact_information> contact_information{};
    std::optional<std::string> industry{}, timezone{}, preferred_currency{}, public_api_key{}, locale{};
};
BOOST_DESCRIBE_STRUCT(account_attributes, (),
                      (test_account, contact_information, industry, timezone, preferred_currency, public_api_key,
                       locale))

namespace ops {

namespace account_vocab {
inline constexpr std::string_view fields[] = {"account"};
inline constexpr query_vocabulary vocab{fields, {}, {}, {}};
} // namespace account_vocab

/// GET /api/accounts: one account, in an array, and no pagination.
struct get_accounts
    : operation<jsonapi::page<account_attributes>, http_method::get, rate_limits::xs, idempotency::idempotent> {
    static constexpr std::string_view operation_id = "get_accounts";
    static constexpr std::string_view path = "/api/accounts";
    static klaviyo::detail::request_plan plan(const list_options& o) {
        return klaviyo::detail::plan_list<get_accounts>(o, account_vocab::vocab, "account");
    }
};

/// GET /api/accounts/{id}: only the account the key was made in.
struct get_account
    : operation<jsonapi::document<account_attributes>, http_method::get, rate_limits::xs, idempotency::idempotent> {
    static constexpr std::string_view operation_id = "get_account";
    static constexpr std::string_view path = "/api/accounts/{id}";
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        return klaviyo::detail::plan_get<get_account>(id, o, account_vocab::vocab, "account");
    }
};

} // namespace ops

/// Accounts can be read, never created, changed, deleted or paged.
struct account {
    static constexpr std::string_view type = "account";
    using attributes_type = account_attributes;
    using get_operation = ops::get_account;
    using list_operation = ops::get_accounts;
    using create_operation = void;
    using update_operation = void;
    using delete_operation = void;
};

} // namespace klaviyo
