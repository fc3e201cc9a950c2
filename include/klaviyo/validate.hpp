// klaviyo-cpp: input checks applied before a request is sent.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace klaviyo {

/// A pragmatic address check (RFC 5321 lengths, one '@', a dotted domain,
/// no spaces or control characters). Klaviyo's own check is stricter in
/// places; this catches the mistakes that would otherwise cost a round trip.
inline bool is_valid_email(std::string_view s) noexcept {
    if (s.size() < 3 || s.size() > 254) return false;
    auto at = s.find('@');
    if (at == std::string_view::npos || at == 0 || at > 64 || s.find('@', at + 1) != std::string_view::npos)
        return false;
    auto domain = s.substr(at + 1);
    if (domain.empty() || domain.front() == '.' || domain.back() == '.' || domain.find('.') == std::string_view::npos ||
        domain.find("..") != std::string_view::npos)
        return false;
    for (char c : s)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == ',' || c == ';' || c == '<' || c == '>')
            return false;
    return true;
}

/// E.164: '+', a non-zero country digit, 7 to 15 digits in all.
inline bool is_e164_phone(std::string_view s) noexcept {
    if (s.size() < 8 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
    for (char c : s.substr(1))
        if (c < '0' || c > '9') return false;
    return true;
}

/// ISO 8601 date-time as Klaviyo takes it: YYYY-MM-DDTHH:MM:SS, optional
/// fraction, then Z or ±HH:MM (or nothing, read as UTC). Checks field ranges.
inline bool is_iso8601_datetime(std::string_view s) noexcept {
    auto digits = [&](std::size_t at, std::size_t n, int lo, int hi) {
        if (s.size() < at + n) return false;
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) {
            if (s[i] < '0' || s[i] > '9') return false;
            v = v * 10 + (s[i] - '0');
        }
        return v >= lo && v <= hi;
    };
    if (!(digits(0, 4, 1900, 9999) && s.size() >= 19 && s[4] == '-' && digits(5, 2, 1, 12) && s[7] == '-' &&
          digits(8, 2, 1, 31) && (s[10] == 'T' || s[10] == ' ') && digits(11, 2, 0, 23) && s[13] == ':' &&
          digits(14, 2, 0, 59) && s[16] == ':' && digits(17, 2, 0, 60)))
        return false;
    std::size_t i = 19;
    if (i < s.size() && s[i] == '.') {
        ++i;
        std::size_t start = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        if (i == start) return false;
    }
    if (i == s.size()) return true;
    if (s[i] == 'Z') return i + 1 == s.size();
    if (s[i] != '+' && s[i] != '-') return false;
    return s.size() == i + 6 && digits(i + 1, 2, 0, 23) && s[i + 3] == ':' && digits(i + 4, 2, 0, 59);
}

/// A calendar date, YYYY-MM-DD.
inline bool is_iso8601_date(std::string_view d) noexcept {
    if (d.size() != 10) return false;
    char buf[20] = {};
    d.copy(buf, 10);
    std::string_view("T00:00:00").copy(buf + 10, 9);
    return is_iso8601_datetime(std::string_view(buf, 19));
}

/// The instant an ISO 8601 date-time names (no offset: UTC); empty when
/// is_iso8601_datetime rejects it. Fractions of a second are dropped.
inline std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view s) noexcept {
    if (!is_iso8601_datetime(s)) return std::nullopt;
    auto num = [&](std::size_t at, std::size_t n) {
        int v = 0;
        for (std::size_t i = at; i < at + n; ++i) v = v * 10 + (s[i] - '0');
        return v;
    };
    using namespace std::chrono;
    year_month_day ymd{year(num(0, 4)), month(static_cast<unsigned>(num(5, 2))), day(static_cast<unsigned>(num(8, 2)))};
    if (!ymd.ok()) return std::nullopt;
    sys_seconds t = sys_days(ymd) + hours(num(11, 2)) + minutes(num(14, 2)) + seconds(num(17, 2));
    auto zone = s.find_first_of("Z+-", 19);
    if (zone != std::string_view::npos && s[zone] != 'Z') {
        auto offset = hours(num(zone + 1, 2)) + minutes(num(zone + 4, 2));
        t = s[zone] == '+' ? t - offset : t + offset;
    }
    return t;
}

/// Active ISO 4217 currency codes.
inline bool is_iso4217_currency(std::string_view code) noexcept {
    static constexpr std::string_view codes =
        "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD "
        "CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP "
        "GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW "
        "KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN "
        "NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL "
        "SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES "
        "VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XDR XOF XPD XPF XPT XSU XTS XUA XXX YER ZAR ZMW ZWL";
    if (code.size() != 3) return false;
    for (std::size_t i = 0; i + 3 <= codes.size(); i += 4)
        if (codes.substr(i, 3) == code) return true;
    return false;
}

} // namespace klaviyo
