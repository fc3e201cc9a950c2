// klaviyo-cpp watch: the two time formats a watcher reads and the one it
// writes, as whole seconds since 1970 (Klaviyo's timestamps are whole seconds).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace klaviyo::watch::detail {

/// Seconds since 1970-01-01T00:00:00Z.
using seconds_t = std::int64_t;

inline std::optional<int> digits(std::string_view s, std::size_t at, std::size_t n) {
    if (at + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

inline std::optional<seconds_t> from_civil(int y, int mo, int d, int h, int mi, int s) {
    using namespace std::chrono;
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
    return sys_days(ymd).time_since_epoch() / seconds(1) + h * 3600 + mi * 60 + s;
}

/// An ISO 8601 timestamp as Klaviyo writes them: 2026-07-15T12:34:56,
/// then an optional fraction (dropped: the second is what counts), then Z,
/// +HH:MM, -HH:MM or nothing (UTC). Empty when it is not one.
inline std::optional<seconds_t> parse_iso(std::string_view t) {
    auto y = digits(t, 0, 4), mo = digits(t, 5, 2), d = digits(t, 8, 2), h = digits(t, 11, 2),
         mi = digits(t, 14, 2), s = digits(t, 17, 2);
    if (!y || !mo || !d || !h || !mi || !s || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
        t[13] != ':' || t[16] != ':')
        return std::nullopt;
    auto base = from_civil(*y, *mo, *d, *h, *mi, *s);
    if (!base) return std::nullopt;
    std::size_t i = 19;
    if (i < t.size() && t[i] == '.') {
        ++i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    }
    if (i == t.size()) return base;
    if (t[i] == 'Z' && i + 1 == t.size()) return base;
    if ((t[i] == '+' || t[i] == '-') && t.size() == i + 6 && t[i + 3] == ':') {
        auto oh = digits(t, i + 1, 2), om = digits(t, i + 4, 2);
        if (!oh || !om) return std::nullopt;
        seconds_t off = *oh * 3600 + *om * 60;
        return t[i] == '+' ? *base - off : *base + off;
    }
    return std::nullopt;
}

/// An HTTP date (RFC 9110 IMF-fixdate), as in the Date header:
/// "Sun, 06 Nov 1994 08:49:37 GMT". Empty when it is not one.
inline std::optional<seconds_t> parse_http_date(std::string_view t) {
    static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (t.size() != 29 || t.substr(3, 2) != ", " || t.substr(25) != " GMT") return std::nullopt;
    int mo = 0;
    for (int i = 0; i < 12; ++i)
        if (t.substr(8, 3) == months[i]) mo = i + 1;
    auto d = digits(t, 5, 2), y = digits(t, 12, 4), h = digits(t, 17, 2), mi = digits(t, 20, 2),
         s = digits(t, 23, 2);
    if (!mo || !d || !y || !h || !mi || !s || t[19] != ':' || t[22] != ':') return std::nullopt;
    return from_civil(*y, mo, *d, *h, *mi, *s);
}

/// 2026-07-15T12:34:56Z: the form a watcher writes in filters and checkpoints.
inline std::string format_iso(seconds_t t) {
    using namespace std::chrono;
    sys_seconds tp{seconds(t)};
    auto day_start = floor<days>(tp);
    year_month_day ymd{day_start};
    hh_mm_ss hms{tp - day_start};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

inline seconds_t to_seconds(std::chrono::system_clock::time_point t) {
    return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

} // namespace klaviyo::watch::detail
