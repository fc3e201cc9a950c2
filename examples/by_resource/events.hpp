// Events and metrics: one event, a bulk batch (regrouped and split for you),
// then the newest events with their metric names.
#pragma once

#include "common.hpp"

namespace examples {

template <class Client>
asio::awaitable<void> events(Client& client) {
    klaviyo::new_event one;
    one.metric_name = "Placed Order";
    one.profile.email = "example+ada@example.com";
    one.properties = boost::json::object{{"items", 2}};
    one.value = 42.5;
    one.value_currency = "USD";
    one.unique_id = "example-order-1"; // dedupes, and makes the call safe to retry
    co_await client.template async_create<klaviyo::event>(std::move(one));
    say("event accepted", "Placed Order");

    std::vector<klaviyo::new_event> batch;
    for (int i = 0; i < 1500; ++i) {
        klaviyo::new_event e;
        e.metric_name = "Viewed Product";
        e.profile.email = "example+viewer" + std::to_string(i % 5) + "@example.com";
        e.unique_id = "example-view-" + std::to_string(i);
        batch.push_back(std::move(e));
    }
    auto r = co_await client.async_bulk_create_events(std::move(batch));
    say("bulk accepted", std::to_string(r.items) + " events in " + std::to_string(r.requests) + " requests");

    klaviyo::list_options newest;
    newest.include = {"metric"};
    newest.sort = "-datetime";
    newest.page_size = 5;
    auto page = co_await client.template async_list<klaviyo::event>(std::move(newest));
    auto names = klaviyo::detail::included_metric_names(page.included);
    for (const auto& e : page.data) say(names[e.related_ids("metric").at(0)], e.attributes.datetime.value_or(""));

    auto metrics = co_await client.template async_list<klaviyo::metric>();
    for (const auto& m : metrics.data) say("metric", m.attributes.name.value_or(m.id));
}

} // namespace examples
