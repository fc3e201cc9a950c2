// klaviyo-cpp examples, one per resource group (examples/by_resource/*.hpp):
//
//     examples [group ...]     groups: profiles lists events campaigns
//                              templates_segments images subscriptions
//                              data_sources raw_request (default: all)
//
// With KLAVIYO_API_KEY set they talk to Klaviyo and really write to your
// account (example.com profiles, a list, a draft campaign scheduled for 2030
// and deleted again, ...). Without it they run against a local stand-in.
#include "by_resource/campaigns.hpp"
#include "by_resource/data_sources.hpp"
#include "by_resource/events.hpp"
#include "by_resource/images.hpp"
#include "by_resource/lists.hpp"
#include "by_resource/raw_request.hpp"
#include "by_resource/subscriptions.hpp"
#include "by_resource/templates_segments.hpp"
#include "local_stand_in.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdlib>
#include <functional>
#include <map>

namespace examples {

template <class Client>
asio::awaitable<void> profiles(Client& client) {
    klaviyo::profile_upsert p;
    p.email = "example+ada@example.com";
    p.first_name = "Ada";
    auto r = co_await client.async_create_or_update_profile(std::move(p));
    say(r.created ? "created profile" : "updated profile", r.document.data.id);
    auto found = co_await client.async_get_profile_by_email("example+ada@example.com");
    say("found by email", found ? found->id : "nobody");
    klaviyo::profile_update u;
    u.last_name = "Lovelace";
    auto updated = co_await client.template async_update<klaviyo::profile>(r.document.data.id, std::move(u));
    say("last_name", updated.data.attributes.last_name.value_or(""));
}

using example = std::function<asio::awaitable<void>(klaviyo::client&)>;

inline const std::vector<std::pair<std::string, example>>& all() {
    static const std::vector<std::pair<std::string, example>> list = {
        {"profiles", [](klaviyo::client& c) { return profiles(c); }},
        {"lists", [](klaviyo::client& c) { return lists(c); }},
        {"events", [](klaviyo::client& c) { return events(c); }},
        {"campaigns", [](klaviyo::client& c) { return campaigns(c); }},
        {"templates_segments", [](klaviyo::client& c) { return templates_segments(c); }},
        {"images", [](klaviyo::client& c) { return images(c); }},
        {"subscriptions", [](klaviyo::client& c) { return subscriptions(c); }},
        {"data_sources", [](klaviyo::client& c) { return data_sources(c); }},
        {"raw_request", [](klaviyo::client& c) { return raw_request(c); }},
    };
    return list;
}

} // namespace examples

int main(int argc, char** argv) {
    namespace asio = boost::asio;
    std::vector<std::pair<std::string, examples::example>> chosen;
    for (int i = 1; i < argc; ++i) {
        bool known = false;
        for (const auto& e : examples::all())
            if (e.first == argv[i]) chosen.push_back(e), known = true;
        if (!known) {
            std::cerr << "unknown example '" << argv[i] << "'; choose from:";
            for (const auto& e : examples::all()) std::cerr << " " << e.first;
            std::cerr << "\n";
            return 2;
        }
    }
    if (chosen.empty()) chosen = examples::all();

    asio::io_context ioc;
    std::unique_ptr<klaviyo::client> client;
    examples::stand_in stand_in;
    if (const char* key = std::getenv("KLAVIYO_API_KEY"); key && *key) {
        std::cout << "talking to Klaviyo (KLAVIYO_API_KEY is set)\n";
        client = std::make_unique<klaviyo::client>(ioc.get_executor(), klaviyo::api_key(key));
    } else {
        stand_in = examples::start_local_stand_in();
        std::cout << "KLAVIYO_API_KEY is not set: using " << stand_in.description << "\n";
        klaviyo::client_options opts;
        opts.base_url = stand_in.base_url;
        client = std::make_unique<klaviyo::client>(ioc.get_executor(), klaviyo::api_key(stand_in.api_key), opts);
    }
    int failures = 0;
    for (const auto& [name, run] : chosen) {
        std::cout << name << "\n";
        std::exception_ptr failure;
        asio::co_spawn(ioc, run(*client), [&](std::exception_ptr e) { failure = e; });
        ioc.run();
        ioc.restart();
        if (failure) {
            ++failures;
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                std::cerr << name << " failed: " << e.what() << "\n";
            }
        }
    }
    return failures ? 1 : 0;
}
