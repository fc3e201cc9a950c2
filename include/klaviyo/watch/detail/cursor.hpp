// klaviyo-cpp watch: the pure rules of a watcher, with no I/O, so that unit
// tests can drive every edge case: which records of a page are new, how far
// the checkpoint may move, and what a full scan found.
#pragma once

#include <klaviyo/watch/checkpoint.hpp>
#include <klaviyo/watch/detail/time.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace klaviyo::watch::detail {

/// FNV-1a over the serialized attributes: equal attributes, equal print.
inline std::uint64_t fingerprint(const json::value& attributes) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : json::serialize(attributes)) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

/// A key that tells record versions apart (id, second, fingerprint).
inline std::string version_key(const delivered& d) {
    return d.id + '\n' + std::to_string(d.at) + '\n' + std::to_string(d.fingerprint);
}

/// The versions a checkpoint holds, for lookups while a page is read.
class delivered_set {
public:
    explicit delivered_set(const checkpoint& c) {
        for (const auto& d : c.seen) keys_.insert(version_key(d));
    }
    bool contains(const delivered& d) const { return keys_.count(version_key(d)) != 0; }

private:
    std::unordered_set<std::string> keys_;
};

/// The positions of the records of a page that the consumer has not had.
inline std::vector<std::size_t> fresh(const delivered_set& had, std::span<const delivered> page) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < page.size(); ++i)
        if (!had.contains(page[i])) out.push_back(i);
    return out;
}

inline constexpr seconds_t unbounded = std::numeric_limits<seconds_t>::max();

/// How far the pages read in one poll prove that nothing was missed: every
/// record with a time before the bound was on them. The first page of a
/// fresh query is an exact prefix of the time order, so its last time is
/// such a bound (all of it when it is the last page). Later pages come by
/// Klaviyo's page cursor, while writers may move records between pages; they
/// do not raise the bound, except when the whole first page is one second
/// (more records share it than a page holds: only the cursor gets past it).
class poll_bound {
public:
    /// One page of the walk, in order; `last`: no page follows.
    void add_page(std::span<const delivered> page, bool last, seconds_t since) {
        seconds_t end = last ? unbounded : page.empty() ? since : page.back().at;
        if (pages_++ == 0) {
            one_second_ = !page.empty() && !last && page.front().at == page.back().at;
            bound_ = end;
        } else if (one_second_) {
            bound_ = end;
        }
    }
    seconds_t value() const noexcept { return bound_; }

private:
    std::size_t pages_ = 0;
    bool one_second_ = false;
    seconds_t bound_ = unbounded;
};

/// The checkpoint after the consumer acknowledged `batch` delivered from
/// `committed`: `since` moves to the bound the pages proved, never past
/// Klaviyo's clock minus the margin (`horizon`; a record stamped in the
/// future cannot push it past records still to come) and never back; the
/// versions at or after the new `since` are kept so that the overlap is
/// re-read without repeats.
inline checkpoint advance(const checkpoint& committed, std::span<const delivered> batch, seconds_t bound,
                          seconds_t horizon) {
    checkpoint next;
    next.resource = committed.resource;
    next.account = committed.account;
    next.since = std::max(committed.since, std::min(bound, horizon));
    for (const auto& d : committed.seen)
        if (d.at >= next.since) next.seen.push_back(d);
    delivered_set had(next);
    for (const auto& d : batch)
        if (d.at >= next.since && !had.contains(d)) next.seen.push_back(d);
    return next;
}

/// What a full scan found against the previous one.
struct scan_diff {
    std::vector<std::size_t> created; ///< positions in the scan
    std::vector<std::size_t> changed; ///< positions in the scan
    std::vector<std::string> deleted; ///< ids of the previous scan not found
};

inline scan_diff diff(const checkpoint& previous, std::span<const delivered> scan) {
    std::unordered_map<std::string, std::uint64_t> before;
    for (const auto& d : previous.seen) before.emplace(d.id, d.fingerprint);
    scan_diff out;
    std::unordered_set<std::string> now;
    for (std::size_t i = 0; i < scan.size(); ++i) {
        now.insert(scan[i].id);
        auto it = before.find(scan[i].id);
        if (it == before.end()) out.created.push_back(i);
        else if (it->second != scan[i].fingerprint) out.changed.push_back(i);
    }
    for (const auto& d : previous.seen)
        if (!now.count(d.id)) out.deleted.push_back(d.id);
    return out;
}

} // namespace klaviyo::watch::detail
