// klaviyo-cpp: typed segment conditions for the common cases, and a raw-JSON
// escape hatch for the rest of the spec's fifteen condition types.
#pragma once

#include <klaviyo/config.hpp>
#include <klaviyo/validate.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace klaviyo {

/// "in the last N days" and the like: the timeframe of a metric condition.
struct relative_timeframe {
    std::string op = "in-the-last"; ///< in-the-last, at-least, in-the-next
    std::string unit = "day";       ///< day, hour, week
    int quantity = 30; ///< how many units; at least 1
};

/// One condition. Build it with the named functions; what they are given is
/// checked when the segment is created or updated, with the field named.
class segment_condition {
public:
    /// Members of any of these lists or segments.
    static segment_condition in_group(std::vector<std::string> list_or_segment_ids) {
        return group(std::move(list_or_segment_ids), true);
    }
    /// Members of none of them.
    static segment_condition not_in_group(std::vector<std::string> list_or_segment_ids) {
        return group(std::move(list_or_segment_ids), false);
    }
    /// A profile property ("email", "first_name", or "properties['Favorite Color']")
    /// compared with a string: equals, not-equals, contains, not-contains,
    /// starts-with, not-starts-with, ends-with, not-ends-with, regex, nregex.
    static segment_condition property_text(std::string property, std::string op, std::string value) {
        segment_condition c;
        c.check_property(property);
        c.check_op(op, string_ops, "filter.operator");
        c.json_ = json::object{{"type", "profile-property"},
                               {"property", std::move(property)},
                               {"filter", json::object{{"type", "string"}, {"operator", op}, {"value", value}}}};
        return c;
    }
    /// A profile property compared with a number: equals, not-equals,
    /// greater-than, greater-than-or-equal, less-than, less-than-or-equal.
    static segment_condition property_number(std::string property, std::string op, double value) {
        segment_condition c;
        c.check_property(property);
        c.check_op(op, numeric_ops, "filter.operator");
        c.json_ = json::object{{"type", "profile-property"},
                               {"property", std::move(property)},
                               {"filter", json::object{{"type", "numeric"}, {"operator", op}, {"value", value}}}};
        return c;
    }
    /// A boolean profile property equal to `value`.
    static segment_condition property_bool(std::string property, bool value) {
        segment_condition c;
        c.check_property(property);
        c.json_ = json::object{{"type", "profile-property"},
                               {"property", std::move(property)},
                               {"filter", json::object{{"type", "boolean"}, {"operator", "equals"}, {"value", value}}}};
        return c;
    }
    /// Did `metric_id` (count of events) `op` `value` times within `timeframe`,
    /// as in metric_count(placed_order, "greater-than-or-equal", 2, {"in-the-last", "day", 90}).
    static segment_condition metric_count(std::string metric_id, std::string op, double value,
                                          relative_timeframe timeframe) {
        segment_condition c;
        if (metric_id.empty()) c.fail("metric_id: must not be empty");
        c.check_op(op, numeric_ops, "measurement_filter.operator");
        if (value < 0) c.fail("measurement_filter.value: must not be negative");
        c.check_op(timeframe.op, relative_ops, "timeframe_filter.operator");
        c.check_op(timeframe.unit, units, "timeframe_filter.unit");
        if (timeframe.quantity < 1) c.fail("timeframe_filter.quantity: must be at least 1");
        c.json_ =
            json::object{{"type", "profile-metric"},
                         {"metric_id", std::move(metric_id)},
                         {"measurement", "count"},
                         {"measurement_filter", json::object{{"type", "numeric"}, {"operator", op}, {"value", value}}},
                         {"timeframe_filter", json::object{{"type", "date"},
                                                           {"operator", timeframe.op},
                                                           {"unit", timeframe.unit},
                                                           {"quantity", timeframe.quantity}}}};
        return c;
    }
    /// Can (or cannot) receive marketing on "email" or "sms".
    static segment_condition marketing_consent(std::string channel, bool can_receive) {
        segment_condition c;
        if (channel != "email" && channel != "sms") c.fail("consent.channel: must be email or sms");
        json::object status{{"subscription", can_receive ? "subscribed" : "unsubscribed"}};
        c.json_ = json::object{{"type", "profile-marketing-consent"},
                               {"consent", json::object{{"channel", std::move(channel)},
                                                        {"can_receive_marketing", can_receive},
                                                        {"consent_status", std::move(status)}}}};
        return c;
    }
    /// Any other condition, as the spec's JSON (it needs a "type").
    static segment_condition raw(json::object condition) {
        segment_condition c;
        const auto* t = condition.if_contains("type");
        if (!t || !t->is_string() || t->get_string().empty()) c.fail("type: a raw condition needs its type");
        c.json_ = std::move(condition);
        return c;
    }

    /// The condition as the spec's JSON, as it will be sent.
    const json::object& to_json() const noexcept { return json_; }
    /// Why this condition cannot be sent (relative to the condition), or empty.
    const std::string& error() const noexcept { return error_; }

private:
    static constexpr std::string_view string_ops[] = {"contains",      "ends-with",  "equals",          "not-contains",
                                                      "not-ends-with", "not-equals", "not-starts-with", "nregex",
                                                      "regex",         "starts-with"};
    static constexpr std::string_view numeric_ops[] = {"equals",    "greater-than",       "greater-than-or-equal",
                                                       "less-than", "less-than-or-equal", "not-equals"};
    static constexpr std::string_view relative_ops[] = {"at-least", "in-the-last", "in-the-next"};
    static constexpr std::string_view units[] = {"day", "hour", "week"};

    static segment_condition group(std::vector<std::string> ids, bool member) {
        segment_condition c;
        if (ids.empty()) c.fail("group_ids: at least one list or segment id is required");
        json::array a;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (ids[i].empty()) c.fail("group_ids[" + std::to_string(i) + "]: empty id");
            a.push_back(json::value(ids[i]));
        }
        c.json_ =
            json::object{{"type", "profile-group-membership"}, {"is_member", member}, {"group_ids", std::move(a)}};
        return c;
    }
    void check_property(const std::string& p) {
        if (p.empty()) fail("property: must not be empty");
    }
    template <std::size_t N>
    void check_op(const std::string& op, const std::string_view (&allowed)[N], const char* field) {
        if (std::find(std::begin(allowed), std::end(allowed), op) == std::end(allowed))
            fail(std::string(field) + ": '" + op + "' is not accepted here");
    }
    void fail(std::string e) {
        if (error_.empty()) error_ = std::move(e);
    }

    json::object json_;
    std::string error_;
};

/// A segment definition: profiles that meet every group, where a group is
/// met by any one of its conditions (Klaviyo's AND of ORs).
struct segment_definition {
    /// Groups that must all be met, each met by any one of its conditions; at least one group, none empty.
    std::vector<std::vector<segment_condition>> condition_groups{};

    /// The spec's SegmentDefinition JSON, or the first problem (with `where`
    /// prefixed) in `error`.
    json::object to_json(const std::string& where, std::string& error) const {
        json::array groups;
        if (condition_groups.empty()) error = where + ".condition_groups: at least one condition group is required";
        for (std::size_t g = 0; g < condition_groups.size() && error.empty(); ++g) {
            const auto& group = condition_groups[g];
            auto at = where + ".condition_groups[" + std::to_string(g) + "].conditions";
            if (group.empty()) error = at + ": at least one condition is required";
            json::array conditions;
            for (std::size_t i = 0; i < group.size() && error.empty(); ++i) {
                if (!group[i].error().empty()) error = at + "[" + std::to_string(i) + "]." + group[i].error();
                conditions.push_back(group[i].to_json());
            }
            groups.push_back(json::object{{"conditions", std::move(conditions)}});
        }
        return json::object{{"condition_groups", std::move(groups)}};
    }
};

} // namespace klaviyo
