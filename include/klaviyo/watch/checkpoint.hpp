// klaviyo-cpp watch: a checkpoint, what a watcher stores when the consumer
// acknowledges a batch, and the error that refuses one.
//
// A checkpoint names what it belongs to (the watched resource with its
// scope, e.g. "campaigns:email", and the Klaviyo account), the second the
// next poll starts from (`since`), and the records already delivered at or
// after that second (id, timestamp, fingerprint of the attributes). The
// next poll re-reads from `since` and skips exactly those: an overlap of at
// least one second, without repeats. A full scan keeps every record of its
// last scan instead, and no `since`.
#pragma once

#include <klaviyo/config.hpp>
#include <klaviyo/watch/detail/time.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace klaviyo::watch {

/// Why a checkpoint was refused.
enum class checkpoint_problem {
    corrupt,        ///< not a checkpoint this library wrote (truncated, edited, another format)
    other_resource, ///< written by a watcher of another resource or scope
    other_account,  ///< written for another Klaviyo account
};

/// A stored checkpoint that cannot be used. A watcher never replaces it by
/// "from the beginning" or "from now": that would repeat or lose records
/// without a word. Fix or remove the checkpoint, or point the watcher at
/// the right resource and account.
class checkpoint_error : public std::runtime_error {
public:
    /// A refusal for reason `p`; `what` says it in words (never a secret: ids and names only).
    checkpoint_error(checkpoint_problem p, const std::string& what) : std::runtime_error(what), problem_(p) {}
    /// Why the checkpoint was refused.
    checkpoint_problem problem() const noexcept { return problem_; }

private:
    checkpoint_problem problem_;
};

/// One record version already delivered.
struct delivered {
    std::string id;                 ///< the resource's id
    detail::seconds_t at = 0;       ///< its time member, in whole seconds (0 in a full scan)
    std::uint64_t fingerprint = 0;  ///< of its attributes: a change within one second is a change

    friend bool operator==(const delivered&, const delivered&) = default;
};

/// Where a watcher stands. Plain data; to_json/parse_checkpoint write and read it.
struct checkpoint {
    std::string resource;           ///< what is watched, with its scope ("profiles", "campaigns:sms", ...)
    std::string account;            ///< the Klaviyo account's id
    bool full_scan = false;         ///< a full scan's checkpoint: `seen` is the whole last scan
    detail::seconds_t since = 0;    ///< the next poll asks for records at or after this second
    std::vector<delivered> seen{};  ///< delivered with a time at or after `since` (a full scan: all)

    friend bool operator==(const checkpoint&, const checkpoint&) = default;
};

/// The format tag of the stored form; a file without it is not a checkpoint.
inline constexpr std::string_view checkpoint_format = "klaviyo-cpp watch checkpoint 1";

/// The stored form of a checkpoint (JSON; times as ISO 8601, fingerprints as 16 hex digits).
inline json::value to_json(const checkpoint& c) {
    json::array seen;
    seen.reserve(c.seen.size());
    char fp[17];
    for (const auto& d : c.seen) {
        std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(d.fingerprint));
        json::object e{{"id", d.id}, {"fingerprint", fp}};
        if (!c.full_scan) e["at"] = detail::format_iso(d.at);
        seen.push_back(std::move(e));
    }
    json::object o{{"format", checkpoint_format}, {"resource", c.resource}, {"account", c.account},
                   {"mode", c.full_scan ? "full-scan" : "since"}};
    if (!c.full_scan) o["since"] = detail::format_iso(c.since);
    o["seen"] = std::move(seen);
    return o;
}

/// Reads a stored checkpoint; throws checkpoint_error(corrupt) saying what is wrong.
inline checkpoint parse_checkpoint(std::string_view text) {
    auto corrupt = [](const std::string& why) {
        return checkpoint_error(checkpoint_problem::corrupt, "corrupt watch checkpoint: " + why);
    };
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) throw corrupt("not JSON (" + ec.message() + ")");
    const json::object* o = v.if_object();
    if (!o) throw corrupt("not a JSON object");
    auto str = [&](const json::object& from, std::string_view key) -> std::string {
        const json::value* m = from.if_contains(key);
        if (!m || !m->is_string()) throw corrupt("'" + std::string(key) + "' is missing or not a string");
        return std::string(m->get_string());
    };
    auto time = [&](const json::object& from, std::string_view key) {
        auto t = detail::parse_iso(str(from, key));
        if (!t) throw corrupt("'" + std::string(key) + "' is not a timestamp");
        return *t;
    };
    if (str(*o, "format") != checkpoint_format) throw corrupt("unknown format '" + str(*o, "format") + "'");
    checkpoint c;
    c.resource = str(*o, "resource");
    c.account = str(*o, "account");
    std::string mode = str(*o, "mode");
    if (mode != "since" && mode != "full-scan") throw corrupt("unknown mode '" + mode + "'");
    c.full_scan = mode == "full-scan";
    if (!c.full_scan) c.since = time(*o, "since");
    const json::value* seen = o->if_contains("seen");
    if (!seen || !seen->is_array()) throw corrupt("'seen' is missing or not an array");
    for (const auto& e : seen->get_array()) {
        if (!e.is_object()) throw corrupt("an entry of 'seen' is not an object");
        delivered d;
        d.id = str(e.get_object(), "id");
        if (!c.full_scan) {
            d.at = time(e.get_object(), "at");
            if (d.at < c.since) throw corrupt("an entry of 'seen' is older than 'since'");
        }
        std::string fp = str(e.get_object(), "fingerprint");
        if (fp.size() != 16 || fp.find_first_not_of("0123456789abcdef") != std::string::npos)
            throw corrupt("a fingerprint is not 16 hex digits");
        d.fingerprint = std::stoull(fp, nullptr, 16);
        c.seen.push_back(std::move(d));
    }
    return c;
}

/// Throws checkpoint_error unless `c` belongs to `resource` of `account`.
inline void check_owner(const checkpoint& c, std::string_view resource, std::string_view account, bool full_scan) {
    if (c.resource != resource || c.full_scan != full_scan)
        throw checkpoint_error(checkpoint_problem::other_resource,
                               "the watch checkpoint belongs to '" + c.resource + (c.full_scan ? "' (full scan)" : "'") +
                                   ", not to '" + std::string(resource) + (full_scan ? "' (full scan)" : "'"));
    if (c.account != account)
        throw checkpoint_error(checkpoint_problem::other_account, "the watch checkpoint belongs to account '" +
                                                                      c.account + "', not to '" + std::string(account) +
                                                                      "'");
}

} // namespace klaviyo::watch
