// klaviyo-cpp: the segment resource (profiles chosen by conditions).
#pragma once

#include <klaviyo/api/segments.hpp>
#include <klaviyo/accepted.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/operation.hpp>
#include <klaviyo/resources/segment_conditions.hpp>

#include <boost/describe/class.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace klaviyo {

/// A segment: profiles that meet conditions, kept up to date by Klaviyo.
struct segment_attributes {
    ///@{
    /// The name, and when the segment was created and last updated (ISO 8601).
    std::optional<std::string> name{}, created{}, updated{};
    ///@}
    std::optional<json::object> definition{}; ///< {"condition_groups": [...]}, as Klaviyo sends it
    ///@{
    /// Active (an inactive segment is not processed: its membership stops changing), being processed by Klaviyo,
    /// starred in Klaviyo's interface.
    std::optional<bool> is_active{}, is_processing{}, is_starred{};
    ///@}
    std::optional<std::int64_t> profile_count{}; ///< with additional_fields = {"profile_count"}
};
BOOST_DESCRIBE_STRUCT(segment_attributes, (),
                      (name, created, updated, definition, is_active, is_processing, is_starred, profile_count))

/// Input of create_segment: the conditions either typed (`conditions`) or as
/// the JSON of the spec's SegmentDefinition (`definition`,
/// {"condition_groups": [{"conditions": [...]}, ...]}), not both.
struct new_segment {
    std::string name{}; ///< required, not empty
    json::object definition{}; ///< the conditions as the spec's JSON, when `conditions` is not used
    std::optional<bool> is_starred{}; ///< star it in Klaviyo's interface
    std::optional<segment_definition> conditions{}; ///< sent as `definition`
};
BOOST_DESCRIBE_STRUCT(new_segment, (), (name, definition, is_starred))

/// Input of update_segment: absent members are left as they are.
struct segment_update {
    std::optional<std::string> name{}; ///< a new name; not empty
    std::optional<json::object> definition{}; ///< new conditions as the spec's JSON, when `conditions` is not used
    ///@{
    /// Star or unstar it; activate or deactivate it.
    std::optional<bool> is_starred{}, is_active{};
    ///@}
    std::optional<segment_definition> conditions{}; ///< sent as `definition`
};
BOOST_DESCRIBE_STRUCT(segment_update, (), (name, definition, is_starred, is_active))

namespace ops {

namespace segment_vocab {
inline constexpr std::string_view fields[] = {"segment", "flow", "tag"};
inline constexpr std::string_view includes[] = {"flow-triggers", "tags"};
inline constexpr std::string_view additional[] = {"profile_count"};
inline constexpr std::string_view sorts[] = {"created", "id", "name", "updated"};
inline constexpr std::string_view write_fields[] = {"segment"};
inline constexpr query_vocabulary list{fields, includes, {}, sorts};
inline constexpr query_vocabulary get{fields, includes, additional, {}};
inline constexpr query_vocabulary write{write_fields, {}, {}, {}};
/// create and update: 1/s burst, 15/m steady, 100 a day.
inline constexpr rate_limit writes{1, 15, 100};
} // namespace segment_vocab

namespace detail {
inline std::string check_definition(const json::object& d, const char* where) {
    const auto* groups = d.if_contains("condition_groups");
    if (!groups || !groups->is_array() || groups->get_array().empty())
        return std::string(where) + ".condition_groups: at least one condition group is required";
    return {};
}

/// Puts typed conditions, when given, into attrs["definition"].
inline std::string typed_definition(const std::optional<segment_definition>& typed, bool has_json,
                                    json::object& attrs) {
    if (!typed) return {};
    if (has_json) return "data.attributes.definition: give either conditions or definition, not both";
    std::string error;
    attrs["definition"] = typed->to_json("data.attributes.definition", error);
    return error;
}
} // namespace detail

/// GET /api/segments: up to 10 a page.
struct get_segments : from_spec<api::get_segments, jsonapi::page<segment_attributes>> {
    /// Checks `o` (fields, include, sort and page size against this operation's vocabulary; the filter is sent as
    /// written) and builds the GET. A refusal names the option and nothing is sent.
    static klaviyo::detail::request_plan plan(const list_options& o) {
        return klaviyo::detail::plan_list<get_segments>(o, segment_vocab::list, "segment");
    }
};

/// GET /api/segments/{id}: one segment; asking for profile_count makes it slower.
struct get_segment : from_spec<api::get_segment, jsonapi::document<segment_attributes>> {
    /// Checks `id` and `o` and builds the GET. With additional_fields (profile_count) the call is paced in the XS class
    /// (1/s, 15/min), as Klaviyo limits it.
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        auto p = klaviyo::detail::plan_get<get_segment>(id, o, segment_vocab::get, "segment");
        if (!o.additional_fields.empty()) p.rate = rate_limits::xs; // profile_count is slow
        return p;
    }
};

/// POST /api/segments: 1/s, 15/min and 100 a day.
struct create_segment : from_spec<api::create_segment, jsonapi::document<segment_attributes>> {
    /// Checks `in` (a name; conditions typed or as JSON, not both, with at least one condition group) and `o`, and
    /// builds the POST.
    static klaviyo::detail::request_plan plan(const new_segment& in, const write_options& o) {
        if (in.name.empty()) return klaviyo::detail::invalid_plan(operation_id, "data.attributes.name: is required");
        auto attrs = jsonapi::to_json(in).as_object();
        if (auto e = detail::typed_definition(in.conditions, !in.definition.empty(), attrs); !e.empty())
            return klaviyo::detail::invalid_plan(operation_id, e);
        if (auto e = detail::check_definition(attrs["definition"].as_object(), "data.attributes.definition");
            !e.empty())
            return klaviyo::detail::invalid_plan(operation_id, e);
        json::object data{{"type", "segment"}, {"attributes", std::move(attrs)}};
        return klaviyo::detail::plan_write<create_segment>({}, std::move(data), o, segment_vocab::write, "segment",
                                                           5 * 1024 * 1024);
    }
};

/// PATCH /api/segments/{id}: changes what segment_update sets; 1/s, 15/min and 100 a day.
struct update_segment : from_spec<api::update_segment, jsonapi::document<segment_attributes>> {
    /// Checks `id`, `in` (a name, if set, not empty; conditions typed or as JSON, not both) and `o`, and builds the
    /// PATCH.
    static klaviyo::detail::request_plan plan(std::string_view id, const segment_update& in, const write_options& o) {
        if (in.name && in.name->empty())
            return klaviyo::detail::invalid_plan(operation_id, "data.attributes.name: must not be empty");
        auto attrs = jsonapi::to_json(in).as_object();
        if (auto e = detail::typed_definition(in.conditions, in.definition.has_value(), attrs); !e.empty())
            return klaviyo::detail::invalid_plan(operation_id, e);
        if (const auto* d = attrs.if_contains("definition"))
            if (auto e = detail::check_definition(d->as_object(), "data.attributes.definition"); !e.empty())
                return klaviyo::detail::invalid_plan(operation_id, e);
        json::object data{{"type", "segment"}, {"id", id}, {"attributes", std::move(attrs)}};
        return klaviyo::detail::plan_write<update_segment>(id, std::move(data), o, segment_vocab::write, "segment",
                                                           5 * 1024 * 1024);
    }
};

/// DELETE /api/segments/{id}.
struct delete_segment : from_spec<api::delete_segment, accepted> {
    /// Checks `id` (not empty) and builds the DELETE.
    static klaviyo::detail::request_plan plan(std::string_view id) {
        return klaviyo::detail::plan_delete<delete_segment>(id);
    }
};

} // namespace ops

/// Segments: get, list (10 a page), create, update and delete.
struct segment {
    static constexpr std::string_view type = "segment"; ///< the JSON:API `type` of these resources
    using attributes_type = segment_attributes; ///< what jsonapi::resource::attributes holds for them
    using create_type = new_segment; ///< the input of basic_client::async_create<segment>()
    using update_type = segment_update; ///< the input of basic_client::async_update<segment>()
    using get_operation = ops::get_segment; ///< what basic_client::async_get<segment>() runs
    /// What basic_client::async_list<segment>(), pages<segment>() and items<segment>() run.
    using list_operation = ops::get_segments;
    using create_operation = ops::create_segment; ///< what basic_client::async_create<segment>() runs
    using update_operation = ops::update_segment; ///< what basic_client::async_update<segment>() runs
    using delete_operation = ops::delete_segment; ///< what basic_client::async_delete<segment>() runs
};

} // namespace klaviyo
