// klaviyo-cpp quickstart: upsert three profiles, update one, then list them.
//
// With KLAVIYO_API_KEY set it talks to Klaviyo (and really writes those
// three example.com profiles to your account). Without it, it runs against a
// local stand-in, so you can try it with no account.
#include "local_stand_in.hpp"

#include <klaviyo/klaviyo.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <iostream>

namespace asio = boost::asio;

template <class Client>
asio::awaitable<void> quickstart(Client& client) {
    const char* names[] = {"Ada", "Grace", "Edsger"};
    std::string first_id;
    for (int i = 0; i < 3; ++i) {
        klaviyo::profile_upsert p;
        p.email = "quickstart+" + std::string(names[i]) + "@example.com";
        p.first_name = names[i];
        p.properties = boost::json::object{{"source", "klaviyo-cpp quickstart"}};
        auto r = co_await client.async_create_or_update_profile(std::move(p));
        std::cout << (r.created ? "created " : "updated ") << r.document.data.id << "  "
                  << r.document.data.attributes.email.value_or("") << "\n";
        if (i == 0) first_id = r.document.data.id;
    }

    klaviyo::profile_update u;
    u.last_name = "Lovelace";
    u.title = klaviyo::null; // explicit null clears the field
    auto updated = co_await client.template async_update<klaviyo::profile>(first_id, std::move(u));
    std::cout << "updated " << updated.data.id << "  last_name=" << updated.data.attributes.last_name.value_or("")
              << "\n";

    klaviyo::list_options filter;
    filter.filter = "any(email,['quickstart+Ada@example.com','quickstart+Grace@example.com',"
                    "'quickstart+Edsger@example.com'])";
    auto pages = client.template pages<klaviyo::profile>(std::move(filter));
    int n = 0;
    while (auto page = co_await pages.async_resume(asio::use_awaitable))
        for (const auto& p : page->data)
            std::cout << "listed  " << p.id << "  " << p.attributes.email.value_or("") << "  "
                      << p.attributes.first_name.value_or("") << "\n",
                ++n;
    std::cout << n << " profiles listed\n";
}

int main() {
    asio::io_context ioc;
    std::exception_ptr failure;
    auto done = [&](std::exception_ptr e) { failure = e; };
    if (const char* key = std::getenv("KLAVIYO_API_KEY"); key && *key) {
        std::cout << "talking to Klaviyo (KLAVIYO_API_KEY is set)\n";
        klaviyo::client client(ioc.get_executor(), klaviyo::api_key(key));
        asio::co_spawn(ioc, quickstart(client), done);
        ioc.run();
    } else {
        auto stand_in = examples::start_local_stand_in();
        std::cout << "KLAVIYO_API_KEY is not set: using " << stand_in.description << "\n";
        klaviyo::client_options opts;
        opts.base_url = stand_in.base_url;
        klaviyo::client client(ioc.get_executor(), klaviyo::api_key(stand_in.api_key), opts);
        asio::co_spawn(ioc, quickstart(client), done);
        ioc.run();
    }
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const klaviyo::api_error& e) {
            std::cerr << "error: " << e.what() << "\n";
        } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
        }
        return 1;
    }
    return 0;
}
