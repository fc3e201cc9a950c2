// klaviyo-cpp: error codes, diagnostics and the api_error exception.
#pragma once

#include <klaviyo/config.hpp>

#include <boost/json/object.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace klaviyo {

/// What every operation completes with. Compare it with the klaviyo::errc values (`ec == klaviyo::errc::not_found`);
/// transport errors such as asio::error::operation_aborted pass through unchanged.
using error_code = boost::system::error_code;

/// Errors raised by klaviyo-cpp itself. HTTP failures map to one code per
/// class of status so callers can branch without parsing text; the full
/// Klaviyo `errors[]` lives in diagnostics.
enum class errc {
    // Detected before anything was sent.
    invalid_argument = 1, ///< bad input; diagnostics::message names the field
    host_not_allowed,     ///< a URL pointed away from the configured base host
    // The API answered with an error status.
    bad_request,  ///< 400
    unauthorized, ///< 401
    forbidden,    ///< 403
    not_found,    ///< 404
    conflict,     ///< 409 (see diagnostics::duplicate_profile_id)
    rate_limited, ///< 429, after retries were exhausted
    server_error, ///< 5xx, after retries were exhausted (or not retried)
    http_error,   ///< any other non-2xx status
    // Transport.
    connect_failed,     ///< the request was never sent (resolve, connect, TLS, write)
    connection_lost,    ///< the request was sent but no complete response arrived
    timeout,            ///< the per-request deadline passed
    malformed_response, ///< the response was not the JSON:API document expected
    pool_full,          ///< a bounded wait queue was full
    // OAuth.
    state_mismatch, ///< the redirect's state is not the one the authorize URL carried
    oauth_error,    ///< the token endpoint refused (diagnostics::message has its error and description)
};

namespace detail {
class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "klaviyo"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
        case errc::invalid_argument:
            return "invalid argument";
        case errc::host_not_allowed:
            return "URL host is not the configured Klaviyo host";
        case errc::bad_request:
            return "bad request (HTTP 400)";
        case errc::unauthorized:
            return "unauthorized (HTTP 401)";
        case errc::forbidden:
            return "forbidden (HTTP 403)";
        case errc::not_found:
            return "not found (HTTP 404)";
        case errc::conflict:
            return "conflict (HTTP 409)";
        case errc::rate_limited:
            return "rate limited (HTTP 429)";
        case errc::server_error:
            return "server error (HTTP 5xx)";
        case errc::http_error:
            return "unexpected HTTP status";
        case errc::connect_failed:
            return "could not connect or send the request";
        case errc::connection_lost:
            return "connection lost before a complete response";
        case errc::timeout:
            return "request deadline exceeded";
        case errc::malformed_response:
            return "malformed response";
        case errc::pool_full:
            return "wait queue is full";
        case errc::state_mismatch:
            return "OAuth state does not match the authorization request";
        case errc::oauth_error:
            return "the OAuth token endpoint refused the request";
        }
        return "unknown klaviyo error";
    }
};
} // namespace detail

/// The category of the klaviyo::errc codes, named "klaviyo"; it gives each code its message.
inline const boost::system::error_category& error_category() noexcept {
    static const detail::error_category_impl instance;
    return instance;
}

/// An error_code for `e` in error_category(). Found by argument-dependent lookup, it lets an errc convert to an
/// error_code and compare with one.
inline error_code make_error_code(errc e) noexcept { return error_code(static_cast<int>(e), error_category()); }

/// Maps an HTTP status (>= 300) to the errc that classifies it.
constexpr errc errc_from_status(unsigned status) noexcept {
    switch (status) {
    case 400:
        return errc::bad_request;
    case 401:
        return errc::unauthorized;
    case 403:
        return errc::forbidden;
    case 404:
        return errc::not_found;
    case 409:
        return errc::conflict;
    case 429:
        return errc::rate_limited;
    default:
        return status >= 500 && status < 600 ? errc::server_error : errc::http_error;
    }
}

/// One entry of a Klaviyo `errors[]` array. The spec marks status, links
/// and meta as absent, yet real responses carry them; all are read leniently.
struct error_object {
    /// The id Klaviyo gave this occurrence of the error.
    std::string id;
    /// The HTTP status the error stands for, when the entry states one (else 0).
    int status = 0;
    /// Klaviyo's machine-readable code, e.g. `duplicate_profile`: branch on it, not on the title.
    std::string code;
    /// A short summary for humans.
    std::string title;
    /// What exactly is wrong, for humans.
    std::string detail;
    /// `source.pointer`: the JSON pointer of the offending body member, e.g. `/data/attributes/email`.
    std::string source_pointer;
    std::string source_parameter; ///< `source.parameter`: the offending query parameter
    json::object meta; ///< `meta`, e.g. `duplicate_profile_id` for a 409 (see diagnostics::duplicate_profile_id())
};

/// What went wrong, in more detail than an error_code can carry. Never
/// contains credentials: it is built only from response bodies and our own
/// texts, never from request headers.
struct diagnostics {
    unsigned http_status = 0;         ///< 0 when no response arrived
    std::vector<error_object> errors; ///< Klaviyo's errors[]
    std::optional<std::chrono::seconds> retry_after; ///< the last answer's Retry-After, when it had one (429s do)
    std::string message;   ///< client-side explanation (e.g. which field)
    unsigned attempts = 0; ///< requests sent, retries included
    /// True when a call that is not idempotent failed after a request of it may have reached Klaviyo (the connection
    /// was lost or the deadline passed after it left, or a 5xx answered it): it may have been applied. Find out (read
    /// it back) before sending it again. Always false for an idempotent call (sending it again is harmless, so the
    /// client itself repeats it) and when every attempt is known not to have been applied.
    bool possibly_applied = false;
    /// A split (bulk) call that failed part way: the positions, in the
    /// caller's input, of the items Klaviyo did not accept. Items not listed
    /// were accepted and must not be sent again.
    std::vector<std::size_t> not_accepted;

    /// Empties every member. A successful call does not touch the diagnostics that capture_diagnostics() fills: clear
    /// them before reusing them.
    void clear() { *this = diagnostics{}; }

    /// For a 409 `duplicate_profile`, the id of the profile that already exists.
    std::optional<std::string> duplicate_profile_id() const {
        for (const auto& e : errors) {
            if (e.code != "duplicate_profile") continue;
            if (auto it = e.meta.find("duplicate_profile_id"); it != e.meta.end() && it->value().is_string())
                return std::string(it->value().get_string());
        }
        return std::nullopt;
    }

    /// One line for humans: our message, else the first Klaviyo error.
    std::string summary() const {
        std::string s = message;
        if (!errors.empty()) {
            const auto& e = errors.front();
            if (!s.empty()) s += "; ";
            s += e.code.empty() ? e.title : e.code;
            if (!e.detail.empty()) s += ": " + e.detail;
            if (!e.source_pointer.empty()) s += " (at " + e.source_pointer + ")";
        }
        if (http_status != 0) s += (s.empty() ? "" : " ") + std::string("[HTTP ") + std::to_string(http_status) + "]";
        return s;
    }
};

/// Thrown to coroutine callers (the default completion token) when an
/// operation fails; carries the same error_code and diagnostics a callback
/// caller receives.
class api_error : public boost::system::system_error {
public:
    /// what() is built from `diag.summary()` and the code's message.
    api_error(error_code ec, diagnostics diag)
        : boost::system::system_error(ec, diag.summary()), diag_(std::move(diag)) {}
    /// The HTTP status, Klaviyo's errors[], attempts and the client's own explanation.
    const klaviyo::diagnostics& diagnostics() const noexcept { return diag_; }

private:
    klaviyo::diagnostics diag_;
};

} // namespace klaviyo

// Makes errc an error_code enum (`ec == klaviyo::errc::timeout`). Hidden from
// Doxygen, which cannot place a specialization in a namespace it never saw.
/// \cond
template <>
struct boost::system::is_error_code_enum<klaviyo::errc> : std::true_type {};
/// \endcond
