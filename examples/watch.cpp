// klaviyo-cpp watch example: prints new and updated profiles as they come,
// and after a restart resumes from its checkpoint file without repeating
// or missing any.
//
//     watch [checkpoint-file]          default: profiles.checkpoint
//
// With KLAVIYO_API_KEY set it watches your Klaviyo account until stopped
// (Ctrl-C), polling every 10 seconds when nothing is new. The first run
// starts from now (Klaviyo's now); each later run from where the last one
// acknowledged.
//
// Without a key it runs against a sandbox in this process, on the
// sandbox's clock, and replays the same history each time: the first run
// (no checkpoint file) sees Ada and Grace; a second run, on the same file,
// finds that history again plus Edsger and a change to Grace, and must
// print only those two. It checks that itself and fails otherwise.
#include <klaviyo/api/profiles.hpp>
#include <klaviyo/klaviyo.hpp>
#include <klaviyo/watch.hpp>

#include <sandbox/server.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace api = klaviyo::api;
namespace watch = klaviyo::watch;

namespace {

/// Prints every new or updated profile; returns what it printed, as "email first_name".
template <class Client>
asio::awaitable<std::vector<std::string>> print_changes(Client& client, watch::checkpoint_store& store,
                                                        watch::watch_options options,
                                                        std::function<void()> nothing_new) {
    std::vector<std::string> printed;
    auto w = watch::changes<watch::profiles>(client, store, std::move(options));
    for (int quiet = 0; quiet < 3;) {
        auto b = co_await w.async_next(asio::use_awaitable);
        for (const auto& p : b->records) {
            std::string line = p.attributes.email.value_or("") + " " + p.attributes.first_name.value_or("");
            std::cout << p.attributes.updated.value_or("") << "  " << p.id << "  " << line << std::endl;
            printed.push_back(line);
        }
        // Only now, once they are printed, does the checkpoint move past them.
        w.acknowledge(*b);
        if (b->records.empty()) {
            ++quiet;
            nothing_new();
        }
    }
    co_return printed;
}

// The sandbox's history, the same on every run (the same writes on the same
// clock give the same ids and timestamps).
template <class Client>
asio::awaitable<void> write(Client& client, std::string email, std::string first_name, std::string id = {}) {
    api::call_options o;
    boost::json::object attributes{{"first_name", first_name}};
    if (id.empty()) {
        attributes["email"] = email;
        o.body = boost::json::object{{"data", boost::json::object{{"type", "profile"}, {"attributes", attributes}}}};
        co_await api::async_call<api::create_profile>(client, std::move(o));
    } else {
        o.id = id;
        o.body = boost::json::object{
            {"data", boost::json::object{{"type", "profile"}, {"id", id}, {"attributes", attributes}}}};
        co_await api::async_call<api::update_profile>(client, std::move(o));
    }
}

template <class Client>
asio::awaitable<std::string> id_of(Client& client, std::string email) {
    api::call_options o;
    o.filter = "equals(email,'" + email + "')";
    auto page = co_await api::async_call<api::get_profiles>(client, std::move(o));
    co_return page.data.at(0).id;
}

constexpr std::int64_t start = 1'900'000'000; // the sandbox's clock when the history begins

template <class Client>
asio::awaitable<void> replay_history(Client& client, bool second_run) {
    using std::chrono::seconds;
    sandbox::server::set_clock(std::chrono::system_clock::time_point(seconds(start)));
    co_await write(client, "ada@example.com", "Ada");
    co_await write(client, "grace@example.com", "Grace");
    sandbox::server::advance_clock(seconds(1));
    co_await write(client, "ada@example.com", "Ada (updated)", co_await id_of(client, "ada@example.com"));
    if (!second_run) co_return;
    // What happened while the watcher was down, after the first run had stopped.
    sandbox::server::set_clock(std::chrono::system_clock::time_point(seconds(start + 100)));
    co_await write(client, "edsger@example.com", "Edsger");
    sandbox::server::advance_clock(seconds(1));
    co_await write(client, "grace@example.com", "Grace (updated)", co_await id_of(client, "grace@example.com"));
}

} // namespace

int main(int argc, char** argv) {
    const std::string path = argc > 1 ? argv[1] : "profiles.checkpoint";
    watch::file_checkpoint_store store(path);
    asio::io_context ioc;
    std::exception_ptr failure;
    auto done = [&](std::exception_ptr e) { failure = e; };
    bool ok = true;

    if (const char* key = std::getenv("KLAVIYO_API_KEY"); key && *key) {
        std::cout << "watching the profiles of your Klaviyo account; checkpoint: " << path << "\n";
        klaviyo::client client(ioc.get_executor(), klaviyo::api_key(key));
        asio::steady_timer pause(ioc);
        asio::co_spawn(
            ioc,
            [&]() -> asio::awaitable<void> {
                auto w = watch::changes<watch::profiles>(client, store, {});
                for (;;) {
                    auto b = co_await w.async_next(asio::use_awaitable);
                    for (const auto& p : b->records)
                        std::cout << p.attributes.updated.value_or("") << "  " << p.id << "  "
                                  << p.attributes.email.value_or("") << std::endl;
                    w.acknowledge(*b);
                    if (b->records.empty()) {
                        pause.expires_after(std::chrono::seconds(10));
                        co_await pause.async_wait(asio::use_awaitable);
                    }
                }
            },
            done);
        ioc.run();
    } else {
        const bool resuming = store.load().has_value();
        sandbox::options so;
        so.api_keys = {"pk_TESTSECRET_watch_example"};
        sandbox::server sandbox(so);
        sandbox.start();
        klaviyo::client_options co;
        co.base_url = sandbox.base_url();
        klaviyo::client client(ioc.get_executor(), klaviyo::api_key(so.api_keys[0]), co);
        std::cout << "KLAVIYO_API_KEY is not set: a sandbox at " << sandbox.base_url() << "; "
                  << (resuming ? "resuming from " : "first run, checkpoint: ") << path << "\n";
        std::vector<std::string> printed;
        asio::co_spawn(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await replay_history(client, resuming);
                // A first run starts where the history starts (without `from`: at Klaviyo's now).
                watch::watch_options from_start;
                from_start.from = std::chrono::system_clock::time_point(std::chrono::seconds(start));
                // Nothing new: a real watcher would sleep; here the sandbox's clock moves on.
                printed = co_await print_changes(client, store, std::move(from_start),
                                                 [] { sandbox::server::advance_clock(std::chrono::seconds(1)); });
            },
            done);
        ioc.run();
        const std::vector<std::string> expected =
            resuming ? std::vector<std::string>{"edsger@example.com Edsger", "grace@example.com Grace (updated)"}
                     : std::vector<std::string>{"grace@example.com Grace", "ada@example.com Ada (updated)"};
        ok = printed == expected;
        std::cout << printed.size() << " new or updated profiles" << (ok ? "" : ", NOT what the history holds")
                  << "\n";
    }
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
        }
        return 1;
    }
    return ok ? 0 : 1;
}
