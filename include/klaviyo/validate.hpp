// klaviyo-cpp: input checks applied before a request is sent.
#pragma once

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

} // namespace klaviyo
