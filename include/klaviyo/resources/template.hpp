// klaviyo-cpp: the template resource (email templates). Named email_template
// in C++, since `template` is a keyword.
#pragma once

#include <klaviyo/api/templates.hpp>
#include <klaviyo/accepted.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/operation.hpp>

#include <boost/describe/class.hpp>

#include <optional>
#include <string>

namespace klaviyo {

/// An email template as Klaviyo returns it.
struct template_attributes {
    ///@{
    /// The name, the editor (CODE, USER_DRAGGABLE, SYSTEM_DRAGGABLE, ...), the HTML, plain-text and AMP versions, and
    /// when it was created and last updated (ISO 8601).
    std::optional<std::string> name{}, editor_type{}, html{}, text{}, amp{}, created{}, updated{};
    ///@}
    std::optional<json::object> definition{}; ///< with additional_fields = {"definition"}
};
BOOST_DESCRIBE_STRUCT(template_attributes, (), (name, editor_type, html, text, amp, created, updated, definition))

/// Input of create_template. `editor_type` is CODE, USER_DRAGGABLE or
/// SYSTEM_DRAGGABLE; `html` is required for the first two and refused for the
/// third. Klaviyo allows 1,000 templates created through the API.
struct new_template {
    std::string name{}; ///< required, not empty
    std::string editor_type = "CODE"; ///< CODE, USER_DRAGGABLE or SYSTEM_DRAGGABLE
    ///@{
    /// The HTML (required unless SYSTEM_DRAGGABLE, refused then), plain-text and AMP versions.
    std::optional<std::string> html{}, text{}, amp{};
    ///@}
    std::optional<json::object> definition{}; ///< the template's definition, as the spec's JSON
};
BOOST_DESCRIBE_STRUCT(new_template, (), (name, editor_type, html, text, amp, definition))

/// Input of update_template: absent members are left as they are.
struct template_update {
    ///@{
    /// A new name (not empty), and new HTML, plain-text and AMP versions.
    std::optional<std::string> name{}, html{}, text{}, amp{};
    ///@}
    std::optional<json::object> definition{}; ///< a new definition, as the spec's JSON
};
BOOST_DESCRIBE_STRUCT(template_update, (), (name, html, text, amp, definition))

namespace ops {

namespace template_vocab {
inline constexpr std::string_view fields[] = {"template"};
inline constexpr std::string_view additional[] = {"definition"};
inline constexpr std::string_view sorts[] = {"created", "id", "name", "updated"};
inline constexpr query_vocabulary list{fields, {}, additional, sorts};
inline constexpr query_vocabulary get{fields, {}, additional, {}};
inline constexpr query_vocabulary write{fields, {}, additional, {}};
} // namespace template_vocab

/// GET /api/templates: up to 10 a page.
struct get_templates : from_spec<api::get_templates, jsonapi::page<template_attributes>> {
    /// Checks `o` (fields, include, sort and page size against this operation's vocabulary; the filter is sent as
    /// written) and builds the GET. A refusal names the option and nothing is sent.
    static klaviyo::detail::request_plan plan(const list_options& o) {
        return klaviyo::detail::plan_list<get_templates>(o, template_vocab::list, "template");
    }
};

/// GET /api/templates/{id}: one template.
struct get_template : from_spec<api::get_template, jsonapi::document<template_attributes>> {
    /// Checks `id` (not empty) and `o` (fields, additional fields and include against this operation's vocabulary) and
    /// builds the GET. A refusal names the input and nothing is sent.
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        return klaviyo::detail::plan_get<get_template>(id, o, template_vocab::get, "template");
    }
};

/// POST /api/templates: Klaviyo allows 1,000 templates created through the API.
struct create_template : from_spec<api::create_template, jsonapi::document<template_attributes>> {
    /// Checks `in` (a name; editor_type CODE, USER_DRAGGABLE or SYSTEM_DRAGGABLE; html given unless SYSTEM_DRAGGABLE,
    /// refused then) and `o`, and builds the POST.
    static klaviyo::detail::request_plan plan(const new_template& in, const write_options& o) {
        if (in.name.empty()) return klaviyo::detail::invalid_plan(operation_id, "data.attributes.name: is required");
        const auto& t = in.editor_type;
        if (t != "CODE" && t != "USER_DRAGGABLE" && t != "SYSTEM_DRAGGABLE")
            return klaviyo::detail::invalid_plan(
                operation_id, "data.attributes.editor_type: must be CODE, USER_DRAGGABLE or SYSTEM_DRAGGABLE");
        if (t == "SYSTEM_DRAGGABLE" && in.html)
            return klaviyo::detail::invalid_plan(operation_id,
                                                 "data.attributes.html: not allowed for SYSTEM_DRAGGABLE templates");
        if (t != "SYSTEM_DRAGGABLE" && !in.html)
            return klaviyo::detail::invalid_plan(operation_id,
                                                 "data.attributes.html: is required for " + t + " templates");
        json::object data{{"type", "template"}, {"attributes", jsonapi::to_json(in)}};
        return klaviyo::detail::plan_write<create_template>({}, std::move(data), o, template_vocab::write, "template",
                                                            5 * 1024 * 1024);
    }
};

/// PATCH /api/templates/{id}: changes what template_update sets.
struct update_template : from_spec<api::update_template, jsonapi::document<template_attributes>> {
    /// Checks `id`, `in` (a name, if set, not empty) and `o`, and builds the PATCH.
    static klaviyo::detail::request_plan plan(std::string_view id, const template_update& in, const write_options& o) {
        if (in.name && in.name->empty())
            return klaviyo::detail::invalid_plan(operation_id, "data.attributes.name: must not be empty");
        json::object data{{"type", "template"}, {"id", id}, {"attributes", jsonapi::to_json(in)}};
        return klaviyo::detail::plan_write<update_template>(id, std::move(data), o, template_vocab::write, "template",
                                                            5 * 1024 * 1024);
    }
};

/// DELETE /api/templates/{id}.
struct delete_template : from_spec<api::delete_template, accepted> {
    /// Checks `id` (not empty) and builds the DELETE.
    static klaviyo::detail::request_plan plan(std::string_view id) {
        return klaviyo::detail::plan_delete<delete_template>(id);
    }
};

} // namespace ops

/// Email templates (`template` is a keyword in C++): get, list (10 a page), create, update and delete.
struct email_template {
    static constexpr std::string_view type = "template"; ///< the JSON:API `type` of these resources
    using attributes_type = template_attributes; ///< what jsonapi::resource::attributes holds for them
    using create_type = new_template; ///< the input of basic_client::async_create<email_template>()
    using update_type = template_update; ///< the input of basic_client::async_update<email_template>()
    using get_operation = ops::get_template; ///< what basic_client::async_get<email_template>() runs
    /// What basic_client::async_list<email_template>(), pages<email_template>() and items<email_template>() run.
    using list_operation = ops::get_templates;
    using create_operation = ops::create_template; ///< what basic_client::async_create<email_template>() runs
    using update_operation = ops::update_template; ///< what basic_client::async_update<email_template>() runs
    using delete_operation = ops::delete_template; ///< what basic_client::async_delete<email_template>() runs
};

} // namespace klaviyo
