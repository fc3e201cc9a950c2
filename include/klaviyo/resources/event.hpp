// klaviyo-cpp: the event resource: what a profile did, counted under a metric.
#pragma once

#include <klaviyo/api/events.hpp>
#include <klaviyo/accepted.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/operation.hpp>
#include <klaviyo/validate.hpp>

#include <boost/describe/class.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace klaviyo {

/// An event as Klaviyo returns it: when it happened and its properties. The metric and the profile are relationships
/// (`include` them to get them in `included`).
struct event_attributes {
    std::optional<std::int64_t> timestamp{}; ///< seconds since the epoch
    ///@{
    /// When it happened, ISO 8601 with offset ("2022-11-08T01:23:45+00:00"), and Klaviyo's unique identifier of the
    /// event.
    std::optional<std::string> datetime{}, uuid{};
    ///@}
    std::optional<json::object> event_properties{}; ///< the properties it was created with
};
BOOST_DESCRIBE_STRUCT(event_attributes, (), (timestamp, datetime, uuid, event_properties))

/// Who did it: at least one identifier. Klaviyo creates the profile if no
/// profile matches, and updates the other attributes given here.
struct event_profile {
    ///@{
    /// Identifiers (email, an E.164 phone number, your external id, an anonymous id: at least one unless
    /// new_event::profile_id is set) and names. The plan checks the email and the phone number.
    std::optional<std::string> email{}, phone_number{}, external_id{}, anonymous_id{}, first_name{}, last_name{};
    ///@}
    std::optional<json::object> properties{}; ///< custom profile properties to set
};
BOOST_DESCRIBE_STRUCT(event_profile, (),
                      (email, phone_number, external_id, anonymous_id, first_name, last_name, properties))

/// Input of create_event.
struct new_event {
    std::string metric_name{};                   ///< e.g. "Placed Order"; created on first use
    std::optional<std::string> metric_service{}; ///< where the metric comes from (metric `service`)
    std::optional<std::string> profile_id{};     ///< a known profile; or identify it by `profile`
    event_profile profile{}; ///< the profile by its identifiers, when profile_id is not known
    json::object properties{};         ///< sent as {} when empty: Klaviyo requires it
    std::optional<std::string> time{}; ///< ISO 8601; default: when Klaviyo receives it
    std::optional<double> value{}; ///< a monetary value, e.g. an order's total
    std::optional<std::string> value_currency{}; ///< ISO 4217
    /// Deduplication key: a repeat for the same profile and metric is recorded
    /// once. Without it Klaviyo keys events by the second, so set it (e.g. the
    /// order id) whenever two events can happen within one second. It also
    /// makes the call safe to retry after a lost answer.
    std::optional<std::string> unique_id{};
};

namespace ops {

namespace event_vocab {
inline constexpr std::string_view fields[] = {"event", "metric", "profile", "attribution"};
inline constexpr std::string_view includes[] = {"attributions", "metric", "profile"};
inline constexpr std::string_view sorts[] = {"datetime", "timestamp"};
inline constexpr query_vocabulary read{fields, includes, {}, sorts};
/// "Event properties can't contain more than 400 properties", "5MB", "100KB" per string.
inline constexpr std::size_t max_properties = 400;
inline constexpr std::size_t payload_limit = 5 * 1024 * 1024;
inline constexpr std::size_t string_limit = 100 * 1024;
} // namespace event_vocab

namespace detail {

/// The first string longer than `limit` in `v`, as a path; empty when none.
inline std::string oversize_string(const json::value& v, const std::string& path, std::size_t limit) {
    if (v.is_string()) return v.get_string().size() > limit ? path : std::string();
    if (v.is_object())
        for (const auto& [k, x] : v.get_object())
            if (auto p = oversize_string(x, path + "." + std::string(k), limit); !p.empty()) return p;
    if (v.is_array())
        for (std::size_t i = 0; i < v.get_array().size(); ++i)
            if (auto p = oversize_string(v.get_array()[i], path + "[" + std::to_string(i) + "]", limit); !p.empty())
                return p;
    return {};
}

/// Checks one event and builds its `attributes` object. `where` prefixes the
/// field names in messages ("data.attributes" or "events[12]").
inline std::string event_attributes_json(const new_event& in, const std::string& where, json::object& out,
                                         bool with_profile) {
    if (in.metric_name.empty()) return where + ".metric.data.attributes.name: is required";
    if (in.time && !is_iso8601_datetime(*in.time)) return where + ".time: not an ISO 8601 date-time";
    if (in.value_currency && !is_iso4217_currency(*in.value_currency))
        return where + ".value_currency: '" + *in.value_currency + "' is not an ISO 4217 currency code";
    if (in.properties.size() > event_vocab::max_properties) return where + ".properties: more than 400 properties";
    if (auto p = oversize_string(in.properties, where + ".properties", event_vocab::string_limit); !p.empty())
        return p + ": a string over 100KB";
    if (in.unique_id && in.unique_id->empty()) return where + ".unique_id: must not be empty";
    out["properties"] = in.properties;
    if (in.time) out["time"] = *in.time;
    if (in.value) out["value"] = *in.value;
    if (in.value_currency) out["value_currency"] = *in.value_currency;
    if (in.unique_id) out["unique_id"] = *in.unique_id;
    json::object metric_attrs{{"name", in.metric_name}};
    if (in.metric_service) metric_attrs["service"] = *in.metric_service;
    out["metric"] = json::object{{"data", json::object{{"type", "metric"}, {"attributes", std::move(metric_attrs)}}}};
    if (with_profile) {
        const auto& p = in.profile;
        if (!in.profile_id && !p.email && !p.phone_number && !p.external_id && !p.anonymous_id)
            return where + ".profile: one of profile_id, email, phone_number, external_id or anonymous_id is required";
        if (p.email && !is_valid_email(*p.email)) return where + ".profile.email: not a valid email address";
        if (p.phone_number && !is_e164_phone(*p.phone_number))
            return where + ".profile.phone_number: not an E.164 number (e.g. +15005550006)";
        json::object profile{{"type", "profile"}};
        if (in.profile_id) profile["id"] = *in.profile_id;
        profile["attributes"] = jsonapi::to_json(p);
        out["profile"] = json::object{{"data", std::move(profile)}};
    }
    return {};
}

} // namespace detail

/// POST /api/events: 202, queued. Not repeatable unless it carries a unique_id.
struct create_event : from_spec<api::create_event, accepted> {
    /// Checks `in` (a metric name, an identified profile, an ISO 8601 time, an ISO 4217 currency, at most 400
    /// properties, no string over 100KB, 5MB in all) and builds the POST. The request is idempotent, and so retried
    /// after a lost answer, only when `in` has a unique_id.
    static klaviyo::detail::request_plan plan(const new_event& in, const write_options& = {}) {
        json::object attrs;
        if (auto e = detail::event_attributes_json(in, "data.attributes", attrs, true); !e.empty())
            return klaviyo::detail::invalid_plan(operation_id, e);
        json::object data{{"type", "event"}, {"attributes", std::move(attrs)}};
        auto p = klaviyo::detail::plan_write<create_event>({}, std::move(data), {}, event_vocab::read, "event",
                                                           event_vocab::payload_limit);
        // Klaviyo records a repeated unique_id once: with one, a replay is harmless.
        p.idempotent = in.unique_id.has_value();
        return p;
    }
};

/// GET /api/events/{id} (M tier, unlike the XL list).
struct get_event : from_spec<api::get_event, jsonapi::document<event_attributes>> {
    /// Checks `id` (not empty) and `o` (fields, additional fields and include against this operation's vocabulary) and
    /// builds the GET. A refusal names the input and nothing is sent.
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        return klaviyo::detail::plan_get<get_event>(id, o, event_vocab::read, "event");
    }
};

/// GET /api/events: up to 1000 a page.
struct get_events : from_spec<api::get_events, jsonapi::page<event_attributes>> {
    /// Checks `o` (fields, include, sort and page size against this operation's vocabulary; the filter is sent as
    /// written) and builds the GET. A refusal names the option and nothing is sent.
    static klaviyo::detail::request_plan plan(const list_options& o) {
        return klaviyo::detail::plan_list<get_events>(o, event_vocab::read, "event");
    }
};

} // namespace ops

/// Events are created and read; Klaviyo has no update or delete for them.
struct event {
    static constexpr std::string_view type = "event"; ///< the JSON:API `type` of these resources
    using attributes_type = event_attributes; ///< what jsonapi::resource::attributes holds for them
    using create_type = new_event; ///< the input of basic_client::async_create<event>()
    using get_operation = ops::get_event; ///< what basic_client::async_get<event>() runs
    /// What basic_client::async_list<event>(), pages<event>() and items<event>() run.
    using list_operation = ops::get_events;
    using create_operation = ops::create_event; ///< what basic_client::async_create<event>() runs
    using update_operation = void; ///< void: the API has no such operation, and a call to it does not compile
    using delete_operation = void; ///< void: the API has no such operation, and a call to it does not compile
};

} // namespace klaviyo
