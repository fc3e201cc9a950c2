// The soak's calls: seven kinds mixed, each call naming what it writes by a
// marker of its own (an event's unique_id, a profile's email, a list and a
// profile), so that the store can be reconciled with it call by call.
#pragma once

#include <klaviyo/klaviyo.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace soak {

namespace asio = boost::asio;

enum class kind : unsigned { event, upsert, create, list_add, subscribe, get, page_walk };
inline constexpr std::size_t kind_count = 7;
inline constexpr std::array<std::string_view, kind_count> kind_names{"event",     "upsert", "create",   "list add",
                                                                     "subscribe", "get",    "page walk"};
inline std::string_view name(kind k) { return kind_names[static_cast<unsigned>(k)]; }
inline bool writes(kind k) { return k <= kind::subscribe; }

/// Pages a page walk reads before it lets the generator go (mid-collection:
/// an abandoned generator must free its frame too).
inline constexpr unsigned walk_pages = 3;
/// Subscribers per subscription call: one chunk.
inline constexpr unsigned subscribers_per_call = 2;

/// HTTP requests a call makes when nothing fails: its budget is that many
/// times one request's.
inline unsigned requests_of(kind k) { return k == kind::page_walk ? walk_pages : 1; }

/// One call and how it ended. Filled without allocating: the heap is
/// compared before and after the soak while these stay alive.
struct call {
    kind what{};
    std::uint32_t n = 0; ///< index among the calls of its kind: names its marker
    bool done = false;
    bool ok = false;
    bool other_exception = false; ///< neither api_error nor system_error (a bug)
    klaviyo::error_code ec{};
    bool possibly_applied = false;
    bool never_left = false; ///< the transport's word: waiting for a pooled connection timed out
    bool duplicate = false;  ///< a 409 duplicate_profile: an earlier attempt was applied
    unsigned attempts = 0;
    unsigned http_status = 0;
    std::chrono::steady_clock::duration wall{};
};

/// What the calls act on, found or made before the soak.
struct targets {
    std::string prefix = "soak";       ///< of every marker: "warm" for the warm-up's calls
    std::vector<std::string> profiles; ///< ids of the sandbox's preloaded profiles, by their number
    std::vector<std::string> lists;    ///< list `k` takes profiles[i] for list_add call k * size + i
    klaviyo::list_options walk;        ///< what a page walk asks for
};

// ------------------------------------------------------------ markers

inline std::string preloaded_email(std::size_t i) { return "sandbox+" + std::to_string(i) + "@example.com"; }
inline std::string event_uid(const targets& t, std::uint32_t n) { return t.prefix + "-ev-" + std::to_string(n); }
inline std::string upsert_email(const targets& t, std::uint32_t n) {
    return t.prefix + "-up-" + std::to_string(n) + "@example.com";
}
inline std::string create_email(const targets& t, std::uint32_t n) {
    return t.prefix + "-cr-" + std::to_string(n) + "@example.com";
}
inline std::string subscriber_email(const targets& t, std::uint32_t n, unsigned which) {
    return t.prefix + "-sub-" + std::to_string(n) + "-" + std::to_string(which) + "@example.com";
}
/// The list and the profile list_add call `n` puts together: a pair no other call uses.
inline const std::string& member_list(const targets& t, std::uint32_t n) {
    return t.lists[(n / t.profiles.size()) % t.lists.size()];
}
inline const std::string& member_profile(const targets& t, std::uint32_t n) {
    return t.profiles[n % t.profiles.size()];
}

// ------------------------------------------------------------ the mix

/// `count` calls of every kind, in a seeded random order. Weights: writes
/// two thirds (events most, as in a real feed), reads one third.
inline std::vector<call> make_mix(std::size_t count, unsigned seed, std::array<std::uint32_t, kind_count>& per_kind) {
    std::mt19937 rng(seed);
    std::discrete_distribution<unsigned> pick({20, 13, 13, 13, 8, 18, 15});
    per_kind.fill(0);
    std::vector<call> calls(count);
    for (auto& c : calls) {
        c.what = static_cast<kind>(pick(rng));
        c.n = per_kind[static_cast<unsigned>(c.what)]++;
    }
    return calls;
}

// ------------------------------------------------------------ inputs
// Built outside the coroutines: g++ 12 mishandles braced lists and
// temporaries in coroutine bodies.

inline klaviyo::new_event event_input(const targets& t, std::uint32_t n) {
    klaviyo::new_event e;
    e.metric_name = "Soak Event";
    e.profile.email = preloaded_email(n % t.profiles.size());
    e.unique_id = event_uid(t, n);
    e.properties["call"] = n;
    return e;
}

inline klaviyo::profile_upsert upsert_input(const targets& t, std::uint32_t n) {
    klaviyo::profile_upsert p;
    p.email = upsert_email(t, n);
    p.first_name = "Upsert";
    return p;
}

inline klaviyo::new_profile create_input(const targets& t, std::uint32_t n) {
    klaviyo::new_profile p;
    p.email = create_email(t, n);
    p.first_name = "Create";
    return p;
}

inline std::vector<std::string> member_input(const targets& t, std::uint32_t n) {
    return std::vector<std::string>(1, member_profile(t, n));
}

inline klaviyo::subscription_request subscribe_input(const targets& t, std::uint32_t n) {
    klaviyo::subscription_request r;
    for (unsigned i = 0; i < subscribers_per_call; ++i)
        r.profiles.push_back(klaviyo::subscriber::to_email(subscriber_email(t, n, i)));
    return r;
}

// ------------------------------------------------------------ running them

/// Makes call `c`; throws what the client throws.
inline asio::awaitable<void> perform(klaviyo::client& client, const targets& t, const call& c) {
    switch (c.what) {
    case kind::event: {
        auto in = event_input(t, c.n);
        co_await client.async_create<klaviyo::event>(std::move(in));
        break;
    }
    case kind::upsert: {
        auto in = upsert_input(t, c.n);
        co_await client.async_create_or_update_profile(std::move(in));
        break;
    }
    case kind::create: {
        auto in = create_input(t, c.n);
        co_await client.async_create<klaviyo::profile>(std::move(in));
        break;
    }
    case kind::list_add: {
        auto ids = member_input(t, c.n);
        std::string list = member_list(t, c.n);
        co_await client.async_add_profiles_to_list(std::move(list), std::move(ids));
        break;
    }
    case kind::subscribe: {
        auto in = subscribe_input(t, c.n);
        co_await client.async_subscribe_profiles(std::move(in));
        break;
    }
    case kind::get: {
        std::string id = member_profile(t, c.n);
        co_await client.async_get<klaviyo::profile>(std::move(id));
        break;
    }
    case kind::page_walk: {
        auto pages = client.pages<klaviyo::profile>(t.walk);
        for (unsigned i = 0; i < walk_pages; ++i) {
            auto page = co_await pages.async_resume(asio::use_awaitable);
            if (!page) break;
        }
        break;
    }
    }
}

inline void record_failure(call& c, const klaviyo::error_code& ec, const klaviyo::diagnostics* d) {
    c.ec = ec;
    if (!d) return;
    c.possibly_applied = d->possibly_applied;
    c.attempts = d->attempts;
    c.http_status = d->http_status;
    c.duplicate = d->duplicate_profile_id().has_value();
    // The one timeout the transport knows happened before the request left.
    c.never_left = d->message.find("waiting for a free connection") != std::string::npos;
}

/// Takes the next call until none is left, and records how each ended.
inline asio::awaitable<void> worker(klaviyo::client& client, const targets& t, std::vector<call>& calls,
                                    std::size_t& next) {
    while (next < calls.size()) {
        call& c = calls[next++];
        const auto start = std::chrono::steady_clock::now();
        try {
            co_await perform(client, t, c);
            c.ok = true;
        } catch (const klaviyo::api_error& e) {
            record_failure(c, e.code(), &e.diagnostics());
        } catch (const boost::system::system_error& e) {
            record_failure(c, e.code(), nullptr);
        } catch (...) {
            c.other_exception = true;
        }
        c.wall = std::chrono::steady_clock::now() - start;
        c.done = true;
    }
}

/// The longest one request of the client can take: every attempt's
/// deadline plus every backoff at its (unjittered) ceiling, or the elapsed
/// limit plus one deadline, whichever is less. The sandbox's injected 429s
/// carry no Retry-After, so backoff is what the client waits.
inline std::chrono::milliseconds request_bound(const klaviyo::client_options& o) {
    const auto& r = o.retry;
    auto total = o.timeout * r.max_attempts;
    double delay = static_cast<double>(r.backoff.initial.count());
    for (unsigned retry = 1; retry < r.max_attempts; ++retry) {
        total += std::chrono::milliseconds(
            static_cast<std::int64_t>(std::min(delay, static_cast<double>(r.backoff.max.count()))));
        delay *= r.backoff.multiplier;
    }
    return std::min(total, r.max_elapsed + o.timeout);
}

} // namespace soak
