// klaviyo-cpp: the list resource, and the profiles in a list.
#pragma once

#include <klaviyo/api/lists.hpp>
#include <klaviyo/accepted.hpp>
#include <klaviyo/bulk.hpp>
#include <klaviyo/detail/bulk_plan.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/operation.hpp>
#include <klaviyo/resources/profile.hpp>

#include <boost/describe/class.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <optional>
#include <vector>
#include <string>

namespace klaviyo {

/// A list: profiles gathered by hand, import or signup form, unlike a segment's conditions.
struct list_attributes {
    ///@{
    /// The name, and when the list was created and last updated (ISO 8601).
    std::optional<std::string> name{}, created{}, updated{};
    ///@}
    std::optional<std::string> opt_in_process{}; ///< "double_opt_in" or "single_opt_in"
    std::optional<std::int64_t> profile_count{}; ///< with additional_fields = {"profile_count"}
};
BOOST_DESCRIBE_STRUCT(list_attributes, (), (name, created, updated, opt_in_process, profile_count))

/// Input of create_list.
struct new_list {
    std::string name{}; ///< required, not empty
    std::optional<std::string> opt_in_process{}; ///< "double_opt_in" or "single_opt_in"
};
BOOST_DESCRIBE_STRUCT(new_list, (), (name, opt_in_process))

/// Input of update_list: absent members are left as they are.
struct list_update {
    std::optional<std::string> name{}; ///< a new name; not empty
    std::optional<std::string> opt_in_process{}; ///< "double_opt_in" or "single_opt_in"
};
BOOST_DESCRIBE_STRUCT(list_update, (), (name, opt_in_process))

namespace ops {

namespace list_vocab {
inline constexpr std::string_view list_fields[] = {"list", "flow", "tag"};
inline constexpr std::string_view includes[] = {"flow-triggers", "tags"};
inline constexpr std::string_view additional[] = {"profile_count"};
inline constexpr std::string_view sorts[] = {"created", "id", "name", "updated"};
inline constexpr std::string_view write_fields[] = {"list"};
inline constexpr std::string_view profile_fields[] = {"profile"};
inline constexpr std::string_view profile_additional[] = {"subscriptions", "predictive_analytics"};
inline constexpr std::string_view profile_sorts[] = {"joined_group_at"};
inline constexpr query_vocabulary list{list_fields, includes, {}, sorts};
inline constexpr query_vocabulary get{list_fields, includes, additional, {}};
inline constexpr query_vocabulary write{write_fields, {}, {}, {}};
inline constexpr query_vocabulary profiles{profile_fields, {}, profile_additional, profile_sorts};
} // namespace list_vocab

namespace detail {
inline std::string check_opt_in(const std::optional<std::string>& v) {
    if (v && *v != "double_opt_in" && *v != "single_opt_in")
        return "data.attributes.opt_in_process: must be double_opt_in or single_opt_in";
    return {};
}
} // namespace detail

/// GET /api/lists: at most 10 a page.
struct get_lists : from_spec<api::get_lists, jsonapi::page<list_attributes>> {
    /// Checks `o` (fields, include, sort and page size against this operation's vocabulary; the filter is sent as
    /// written) and builds the GET. A refusal names the option and nothing is sent.
    static klaviyo::detail::request_plan plan(const list_options& o) {
        return klaviyo::detail::plan_list<get_lists>(o, list_vocab::list, "list");
    }
};

/// GET /api/lists/{id}: one list; asking for profile_count makes it slower.
struct get_list : from_spec<api::get_list, jsonapi::document<list_attributes>> {
    /// Checks `id` and `o` and builds the GET. With additional_fields (profile_count) the call is paced in the XS class
    /// (1/s, 15/min), as Klaviyo limits it.
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        auto p = klaviyo::detail::plan_get<get_list>(id, o, list_vocab::get, "list");
        // Counting the profiles drops the limit to 1/s burst, 15/m steady.
        if (!o.additional_fields.empty()) p.rate = rate_limits::xs;
        return p;
    }
};

/// POST /api/lists: 10/s, 150/m, and 150 a day.
struct create_list : from_spec<api::create_list, jsonapi::document<list_attributes>> {
    /// Checks `in` (a name; opt_in_process, if set, double_opt_in or single_opt_in) and `o`, and builds the POST.
    static klaviyo::detail::request_plan plan(const new_list& in, const write_options& o) {
        if (in.name.empty()) return klaviyo::detail::invalid_plan(operation_id, "data.attributes.name: is required");
        if (auto e = detail::check_opt_in(in.opt_in_process); !e.empty())
            return klaviyo::detail::invalid_plan(operation_id, e);
        json::object data{{"type", "list"}, {"attributes", jsonapi::to_json(in)}};
        return klaviyo::detail::plan_write<create_list>({}, std::move(data), o, list_vocab::write, "list",
                                                        5 * 1024 * 1024);
    }
};

/// PATCH /api/lists/{id}: changes what list_update sets.
struct update_list : from_spec<api::update_list, jsonapi::document<list_attributes>> {
    /// Checks `id` and `in` (a name, if set, not empty; opt_in_process, if set, double_opt_in or single_opt_in) and
    /// `o`, and builds the PATCH.
    static klaviyo::detail::request_plan plan(std::string_view id, const list_update& in, const write_options& o) {
        if (in.name && in.name->empty())
            return klaviyo::detail::invalid_plan(operation_id, "data.attributes.name: must not be empty");
        if (auto e = detail::check_opt_in(in.opt_in_process); !e.empty())
            return klaviyo::detail::invalid_plan(operation_id, e);
        json::object data{{"type", "list"}, {"id", id}, {"attributes", jsonapi::to_json(in)}};
        return klaviyo::detail::plan_write<update_list>(id, std::move(data), o, list_vocab::write, "list",
                                                        5 * 1024 * 1024);
    }
};

/// DELETE /api/lists/{id}: repeating it finds nothing left to delete.
struct delete_list : from_spec<api::delete_list, accepted> {
    /// Checks `id` (not empty) and builds the DELETE.
    static klaviyo::detail::request_plan plan(std::string_view id) {
        return klaviyo::detail::plan_delete<delete_list>(id);
    }
};

/// GET /api/lists/{id}/profiles: the members, up to 100 a page, with joined_group_at.
struct get_profiles_for_list : from_spec<api::get_profiles_for_list, jsonapi::page<profile_attributes>> {
    /// Checks `list_id` and `o` (sort only by joined_group_at; additional fields subscriptions and
    /// predictive_analytics) and builds the GET; with predictive_analytics the call is paced in the M class.
    static klaviyo::detail::request_plan plan(std::string_view list_id, const list_options& o) {
        auto p = klaviyo::detail::plan_list<get_profiles_for_list>(o, list_vocab::profiles, "profile", list_id);
        if (detail::has(o.additional_fields, "predictive_analytics")) p.rate = rate_limits::m;
        return p;
    }
};

namespace detail {
/// Membership changes: {"data":[{"type":"profile","id":...}]}, 1,000 ids a request.
template <class Op>
klaviyo::detail::bulk_plan plan_membership(std::string_view list_id, const std::vector<std::string>& profile_ids) {
    using klaviyo::detail::invalid_bulk;
    if (list_id.empty()) return invalid_bulk(Op::operation_id, "id: must not be empty");
    if (profile_ids.empty()) return invalid_bulk(Op::operation_id, "data: at least one profile id is required");
    for (std::size_t i = 0; i < profile_ids.size(); ++i)
        if (profile_ids[i].empty())
            return invalid_bulk(Op::operation_id, "data[" + std::to_string(i) + "].id: must not be empty");
    return klaviyo::detail::split_by_count<Op>(
        profile_ids.size(), Op::max_per_request, klaviyo::detail::expand_path(Op::path, list_id),
        [&](std::size_t first, std::size_t last) {
            json::array data;
            for (std::size_t i = first; i < last; ++i)
                data.push_back(json::object{{"type", "profile"}, {"id", profile_ids[i]}});
            return json::serialize(json::object{{"data", std::move(data)}});
        });
}
} // namespace detail

/// POST /api/lists/{id}/relationships/profiles: 204. Adds members without
/// changing their consent (subscribe_profiles with a list_id does both).
/// Adding a member twice leaves one membership: safe to repeat.
struct add_profiles_to_list : from_spec<api::add_profiles_to_list, accepted> {
    static constexpr std::size_t max_per_request = 1000; ///< Klaviyo's cap on ids per request
    /// Checks `list_id` and the ids (at least one, none empty) and splits them into requests of max_per_request.
    static klaviyo::detail::bulk_plan plan(std::string_view list_id, const std::vector<std::string>& profile_ids) {
        return detail::plan_membership<add_profiles_to_list>(list_id, profile_ids);
    }
};

/// DELETE /api/lists/{id}/relationships/profiles: 204. Consent is unchanged.
struct remove_profiles_from_list : from_spec<api::remove_profiles_from_list, accepted> {
    static constexpr std::size_t max_per_request = 1000; ///< Klaviyo's cap on ids per request
    /// Checks `list_id` and the ids (at least one, none empty) and splits them into requests of max_per_request.
    static klaviyo::detail::bulk_plan plan(std::string_view list_id, const std::vector<std::string>& profile_ids) {
        return detail::plan_membership<remove_profiles_from_list>(list_id, profile_ids);
    }
};

} // namespace ops

/// Lists: get, list (10 a page), create, update and delete; members through basic_client::async_get_list_profiles(),
/// async_add_profiles_to_list() and async_remove_profiles_from_list().
struct list {
    static constexpr std::string_view type = "list"; ///< the JSON:API `type` of these resources
    using attributes_type = list_attributes; ///< what jsonapi::resource::attributes holds for them
    using create_type = new_list; ///< the input of basic_client::async_create<list>()
    using update_type = list_update; ///< the input of basic_client::async_update<list>()
    using get_operation = ops::get_list; ///< what basic_client::async_get<list>() runs
    /// What basic_client::async_list<list>(), pages<list>() and items<list>() run.
    using list_operation = ops::get_lists;
    using create_operation = ops::create_list; ///< what basic_client::async_create<list>() runs
    using update_operation = ops::update_list; ///< what basic_client::async_update<list>() runs
    using delete_operation = ops::delete_list; ///< what basic_client::async_delete<list>() runs
};

} // namespace klaviyo
