// klaviyo-sandbox: small helpers for Klaviyo's wire format.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/grammar/lut_chars.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <klaviyo/auth/pkce.hpp>

#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sandbox {

namespace json = boost::json;

/// An HTTP error in Klaviyo's shape, thrown by handlers.
struct api_failure {
    unsigned status;
    std::string code, title, detail;
    json::object source; // {"pointer": ...} or {"parameter": ...}
    json::object meta{};
};

inline api_failure bad_request(std::string detail, std::string pointer = "/data") {
    return {400, "invalid", "Invalid input.", std::move(detail), {{"pointer", std::move(pointer)}}};
}
inline api_failure bad_parameter(std::string detail, std::string parameter) {
    return {400, "invalid", "Invalid input.", std::move(detail), {{"parameter", std::move(parameter)}}};
}

/// The length of the well-formed UTF-8 sequence that starts `s`, or 0 (a
/// stray byte, a truncated or overlong sequence, a UTF-16 surrogate, a code
/// point past U+10FFFF).
inline std::size_t utf8_sequence(std::string_view s) {
    if (s.empty()) return 0;
    const auto b = static_cast<unsigned char>(s[0]);
    const std::size_t n = b < 0x80                 ? 1
                          : b >= 0xc2 && b <= 0xdf ? 2
                          : b >= 0xe0 && b <= 0xef ? 3
                          : b >= 0xf0 && b <= 0xf4 ? 4
                                                   : 0;
    if (n == 0 || n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((static_cast<unsigned char>(s[k]) & 0xc0) != 0x80) return 0;
    const auto b1 = n > 1 ? static_cast<unsigned char>(s[1]) : 0;
    if ((b == 0xe0 && b1 < 0xa0) || (b == 0xed && b1 > 0x9f) || (b == 0xf0 && b1 < 0x90) || (b == 0xf4 && b1 > 0x8f))
        return 0;
    return n;
}

/// Whether `s` is UTF-8. Boost.JSON writes strings byte for byte: text that
/// is not makes the answer it is echoed into invalid JSON.
inline bool valid_utf8(std::string_view s) {
    while (!s.empty()) {
        const auto n = utf8_sequence(s);
        if (n == 0) return false;
        s.remove_prefix(n);
    }
    return true;
}

/// `s` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD.
inline std::string utf8_text(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    while (!s.empty()) {
        const auto n = utf8_sequence(s);
        out += n ? s.substr(0, n) : std::string_view("\xEF\xBF\xBD");
        s.remove_prefix(n ? n : 1);
    }
    return out;
}

/// Request text (a header value, a decoded parameter) goes into errors[] as
/// UTF-8 (found by fuzzing: a bad revision header made the answer invalid JSON).
inline std::string error_body(const api_failure& f, std::string_view id) {
    json::object source;
    for (const auto& [k, v] : f.source) source[k] = v.is_string() ? json::value(utf8_text(v.get_string())) : v;
    json::object e{{"id", id},
                   {"status", f.status},
                   {"code", f.code},
                   {"title", f.title},
                   {"detail", utf8_text(f.detail)},
                   {"source", std::move(source)},
                   {"links", json::object{}},
                   {"meta", f.meta}};
    return json::serialize(json::object{{"errors", json::array{e}}});
}

/// Percent-encodes a query key or value as Klaviyo's links do ('[' and ']' included).
inline std::string query_encode(std::string_view s) {
    static constexpr auto safe = boost::urls::unreserved_chars + boost::urls::grammar::lut_chars("!$'()*,;:@/");
    return boost::urls::encode(s, safe);
}

/// The sandbox's clock: the system clock, or a clock a test set and moves
/// by hand (server::set_clock, advance_clock), so that tests can build
/// records that share a second or are stamped in the future, and run many
/// polls without sleeping. One per process: every sandbox in it shares it,
/// as every account of Klaviyo shares Klaviyo's.
class test_clock {
public:
    static test_clock& instance() {
        static test_clock c;
        return c;
    }
    std::chrono::system_clock::time_point now() {
        std::lock_guard lock(mutex_);
        return set_ ? at_ : std::chrono::system_clock::now();
    }
    /// Stops the clock at `t`; it moves only when told from now on.
    void set(std::chrono::system_clock::time_point t) {
        std::lock_guard lock(mutex_);
        set_ = true;
        at_ = t;
    }
    /// Moves a set clock by `d` (either way); a running clock is set to now + d.
    void advance(std::chrono::system_clock::duration d) {
        std::lock_guard lock(mutex_);
        if (!set_) at_ = std::chrono::system_clock::now();
        set_ = true;
        at_ += d;
    }
    /// Back to the system clock.
    void reset() {
        std::lock_guard lock(mutex_);
        set_ = false;
    }

private:
    std::mutex mutex_;
    bool set_ = false;
    std::chrono::system_clock::time_point at_{};
};

/// An HTTP date (RFC 9110) of the sandbox's clock, for the Date header
/// Klaviyo sends with every answer: Sun, 06 Nov 1994 08:49:37 GMT.
inline std::string http_date_now() {
    auto t = std::chrono::system_clock::to_time_t(test_clock::instance().now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

/// Klaviyo's timestamp format: 2026-07-15T12:34:56+00:00.
inline std::string iso_now() {
    auto t = std::chrono::system_clock::to_time_t(test_clock::instance().now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
    return buf;
}

using klaviyo::detail::base64; // the library's, by OpenSSL

inline std::string unbase64(std::string_view in) {
    if (in.size() % 4 != 0) return {};
    std::string out(3 * in.size() / 4, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    if (n < 0) return {};
    std::size_t pad = 0;
    if (!in.empty() && in.back() == '=') ++pad;
    if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
    out.resize(static_cast<std::size_t>(n) - pad);
    return out;
}

/// Opaque, URL-safe page cursors.
inline std::string make_cursor(std::size_t offset) {
    const auto plain = "o:" + std::to_string(offset);
    return klaviyo::detail::base64url(plain.data(), plain.size());
}

/// The offset a cursor stands for, or npos when it is not one of ours.
inline std::size_t read_cursor(std::string c) {
    for (auto& ch : c) ch = ch == '-' ? '+' : ch == '_' ? '/' : ch;
    while (c.size() % 4) c += '=';
    auto plain = unbase64(c);
    if (plain.size() < 3 || plain.rfind("o:", 0) != 0) return std::string::npos;
    // Digits only, and few enough for size_t: std::stoull would throw
    // out_of_range past it and end the session unanswered (found by fuzzing).
    if (plain.size() > 2 + 18) return std::string::npos;
    for (char ch : plain.substr(2))
        if (ch < '0' || ch > '9') return std::string::npos;
    return std::stoull(plain.substr(2));
}

inline bool valid_email(std::string_view s) {
    auto at = s.find('@');
    return at != std::string_view::npos && at > 0 && s.find('@', at + 1) == std::string_view::npos &&
           s.find('.', at) != std::string_view::npos && s.back() != '.' && s.find(' ') == std::string_view::npos;
}

inline bool valid_e164(std::string_view s) {
    if (s.size() < 8 || s.size() > 16 || s[0] != '+' || s[1] == '0') return false;
    for (char c : s.substr(1))
        if (c < '0' || c > '9') return false;
    return true;
}

/// What a handler sees of a request (already authenticated and checked).
struct request_view {
    std::string_view method;
    std::string_view path;
    std::string_view operation_id; // the spec's, once routed
    std::vector<std::pair<std::string, std::string>> params; // decoded
    json::value body;                                        // null when none
    std::size_t body_size = 0;
    std::string_view content_type;
    const std::string* raw_body = nullptr;
    std::string base_url;

    const std::string* param(std::string_view key) const {
        for (const auto& [k, v] : params)
            if (k == key) return &v;
        return nullptr;
    }
};

struct reply {
    unsigned status = 200;
    std::string body; // empty for 202/204
};

inline std::vector<std::string> split_csv(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        auto c = s.find(',');
        out.emplace_back(s.substr(0, c));
        if (c == std::string_view::npos) break;
        s.remove_prefix(c + 1);
    }
    return out;
}

} // namespace sandbox
