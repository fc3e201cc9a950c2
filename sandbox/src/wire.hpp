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

inline std::string error_body(const api_failure& f, std::string_view id) {
    json::object e{{"id", id},           {"status", f.status}, {"code", f.code},          {"title", f.title},
                   {"detail", f.detail}, {"source", f.source}, {"links", json::object{}}, {"meta", f.meta}};
    return json::serialize(json::object{{"errors", json::array{e}}});
}

/// Percent-encodes a query key or value as Klaviyo's links do ('[' and ']' included).
inline std::string query_encode(std::string_view s) {
    static constexpr auto safe = boost::urls::unreserved_chars + boost::urls::grammar::lut_chars("!$'()*,;:@/");
    return boost::urls::encode(s, safe);
}

/// Klaviyo's timestamp format: 2026-07-15T12:34:56+00:00.
inline std::string iso_now() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
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
