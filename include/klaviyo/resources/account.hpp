// klaviyo-cpp: the account resource (the account the key belongs to).
#pragma once

#include <klaviyo/api/accounts.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/operation.hpp>

#include <boost/describe/class.hpp>

#include <optional>
#include <string>

namespace klaviyo {

/// The account's contact details, which Klaviyo puts in email footers by default (CAN-SPAM).
struct account_contact_information {
    ///@{
    /// The default sender name and address of flow and campaign emails, the website, and the organization's name (the
    /// label the accounts data source shows).
    std::optional<std::string> default_sender_name{}, default_sender_email{}, website_url{}, organization_name{};
    ///@}
    std::optional<json::object> street_address{}; ///< address1, address2, city, region, country (ISO code), zip
};
BOOST_DESCRIBE_STRUCT(account_contact_information, (),
                      (default_sender_name, default_sender_email, website_url, organization_name, street_address))

/// What Klaviyo says about the account a key or token belongs to.
struct account_attributes {
    std::optional<bool> test_account{}; ///< a test account: same production environment, a UI aid only
    std::optional<account_contact_information> contact_information{}; ///< sender and footer details
    ///@{
    /// Industry, IANA timezone ("US/Eastern"), preferred currency ("USD"), the public API key (the `company_id` of the
    /// /client/ endpoints) and locale ("en-US").
    std::optional<std::string> industry{}, timezone{}, preferred_currency{}, public_api_key{}, locale{};
    ///@}
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
struct get_accounts : from_spec<api::get_accounts, jsonapi::page<account_attributes>> {
    /// Checks `o` (fields, include, sort and page size against this operation's vocabulary; the filter is sent as
    /// written) and builds the GET. A refusal names the option and nothing is sent.
    static klaviyo::detail::request_plan plan(const list_options& o) {
        return klaviyo::detail::plan_list<get_accounts>(o, account_vocab::vocab, "account");
    }
};

/// GET /api/accounts/{id}: only the account the key was made in.
struct get_account : from_spec<api::get_account, jsonapi::document<account_attributes>> {
    /// Checks `id` (not empty) and `o` (fields, additional fields and include against this operation's vocabulary) and
    /// builds the GET. A refusal names the input and nothing is sent.
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        return klaviyo::detail::plan_get<get_account>(id, o, account_vocab::vocab, "account");
    }
};

} // namespace ops

/// Accounts can be read, never created, changed, deleted or paged.
struct account {
    static constexpr std::string_view type = "account"; ///< the JSON:API `type` of these resources
    using attributes_type = account_attributes; ///< what jsonapi::resource::attributes holds for them
    using get_operation = ops::get_account; ///< what basic_client::async_get<account>() runs
    /// What basic_client::async_list<account>() runs (one page: no pages<account>()).
    using list_operation = ops::get_accounts;
    using create_operation = void; ///< void: the API has no such operation, and a call to it does not compile
    using update_operation = void; ///< void: the API has no such operation, and a call to it does not compile
    using delete_operation = void; ///< void: the API has no such operation, and a call to it does not compile
};

} // namespace klaviyo
