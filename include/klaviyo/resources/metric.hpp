// klaviyo-cpp: the metric resource (what events are counted as).
#pragma once

#include <klaviyo/api/metrics.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/operation.hpp>

#include <boost/describe/class.hpp>

#include <optional>
#include <string>

namespace klaviyo {

/// A metric: the name events are counted under ("Placed Order", ...).
struct metric_attributes {
    ///@{
    /// The name, and when the metric was created and last updated (ISO 8601).
    std::optional<std::string> name{}, created{}, updated{};
    ///@}
    /// The integration the metric's events come from, as Klaviyo describes it.
    std::optional<json::object> integration{};
};
BOOST_DESCRIBE_STRUCT(metric_attributes, (), (name, created, updated, integration))

namespace ops {

namespace metric_vocab {
inline constexpr std::string_view fields[] = {"metric", "flow"};
inline constexpr std::string_view includes[] = {"flow-triggers"};
inline constexpr query_vocabulary vocab{fields, includes, {}, {}};
} // namespace metric_vocab

/// GET /api/metrics: cursor pages of up to 200, a size the server picks.
struct get_metrics : from_spec<api::get_metrics, jsonapi::page<metric_attributes>, 200> {
    /// Klaviyo picks the page size: `page_size` is refused, `page_cursor` is sent.
    static constexpr bool fixed_page_size = true;
    /// Checks `o` (fields, include, sort and page size against this operation's vocabulary; the filter is sent as
    /// written) and builds the GET. A refusal names the option and nothing is sent.
    static klaviyo::detail::request_plan plan(const list_options& o) {
        return klaviyo::detail::plan_list<get_metrics>(o, metric_vocab::vocab, "metric");
    }
};

/// GET /api/metrics/{id}: one metric.
struct get_metric : from_spec<api::get_metric, jsonapi::document<metric_attributes>> {
    /// Checks `id` (not empty) and `o` (fields, additional fields and include against this operation's vocabulary) and
    /// builds the GET. A refusal names the input and nothing is sent.
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        return klaviyo::detail::plan_get<get_metric>(id, o, metric_vocab::vocab, "metric");
    }
};

} // namespace ops

/// Metrics are read-only through this API (custom metrics are another resource).
struct metric {
    static constexpr std::string_view type = "metric"; ///< the JSON:API `type` of these resources
    using attributes_type = metric_attributes; ///< what jsonapi::resource::attributes holds for them
    using get_operation = ops::get_metric; ///< what basic_client::async_get<metric>() runs
    /// What basic_client::async_list<metric>(), pages<metric>() and items<metric>() run.
    using list_operation = ops::get_metrics;
    using create_operation = void; ///< void: the API has no such operation, and a call to it does not compile
    using update_operation = void; ///< void: the API has no such operation, and a call to it does not compile
    using delete_operation = void; ///< void: the API has no such operation, and a call to it does not compile
};

} // namespace klaviyo
