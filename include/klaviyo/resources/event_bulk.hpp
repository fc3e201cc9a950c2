// klaviyo-cpp: creating many events at once. The caller gives a flat list;
// Klaviyo wants them grouped per profile, at most 1,000 events and 5MB a
// request, with no unique_id repeated for one profile and metric.
#pragma once

#include <klaviyo/api/events.hpp>
#include <klaviyo/bulk.hpp>
#include <klaviyo/detail/bulk_plan.hpp>
#include <klaviyo/resources/event.hpp>

#include <boost/json/serialize.hpp>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace klaviyo::ops {

namespace detail {
/// The identifiers Klaviyo matches a profile by, as one string: two events
/// with equal keys belong to the same profile.
inline std::string profile_identity(const new_event& e) {
    const auto& p = e.profile;
    std::string k;
    for (const auto* v : {&e.profile_id, &p.email, &p.phone_number, &p.external_id, &p.anonymous_id}) {
        k += v->has_value() ? "=" + **v : std::string("-");
        k += '\x1f';
    }
    return k;
}
} // namespace detail

/// POST /api/event-bulk-create-jobs: 202, queued.
struct bulk_create_events : from_spec<api::bulk_create_events, accepted> {
    static constexpr std::size_t max_events = 1000; ///< Klaviyo's cap on events per request
    static constexpr std::size_t max_payload = 5 * 1024 * 1024; ///< Klaviyo's cap on the body of one request: 5MB

    /// `max_events` and `max_payload` are Klaviyo's caps; smaller values are
    /// accepted (tests use them to split small inputs).
    static klaviyo::detail::bulk_plan plan(const std::vector<new_event>& events,
                                           std::size_t events_per_request = max_events,
                                           std::size_t payload_limit = max_payload) {
        using klaviyo::detail::invalid_bulk;
        if (events.empty()) return invalid_bulk(operation_id, "events: at least one event is required");
        if (events_per_request < 1 || events_per_request > max_events)
            return invalid_bulk(operation_id, "events_per_request: must be between 1 and 1000");
        if (payload_limit > max_payload) return invalid_bulk(operation_id, "payload_limit: at most 5MB");

        struct prepared {
            std::string identity, profile, event; // serialized profile and event resource objects
        };
        std::vector<prepared> items(events.size());
        std::set<std::tuple<std::string, std::string, std::string>> unique_ids;
        // An entry's wrapper and the document's envelope, generously counted.
        constexpr std::size_t entry_overhead = 128, envelope = 256;
        for (std::size_t i = 0; i < events.size(); ++i) {
            const auto& e = events[i];
            auto where = "events[" + std::to_string(i) + "]";
            json::object attrs;
            if (auto err = detail::event_attributes_json(e, where, attrs, true); !err.empty())
                return invalid_bulk(operation_id, err);
            auto profile = std::move(attrs["profile"].as_object()["data"]);
            attrs.erase("profile");
            items[i].identity = detail::profile_identity(e);
            if (e.unique_id && !unique_ids.emplace(items[i].identity, e.metric_name, *e.unique_id).second)
                return invalid_bulk(operation_id, where + ".unique_id: '" + *e.unique_id +
                                                      "' is repeated for this profile and metric; Klaviyo would "
                                                      "reject the whole request");
            items[i].profile = json::serialize(profile);
            items[i].event = json::serialize(json::object{{"type", "event"}, {"attributes", std::move(attrs)}});
            if (envelope + entry_overhead + items[i].profile.size() + items[i].event.size() + 1 > payload_limit)
                return invalid_bulk(operation_id, where + ": over the payload limit on its own");
        }

        klaviyo::detail::bulk_plan out;
        out.operation_id = operation_id;
        std::size_t i = 0;
        while (i < items.size()) {
            // Take events in order while the chunk stays under both caps.
            klaviyo::detail::bulk_chunk chunk;
            std::vector<std::string> order; // profiles in order of first appearance
            std::map<std::string, std::vector<std::size_t>> by_profile;
            std::size_t size = envelope;
            for (; i < items.size() && chunk.items.size() < events_per_request; ++i) {
                const auto& it = items[i];
                bool new_profile = !by_profile.contains(it.identity + it.profile);
                std::size_t add = it.event.size() + 1 + (new_profile ? entry_overhead + it.profile.size() : 0);
                if (size + add > payload_limit) break;
                size += add;
                if (new_profile) order.push_back(it.identity + it.profile);
                by_profile[it.identity + it.profile].push_back(i);
                chunk.items.push_back(i);
            }
            std::string body =
                R"({"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":[)";
            bool first_entry = true;
            bool all_unique = true;
            for (const auto& key : order) {
                const auto& idx = by_profile[key];
                body += first_entry ? "" : ",";
                first_entry = false;
                body += R"({"type":"event-bulk-create","attributes":{"profile":{"data":)";
                body += items[idx.front()].profile;
                body += R"(},"events":{"data":[)";
                for (std::size_t n = 0; n < idx.size(); ++n) {
                    if (n) body += ',';
                    body += items[idx[n]].event;
                    all_unique = all_unique && events[idx[n]].unique_id.has_value();
                }
                body += "]}}}";
            }
            body += "]}}}}";
            chunk.plan = klaviyo::detail::make_plan<bulk_create_events>(std::string(path), std::move(body));
            // Klaviyo records a repeated unique_id once: a chunk whose events
            // all carry one can be replayed after a lost answer.
            chunk.plan.idempotent = all_unique;
            out.chunks.push_back(std::move(chunk));
        }
        return out;
    }
};

} // namespace klaviyo::ops
