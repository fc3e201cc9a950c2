// Subscriptions: consent to email marketing into a list; then a global
// unsubscribe (no list: the profile stops receiving all email marketing).
#pragma once

#include "common.hpp"

namespace examples {

template <class Client>
asio::awaitable<void> subscriptions(Client& client) {
    klaviyo::new_list nl;
    nl.name = "klaviyo-cpp example newsletter";
    nl.opt_in_process = "single_opt_in";
    auto list = co_await client.template async_create<klaviyo::list>(std::move(nl));

    klaviyo::subscription_request sub;
    sub.list_id = list.data.id;
    sub.custom_source = "klaviyo-cpp example";
    for (const char* who : {"ada", "grace"})
        sub.profiles.push_back(klaviyo::subscriber::to_email(std::string("example+") + who + "@example.com"));
    auto r = co_await client.async_subscribe_profiles(std::move(sub));
    say("subscribed", std::to_string(r.items));

    auto ada = co_await client.async_get_profile_by_email("example+ada@example.com");
    if (ada) {
        klaviyo::get_options with_subs;
        with_subs.additional_fields = {"subscriptions"};
        auto p = co_await client.template async_get<klaviyo::profile>(ada->id, std::move(with_subs));
        say("ada's email consent", p.data.attributes.subscriptions->email->marketing->consent);
    }

    klaviyo::unsubscription_request un;
    un.profiles.push_back(klaviyo::subscriber::to_email("example+grace@example.com"));
    co_await client.async_unsubscribe_profiles(std::move(un)); // no list_id: global
    say("unsubscribed (globally)", "example+grace@example.com");
    co_await client.template async_delete<klaviyo::list>(list.data.id);
}

} // namespace examples
