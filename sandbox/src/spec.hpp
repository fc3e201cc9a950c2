// klaviyo-sandbox: the spec's facts per operation, and the generic checks of
// a request's query string against them.
#pragma once

#include "filter.hpp"
#include "spec_table.hpp"
#include "wire.hpp"

#include <boost/json/parse.hpp>

#include <map>
#include <optional>
#include <string>

namespace sandbox {

struct op_spec {
    std::string id, method, path;
    unsigned burst = 0, steady = 0, daily = 0;
    json::object params;             // as generated: name -> enum array | {default,max} | {rules,required} | true
    std::vector<std::string> scopes; // an OAuth token needs every one of these
};

/// The whole spec, indexed by operationId.
inline const std::map<std::string, op_spec>& spec_index() {
    static const std::map<std::string, op_spec> index = [] {
        std::map<std::string, op_spec> m;
        const json::value all = json::parse(spec_table_json()); // named: a temporary would die before the loop
        for (const auto& v : all.as_array()) {
            const auto& o = v.as_object();
            op_spec s;
            s.id = std::string(o.at("id").as_string());
            s.method = std::string(o.at("method").as_string());
            s.path = std::string(o.at("path").as_string());
            s.burst = static_cast<unsigned>(o.at("burst").as_int64());
            s.steady = static_cast<unsigned>(o.at("steady").as_int64());
            s.daily = static_cast<unsigned>(o.at("daily").as_int64());
            s.params = o.at("params").as_object();
            for (const auto& x : o.at("scopes").as_array()) s.scopes.emplace_back(x.as_string());
            m.emplace(s.id, std::move(s));
        }
        return m;
    }();
    return index;
}

inline const op_spec& spec_of(const std::string& id) { return spec_index().at(id); }

/// page[size] as the operation allows it: its default when absent, a 400 when out of range.
/// Operations without page[size] (metrics) serve a fixed page of `fixed`.
inline std::size_t spec_page_size(const op_spec& op, const request_view& r, std::size_t fixed = 200) {
    const auto* ps = op.params.if_contains("page[size]");
    if (!ps) return fixed;
    auto def = static_cast<std::size_t>(ps->at("default").as_int64());
    auto max = static_cast<std::size_t>(ps->at("max").as_int64());
    auto* s = r.param("page[size]");
    if (!s) return def;
    char* end = nullptr;
    long n = std::strtol(s->c_str(), &end, 10);
    if (s->empty() || *end || n < 1 || static_cast<std::size_t>(n) > max)
        throw bad_parameter("page[size] must be an integer between 1 and " + std::to_string(max), "page[size]");
    return static_cast<std::size_t>(n);
}

/// Checks every query parameter against the spec: known names, enum values of
/// fields / additional-fields / include / sort, page[size] range, and filter
/// syntax with the documented fields and operators. Returns the parsed filter.
inline std::optional<filter_node> check_query(const op_spec& op, const request_view& r) {
    std::optional<filter_node> filter;
    for (const auto& [k, v] : r.params) {
        const auto* spec = op.params.if_contains(k);
        if (!spec) throw bad_parameter("'" + k + "' is not a valid query parameter for this endpoint", k);
        if (k == "filter") {
            try {
                filter = filter_parser(v).parse();
                filter_rules rules;
                for (const auto& [field, ops] : spec->at("rules").as_object()) {
                    std::set<std::string> set;
                    for (const auto& o : ops.as_array()) set.insert(std::string(o.as_string()));
                    rules.emplace_back(std::string(field), std::move(set));
                }
                check_rules(*filter, rules);
            } catch (const filter_error& e) {
                throw bad_parameter(e.what(), "filter");
            }
        } else if (k == "page[size]") {
            spec_page_size(op, r);
        } else if (spec->is_array()) {
            const auto& allowed = spec->as_array();
            for (const auto& value : (k == "sort" ? std::vector<std::string>{v} : split_csv(v))) {
                bool ok = false;
                for (const auto& a : allowed) ok = ok || a.as_string() == value;
                if (!ok) throw bad_parameter("'" + value + "' is not a valid value for " + k, k);
            }
        }
    }
    if (const auto* f = op.params.if_contains("filter"); f && f->at("required").as_bool() && !filter)
        throw bad_parameter("A filter is required for this endpoint", "filter");
    return filter;
}

} // namespace sandbox
