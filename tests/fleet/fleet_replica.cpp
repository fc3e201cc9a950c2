// One process of the fleet test (tests/fleet/fleet_test.py): a service
// replica that lists campaigns as fast as its pacing lets it, with OAuth,
// its pacing and its refreshes shared through Redis; or, with
// --mode outsider, a process of the same app and account outside the fleet
// (its own grant, pacing itself at --share); or, with --mode authorize, the
// one-time installation: authorize, exchange the code, publish the token to
// the fleet and write it to --token-file.
//
// At the end it writes a JSON report (--report): calls that succeeded and
// failed (by error), the fleet's status, the token store's saves.
#include <klaviyo/fleet.hpp>
#include <klaviyo/klaviyo.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono;

namespace {

std::map<std::string, std::string> args;

std::string arg(const std::string& k, std::string dflt = {}) {
    auto it = args.find(k);
    return it == args.end() ? dflt : it->second;
}
double num(const std::string& k, double dflt) {
    auto v = arg(k);
    return v.empty() ? dflt : std::stod(v);
}

/// The token as a JSON file: what a service would keep on its disk.
class file_token_store final : public klaviyo::token_store {
public:
    explicit file_token_store(std::string path) : path_(std::move(path)) {}
    asio::awaitable<std::optional<klaviyo::oauth_token>> async_load() override {
        std::ifstream in(path_);
        if (!in) co_return std::nullopt;
        std::stringstream ss;
        ss << in.rdbuf();
        auto o = json::parse(ss.str()).as_object();
        klaviyo::oauth_token t;
        t.access_token = std::string(o.at("access_token").as_string());
        t.refresh_token = std::string(o.at("refresh_token").as_string());
        t.scope = std::string(o.at("scope").as_string());
        t.expires_at = system_clock::time_point(milliseconds(o.at("expires_at_ms").to_number<std::int64_t>()));
        co_return t;
    }
    asio::awaitable<void> async_save(klaviyo::oauth_token t) override {
        json::object o{{"access_token", t.access_token},
                       {"refresh_token", t.refresh_token},
                       {"scope", t.scope},
                       {"expires_at_ms", duration_cast<milliseconds>(t.expires_at.time_since_epoch()).count()}};
        std::ofstream(path_ + ".tmp") << json::serialize(o);
        std::rename((path_ + ".tmp").c_str(), path_.c_str());
        ++saves;
        co_return;
    }
    std::size_t saves = 0;

private:
    std::string path_;
};

/// The fleet's coordinator, with a pause before each refresh goes out (the
/// lease already taken): lets the test kill a lease holder before it has
/// spent the refresh token.
class paused_coordinator final : public klaviyo::refresh_coordinator {
public:
    paused_coordinator(std::shared_ptr<klaviyo::refresh_coordinator> inner, milliseconds pause)
        : inner_(std::move(inner)), pause_(pause) {}
    asio::awaitable<std::optional<klaviyo::oauth_token>> async_current(std::optional<klaviyo::oauth_token> seed) override {
        return inner_->async_current(std::move(seed));
    }
    asio::awaitable<void> async_publish(klaviyo::oauth_token t) override { return inner_->async_publish(std::move(t)); }
    asio::awaitable<klaviyo::oauth_token> async_refresh(klaviyo::oauth_token stale, refresh_function f) override {
        auto pause = pause_;
        refresh_function slow = [f, pause](std::string rt) -> asio::awaitable<klaviyo::oauth_token> {
            std::cerr << "refreshing (lease held)" << std::endl;
            asio::steady_timer t(co_await asio::this_coro::executor, pause);
            co_await t.async_wait(asio::use_awaitable);
            co_return co_await f(std::move(rt));
        };
        return inner_->async_refresh(std::move(stale), std::move(slow));
    }

private:
    std::shared_ptr<klaviyo::refresh_coordinator> inner_;
    milliseconds pause_;
};

double wall_ms() { return duration<double, std::milli>(system_clock::now().time_since_epoch()).count(); }

} // namespace

int main(int argc, char** argv) {
    for (int i = 1; i + 1 < argc; i += 2) args[std::string(argv[i]).substr(2)] = argv[i + 1];
    const auto mode = arg("mode", "replica");
    const auto base = arg("base");
    asio::io_context ioc;

    klaviyo::oauth_config cfg;
    cfg.client_id = "sandbox-app";
    cfg.client_secret = arg("secret", "sandbox-app-secret");
    cfg.redirect_uri = "http://127.0.0.1:9/callback";
    cfg.scopes = {"campaigns:read"};
    cfg.authorize_url = base + "/oauth/authorize";
    cfg.token_url = base + "/oauth/token";
    cfg.revoke_url = base + "/oauth/revoke";
    cfg.refresh_margin = seconds(static_cast<long>(num("margin-s", 1)));

    klaviyo::client_options co;
    co.base_url = base;
    co.pacing.time_scale = num("time-scale", 1);
    co.timeout = milliseconds(static_cast<long>(num("timeout-ms", 2000)));

    std::shared_ptr<klaviyo::fleet::redis_fleet> fleet;
    if (mode != "outsider") {
        klaviyo::fleet::fleet_options fo;
        fo.redis.port = static_cast<std::uint16_t>(num("redis-port", 6379));
        fo.redis.command_timeout = milliseconds(static_cast<long>(num("redis-timeout-ms", 100)));
        fo.redis.connect_timeout = milliseconds(static_cast<long>(num("redis-timeout-ms", 100)));
        fo.name = arg("fleet", "test");
        fo.time_scale = co.pacing.time_scale;
        fo.share = num("fleet-share", 1.0);
        fo.outside_reserve = num("outside-reserve", 0.05);
        fo.latency_allowance = milliseconds(static_cast<long>(num("allowance-ms", 50)));
        fo.booking_horizon = milliseconds(static_cast<long>(num("horizon-ms", 0)));
        fo.rejoin_interval = milliseconds(static_cast<long>(num("rejoin-ms", 300)));
        fo.refresh_lease = milliseconds(static_cast<long>(num("lease-ms", 1500)));
        fo.refresh_poll = milliseconds(20);
        fo.on_warning = [](std::string_view w) {
            std::cerr << std::fixed << wall_ms() << " warning: " << w << std::endl;
        };
        fleet = klaviyo::fleet::make_redis_fleet(asio::any_io_executor(ioc.get_executor()), fo);
        co.pacing.backend = fleet;
    } else {
        co.pacing.share = num("share", 0.2);
    }
    auto store = std::make_shared<file_token_store>(arg("token-file", "token.json"));
    klaviyo::oauth_connection conn{cfg, store};
    conn.coordinator = fleet;
    if (fleet && num("refresh-pause-ms", 0) > 0)
        conn.coordinator =
            std::make_shared<paused_coordinator>(fleet, milliseconds(static_cast<long>(num("refresh-pause-ms", 0))));
    klaviyo::client client(ioc.get_executor(), conn, co);

    std::map<std::string, std::size_t> errors;
    std::size_t ok = 0, failed = 0;
    int rc = 0;

    auto authorize = [&]() -> asio::awaitable<void> {
        auto req = klaviyo::make_authorization_request(cfg);
        auto u = boost::urls::parse_uri(req.url);
        klaviyo::http_request get;
        get.method = klaviyo::http_method::get;
        get.origin = klaviyo::detail::parse_endpoint(base, "base");
        get.target = std::string(u->encoded_target());
        auto resp = co_await client.transport().async_send(get, seconds(5), asio::use_awaitable);
        auto code = klaviyo::code_from_redirect(req, resp.header("Location"));
        co_await client.async_exchange_code(code, req.code_verifier, asio::use_awaitable);
    };

    auto worker = [&](double end_ms) -> asio::awaitable<void> {
        while (wall_ms() < end_ms) {
            klaviyo::list_options lo;
            auto [ec, page] = co_await client.async_list_campaigns("email", lo, asio::as_tuple(asio::use_awaitable));
            if (wall_ms() > end_ms + 50) break; // ended after the run: not counted
            if (!ec)
                ++ok;
            else {
                ++failed;
                ++errors[ec.message()];
            }
        }
    };

    auto main_task = [&]() -> asio::awaitable<void> {
        try {
            if (mode == "authorize" || mode == "outsider") co_await authorize();
            if (mode == "authorize") co_return;
            const double start = num("start-at-ms", wall_ms());
            const double end = start + 1000 * num("seconds", 5);
            if (start > wall_ms()) {
                asio::steady_timer t(ioc, milliseconds(static_cast<long>(start - wall_ms())));
                co_await t.async_wait(asio::use_awaitable);
            }
            const int workers = static_cast<int>(num("workers", 4));
            int running = workers;
            asio::steady_timer done(ioc, asio::steady_timer::time_point::max());
            for (int i = 0; i < workers; ++i)
                asio::co_spawn(ioc, worker(end), [&](std::exception_ptr e) {
                    if (e) {
                        try {
                            std::rethrow_exception(e);
                        } catch (const std::exception& x) {
                            std::cerr << "worker: " << x.what() << "\n";
                            rc = 1;
                        }
                    }
                    if (--running == 0) done.cancel();
                });
            co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
        } catch (const klaviyo::api_error& e) {
            std::cerr << mode << ": " << e.what() << "\n";
            rc = 1;
        } catch (const std::exception& e) {
            std::cerr << mode << ": " << e.what() << "\n";
            rc = 1;
        }
    };
    asio::co_spawn(ioc, main_task(), [&](std::exception_ptr) {
        // Let the last calls' notes to the fleet go out, then close.
        auto t = std::make_shared<asio::steady_timer>(ioc, milliseconds(200));
        t->async_wait([&, t](boost::system::error_code) {
            if (fleet) fleet->close();
        });
    });
    ioc.run();

    json::object report{{"mode", mode}, {"pid", static_cast<std::int64_t>(::getpid())}, {"ok", ok},
                        {"failed", failed}, {"saves", store->saves}};
    json::object errs;
    for (auto& [k, n] : errors) errs[k] = n;
    report["errors"] = errs;
    if (fleet) {
        auto s = fleet->status();
        report["fleet"] = json::object{{"shared_admissions", s.shared_admissions}, {"local_admissions", s.local_admissions},
                                       {"outages", s.outages},         {"state_losses", s.state_losses},
                                       {"held_back", s.held_back}, {"refreshes", s.refreshes},
                                       {"adopted", s.adopted},         {"warnings", s.warnings}};
    }
    if (auto path = arg("report"); !path.empty()) std::ofstream(path) << json::serialize(report) << "\n";
    return rc;
}
