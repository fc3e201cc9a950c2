// klaviyo-cpp: any Klaviyo endpoint, for what the typed operations do not
// cover yet. The key still never leaves for another host.
#pragma once

#include <klaviyo/detail/origin.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/http.hpp>
#include <klaviyo/policy/retry.hpp>
#include <klaviyo/resources/image.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace klaviyo {

/// A file of a multipart body.
struct form_file {
    std::string field = "file"; ///< the form field's name
    std::string file_name{}; ///< sent as the part's `filename`; must not be empty
    std::string data{}; ///< the file's bytes
    std::string content_type = "application/octet-stream"; ///< the part's Content-Type
};

/// One request, as the caller spells it. At most one kind of body: `json`,
/// `text`, `bytes`, or a multipart form (`form` fields and `files`).
struct raw_request {
    /// GET unless set; a GET carries no body.
    http_method method = http_method::get;
    /// Relative to the base URL ("/api/profiles"), or an absolute URL on the
    /// configured base host; any other host is refused before sending.
    std::string path{};
    std::vector<std::pair<std::string, std::string>> query{}; ///< added to the path's own query, encoded here
    header_list headers{}; ///< extra headers; Authorization, Host and Content-Length are the client's
    std::optional<json::value> json{}; ///< a JSON body (`application/vnd.api+json` unless content_type says otherwise)
    std::optional<std::string> text{}; ///< a text body (`text/plain; charset=utf-8` unless content_type says otherwise)
    std::optional<std::string> bytes{}; ///< a binary body
    std::string content_type{}; ///< for `bytes` (default application/octet-stream) or `text` (default text/plain)
    /// Fields of a multipart/form-data body, in order.
    std::vector<std::pair<std::string, std::string>> form{};
    /// Files of a multipart/form-data body, after the fields.
    std::vector<form_file> files{};
    /// No Authorization header: the public /client/* endpoints, which take
    /// the public key as the `company_id` query parameter instead.
    bool exclude_authorization = false;
    std::optional<std::chrono::milliseconds> timeout{};     ///< per attempt; default: the client's
    std::optional<unsigned> max_retries{};                  ///< default: the client's retry policy
    std::optional<std::chrono::milliseconds> retry_delay{}; ///< the first retry's delay
    bool exponential_backoff = true;                        ///< false: every retry waits retry_delay
    /// Retry 5xx, timeouts and lost connections even for POST: only for
    /// requests known to be safe to repeat. 429 and never-sent requests are
    /// retried regardless, GET/PUT/PATCH/DELETE by their nature.
    bool retry_on_all_errors = false;
};

/// What came back from a raw request (any 2xx; others fail with api_error).
struct raw_response {
    unsigned status = 0; ///< the status: always 2xx (any other fails the call)
    header_list headers; ///< the response headers, in the order received
    std::string body; ///< the bytes as received

    /// The first header called `name` (case-insensitive), or empty.
    std::string_view header(std::string_view name) const noexcept { return find_header(headers, name); }
    /// The body as text, without a copy.
    std::string_view text() const noexcept { return body; }
    /// The body parsed as JSON; null for an empty body. Throws on invalid JSON.
    json::value json() const { return body.empty() ? json::value(nullptr) : json::parse(body); }
};

namespace detail {

template <>
struct result_parser<raw_response> {
    static raw_response parse(const http_response& r) { return raw_response{r.status, r.headers, r.body}; }
};

inline request_plan plan_raw(const raw_request& in, const origin& base, const retry_options& client_retry) {
    constexpr std::string_view id = "raw_request";
    auto fail = [&](std::string e) { return invalid_plan(id, std::move(e)); };
    std::string target;
    if (in.path.empty()) return fail("path: is required");
    if (in.path.starts_with("//")) return foreign_host_plan(id, "path");
    if (in.path.front() == '/') {
        auto u = boost::urls::parse_origin_form(in.path);
        if (!u) return fail("path: not a valid path");
        target = std::string(u->encoded_target());
    } else {
        auto u = boost::urls::parse_uri(in.path);
        if (!u || !path_follows_authority(*u)) return fail("path: must start with '/' or be an absolute URL");
        if (origin_of(*u) != base) return foreign_host_plan(id, "path");
        target = std::string(u->encoded_path());
        if (target.empty()) target = "/";
        if (u->has_query()) target += "?" + std::string(u->encoded_query());
    }
    if (target.find('#') != std::string::npos) return fail("path: must not have a fragment");
    for (const auto& [k, v] : in.query) {
        if (k.empty()) return fail("query: empty parameter name");
        target += target.find('?') == std::string::npos ? '?' : '&';
        target += query_encode(k) + "=" + query_encode(v);
    }
    for (const auto& [k, v] : in.headers) {
        if (k.empty() || k.find_first_of(" :\r\n") != std::string::npos)
            return fail("headers: invalid name '" + k + "'");
        if (v.find_first_of("\r\n") != std::string::npos) return fail("headers." + k + ": line breaks are not allowed");
        if (iequals(k, "Authorization") || iequals(k, "Host") || iequals(k, "Content-Length"))
            return fail("headers." + k + ": set by the client");
        if (iequals(k, "Content-Type")) return fail("headers.Content-Type: use content_type");
    }
    int bodies =
        in.json.has_value() + in.text.has_value() + in.bytes.has_value() + (!in.form.empty() || !in.files.empty());
    if (bodies > 1) return fail("json, text, bytes, form/files: give at most one body");
    if (bodies && in.method == http_method::get) return fail("method: a GET request has no body");

    request_plan p;
    p.operation_id = id;
    p.method = in.method;
    p.target = std::move(target);
    if (in.json) {
        p.body = json::serialize(*in.json);
        p.content_type = in.content_type.empty() ? "application/vnd.api+json" : in.content_type;
    } else if (in.text) {
        p.body = *in.text;
        p.content_type = in.content_type.empty() ? "text/plain; charset=utf-8" : in.content_type;
    } else if (in.bytes) {
        p.body = *in.bytes;
        p.content_type = in.content_type.empty() ? "application/octet-stream" : in.content_type;
    } else if (bodies) {
        std::vector<ops::detail::form_part> parts;
        for (const auto& [k, v] : in.form) {
            if (auto e = ops::detail::check_form_name(k, "form"); !e.empty()) return fail(e);
            parts.push_back({k, v});
        }
        for (std::size_t i = 0; i < in.files.size(); ++i) {
            const auto& f = in.files[i];
            auto where = "files[" + std::to_string(i) + "]";
            if (auto e = ops::detail::check_form_name(f.field, where + ".field"); !e.empty()) return fail(e);
            if (auto e = ops::detail::check_form_name(f.file_name, where + ".file_name"); !e.empty()) return fail(e);
            if (f.content_type.find_first_of("\r\n") != std::string::npos)
                return fail(where + ".content_type: line breaks are not allowed");
            parts.push_back({f.field, f.data, f.file_name, f.content_type});
        }
        std::string boundary;
        p.body = ops::detail::multipart_body(parts, boundary);
        p.content_type = "multipart/form-data; boundary=" + boundary;
    }
    p.extra_headers = in.headers;
    p.authorize = !in.exclude_authorization;
    if (in.timeout) {
        if (*in.timeout <= std::chrono::milliseconds::zero()) return fail("timeout: must be positive");
        p.timeout = in.timeout;
    }
    // GET, PUT, PATCH and DELETE mean "the same again changes nothing more";
    // POST does not, unless the caller vouches for it.
    p.idempotent = in.retry_on_all_errors || in.method != http_method::post;
    if (in.max_retries || in.retry_delay || !in.exponential_backoff) {
        retry_options r = client_retry;
        if (in.max_retries) r.max_attempts = *in.max_retries + 1;
        if (in.retry_delay) {
            if (in.retry_delay->count() < 0) return fail("retry_delay: must not be negative");
            r.backoff.initial = *in.retry_delay;
            r.backoff.max = std::max(r.backoff.max, *in.retry_delay);
        }
        if (!in.exponential_backoff) r.backoff.multiplier = 1.0;
        p.retry = r;
    }
    return p;
}

} // namespace detail
} // namespace klaviyo
