// klaviyo-cpp: the profile resource, its attributes and its operations.
//
// Attribute shapes follow the 2026-07-15 spec (ProfileResponse*, ProfileLocation,
// Subscriptions, PredictiveAnalytics, ProfileCreateQuery, ProfilePartialUpdateQuery,
// ProfileUpsertQuery).
#pragma once

#include <klaviyo/api/profiles.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/nullable.hpp>
#include <klaviyo/operation.hpp>
#include <klaviyo/validate.hpp>

#include <boost/describe/class.hpp>
#include <boost/json/serialize.hpp>

#include <optional>
#include <string>
#include <vector>

namespace klaviyo {

// ---------------------------------------------------------------- attributes

/// Where a profile is: postal address, time zone, IP address and coordinates.
struct profile_location {
    ///@{
    /// Street address lines, city, country name, region (state or province), zip code, IANA time zone
    /// ("America/New_York") and IP address.
    std::optional<std::string> address1{}, address2{}, city{}, country{}, region{}, zip{}, timezone{}, ip{};
    ///@}
    ///@{
    /// Coordinates; Klaviyo sends some as strings, which are read as numbers too.
    std::optional<double> latitude{}, longitude{};
    ///@}
};
BOOST_DESCRIBE_STRUCT(profile_location, (),
                      (address1, address2, city, country, region, zip, timezone, ip, latitude, longitude))

/// Email marketing consent of a profile (`subscriptions.email.marketing`).
struct email_marketing {
    bool can_receive_email_marketing = false; ///< true unless a global suppression stops email marketing
    std::string consent{}; ///< SUBSCRIBED, UNSUBSCRIBED, NEVER_SUBSCRIBED
    ///@{
    /// When consent was recorded and when the record last changed (ISO 8601); how the profile subscribed
    /// ("PREFERENCE_PAGE", ...), with Klaviyo's and the caller's details.
    std::optional<std::string> consent_timestamp{}, last_updated{}, method{}, method_detail{}, custom_method_detail{};
    ///@}
    std::optional<bool> double_optin{}; ///< subscribed through double opt-in
    ///@{
    /// The global suppression and the per-list suppressions, as Klaviyo sends them.
    std::optional<json::array> suppression{}, list_suppressions{};
    ///@}
};
BOOST_DESCRIBE_STRUCT(email_marketing, (),
                      (can_receive_email_marketing, consent, consent_timestamp, last_updated, method, method_detail,
                       custom_method_detail, double_optin, suppression, list_suppressions))

/// The email channel of profile_subscriptions.
struct email_channel {
    std::optional<email_marketing> marketing{}; ///< consent to email marketing
    std::optional<json::object> open_tracking{}; ///< open tracking settings, as Klaviyo sends them
};
BOOST_DESCRIBE_STRUCT(email_channel, (), (marketing, open_tracking))

/// SMS marketing consent of a profile (`subscriptions.sms.marketing`).
struct sms_marketing {
    bool can_receive_sms_marketing = false; ///< subscribed to SMS marketing
    std::string consent{}; ///< SUBSCRIBED, UNSUBSCRIBED, NEVER_SUBSCRIBED, ...
    ///@{
    /// When consent was recorded (ISO 8601), how ("TEXT", ...) with details, and when the record last changed.
    std::optional<std::string> consent_timestamp{}, method{}, method_detail{}, last_updated{};
    ///@}
};
BOOST_DESCRIBE_STRUCT(sms_marketing, (),
                      (can_receive_sms_marketing, consent, consent_timestamp, method, method_detail, last_updated))

/// Transactional SMS consent of a profile (`subscriptions.sms.transactional`).
struct sms_transactional {
    bool can_receive_sms_transactional = false; ///< subscribed to transactional SMS
    std::string consent{}; ///< SUBSCRIBED, UNSUBSCRIBED, NEVER_SUBSCRIBED, ...
    ///@{
    /// When consent was recorded (ISO 8601), how ("TEXT", ...) with details, and when the record last changed.
    std::optional<std::string> consent_timestamp{}, method{}, method_detail{}, last_updated{};
    ///@}
};
BOOST_DESCRIBE_STRUCT(sms_transactional, (),
                      (can_receive_sms_transactional, consent, consent_timestamp, method, method_detail, last_updated))

/// The SMS channel of profile_subscriptions: marketing and transactional consent.
struct sms_channel {
    std::optional<sms_marketing> marketing{}; ///< consent to SMS marketing
    std::optional<sms_transactional> transactional{}; ///< consent to transactional SMS
};
BOOST_DESCRIBE_STRUCT(sms_channel, (), (marketing, transactional))

/// Mobile push consent of a profile (`subscriptions.mobile_push.marketing`).
struct push_marketing {
    bool can_receive_push_marketing = false; ///< subscribed to mobile push
    std::string consent{}; ///< SUBSCRIBED, UNSUBSCRIBED, NEVER_SUBSCRIBED, ...
    std::optional<std::string> consent_timestamp{}; ///< when consent last changed (ISO 8601)
};
BOOST_DESCRIBE_STRUCT(push_marketing, (), (can_receive_push_marketing, consent, consent_timestamp))

/// The mobile push channel of profile_subscriptions.
struct push_channel {
    std::optional<push_marketing> marketing{}; ///< consent to mobile push
};
BOOST_DESCRIBE_STRUCT(push_channel, (), (marketing))

/// `subscriptions` (asked for with additional_fields = {"subscriptions"}).
/// WhatsApp consent is kept as JSON: its shape is still moving in the spec.
struct profile_subscriptions {
    std::optional<email_channel> email{}; ///< email marketing consent and suppressions
    std::optional<sms_channel> sms{}; ///< SMS marketing and transactional consent
    std::optional<push_channel> mobile_push{}; ///< mobile push consent
    std::optional<json::object> whatsapp{}; ///< WhatsApp consent, as Klaviyo sends it
};
BOOST_DESCRIBE_STRUCT(profile_subscriptions, (), (email, sms, mobile_push, whatsapp))

/// `predictive_analytics` (additional_fields = {"predictive_analytics"}; slower rate class).
struct predictive_analytics {
    ///@{
    /// Customer lifetime value (orders placed, predicted for the next 365 days, their sum), the number of orders placed
    /// and predicted, average days between orders, average order value and the probability that the customer has
    /// churned.
    std::optional<double> historic_clv{}, predicted_clv{}, total_clv{}, historic_number_of_orders{},
        predicted_number_of_orders{}, average_days_between_orders{}, average_order_value{}, churn_probability{};
    ///@}
    std::optional<std::string> expected_date_of_next_order{}; ///< as computed at the most recent order (ISO 8601)
    std::optional<json::array> ranked_channel_affinity{}; ///< channels, most effective first ("sms", "email", "push")
};
BOOST_DESCRIBE_STRUCT(predictive_analytics, (),
                      (historic_clv, predicted_clv, total_clv, historic_number_of_orders, predicted_number_of_orders,
                       average_days_between_orders, average_order_value, churn_probability, expected_date_of_next_order,
                       ranked_channel_affinity))

/// A profile as Klaviyo returns it. Timestamps are ISO 8601 strings as sent.
struct profile_attributes {
    ///@{
    /// Identifiers (email, E.164 phone number, your system's id), name, organization, BCP 47 locale ("en-US"), job
    /// title, image URL, and when the profile was created and updated and had its last event (ISO 8601).
    std::optional<std::string> email{}, phone_number{}, external_id{}, first_name{}, last_name{}, organization{},
        locale{}, title{}, image{}, created{}, updated{}, last_event_date{};
    ///@}
    std::optional<std::string> joined_group_at{}; ///< only in a list's or segment's profiles
    std::optional<profile_location> location{}; ///< postal address, time zone, IP address, coordinates
    std::optional<json::object> properties{}; ///< custom properties, as Klaviyo sends them
    std::optional<profile_subscriptions> subscriptions{}; ///< with additional_fields = {"subscriptions"}
    /// With additional_fields = {"predictive_analytics"}.
    std::optional<klaviyo::predictive_analytics> predictive_analytics{};
};
BOOST_DESCRIBE_STRUCT(profile_attributes, (),
                      (email, phone_number, external_id, first_name, last_name, organization, locale, title, image,
                       created, updated, last_event_date, joined_group_at, location, properties, subscriptions,
                       predictive_analytics))

/// Input of create_profile. At least one of email, phone_number, external_id.
struct new_profile {
    ///@{
    /// Identifiers (at least one of email, E.164 phone number and external id; the plan checks the first two), name,
    /// organization, BCP 47 locale, job title and image URL.
    std::optional<std::string> email{}, phone_number{}, external_id{}, first_name{}, last_name{}, organization{},
        locale{}, title{}, image{};
    ///@}
    std::optional<profile_location> location{}; ///< postal address, time zone, IP address, coordinates
    std::optional<json::object> properties{}; ///< custom properties
};
BOOST_DESCRIBE_STRUCT(new_profile, (),
                      (email, phone_number, external_id, first_name, last_name, organization, locale, title, image,
                       location, properties))

/// `meta.patch_properties`: edit array properties in place instead of replacing them.
struct patch_properties {
    std::optional<json::object> append{};            ///< {"skus": "92538"} appends to properties.skus
    std::optional<json::object> unappend{};          ///< removes values from array properties
    std::optional<std::vector<std::string>> unset{}; ///< removes the keys altogether
};
BOOST_DESCRIBE_STRUCT(patch_properties, (), (append, unappend, unset))

/// Input of update_profile (PATCH). Absent members are left as they are;
/// klaviyo::null clears a member; a value replaces it.
struct profile_update {
    ///@{
    /// The same members as new_profile, each absent (kept), klaviyo::null (cleared) or a new value; the plan checks an
    /// email and a phone number that are set.
    nullable<std::string> email{}, phone_number{}, external_id{}, first_name{}, last_name{}, organization{}, locale{},
        title{}, image{};
    ///@}
    nullable<profile_location> location{}; ///< the whole location: absent, cleared or replaced
    /// Custom properties: absent, cleared or replaced (see patch_properties to edit arrays in place).
    nullable<json::object> properties{};
    std::optional<klaviyo::patch_properties> patch_properties{}; ///< sent as meta.patch_properties
};
BOOST_DESCRIBE_STRUCT(profile_update, (),
                      (email, phone_number, external_id, first_name, last_name, organization, locale, title, image,
                       location, properties))

/// Input of create_or_update_profile (POST /api/profile-import): matched by
/// `id` if given, else by the identifiers.
struct profile_upsert {
    std::optional<std::string> id{}; ///< match this profile by id rather than by identifiers
    ///@{
    /// Identifiers to match or create by (email, E.164 phone number, external id, `_kx`: the encrypted id of Klaviyo's
    /// web tracking) and the attributes to set.
    std::optional<std::string> email{}, phone_number{}, external_id{}, _kx{}, first_name{}, last_name{}, organization{},
        locale{}, title{}, image{};
    ///@}
    std::optional<profile_location> location{}; ///< postal address, time zone, IP address, coordinates
    std::optional<json::object> properties{}; ///< custom properties to set
    std::optional<klaviyo::patch_properties> patch_properties{}; ///< sent as meta.patch_properties
};
BOOST_DESCRIBE_STRUCT(profile_upsert, (),
                      (email, phone_number, external_id, _kx, first_name, last_name, organization, locale, title, image,
                       location, properties))

// ---------------------------------------------------------------- operations

namespace ops {

namespace profile_vocab {
inline constexpr std::string_view get_fields[] = {"profile", "list", "segment", "push-token", "conversation"};
inline constexpr std::string_view get_includes[] = {"conversations", "lists", "push-tokens", "segments"};
inline constexpr std::string_view list_fields[] = {"profile", "push-token", "conversation"};
inline constexpr std::string_view list_includes[] = {"conversations", "push-tokens"};
inline constexpr std::string_view write_fields[] = {"profile"};
inline constexpr std::string_view additional[] = {"subscriptions", "predictive_analytics"};
inline constexpr std::string_view sorts[] = {"created",
                                             "email",
                                             "id",
                                             "updated",
                                             "subscriptions.email.marketing.list_suppressions.timestamp",
                                             "subscriptions.email.marketing.suppression.timestamp"};
inline constexpr query_vocabulary get{get_fields, get_includes, additional, {}};
inline constexpr query_vocabulary list{list_fields, list_includes, additional, sorts};
inline constexpr query_vocabulary write{write_fields, {}, additional, {}};
} // namespace profile_vocab

/// "The maximum allowed payload size is 100KB" (create, update, import).
inline constexpr std::size_t profile_payload_limit = 100 * 1024;

namespace detail {

inline bool has(const std::vector<std::string>& v, std::string_view x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

/// Checks the identifiers a profile write carries. Returns the first problem.
template <class Str>
std::string check_identifiers(const Str& email, const Str& phone) {
    if (email && !is_valid_email(*email)) return "data.attributes.email: not a valid email address";
    if (phone && !is_e164_phone(*phone)) return "data.attributes.phone_number: not an E.164 number (e.g. +15005550006)";
    return {};
}

inline void put_meta(json::object& data, const std::optional<klaviyo::patch_properties>& pp) {
    if (pp) data["meta"] = json::object{{"patch_properties", jsonapi::to_json(*pp)}};
}

/// Appending to (or removing from) array properties twice does it twice.
inline bool edits_arrays(const std::optional<klaviyo::patch_properties>& pp) {
    return pp && (pp->append || pp->unappend);
}

} // namespace detail

/// GET /api/profiles/{id}: one profile; including lists or segments makes it slower.
struct get_profile : from_spec<api::get_profile, jsonapi::document<profile_attributes>> {

    /// Checks `id` and `o` and builds the GET. With include lists or segments the call is paced in the XS class (1/s,
    /// 15/min), as Klaviyo limits it.
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        auto p = klaviyo::detail::plan_get<get_profile>(id, o, profile_vocab::get, "profile");
        // include=lists or segments drops the limit to 1/s burst, 15/m steady.
        if (detail::has(o.include, "lists") || detail::has(o.include, "segments")) p.rate = rate_limits::xs;
        return p;
    }
};

/// GET /api/profiles: up to 100 a page; predictive_analytics makes it slower.
struct get_profiles : from_spec<api::get_profiles, jsonapi::page<profile_attributes>> {

    /// Checks `o` and builds the GET. With additional field predictive_analytics the call is paced in the M class
    /// (10/s, 150/min).
    static klaviyo::detail::request_plan plan(const list_options& o) {
        auto p = klaviyo::detail::plan_list<get_profiles>(o, profile_vocab::list, "profile");
        // predictive_analytics drops the limit to 10/s burst, 150/m steady.
        if (detail::has(o.additional_fields, "predictive_analytics")) p.rate = rate_limits::m;
        return p;
    }
};

/// get_profiles filtered on one identifier ("email" or "phone_number"),
/// checked before sending; one profile at most comes back.
inline klaviyo::detail::request_plan plan_profile_lookup(std::string_view field, std::string_view value) {
    if (field == "email" && !is_valid_email(value))
        return klaviyo::detail::invalid_plan(get_profiles::operation_id, "email: not a valid email address");
    if (field == "phone_number" && !is_e164_phone(value))
        return klaviyo::detail::invalid_plan(get_profiles::operation_id,
                                             "phone_number: not an E.164 number (e.g. +15005550006)");
    // Klaviyo's filter strings take either quote; pick one the value lacks.
    char q = value.find('\'') == std::string_view::npos ? '\'' : '"';
    if (value.find(q) != std::string_view::npos)
        return klaviyo::detail::invalid_plan(get_profiles::operation_id,
                                             std::string(field) + ": cannot hold both quote characters");
    list_options o;
    o.filter = "equals(" + std::string(field) + "," + q + std::string(value) + q + ")";
    o.page_size = 1;
    return get_profiles::plan(o);
}

/// POST /api/profiles: creates a profile. A second POST creates a second profile or a 409
/// (diagnostics::duplicate_profile_id()): never replayed blindly.
struct create_profile : from_spec<api::create_profile, jsonapi::document<profile_attributes>> {

    /// Checks `in` (one of email, phone_number, external_id; a valid email and an E.164 phone number; at most 100KB)
    /// and `o`, and builds the POST.
    static klaviyo::detail::request_plan plan(const new_profile& in, const write_options& o) {
        if (!in.email && !in.phone_number && !in.external_id)
            return klaviyo::detail::invalid_plan(
                operation_id, "data.attributes: one of email, phone_number or external_id is required");
        if (auto e = detail::check_identifiers(in.email, in.phone_number); !e.empty())
            return klaviyo::detail::invalid_plan(operation_id, e);
        json::object data{{"type", "profile"}, {"attributes", jsonapi::to_json(in)}};
        return klaviyo::detail::plan_write<create_profile>({}, std::move(data), o, profile_vocab::write, "profile",
                                                           profile_payload_limit);
    }
};

/// PATCH /api/profiles/{id}: changes what profile_update sets. Setting the same attributes twice
/// leaves the same profile (unless arrays are edited).
struct update_profile : from_spec<api::update_profile, jsonapi::document<profile_attributes>> {

    /// Checks `id`, the email and the phone number (E.164) if set, the 100KB payload limit and `o`, and builds the
    /// PATCH. Editing arrays through patch_properties (append, unappend) makes the request non-idempotent: it is then
    /// not repeated after a lost answer.
    static klaviyo::detail::request_plan plan(std::string_view id, const profile_update& in, const write_options& o) {
        if (auto e = detail::check_identifiers(in.email, in.phone_number); !e.empty())
            return klaviyo::detail::invalid_plan(operation_id, e);
        json::object data{{"type", "profile"}, {"id", id}, {"attributes", jsonapi::to_json(in)}};
        detail::put_meta(data, in.patch_properties);
        auto p = klaviyo::detail::plan_write<update_profile>(id, std::move(data), o, profile_vocab::write, "profile",
                                                             profile_payload_limit);
        if (detail::edits_arrays(in.patch_properties)) p.idempotent = false;
        return p;
    }
};

/// Result of create_or_update_profile: the profile, and whether it is new
/// (201) or was updated (200).
struct upsert_result {
    jsonapi::document<profile_attributes> document; ///< the profile as it is now
    bool created = false; ///< true: created (201); false: an existing profile was updated (200)
};

/// POST /api/profile-import: creates the profile or updates the one it matches. An upsert keyed by
/// identifiers converges: replaying it is harmless.
struct create_or_update_profile : from_spec<api::create_or_update_profile, upsert_result> {

    /// Checks `in` (an id or an identifier, a valid email and an E.164 phone number, at most 100KB) and `o`, and builds
    /// the POST. Editing arrays through patch_properties makes it non-idempotent.
    static klaviyo::detail::request_plan plan(const profile_upsert& in, const write_options& o) {
        if (!in.id && !in.email && !in.phone_number && !in.external_id && !in._kx)
            return klaviyo::detail::invalid_plan(
                operation_id, "data: one of id, email, phone_number, external_id or _kx is required");
        if (in.id && in.id->empty()) return klaviyo::detail::invalid_plan(operation_id, "data.id: must not be empty");
        if (auto e = detail::check_identifiers(in.email, in.phone_number); !e.empty())
            return klaviyo::detail::invalid_plan(operation_id, e);
        json::object data{{"type", "profile"}};
        if (in.id) data["id"] = *in.id;
        data["attributes"] = jsonapi::to_json(in);
        detail::put_meta(data, in.patch_properties);
        auto p = klaviyo::detail::plan_write<create_or_update_profile>({}, std::move(data), o, profile_vocab::write,
                                                                       "profile", profile_payload_limit);
        if (detail::edits_arrays(in.patch_properties)) p.idempotent = false;
        return p;
    }
};

} // namespace ops

template <>
struct detail::result_parser<ops::upsert_result> {
    static ops::upsert_result parse(const http_response& r) {
        return {jsonapi::parse_document<profile_attributes>(r.body), r.status == 201};
    }
};

/// The profile resource: what exists for it in the API. Klaviyo has no
/// DELETE for profiles (only the GDPR deletion job), so none is declared.
struct profile {
    static constexpr std::string_view type = "profile"; ///< the JSON:API `type` of these resources
    using attributes_type = profile_attributes; ///< what jsonapi::resource::attributes holds for them
    using create_type = new_profile; ///< the input of basic_client::async_create<profile>()
    using update_type = profile_update; ///< the input of basic_client::async_update<profile>()
    using get_operation = ops::get_profile; ///< what basic_client::async_get<profile>() runs
    /// What basic_client::async_list<profile>(), pages<profile>() and items<profile>() run.
    using list_operation = ops::get_profiles;
    using create_operation = ops::create_profile; ///< what basic_client::async_create<profile>() runs
    using update_operation = ops::update_profile; ///< what basic_client::async_update<profile>() runs
    using delete_operation = void; ///< void: the API has no such operation, and a call to it does not compile
};

} // namespace klaviyo
