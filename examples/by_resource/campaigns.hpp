// Campaigns: a draft email campaign to a list, scheduled for later, read back
// with its message, listed by channel, renamed, deleted.
#pragma once

#include "common.hpp"

namespace examples {

template <class Client>
asio::awaitable<void> campaigns(Client& client) {
    klaviyo::new_list audience;
    audience.name = "klaviyo-cpp example audience";
    auto list = co_await client.template async_create<klaviyo::list>(std::move(audience));

    klaviyo::new_campaign in;
    in.name = "klaviyo-cpp example campaign";
    in.audiences.included = {list.data.id};
    klaviyo::new_campaign_message email;
    email.label = "main";
    email.email = klaviyo::email_content{};
    email.email->subject = "Hello from klaviyo-cpp";
    email.email->from_email = "shop@example.com";
    email.email->from_label = "Example Shop";
    in.messages.push_back(std::move(email));
    in.send_strategy = klaviyo::campaign_send_strategy::at("2030-01-01T09:00:00+00:00");
    auto created = co_await client.template async_create<klaviyo::campaign>(std::move(in));
    say("created campaign", created.data.id + " (" + created.data.attributes.status.value_or("?") + ")");

    klaviyo::get_options with_messages;
    with_messages.include = {"campaign-messages"};
    auto read = co_await client.template async_get<klaviyo::campaign>(created.data.id, std::move(with_messages));
    say("messages included", std::to_string(read.included.size()));

    // Klaviyo requires a channel filter to list campaigns: email by default.
    auto emails = co_await client.template async_list<klaviyo::campaign>();
    say("email campaigns", std::to_string(emails.data.size()));
    klaviyo::list_options any;
    auto sms = co_await client.async_list_campaigns("sms", std::move(any));
    say("sms campaigns", std::to_string(sms.data.size()));

    klaviyo::campaign_update rename;
    rename.name = "klaviyo-cpp example campaign (renamed)";
    co_await client.template async_update<klaviyo::campaign>(created.data.id, std::move(rename));
    co_await client.template async_delete<klaviyo::campaign>(created.data.id);
    co_await client.template async_delete<klaviyo::list>(list.data.id);
    say("deleted campaign", created.data.id);
}

} // namespace examples
