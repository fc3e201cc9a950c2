// klaviyo-cpp watch: the resources a watcher can follow by time, one line
// each: the list operation (a generated descriptor), the time member it
// filters and sorts on, and the margin behind Klaviyo's clock the
// checkpoint keeps. Whether the operation really filters on that member
// with a "later than" operator, and sorts on it, is checked at compile time
// against the descriptor's facts (the spec's x-klaviyo-filters and sort
// values): a line the spec does not back does not compile.
//
// A resource with a scope (a campaign channel, a list or segment id) names
// it in its checkpoint key, so that two scopes never share a checkpoint.
#pragma once

#include <klaviyo/api/call.hpp>
#include <klaviyo/api/campaigns.hpp>
#include <klaviyo/api/events.hpp>
#include <klaviyo/api/flows.hpp>
#include <klaviyo/api/forms.hpp>
#include <klaviyo/api/images.hpp>
#include <klaviyo/api/lists.hpp>
#include <klaviyo/api/profiles.hpp>
#include <klaviyo/api/segments.hpp>
#include <klaviyo/api/templates.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace klaviyo::watch {

/// The usual margin: records are re-read (and de-duplicated) for this long
/// after Klaviyo stamped them, for writes that become visible a little late.
inline constexpr std::chrono::seconds default_margin{2};

/// A resource watched by its `updated`-like member, without a scope.
template <api::api_operation Op, const std::string_view& Name, const std::string_view& Member,
          std::chrono::seconds::rep Margin = default_margin.count()>
struct by_time {
    /// The resource line's interface (see `watchable`): the list operation, its time member,
    /// the margin, the checkpoint key, the filter terms and path id of the scope.
    ///@{
    using operation = Op;
    static constexpr std::string_view member = Member;
    static constexpr std::chrono::seconds margin{Margin};
    std::string key() const { return std::string(Name); }
    std::string scope_filter() const { return {}; }
    std::string path_id() const { return {}; }
    ///@}
};

namespace names {
inline constexpr std::string_view profiles = "profiles", lists = "lists", segments = "segments",
                                  templates = "templates", flows = "flows", images = "images", forms = "forms",
                                  events = "events", updated = "updated", updated_at = "updated_at",
                                  datetime = "datetime", joined_group_at = "joined_group_at";
} // namespace names

/// Profiles, by `updated`.
using profiles = by_time<api::get_profiles, names::profiles, names::updated>;
/// Lists, by `updated`.
using lists = by_time<api::get_lists, names::lists, names::updated>;
/// Segments, by `updated`.
using segments = by_time<api::get_segments, names::segments, names::updated>;
/// Email templates, by `updated`.
using templates = by_time<api::get_templates, names::templates, names::updated>;
/// Flows, by `updated`.
using flows = by_time<api::get_flows, names::flows, names::updated>;
/// Images, by `updated_at`.
using images = by_time<api::get_images, names::images, names::updated_at>;
/// Sign-up forms, by `updated_at`.
using forms = by_time<api::get_forms, names::forms, names::updated_at>;

/// Events, by `datetime`. Integrations may send an event with a time in the
/// past (a late upload); the look-back window (the margin) re-reads that far
/// behind Klaviyo's clock, so such an event is still delivered if it arrives
/// within the window. Ten minutes by default (watch_options::margin changes
/// it): each poll re-reads, and the checkpoint lists, the window's events,
/// so a longer window costs reads and checkpoint size on a busy account.
using events = by_time<api::get_events, names::events, names::datetime, 600>;

/// Campaigns of one channel ("email", "sms" or "mobile_push": Klaviyo lists
/// one channel at a time), by `updated_at`.
struct campaigns {
    /// The resource line's interface (see `watchable`): the list operation, its time member,
    /// the margin, the checkpoint key, the filter terms and path id of the scope.
    ///@{
    using operation = api::get_campaigns;
    static constexpr std::string_view member = "updated_at";
    static constexpr std::chrono::seconds margin = default_margin;
    ///@}
    std::string channel = "email"; ///< "email", "sms" or "mobile_push"
    /// The checkpoint key, filter terms and path id of the scope.
    ///@{
    std::string key() const { return "campaigns:" + channel; }
    std::string scope_filter() const { return "equals(messages.channel,'" + channel + "')"; }
    std::string path_id() const { return {}; }
    ///@}
};

/// The profiles that joined one list, by `joined_group_at`.
struct list_members {
    /// The resource line's interface (see `watchable`): the list operation, its time member,
    /// the margin, the checkpoint key, the filter terms and path id of the scope.
    ///@{
    using operation = api::get_profiles_for_list;
    static constexpr std::string_view member = "joined_group_at";
    static constexpr std::chrono::seconds margin = default_margin;
    ///@}
    std::string list_id; ///< the list whose members are watched
    /// The checkpoint key, filter terms and path id of the scope.
    ///@{
    std::string key() const { return "list-members:" + list_id; }
    std::string scope_filter() const { return {}; }
    std::string path_id() const { return list_id; }
    ///@}
};

/// The profiles that joined one segment, by `joined_group_at`.
struct segment_members {
    /// The resource line's interface (see `watchable`): the list operation, its time member,
    /// the margin, the checkpoint key, the filter terms and path id of the scope.
    ///@{
    using operation = api::get_profiles_for_segment;
    static constexpr std::string_view member = "joined_group_at";
    static constexpr std::chrono::seconds margin = default_margin;
    ///@}
    std::string segment_id; ///< the segment whose members are watched
    /// The checkpoint key, filter terms and path id of the scope.
    ///@{
    std::string key() const { return "segment-members:" + segment_id; }
    std::string scope_filter() const { return {}; }
    std::string path_id() const { return segment_id; }
    ///@}
};

namespace detail {

/// The operator a watcher asks "at or after a second" with: greater-than
/// the second before, which every operation in the table takes (profiles,
/// lists and segments take no greater-or-equal); else greater-or-equal.
template <class Op>
constexpr std::string_view later_operator(std::string_view member) {
    const api::name_rule* rule = api::find_rule(Op::facts.filter, member);
    if (!rule) return {};
    if (api::holds(rule->values, "greater-than")) return "greater-than";
    if (api::holds(rule->values, "greater-or-equal")) return "greater-or-equal";
    return {};
}

} // namespace detail

/// What a resource line must be: an operation that pages, filters on the
/// member with a "later than" operator, and sorts on it.
template <class R>
concept watchable = requires(const R& r) {
    typename R::operation;
    { R::member } -> std::convertible_to<std::string_view>;
    { R::margin } -> std::convertible_to<std::chrono::seconds>;
    { r.key() } -> std::convertible_to<std::string>;
    { r.scope_filter() } -> std::convertible_to<std::string>;
    { r.path_id() } -> std::convertible_to<std::string>;
} && R::operation::cursor_paginated && !detail::later_operator<typename R::operation>(R::member).empty() &&
    api::holds(R::operation::facts.sort, R::member);

static_assert(watchable<profiles> && watchable<lists> && watchable<segments> && watchable<templates> &&
              watchable<flows> && watchable<images> && watchable<forms> && watchable<events> &&
              watchable<campaigns> && watchable<list_members> && watchable<segment_members>);

} // namespace klaviyo::watch
