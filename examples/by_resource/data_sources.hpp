// Data sources (picklists): {label, key} over every page, with a cap.
#pragma once

#include "common.hpp"

namespace examples {

template <class Client>
asio::awaitable<void> data_sources(Client& client) {
    klaviyo::select_options ten;
    ten.limit = 10;
    for (const auto& a : co_await client.async_select_accounts(ten)) say("account", a.label + " = " + a.key);
    for (const auto& c : co_await client.async_select_campaigns(ten)) say("campaign", c.label + " = " + c.key);
    for (const auto& e : co_await client.async_select_events(ten)) say("event", e.label + " = " + e.key);
    for (const auto& p : co_await client.async_select_profiles(ten)) say("profile", p.label + " = " + p.key);
    for (const auto& t : co_await client.async_select_templates(ten)) say("template", t.label + " = " + t.key);
}

} // namespace examples
