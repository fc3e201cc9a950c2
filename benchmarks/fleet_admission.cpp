// What an admission costs in fleet mode: one booking script call per call
// on a Redis server (benchmarks/run starts one on loopback and passes its
// port), against the in-process pacer's admission. Each call is admitted,
// then finished as a real call would be (its end and the RateLimit headers
// of an answer go to Redis in the background, on the same connection).
// Limits far above the rate reached, so that nobody waits: what is timed is
// the admission's own cost. Prints one JSON line.
//
// usage: fleet_admission REDIS_PORT [CALLS]
#include <klaviyo/fleet.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: fleet_admission REDIS_PORT [CALLS]\n");
        return 2;
    }
    const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
    const int calls = argc > 2 ? std::atoi(argv[2]) : 20000;
    const klaviyo::rate_limit rate{100000, 6000000, 0};

    asio::io_context ioc;
    klaviyo::fleet::fleet_options fo;
    fo.redis.port = port;
    fo.name = "bench";
    auto fleet = klaviyo::fleet::make_redis_fleet(asio::any_io_executor(ioc.get_executor()), fo);

    klaviyo::http_response answer;
    answer.status = 200;
    answer.headers.emplace_back("RateLimit-Remaining", "5999000");
    answer.headers.emplace_back("RateLimit-Reset", "30");

    std::vector<double> shared_us, local_us;
    shared_us.reserve(static_cast<std::size_t>(calls));
    local_us.reserve(static_cast<std::size_t>(calls));
    int failed = 0;

    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            for (int i = 0; i < calls + 200; ++i) { // the first 200 warm up (connect, script load)
                const auto t0 = clock_type::now();
                auto a = co_await fleet->async_admit("bench_op", rate, false);
                const auto t1 = clock_type::now();
                fleet->finish(a, &answer);
                if (i >= 200) shared_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
            }
            fleet->close();
        },
        [&](std::exception_ptr e) {
            if (e) ++failed;
        });
    const auto wall0 = clock_type::now();
    ioc.run();
    const double wall_s = std::chrono::duration<double>(clock_type::now() - wall0).count();

    // The in-process pacer: the windows of one class, as detail::pacer keeps them.
    klaviyo::pacing_options po;
    klaviyo::pacing_queue q(rate, po);
    for (int i = 0; i < calls + 200; ++i) {
        const auto t0 = clock_type::now();
        const bool started = q.try_start(t0);
        const auto t1 = clock_type::now();
        if (!started) ++failed;
        q.state().finish(t1);
        if (i >= 200) local_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }

    const auto status = fleet->status();
    std::printf("{\"calls\": %d, \"failed\": %d, \"shared_median_us\": %.1f, \"shared_p99_us\": %.1f, "
                "\"shared_max_us\": %.1f, \"local_median_us\": %.3f, \"local_p99_us\": %.3f, \"wall_s\": %.2f, "
                "\"shared_admissions\": %llu, \"outages\": %llu}\n",
                calls, failed, percentile(shared_us, 0.5), percentile(shared_us, 0.99), percentile(shared_us, 1.0),
                percentile(local_us, 0.5), percentile(local_us, 0.99), wall_s,
                static_cast<unsigned long long>(status.shared_admissions),
                static_cast<unsigned long long>(status.outages));
    return failed ? 1 : 0;
}
