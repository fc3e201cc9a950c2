// The sandbox's OAuth 2.0 provider: /oauth/authorize (no login page: it
// consents at once and redirects), /oauth/token (authorization_code with
// PKCE S256, refresh_token with rotation; client credentials as HTTP Basic)
// and /oauth/revoke; and the check of Bearer tokens on the API endpoints.
//
// Every token descends from one authorization-code exchange, its grant
// "family". A refresh token is spent when it is rotated away; presenting it
// again is how a double refresh (two processes of a fleet refreshing the
// same grant) shows on the wire. With revoke_grant_on_reuse the provider
// then revokes the whole family, as RFC 9700 §4.14.2 recommends.
#pragma once

#include "wire.hpp"

#include <sandbox/server.hpp>

#include <klaviyo/auth/pkce.hpp>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace sandbox {

/// An OAuth endpoint's answer: status, JSON body (or a redirect Location).
struct oauth_reply {
    unsigned status = 200;
    std::string body;
    std::string location;
};

class oauth_provider {
public:
    using clock = std::chrono::steady_clock;

    struct grant {
        std::string client_id;
        std::set<std::string> scopes;
        clock::time_point expires_at;
        bool revoked = false;
        std::uint64_t family = 0; ///< the code exchange it descends from
    };

    explicit oauth_provider(oauth_options o) : opts_(std::move(o)) {}

    std::size_t token_requests() const noexcept { return token_requests_; }
    std::size_t refreshes() const noexcept { return refreshes_; }
    /// invalid_grant answers to refresh requests (spent, revoked or unknown tokens).
    std::size_t invalid_grants() const noexcept { return invalid_grants_; }
    /// Grant families revoked because a spent refresh token came back.
    std::size_t revoked_grants() const noexcept { return revoked_grants_; }
    oauth_options& options() noexcept { return opts_; }

    oauth_reply handle(std::string_view method, std::string_view path, const request_view& r,
                       std::string_view authorization, std::string_view content_type) {
        if (path == "/oauth/authorize" && method == "GET") return authorize(r);
        if ((path == "/oauth/token" || path == "/oauth/revoke") && method == "POST") {
            if (content_type.substr(0, 33) != "application/x-www-form-urlencoded")
                return error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
            if (!client_authenticated(authorization))
                return error(401, "invalid_client", "client authentication failed");
            auto form = parse_form(r.raw_body ? *r.raw_body : std::string());
            if (path == "/oauth/revoke") return revoke(form);
            ++token_requests_;
            const auto& type = form["grant_type"];
            if (type == "authorization_code") return exchange(form);
            if (type == "refresh_token") return refresh(form);
            return error(400, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
        }
        return error(404, "not_found", "no such OAuth endpoint");
    }

    /// The grant behind a Bearer access token, or the 401 Klaviyo answers.
    const grant& check_bearer(const std::string& token) const {
        auto it = access_.find(token);
        if (it == access_.end() || it->second.revoked)
            throw api_failure{401,
                              "not_authenticated",
                              "Incorrect authentication credentials.",
                              "The access token is not valid.",
                              {}};
        if (clock::now() >= it->second.expires_at)
            throw api_failure{
                401, "not_authenticated", "Incorrect authentication credentials.", "The access token has expired.", {}};
        return it->second;
    }

private:
    struct pending_code {
        std::string client_id, redirect_uri, challenge;
        std::set<std::string> scopes;
        clock::time_point expires_at;
    };

    static oauth_reply error(unsigned status, std::string code, std::string description) {
        return {
            status,
            json::serialize(json::object{{"error", std::move(code)}, {"error_description", std::move(description)}}),
            {}};
    }

    bool client_authenticated(std::string_view authorization) const {
        if (authorization.substr(0, 6) != "Basic ") return false;
        return unbase64(authorization.substr(6)) == opts_.client_id + ":" + opts_.client_secret;
    }

    static std::map<std::string, std::string> parse_form(const std::string& body) {
        std::map<std::string, std::string> out;
        const std::string target = "/?" + body; // named: the view points into it
        auto u = boost::urls::parse_origin_form(target);
        if (!u) return out;
        for (auto p : u->params()) out[std::string(p.key)] = std::string(p.value);
        return out;
    }

    std::string fresh(std::string_view prefix) { return std::string(prefix) + klaviyo::detail::random_urlsafe(24); }

    oauth_reply authorize(const request_view& r) {
        auto get = [&](const char* k) { return r.param(k) ? *r.param(k) : std::string(); };
        if (get("client_id") != opts_.client_id) return error(400, "invalid_client", "unknown client_id");
        auto redirect = get("redirect_uri");
        if (redirect.empty()) return error(400, "invalid_request", "redirect_uri is required");
        // boost::urls::url below throws on anything but a URI reference,
        // which would end the session unanswered (found by fuzzing).
        if (!boost::urls::parse_uri_reference(redirect))
            return error(400, "invalid_request", "redirect_uri is not a valid URL");
        if (get("response_type") != "code")
            return error(400, "unsupported_response_type", "response_type must be code");
        if (get("code_challenge_method") != "S256")
            return error(400, "invalid_request", "code_challenge_method must be S256");
        if (get("code_challenge").size() != 43) return error(400, "invalid_request", "code_challenge is required");
        auto state = get("state");
        pending_code c{opts_.client_id, redirect, get("code_challenge"), {}, clock::now() + std::chrono::minutes(10)};
        for (auto& s : split_scopes(get("scope"))) c.scopes.insert(s);
        if (!opts_.granted_scopes.empty()) c.scopes = {opts_.granted_scopes.begin(), opts_.granted_scopes.end()};
        auto code = fresh("code-");
        codes_[code] = std::move(c);
        boost::urls::url u(redirect);
        u.params().append({"code", code});
        u.params().append({"state", state});
        return {302, {}, std::string(u.buffer())};
    }

    oauth_reply exchange(std::map<std::string, std::string>& form) {
        auto it = codes_.find(form["code"]);
        if (it == codes_.end() || clock::now() >= it->second.expires_at)
            return error(400, "invalid_grant", "the authorization code is invalid or expired");
        auto c = it->second;
        codes_.erase(it); // one use only
        if (form["redirect_uri"] != c.redirect_uri)
            return error(400, "invalid_grant", "redirect_uri does not match the authorization request");
        const auto& verifier = form["code_verifier"];
        if (verifier.size() < 43 || verifier.size() > 128 || klaviyo::pkce_challenge(verifier) != c.challenge)
            return error(400, "invalid_grant", "code_verifier does not match the code_challenge");
        return issue(c.client_id, c.scopes, ++families_);
    }

    oauth_reply refresh(std::map<std::string, std::string>& form) {
        const auto& token = form["refresh_token"];
        auto it = refresh_.find(token);
        if (it == refresh_.end() || it->second.revoked) {
            ++invalid_grants_;
            if (auto s = spent_.find(token); s != spent_.end() && opts_.revoke_grant_on_reuse)
                revoke_family(s->second);
            return error(400, "invalid_grant", "the refresh token is invalid or revoked");
        }
        ++refreshes_;
        auto g = it->second;
        refresh_.erase(it); // rotation: a refresh token works once
        // Remembered for good (the sandbox lives as long as a test run): a
        // spent token is told from an unknown one however late it returns.
        spent_[token] = g.family;
        return issue(g.client_id, g.scopes, g.family);
    }

    /// Revokes every access and refresh token of a family; counts a family once.
    void revoke_family(std::uint64_t family) {
        if (!revoked_families_.insert(family).second) return;
        ++revoked_grants_;
        for (auto* tokens : {&access_, &refresh_})
            for (auto& [t, g] : *tokens)
                if (g.family == family) g.revoked = true;
    }

    oauth_reply revoke(std::map<std::string, std::string>& form) {
        const auto& t = form["token"];
        if (auto a = access_.find(t); a != access_.end()) a->second.revoked = true;
        if (auto r = refresh_.find(t); r != refresh_.end()) r->second.revoked = true;
        return {200, {}, {}}; // RFC 7009: the same answer for unknown tokens
    }

    oauth_reply issue(const std::string& client_id, const std::set<std::string>& scopes, std::uint64_t family) {
        auto access = fresh("at-"), refresh = fresh("rt-");
        access_[access] = grant{client_id, scopes, clock::now() + opts_.token_ttl, false, family};
        refresh_[refresh] = grant{client_id, scopes, clock::time_point::max(), false, family};
        std::string scope;
        for (const auto& s : scopes) scope += (scope.empty() ? "" : " ") + s;
        return {200,
                json::serialize(json::object{{"access_token", access},
                                             {"token_type", "Bearer"},
                                             {"expires_in", opts_.token_ttl.count()},
                                             {"refresh_token", refresh},
                                             {"scope", scope}}),
                {}};
    }

    static std::vector<std::string> split_scopes(const std::string& s) {
        std::vector<std::string> out;
        std::size_t i = 0;
        while (i < s.size()) {
            auto j = s.find(' ', i);
            if (j == std::string::npos) j = s.size();
            if (j > i) out.push_back(s.substr(i, j - i));
            i = j + 1;
        }
        return out;
    }

    oauth_options opts_;
    std::map<std::string, pending_code> codes_;
    std::map<std::string, grant> access_, refresh_;
    std::map<std::string, std::uint64_t> spent_; ///< rotated-away refresh token → its family
    std::set<std::uint64_t> revoked_families_;
    std::uint64_t families_ = 0;
    std::size_t token_requests_ = 0, refreshes_ = 0, invalid_grants_ = 0, revoked_grants_ = 0;
};

} // namespace sandbox
