// klaviyo-cpp: the split calls: bulk events, subscribe and unsubscribe, split at Klaviyo's
// per-request caps (klaviyo/bulk.hpp says what a partial failure reports).
//
// basic_client derives from it (CRTP): these are members of every client;
// the engine (connection, auth, pacing, retries, the generic call) stays in
// client.hpp.
#pragma once

#include <klaviyo/completion.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/resources/event_bulk.hpp>
#include <klaviyo/resources/subscription.hpp>

#include <vector>

namespace klaviyo {

/// Calls that Klaviyo caps per request, split for you.
template <class Client>
class bulk_calls {
public:
    // ------------------------------------------------------------ events and subscriptions in bulk

    /// Creates many events: regrouped per profile, split at 1,000 events and
    /// 5MB a request; a unique_id repeated for one profile and metric is
    /// refused before anything is sent. Completes with `(error_code, bulk_accepted)`.
    template <class Token = default_token>
    auto async_bulk_create_events(std::vector<new_event> events, Token&& token = {}) {
        return self().async_execute_bulk(ops::bulk_create_events::plan(events), std::forward<Token>(token));
    }

    /// Grants marketing consent, 1,000 profiles a request.
    template <class Token = default_token>
    auto async_subscribe_profiles(subscription_request in, Token&& token = {}) {
        return self().async_execute_bulk(ops::subscribe_profiles::plan(in), std::forward<Token>(token));
    }

    /// Withdraws marketing consent, 100 profiles a request. Without a list_id
    /// (or for profiles not in that list) the unsubscribe is global.
    template <class Token = default_token>
    auto async_unsubscribe_profiles(unsubscription_request in, Token&& token = {}) {
        return self().async_execute_bulk(ops::unsubscribe_profiles::plan(in), std::forward<Token>(token));
    }


private:
    Client& self() noexcept { return static_cast<Client&>(*this); }
};

} // namespace klaviyo
