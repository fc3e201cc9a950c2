// Lists: create, read with the profile count, rename, add and remove members,
// page through the members, delete.
#pragma once

#include "common.hpp"

namespace examples {

template <class Client>
asio::awaitable<void> lists(Client& client) {
    klaviyo::new_list in;
    in.name = "klaviyo-cpp example list";
    in.opt_in_process = "single_opt_in";
    auto list = co_await client.template async_create<klaviyo::list>(std::move(in));
    say("created list", list.data.id);

    std::vector<std::string> ids;
    for (const char* who : {"ada", "grace"}) {
        klaviyo::profile_upsert p;
        p.email = std::string("example+") + who + "@example.com";
        auto r = co_await client.async_create_or_update_profile(std::move(p));
        ids.push_back(r.document.data.id);
    }
    auto added = co_await client.async_add_profiles_to_list(list.data.id, ids);
    say("added members", std::to_string(added.items) + " in " + std::to_string(added.requests) + " request(s)");

    klaviyo::get_options counted;
    counted.additional_fields = {"profile_count"}; // a slower rate class: 1/s
    auto read = co_await client.template async_get<klaviyo::list>(list.data.id, std::move(counted));
    say("profile_count", std::to_string(read.data.attributes.profile_count.value_or(-1)));

    klaviyo::list_update rename;
    rename.name = "klaviyo-cpp example list (renamed)";
    co_await client.template async_update<klaviyo::list>(list.data.id, std::move(rename));

    klaviyo::list_options all_members;
    auto pages = client.list_profile_pages(list.data.id, std::move(all_members));
    while (auto page = co_await pages.async_resume(asio::use_awaitable))
        for (const auto& p : page->data) say("member", p.attributes.email.value_or(p.id));

    std::vector<std::string> first(1, ids.front());
    co_await client.async_remove_profiles_from_list(list.data.id, std::move(first));
    co_await client.template async_delete<klaviyo::list>(list.data.id);
    say("deleted list", list.data.id);
}

} // namespace examples
