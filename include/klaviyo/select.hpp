// klaviyo-cpp: picklists ("data sources"): every account, campaign, event,
// profile or template as {label, key}, over all pages.
#pragma once

#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/resources/account.hpp>
#include <klaviyo/resources/campaign.hpp>
#include <klaviyo/resources/event.hpp>
#include <klaviyo/resources/profile.hpp>
#include <klaviyo/resources/template.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>

namespace klaviyo {

/// One choice: what to show, and the id to use.
struct picklist_item {
    std::string label; ///< what to show: a name, an email, a metric name and time, depending on the data source
    std::string key; ///< the id of the resource, to pass to the calls that take one
    friend bool operator==(const picklist_item&, const picklist_item&) = default;
};

/// Options of the data sources (basic_client::async_select_accounts() and the other async_select_* calls), which read
/// every page of a collection unless told to stop.
struct select_options {
    /// Stop after this many items (and stop reading pages); empty: all.
    std::optional<std::size_t> limit{};
};

namespace detail {

inline std::string account_label(const jsonapi::resource<account_attributes>& r) {
    const auto& a = r.attributes;
    if (a.contact_information && a.contact_information->organization_name &&
        !a.contact_information->organization_name->empty())
        return *a.contact_information->organization_name;
    return r.id;
}

inline std::string campaign_label(const jsonapi::resource<campaign_attributes>& r) {
    return r.attributes.name.value_or(r.id);
}

inline std::string template_label(const jsonapi::resource<template_attributes>& r) {
    return r.attributes.name.value_or(r.id);
}

/// Email, else phone, else "first last", else external id, else the id.
inline std::string profile_label(const jsonapi::resource<profile_attributes>& r) {
    const auto& a = r.attributes;
    if (a.email && !a.email->empty()) return *a.email;
    if (a.phone_number && !a.phone_number->empty()) return *a.phone_number;
    std::string name = a.first_name.value_or("");
    if (a.last_name && !a.last_name->empty()) name += (name.empty() ? "" : " ") + *a.last_name;
    if (!name.empty()) return name;
    if (a.external_id && !a.external_id->empty()) return *a.external_id;
    return r.id;
}

/// "<metric name> <datetime>", from an event page fetched with include=metric.
inline std::string event_label(const jsonapi::resource<event_attributes>& r,
                               const std::unordered_map<std::string, std::string>& metric_names) {
    std::string label;
    auto ids = r.related_ids("metric");
    if (!ids.empty())
        if (auto it = metric_names.find(ids.front()); it != metric_names.end()) label = it->second;
    if (label.empty()) label = "Event";
    if (r.attributes.datetime) label += " " + *r.attributes.datetime;
    return label;
}

/// Metric id → name from a document's `included`.
inline std::unordered_map<std::string, std::string> included_metric_names(const json::array& included) {
    std::unordered_map<std::string, std::string> names;
    for (const auto& v : included) {
        const auto* o = v.if_object();
        if (!o) continue;
        const auto* type = o->if_contains("type");
        const auto* id = o->if_contains("id");
        const auto* attrs = o->if_contains("attributes");
        if (!type || !id || !attrs || *type != "metric" || !id->is_string() || !attrs->is_object()) continue;
        if (const auto* n = attrs->get_object().if_contains("name"); n && n->is_string())
            names.emplace(std::string(id->get_string()), std::string(n->get_string()));
    }
    return names;
}

} // namespace detail
} // namespace klaviyo
