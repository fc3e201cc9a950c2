// klaviyo-bench: the klaviyo-cpp side of benchmarks/run. Each mode drives
// one scenario against a sandbox already listening at BASE and prints one
// JSON line; CPU time and peak RSS are read by the caller (measure.py) from
// the outside, the same way for every contender.
//
//   klaviyo_bench throughput BASE KEY PROFILE_ID CONNECTIONS REQUESTS
//   klaviyo_bench paginate   BASE KEY
//   klaviyo_bench paced      BASE KEY CALLS IN_FLIGHT TIME_SCALE
//   klaviyo_bench bulk       BASE KEY EVENTS TIME_SCALE
//   klaviyo_bench in_flight  BASE KEY CALLS PROFILE_ID
#include <klaviyo/klaviyo.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

/// Resident set size now, in KiB (VmRSS), for the in-flight growth.
long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

klaviyo::client_options options_for(const std::string& base) {
    klaviyo::client_options o;
    o.base_url = base;
    o.pacing.enabled = false; // the scenarios that pace turn it back on
    return o;
}

/// An event of the pacing and bulk scenarios: distinct time per profile, so
/// that the sandbox (like Klaviyo) records every one.
klaviyo::new_event bench_event(std::size_t i, std::size_t profiles) {
    klaviyo::new_event e;
    e.metric_name = "Bench Event";
    e.profile.email = "bench+" + std::to_string(i % profiles) + "@example.com";
    std::time_t t = 1'750'000'000 + static_cast<std::time_t>(i);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    e.time = buf;
    e.properties = json::object{{"n", i}};
    return e;
}

/// Runs one coroutine to its end on `ioc`; rethrows what it threw.
template <class F>
void run_to_end(asio::io_context& ioc, F body) {
    std::exception_ptr failure;
    asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure) std::rethrow_exception(failure);
}

int throughput(const std::string& base, const std::string& key, const std::string& id, std::size_t conns,
               std::size_t requests) {
    asio::io_context ioc(1);
    auto o = options_for(base);
    o.transport.max_connections_per_host = conns;
    klaviyo::client client(ioc.get_executor(), klaviyo::api_key(key), o);
    std::size_t next = 0, ok = 0, failed = 0;
    auto worker = [&]() -> asio::awaitable<void> {
        while (next < requests) {
            ++next;
            auto [ec, p] = co_await client.async_get<klaviyo::profile>(id, klaviyo::get_options{},
                                                                       asio::as_tuple(asio::use_awaitable));
            if (!ec && p.data.id == id)
                ++ok;
            else
                ++failed;
        }
    };
    auto start = clock_type::now();
    for (std::size_t c = 0; c < conns; ++c) asio::co_spawn(ioc, worker(), asio::detached);
    ioc.run();
    double wall = seconds_since(start);
    std::cout << json::serialize(json::object{{"requests", ok + failed},
                                              {"ok", ok},
                                              {"failed", failed},
                                              {"wall_s", wall},
                                              {"req_per_s", double(ok) / wall}})
              << std::endl;
    return failed ? 1 : 0;
}

int paginate(const std::string& base, const std::string& key) {
    asio::io_context ioc(1);
    klaviyo::client client(ioc.get_executor(), klaviyo::api_key(key), options_for(base));
    std::size_t items = 0, pages = 0;
    auto start = clock_type::now();
    run_to_end(ioc, [&]() -> asio::awaitable<void> {
        klaviyo::list_options lo;
        lo.page_size = 100; // the maximum of get_profiles
        auto gen = client.pages<klaviyo::profile>(std::move(lo));
        while (auto page = co_await gen.async_resume(asio::use_awaitable)) {
            ++pages;
            items += page->data.size();
        }
    });
    std::cout << json::serialize(json::object{{"profiles", items}, {"pages", pages}, {"wall_s", seconds_since(start)}})
              << std::endl;
    return 0;
}

int paced(const std::string& base, const std::string& key, std::size_t calls, std::size_t in_flight,
          double time_scale) {
    asio::io_context ioc(1);
    auto o = options_for(base);
    o.pacing.enabled = true;
    o.pacing.time_scale = time_scale;
    o.transport.max_connections_per_host = 64;
    klaviyo::client client(ioc.get_executor(), klaviyo::api_key(key), o);
    std::size_t next = 0, ok = 0, failed = 0;
    auto worker = [&]() -> asio::awaitable<void> {
        while (next < calls) {
            auto ev = bench_event(next++, 1000);
            klaviyo::write_options opts;
            auto [ec, r] =
                co_await client.async_create<klaviyo::event>(std::move(ev), opts, asio::as_tuple(asio::use_awaitable));
            if (ec) {
                ++failed;
                std::cerr << "create_event: " << ec.message() << "\n";
            } else {
                ++ok;
            }
            (void)r;
        }
    };
    auto start = clock_type::now();
    for (std::size_t c = 0; c < in_flight; ++c) asio::co_spawn(ioc, worker(), asio::detached);
    ioc.run();
    double wall = seconds_since(start);
    std::cout
        << json::serialize(json::object{
               {"calls", calls}, {"ok", ok}, {"failed", failed}, {"wall_s", wall}, {"calls_per_s", double(ok) / wall}})
        << std::endl;
    return failed ? 1 : 0;
}

int bulk(const std::string& base, const std::string& key, std::size_t n, double time_scale) {
    asio::io_context ioc(1);
    auto o = options_for(base);
    o.pacing.enabled = true;
    o.pacing.time_scale = time_scale;
    klaviyo::client client(ioc.get_executor(), klaviyo::api_key(key), o);
    std::vector<klaviyo::new_event> events;
    events.reserve(n);
    for (std::size_t i = 0; i < n; ++i) events.push_back(bench_event(i, 1000));
    std::size_t accepted = 0;
    auto start = clock_type::now();
    run_to_end(ioc, [&]() -> asio::awaitable<void> {
        auto done = co_await client.async_bulk_create_events(std::move(events));
        accepted = done.requests;
    });
    std::cout << json::serialize(json::object{{"events", n}, {"requests", accepted}, {"wall_s", seconds_since(start)}})
              << std::endl;
    return 0;
}

int in_flight(const std::string& base, const std::string& key, std::size_t calls, const std::string& id) {
    asio::io_context ioc(1);
    auto o = options_for(base);
    o.transport.max_connections_per_host = calls; // every call on the wire, none queued
    o.timeout = 60s;
    klaviyo::client client(ioc.get_executor(), klaviyo::api_key(key), o);
    // Warm up: first-use allocations (resolver, parser tables) are not per call.
    std::size_t ok = 0, failed = 0;
    asio::co_spawn(
        ioc, [&]() -> asio::awaitable<void> { co_await client.async_get<klaviyo::profile>(id); }, asio::detached);
    ioc.run();
    ioc.restart();
    const long before = rss_kib();
    long peak = before;
    std::size_t done = 0;
    for (std::size_t c = 0; c < calls; ++c)
        client.async_get<klaviyo::profile>(id, klaviyo::get_options{}, [&](klaviyo::error_code ec, auto) {
            ++done;
            ec ? ++failed : ++ok;
        });
    // Sample while every call is in flight (the sandbox holds each answer 2 s).
    asio::steady_timer sampler(ioc);
    std::function<void()> sample = [&] {
        peak = std::max(peak, rss_kib());
        if (done > 0) return; // answers are arriving: no longer all in flight
        sampler.expires_after(20ms);
        sampler.async_wait([&](klaviyo::error_code) { sample(); });
    };
    sample();
    auto start = clock_type::now();
    ioc.run();
    std::cout << json::serialize(json::object{{"calls", calls},
                                              {"ok", ok},
                                              {"failed", failed},
                                              {"rss_before_kib", before},
                                              {"rss_peak_kib", peak},
                                              {"bytes_per_call", double(peak - before) * 1024.0 / double(calls)},
                                              {"wall_s", seconds_since(start)}})
              << std::endl;
    return failed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        std::string mode = argc > 1 ? argv[1] : "";
        auto arg = [&](int i) -> std::string {
            if (i >= argc) throw std::invalid_argument("missing argument " + std::to_string(i));
            return argv[i];
        };
        if (mode == "throughput") return throughput(arg(2), arg(3), arg(4), std::stoul(arg(5)), std::stoul(arg(6)));
        if (mode == "paginate") return paginate(arg(2), arg(3));
        if (mode == "paced") return paced(arg(2), arg(3), std::stoul(arg(4)), std::stoul(arg(5)), std::stod(arg(6)));
        if (mode == "bulk") return bulk(arg(2), arg(3), std::stoul(arg(4)), std::stod(arg(5)));
        if (mode == "in_flight") return in_flight(arg(2), arg(3), std::stoul(arg(4)), arg(5));
        std::cerr << "usage: klaviyo_bench throughput|paginate|paced|bulk|in_flight ...\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "klaviyo_bench: " << e.what() << "\n";
        return 1;
    }
}
