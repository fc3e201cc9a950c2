// klaviyo-cpp: the metric resource (what events are counted as).
#pragma once

#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/operation.hpp>

#include <boost/describe/class.hpp>

#include <optional>
#include <string>

namespace klaviyo {

struct metric_attributes {
    std::optional<std::string> name{}, created{}, updated{};
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
struct get_metrics
    : operation<jsonapi::page<metric_attributes>, http_method::get, rate_limits::m, idempotency::idempotent, 200> {
    static constexpr std::string_view operation_id = "get_metrics";
    static constexpr std::string_view path = "/api/metrics";
    static constexpr bool fixed_page_size = true;
    static klaviyo::detail::request_plan plan(const list_options& o) {
        return klaviyo::detail::plan_list<get_metrics>(o, metric_vocab::vocab, "metric");
    }
};

struct get_metric
    : operation<jsonapi::document<metric_attributes>, http_method::get, rate_limits::m, idempotency::idempotent> {
    static constexpr std::string_view operation_id = "get_metric";
    static constexpr std::string_view path = "/api/metrics/{id}";
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        return klaviyo::detail::plan_get<get_metric>(id, o, metric_vocab::vocab, "metric");
    }
};

} // namespace ops

/// Metrics are read-only through this API (custom metrics are another resource).
struct metric {
    static constexpr std::string_view type = "metric";
    using attributes_type = metric_attributes;
    using get_operation = ops::get_metric;
    using list_operation = ops::get_metrics;
    using create_operation = void;
    using update_operation = void;
    using delete_operation = void;
};

} // namespace klaviyo
