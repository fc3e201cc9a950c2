// The raw request: any endpoint, with the client's key, retries and checks;
// another host is refused before anything is sent.
#pragma once

#include "common.hpp"

namespace examples {

template <class Client>
asio::awaitable<void> raw_request(Client& client) {
    klaviyo::raw_request get;
    get.path = "/api/accounts";
    get.query = {{"fields[account]", "contact_information"}};
    get.max_retries = 2;
    auto r = co_await client.async_raw_request(std::move(get));
    say("GET /api/accounts",
        std::to_string(r.status) + ", " + std::to_string(r.json().at("data").as_array().size()) + " account(s)");

    klaviyo::raw_request evil;
    evil.path = "https://evil.example/api/accounts";
    auto [ec, ignored] = co_await client.async_raw_request(std::move(evil), asio::as_tuple(asio::use_awaitable));
    say("to another host", ec.message());
}

} // namespace examples
