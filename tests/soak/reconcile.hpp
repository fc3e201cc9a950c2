// After the soak: what the sandbox stored, read back over HTTP, and each
// call's outcome held against it.
#pragma once

#include "workload.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace soak {

/// What the sandbox holds, by marker.
struct store_view {
    std::unordered_map<std::string, unsigned> profiles_by_email;
    std::set<std::string> subscribed; ///< emails whose email marketing consent is SUBSCRIBED
    std::unordered_map<std::string, unsigned> events_by_uid;
    std::vector<std::unordered_map<std::string, unsigned>> members; ///< per list of targets::lists
    std::size_t profiles = 0, events = 0, members_total = 0;
    boost::json::object stats; ///< GET /sandbox/stats
};

/// Options of the read-back, built outside the coroutine.
struct readback_options {
    klaviyo::list_options profiles, events, members;
    static readback_options make() {
        readback_options o;
        o.profiles.page_size = 100;
        o.profiles.additional_fields = {"subscriptions"};
        o.events.page_size = 1000;
        o.members.page_size = 100;
        return o;
    }
};

/// Reads every profile, event and member of the soak's lists, and the stats.
inline asio::awaitable<void> read_store(klaviyo::client& client, const targets& t, readback_options o,
                                        store_view& out) {
    auto profiles = client.pages<klaviyo::profile>(o.profiles);
    while (auto page = co_await profiles.async_resume(asio::use_awaitable))
        for (const auto& p : page->data) {
            ++out.profiles;
            if (!p.attributes.email) continue;
            ++out.profiles_by_email[*p.attributes.email];
            const auto& subs = p.attributes.subscriptions;
            if (subs && subs->email && subs->email->marketing && subs->email->marketing->consent == "SUBSCRIBED")
                out.subscribed.insert(*p.attributes.email);
        }
    auto events = client.pages<klaviyo::event>(o.events);
    while (auto page = co_await events.async_resume(asio::use_awaitable))
        for (const auto& e : page->data) {
            ++out.events;
            const auto& props = e.attributes.event_properties;
            if (!props) continue;
            if (const auto* uid = props->if_contains("$event_id"); uid && uid->is_string())
                ++out.events_by_uid[std::string(uid->get_string())];
        }
    out.members.resize(t.lists.size());
    for (std::size_t k = 0; k < t.lists.size(); ++k) {
        auto members = client.list_profile_pages(t.lists[k], o.members);
        while (auto page = co_await members.async_resume(asio::use_awaitable))
            for (const auto& p : page->data) {
                ++out.members_total;
                ++out.members[k][p.id];
            }
    }
    klaviyo::raw_request stats;
    stats.path = "/sandbox/stats";
    auto r = co_await client.async_raw_request(std::move(stats));
    out.stats = r.json().as_object();
}

/// One row of the table: the calls of one kind.
struct tally {
    std::size_t calls = 0, ok = 0;
    std::size_t not_applied = 0;     ///< failed, reported as not applied (non-idempotent)
    std::size_t possibly = 0;        ///< failed, reported as possibly applied
    std::size_t possibly_stored = 0; ///< of those, what the store holds
    std::size_t retry_safe = 0;      ///< idempotent writes that failed: may be sent again
    std::size_t retry_safe_stored = 0;
    std::size_t read_failed = 0;
    std::size_t stored = 0; ///< calls whose write the store holds
    // Violations.
    std::size_t lost = 0;        ///< reported as succeeded, not stored
    std::size_t doubled = 0;     ///< stored more than once, or found applied by its own retry (409)
    std::size_t unreported = 0;  ///< reported as not applied, yet stored
    std::size_t misreported = 0; ///< non-idempotent, lost or timed out after sending, not possibly_applied
    std::size_t torn = 0;        ///< part of one request's items stored
    std::size_t hung = 0;        ///< over its time bound, or never completed
    std::size_t odd = 0;         ///< an exception that is neither api_error nor system_error
    std::chrono::steady_clock::duration max_wall{};
};

struct reconciliation {
    std::array<tally, kind_count> rows{};
    std::map<std::string, std::size_t> failures; ///< "kind: error, attempts" -> calls
    /// Possibly applied calls by error: how many, and how many the store holds.
    std::map<std::string, std::pair<std::size_t, std::size_t>> possibly_by_error;
    std::size_t unexpected_profiles = 0, unexpected_events = 0, unexpected_members = 0;
    std::vector<std::string> examples; ///< the first violations, spelled out
    std::vector<std::string> notes;    ///< what is no violation of the issue's rules but worth a look
};

/// The error of a failed call, with its HTTP status if one came.
inline std::string error_text(const call& c) {
    return c.ec.message() + (c.http_status ? " [HTTP " + std::to_string(c.http_status) + "]" : std::string());
}

/// How many times the store holds call `c`'s write (0 for a read), and
/// whether only part of it is there.
inline unsigned stored_count(const targets& t, const store_view& s, const call& c, bool& torn) {
    auto count = [](const auto& map, const std::string& key) -> unsigned {
        auto it = map.find(key);
        return it == map.end() ? 0u : it->second;
    };
    torn = false;
    switch (c.what) {
    case kind::event:
        return count(s.events_by_uid, event_uid(t, c.n));
    case kind::upsert:
        return count(s.profiles_by_email, upsert_email(t, c.n));
    case kind::create:
        return count(s.profiles_by_email, create_email(t, c.n));
    case kind::list_add: {
        const auto k = static_cast<std::size_t>(&member_list(t, c.n) - t.lists.data());
        return count(s.members[k], member_profile(t, c.n));
    }
    case kind::subscribe: {
        unsigned present = 0, most = 0;
        for (unsigned i = 0; i < subscribers_per_call; ++i) {
            const auto email = subscriber_email(t, c.n, i);
            const unsigned n = s.subscribed.count(email) ? count(s.profiles_by_email, email) : 0u;
            present += n > 0;
            most = std::max(most, n);
        }
        torn = present != 0 && present != subscribers_per_call;
        return present == subscribers_per_call ? most : 0u;
    }
    case kind::get:
    case kind::page_walk:
        return 0;
    }
    return 0;
}

/// Holds every call against the store. `bound` gives a call's time bound.
template <class Bound>
reconciliation reconcile(const targets& t, const store_view& s, const std::vector<call>& calls,
                         const std::array<bool, kind_count>& idempotent, Bound bound) {
    reconciliation r;
    auto example = [&](const call& c, const std::string& what) {
        if (r.examples.size() < 20)
            r.examples.push_back(std::string(name(c.what)) + " #" + std::to_string(c.n) + ": " + what + " (" +
                                 (c.ok ? std::string("ok") : c.ec.message()) + ", attempts " +
                                 std::to_string(c.attempts) + ", HTTP " + std::to_string(c.http_status) + ")");
    };
    for (const auto& c : calls) {
        auto& row = r.rows[static_cast<unsigned>(c.what)];
        ++row.calls;
        row.max_wall = std::max(row.max_wall, c.wall);
        if (!c.done || c.wall > bound(c)) {
            ++row.hung;
            example(c, "over its time bound");
        }
        if (c.other_exception) {
            ++row.odd;
            example(c, "threw something other than api_error");
        }
        if (c.ok)
            ++row.ok;
        else
            ++r.failures[std::string(name(c.what)) + ": " + error_text(c) + ", after " + std::to_string(c.attempts) +
                         " attempt" + (c.attempts == 1 ? "" : "s")];
        if (!writes(c.what)) {
            row.read_failed += !c.ok;
            continue;
        }
        bool torn = false;
        const unsigned n = stored_count(t, s, c, torn);
        row.stored += n > 0;
        if (torn) {
            ++row.torn;
            example(c, "part of its items stored");
        }
        if (n > 1) {
            ++row.doubled;
            example(c, "stored " + std::to_string(n) + " times");
        }
        if (c.duplicate) {
            ++row.doubled;
            example(c, "409 duplicate: an earlier attempt of it was applied and it was sent again");
        }
        if (c.ok) {
            if (n == 0) {
                ++row.lost;
                example(c, "reported as succeeded, not stored");
            }
            continue;
        }
        if (idempotent[static_cast<unsigned>(c.what)]) {
            ++row.retry_safe;
            row.retry_safe_stored += n > 0;
            if (n > 0 && !c.possibly_applied && r.notes.size() < 20)
                r.notes.push_back(std::string(name(c.what)) + " #" + std::to_string(c.n) + ": failed (" +
                                  error_text(c) + ", attempts " + std::to_string(c.attempts) +
                                  ", possibly_applied false) yet stored: an earlier attempt was applied");
            continue;
        }
        if (c.possibly_applied) {
            ++row.possibly;
            row.possibly_stored += n > 0;
            auto& by = r.possibly_by_error[std::string(name(c.what)) + ": " + error_text(c)];
            ++by.first;
            by.second += n > 0;
        } else {
            ++row.not_applied;
            if (n > 0) {
                ++row.unreported;
                example(c, "reported as not applied, yet stored");
            }
            const bool after_sending = c.ec == klaviyo::errc::connection_lost ||
                                       (c.ec == klaviyo::errc::timeout && !c.never_left) ||
                                       c.ec == klaviyo::errc::server_error;
            if (after_sending) {
                ++row.misreported;
                example(c, "failed after sending, not reported as possibly applied");
            }
        }
    }

    // Anything stored that no call (nor the preload and the warm-up) wrote.
    std::set<std::string> known_profiles, known_events;
    for (const auto& c : calls) {
        if (c.what == kind::upsert) known_profiles.insert(upsert_email(t, c.n));
        if (c.what == kind::create) known_profiles.insert(create_email(t, c.n));
        if (c.what == kind::subscribe)
            for (unsigned i = 0; i < subscribers_per_call; ++i) known_profiles.insert(subscriber_email(t, c.n, i));
        if (c.what == kind::event) known_events.insert(event_uid(t, c.n));
    }
    for (const auto& [email, n] : s.profiles_by_email)
        if (!known_profiles.count(email) && email.rfind("sandbox+", 0) != 0 && email.rfind("warm-", 0) != 0)
            r.unexpected_profiles += n;
    r.unexpected_profiles += s.profiles - [&] {
        std::size_t with_email = 0;
        for (const auto& [email, n] : s.profiles_by_email) with_email += n;
        return with_email;
    }();
    for (const auto& [uid, n] : s.events_by_uid)
        if (!known_events.count(uid) && uid.rfind("warm-", 0) != 0) r.unexpected_events += n;
    std::size_t events_with_uid = 0;
    for (const auto& [uid, n] : s.events_by_uid) events_with_uid += n;
    r.unexpected_events += s.events - events_with_uid;
    std::size_t expected_members = 0;
    for (const auto& c : calls)
        if (c.what == kind::list_add) {
            bool torn = false;
            expected_members += stored_count(t, s, c, torn);
        }
    r.unexpected_members = s.members_total - expected_members;
    return r;
}

/// The table, one row per kind and a total.
inline void print(const reconciliation& r, const std::array<bool, kind_count>& idempotent) {
    using ms = std::chrono::milliseconds;
    std::printf("\n%-10s %6s %6s %7s %11s %11s %6s %7s %5s %7s %6s %5s %5s %5s %8s\n", "kind", "calls", "ok", "notappl",
                "possibly(s)", "retrysafe(s)", "rdfail", "stored", "lost", "doubled", "unrep", "misr", "torn", "hung",
                "max ms");
    tally total;
    auto line = [](const char* label, const tally& t, const char* note) {
        std::printf("%-10s %6zu %6zu %7zu %5zu(%4zu) %5zu(%5zu) %6zu %7zu %5zu %7zu %6zu %5zu %5zu %5zu %8lld %s\n",
                    label, t.calls, t.ok, t.not_applied, t.possibly, t.possibly_stored, t.retry_safe,
                    t.retry_safe_stored, t.read_failed, t.stored, t.lost, t.doubled, t.unreported, t.misreported,
                    t.torn, t.hung, static_cast<long long>(std::chrono::duration_cast<ms>(t.max_wall).count()), note);
    };
    for (std::size_t k = 0; k < kind_count; ++k) {
        const auto& t = r.rows[k];
        const auto label = std::string(kind_names[k]);
        line(label.c_str(), t,
             !writes(static_cast<kind>(k)) ? "read"
             : idempotent[k]               ? "idempotent write"
                                           : "non-idempotent write");
        total.calls += t.calls;
        total.ok += t.ok;
        total.not_applied += t.not_applied;
        total.possibly += t.possibly;
        total.possibly_stored += t.possibly_stored;
        total.retry_safe += t.retry_safe;
        total.retry_safe_stored += t.retry_safe_stored;
        total.read_failed += t.read_failed;
        total.stored += t.stored;
        total.lost += t.lost;
        total.doubled += t.doubled;
        total.unreported += t.unreported;
        total.misreported += t.misreported;
        total.torn += t.torn;
        total.hung += t.hung;
        total.max_wall = std::max(total.max_wall, t.max_wall);
    }
    line("total", total, "");
    std::printf("(s) = of those, stored.  notappl: failed, reported not applied.  unrep: reported not applied yet "
                "stored.  misr: lost/timed out after sending, not reported possibly applied.\n");
    std::printf("unexpected in the store: %zu profiles, %zu events, %zu list members\n", r.unexpected_profiles,
                r.unexpected_events, r.unexpected_members);
    std::printf("failures by error:\n");
    for (const auto& [what, n] : r.failures) std::printf("  %6zu  %s\n", n, what.c_str());
    std::printf("possibly applied, by error: reported / stored\n");
    for (const auto& [what, n] : r.possibly_by_error)
        std::printf("  %6zu / %4zu  %s\n", n.first, n.second, what.c_str());
    for (const auto& e : r.examples) std::printf("  violation: %s\n", e.c_str());
    for (const auto& n : r.notes) std::printf("  note: %s\n", n.c_str());
    std::fflush(stdout);
}

} // namespace soak
