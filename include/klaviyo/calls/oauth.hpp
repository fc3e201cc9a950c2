// klaviyo-cpp: the OAuth flows of a client that uses OAuth: exchanging the code of the
// redirect for tokens, revoking a token. (Refreshing is the engine's: it is automatic.)
//
// basic_client derives from it (CRTP): these are members of every client;
// the engine (connection, auth, pacing, retries, the generic call) stays in
// client.hpp.
#pragma once

#include <klaviyo/completion.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/accepted.hpp>
#include <klaviyo/auth/oauth.hpp>

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

namespace klaviyo {

/// OAuth code exchange and token revocation.
template <class Client>
class oauth_calls {
public:
    // ------------------------------------------------------------ OAuth

    /// Exchanges the code from the redirect (see code_from_redirect) and the
    /// request's code_verifier for tokens; saves them in the store. Completes
    /// with `(error_code, oauth_token)`.
    template <class Token = default_token>
    auto async_exchange_code(std::string code, std::string code_verifier, Token&& token = {}) {
        return detail::launch<oauth_token>(
            self().ex_,
            [this, code = std::move(code), verifier = std::move(code_verifier)]() -> asio::awaitable<oauth_token> {
                auto& s = self().require_oauth();
                if (code.empty()) Client::throw_invalid("code: must not be empty");
                if (verifier.size() < 43 || verifier.size() > 128) Client::throw_invalid("code_verifier: 43 to 128 characters");
                auto body = detail::form_body({{"grant_type", "authorization_code"},
                                               {"code", code},
                                               {"code_verifier", verifier},
                                               {"redirect_uri", s.conn.config.redirect_uri}});
                const auto asked = std::chrono::system_clock::now(); // the lifetime counts from the request
                auto resp = co_await self().token_call(s.token_origin, s.token_target, std::move(body));
                auto t = detail::parse_token_response(resp, asked);
                s.token = t;
                co_await s.conn.store->async_save(t);
                if (s.conn.coordinator) co_await s.conn.coordinator->async_publish(t);
                co_return t;
            },
            std::forward<Token>(token));
    }

    /// Revokes an access or refresh token (`token_type_hint`: "access_token"
    /// or "refresh_token"). Completes with `(error_code, accepted)`.
    template <class Token = default_token>
    auto async_revoke(std::string oauth_token_value, std::string token_type_hint, Token&& token = {}) {
        return detail::launch<accepted>(
            self().ex_,
            [this, value = std::move(oauth_token_value),
             hint = std::move(token_type_hint)]() -> asio::awaitable<accepted> {
                auto& s = self().require_oauth();
                if (value.empty()) Client::throw_invalid("token: must not be empty");
                if (hint != "access_token" && hint != "refresh_token")
                    Client::throw_invalid("token_type_hint: must be access_token or refresh_token");
                auto body = detail::form_body({{"token", value}, {"token_type_hint", hint}});
                auto resp = co_await self().token_call(s.revoke_origin, s.revoke_target, std::move(body));
                detail::throw_if_refused(resp);
                if (s.token && (s.token->access_token == value || s.token->refresh_token == value)) s.token.reset();
                co_return accepted{resp.status};
            },
            std::forward<Token>(token));
    }


private:
    Client& self() noexcept { return static_cast<Client&>(*this); }
};

} // namespace klaviyo
