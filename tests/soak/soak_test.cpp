// The bounded fault soak: thousands of mixed calls (events with unique_id,
// profile upserts and creates, list membership, subscriptions, gets, page
// walks) against the sandbox injecting 503s, 429s, resets, truncated answers
// and answers later than the client's deadline. Then the sandbox's store is
// read back and reconciled call by call: what was reported as succeeded is
// stored once; nothing is stored twice; a non-idempotent call that may have
// been applied says so; no call outlived its deadline-and-retry budget; the
// process's file descriptors and heap are back where they were.
//
// KLAVIYO_SOAK_CALLS sets the number of calls (20000), KLAVIYO_SOAK_SEED the
// seed of the mix and of the faults, KLAVIYO_SOAK_FAULTS the faults;
// KLAVIYO_SANDBOX_EXE names the program.
#include "child_sandbox.hpp"
#include "process_usage.hpp"
#include "reconcile.hpp"
#include "workload.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using soak::kind;

namespace {

const std::string api_key = "pk_TESTSECRET_soak";
constexpr auto attempt_deadline = 300ms;
/// Later than the deadline: a delayed answer is one the client gave up on,
/// after the sandbox applied the write.
constexpr unsigned delay_ms = 500;
constexpr std::size_t concurrency = 32;
constexpr std::size_t connections_per_host = 16; // fewer than the calls in flight: the pool's queue is used
constexpr std::size_t preloaded_profiles = 1000;
/// Scheduling on a shared 2-core machine: how late a due timer or a ready
/// socket may be seen, beyond what the client's budget allows.
constexpr auto scheduling_slack = 1s;
/// Room for one-time allocations of libraries first touched in the soak
/// despite the warm-up (none so far: the runs here measured +0 bytes). A
/// leak grows with the traffic: one block per failed call (~240 at 20,000
/// calls) of 512 bytes measured +128 KiB; one connection (a 2 KiB buffer at
/// least) per fault (~3,300) would be megabytes. With glibc's thread cache
/// on (the test run by hand), freed chunks it parks count as in use, and
/// two moments differ by up to ~100 KiB without any leak.
std::size_t heap_tolerance() { return soak::thread_cache_off() ? 16 * 1024 : 256 * 1024; }

std::size_t env_number(const char* name, std::size_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::stoull(v) : fallback;
}

/// The mix; KLAVIYO_SOAK_FAULTS replaces it (to look into one kind).
std::string fault_spec() {
    if (const char* f = std::getenv("KLAVIYO_SOAK_FAULTS")) return f;
    return "503=0.05,429=0.02,reset=0.02,truncate=0.01,delay=0.01:" + std::to_string(delay_ms);
}

/// The client under test: short deadline, default attempts, short backoff
/// (the soak must end in minutes), no pacing (the sandbox's limits are off).
klaviyo::client_options soak_options(const std::string& url) {
    klaviyo::client_options o;
    o.base_url = url;
    o.timeout = attempt_deadline;
    o.retry.max_attempts = 5;
    o.retry.backoff.initial = 50ms;
    o.retry.backoff.max = 800ms;
    o.pacing.enabled = false;
    o.transport.max_connections_per_host = connections_per_host;
    return o;
}

/// The set-up and read-back client: the faults stay on, so it outwaits the
/// delays and retries its reads (idempotent) as long as it takes.
klaviyo::client_options patient_options(const std::string& url) {
    klaviyo::client_options o;
    o.base_url = url;
    o.timeout = 3s;
    o.retry.max_attempts = 40;
    o.retry.max_elapsed = 600s;
    o.retry.backoff.initial = 10ms;
    o.retry.backoff.max = 200ms;
    o.pacing.enabled = false;
    return o;
}

template <class Awaitable>
void run(asio::io_context& ioc, Awaitable a) {
    std::exception_ptr failure;
    asio::co_spawn(ioc, std::move(a), [&](std::exception_ptr e) { failure = e; });
    ioc.run();
    ioc.restart();
    if (failure) std::rethrow_exception(failure);
}

/// A list named `name`: created, or found after a create that may have been
/// applied (create_list is not idempotent, and the faults are on).
asio::awaitable<std::string> ensure_list(klaviyo::client& c, std::string name) {
    klaviyo::list_options all;
    for (int tries = 0; tries < 20; ++tries) {
        bool look = false;
        try {
            klaviyo::new_list in;
            in.name = name;
            auto doc = co_await c.async_create<klaviyo::list>(std::move(in));
            co_return doc.data.id;
        } catch (const klaviyo::api_error& e) {
            look = e.diagnostics().possibly_applied;
        }
        if (!look) continue;
        auto pages = c.pages<klaviyo::list>(all);
        while (auto page = co_await pages.async_resume(asio::use_awaitable))
            for (const auto& l : page->data)
                if (l.attributes.name == name) co_return l.id;
    }
    throw std::runtime_error("could not create the list " + name);
}

/// Pages of 100 profiles, their emails only.
klaviyo::list_options email_pages() {
    klaviyo::list_options o;
    o.page_size = 100;
    o.fields = {{"profile", {"email"}}};
    return o;
}

/// Finds the preloaded profiles, makes the lists, and warms the client up
/// with one call of each kind (its own markers, "warm-..."): what is
/// allocated once per process is allocated before the baseline.
asio::awaitable<void> prepare(klaviyo::client& c, std::size_t lists, soak::targets& t, soak::targets& warm) {
    t.profiles.assign(preloaded_profiles, std::string());
    auto pages = c.pages<klaviyo::profile>(email_pages());
    while (auto page = co_await pages.async_resume(asio::use_awaitable))
        for (const auto& p : page->data) {
            const std::string email = p.attributes.email.value_or("");
            if (email.rfind("sandbox+", 0) != 0) continue;
            const auto i = std::stoull(email.substr(8));
            if (i < t.profiles.size()) t.profiles[i] = p.id;
        }
    for (std::size_t k = 0; k < lists; ++k)
        t.lists.push_back(co_await ensure_list(c, "soak-list-" + std::to_string(k)));

    warm.prefix = "warm";
    warm.profiles = t.profiles;
    warm.lists.push_back(co_await ensure_list(c, "warm-list"));
    warm.walk = t.walk;
    for (std::size_t k = 0; k < soak::kind_count; ++k) {
        soak::call one;
        one.what = static_cast<kind>(k);
        try {
            co_await soak::perform(c, warm, one);
        } catch (const std::exception&) {
            // A warm-up call that met a fault warmed the client up all the same.
        }
    }
}

/// Whether the library repeats each kind of call after a lost answer, from
/// its own plans (the descriptors' facts), not from this test's belief.
std::array<bool, soak::kind_count> library_idempotency(const soak::targets& t) {
    std::array<bool, soak::kind_count> r{};
    r[0] = klaviyo::ops::create_event::plan(soak::event_input(t, 0)).idempotent;
    r[1] = klaviyo::ops::create_or_update_profile::plan(soak::upsert_input(t, 0), klaviyo::write_options{}).idempotent;
    r[2] = klaviyo::ops::create_profile::plan(soak::create_input(t, 0), klaviyo::write_options{}).idempotent;
    r[3] = klaviyo::ops::add_profiles_to_list::plan(t.lists.front(), soak::member_input(t, 0))
               .chunks.front()
               .plan.idempotent;
    r[4] = klaviyo::ops::subscribe_profiles::plan(soak::subscribe_input(t, 0)).chunks.front().plan.idempotent;
    r[5] = r[6] = true; // reads
    return r;
}

} // namespace

BOOST_AUTO_TEST_SUITE(soak)

BOOST_AUTO_TEST_CASE(mixed_calls_under_faults_reconcile_with_the_store) {
    const std::size_t count = env_number("KLAVIYO_SOAK_CALLS", 20000);
    const auto seed = static_cast<unsigned>(env_number("KLAVIYO_SOAK_SEED", 20261130));
    const auto guard = std::chrono::seconds(env_number("KLAVIYO_SOAK_GUARD_SECONDS", 420));
    const char* exe = std::getenv("KLAVIYO_SANDBOX_EXE");
    BOOST_TEST_REQUIRE(exe != nullptr, "KLAVIYO_SANDBOX_EXE must name the klaviyo-sandbox program");

    std::array<std::uint32_t, soak::kind_count> per_kind{};
    auto calls = soak::make_mix(count, seed, per_kind);
    const std::size_t lists = std::max<std::size_t>(
        1, (per_kind[static_cast<unsigned>(kind::list_add)] + preloaded_profiles - 1) / preloaded_profiles);

    soak::child_sandbox sandbox(exe, {"--port", "0", "--faults", fault_spec(), "--seed", std::to_string(seed),
                                      "--rate-limits", "off", "--api-key", api_key, "--profiles",
                                      std::to_string(preloaded_profiles)});
    std::printf("soak: %zu calls, %zu at a time, against %s with faults %s\n", count, concurrency,
                sandbox.url().c_str(), fault_spec().c_str());
    std::fflush(stdout);

    // Set-up and warm-up, on a client of their own, destroyed before the baseline.
    soak::targets t, warm;
    t.walk.page_size = 20;
    t.walk.fields = {{"profile", {"email"}}};
    {
        asio::io_context ioc;
        klaviyo::client c(ioc.get_executor(), klaviyo::api_key(api_key), patient_options(sandbox.url()));
        run(ioc, prepare(c, lists, t, warm));
    }
    BOOST_TEST_REQUIRE(std::count(t.profiles.begin(), t.profiles.end(), std::string()) == 0,
                       "every preloaded profile was found");

    const auto idempotent = library_idempotency(t);
    BOOST_TEST(idempotent[static_cast<unsigned>(kind::event)], "create_event with a unique_id is retried");
    BOOST_TEST(!idempotent[static_cast<unsigned>(kind::create)], "create_profile is never replayed");

    const auto opts = soak_options(sandbox.url());
    const auto per_request = soak::request_bound(opts);
    auto bound = [&](const soak::call& c) {
        return std::chrono::steady_clock::duration(per_request * soak::requests_of(c.what) + scheduling_slack);
    };

    // The baseline: nothing of the soak's client exists yet.
    const std::size_t fds_before = soak::open_fds();
    const std::size_t heap_before = soak::heap_in_use();

    std::size_t workers_done = 0, open_idle = 0, peak = 0, opened = 0, fds_ready = 0, fds_idle = 0;
    bool drained = false;
    std::chrono::steady_clock::duration soak_wall{};
    auto ioc = std::make_unique<asio::io_context>();
    auto client = std::make_unique<klaviyo::client>(ioc->get_executor(), klaviyo::api_key(api_key), opts);
    {
        std::size_t next = 0;
        fds_ready = soak::open_fds(); // no socket yet: Asio makes its reactor's descriptors with the first
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t w = 0; w < concurrency; ++w)
            asio::co_spawn(*ioc, soak::worker(*client, t, calls, next), [&](std::exception_ptr) { ++workers_done; });
        const auto give_up = start + guard;
        while (workers_done < concurrency && std::chrono::steady_clock::now() < give_up && !ioc->stopped())
            ioc->run_one_until(give_up);
        soak_wall = std::chrono::steady_clock::now() - start;
        // Every call has returned: nothing of the client may still be pending
        // (a timer, a read, a coroutine); the context then runs out of work.
        if (workers_done == concurrency) {
            ioc->run_for(2s);
            drained = ioc->stopped();
        }
        open_idle = client->transport().open_connections(client->origin());
        fds_idle = soak::open_fds();
        peak = client->transport().peak_connections();
        opened = client->transport().connections_opened();
    }
    if (workers_done < concurrency || !drained) {
        // Operations still refer to the client: destroying it would be
        // undefined. Leave both to the process's end and report.
        (void)client.release();
        (void)ioc.release();
        std::size_t pending = 0;
        for (const auto& c : calls)
            if (!c.done) {
                if (++pending <= 10)
                    std::printf("never completed: %s #%u\n", std::string(soak::name(c.what)).c_str(), c.n);
            }
        BOOST_FAIL("the soak did not finish: " << pending << " calls never completed, io_context drained: " << drained
                                               << ", after " << std::chrono::duration<double>(soak_wall).count()
                                               << " s");
    }
    client.reset();
    ioc->restart();
    ioc->poll();
    ioc.reset();
    const std::size_t fds_after = soak::open_fds();
    const std::size_t heap_after = soak::heap_in_use();

    // The read-back, through a client of its own.
    soak::store_view store;
    {
        asio::io_context rioc;
        klaviyo::client c(rioc.get_executor(), klaviyo::api_key(api_key), patient_options(sandbox.url()));
        run(rioc, soak::read_store(c, t, soak::readback_options::make(), store));
    }
    const auto r = soak::reconcile(t, store, calls, idempotent, bound);
    soak::print(r, idempotent);

    const auto seconds = std::chrono::duration<double>(soak_wall).count();
    const auto heap_delta = static_cast<long long>(heap_after) - static_cast<long long>(heap_before);
    std::printf(
        "soak: %.1f s, %.0f calls/s; bound per request %lld ms (x requests of the call, + %lld ms)\n", seconds,
        static_cast<double>(count) / seconds, static_cast<long long>(per_request.count()),
        static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(scheduling_slack).count()));
    std::printf("connections: %zu opened, peak %zu, %zu open when idle (max %zu per host); %zu new descriptors then\n",
                opened, peak, open_idle, connections_per_host, fds_idle - fds_ready);
    std::printf("fds: %zu before, %zu after; heap in use: %zu before, %zu after (%+lld bytes; thread cache %s)\n",
                fds_before, fds_after, heap_before, heap_after, heap_delta, soak::thread_cache_off() ? "off" : "ON");
    std::printf("store: %zu profiles, %zu events, %zu list members; sandbox: %s\n", store.profiles, store.events,
                store.members_total, boost::json::serialize(store.stats).c_str());
    std::fflush(stdout);

    std::size_t lost = 0, doubled = 0, unreported = 0, misreported = 0, torn = 0, hung = 0, odd = 0, possibly = 0;
    for (const auto& row : r.rows) {
        lost += row.lost;
        doubled += row.doubled;
        unreported += row.unreported;
        misreported += row.misreported;
        torn += row.torn;
        hung += row.hung;
        odd += row.odd;
        possibly += row.possibly;
    }
    BOOST_TEST(lost == 0u);
    BOOST_TEST(doubled == 0u);
    BOOST_TEST(unreported == 0u);
    BOOST_TEST(misreported == 0u);
    BOOST_TEST(torn == 0u);
    BOOST_TEST(hung == 0u);
    BOOST_TEST(odd == 0u);
    // An idempotent call may be sent again, so it is no violation when one
    // that failed was applied after all; yet diagnostics::possibly_applied
    // stays false for it, which error.hpp reads as "every attempt is known
    // not to have been applied". Warned, not failed: the library decides.
    BOOST_WARN_MESSAGE(r.notes.empty(), r.notes.size() << " idempotent calls failed with possibly_applied false, "
                                                          "yet the store holds them (see the notes)");
    BOOST_TEST(r.unexpected_profiles == 0u);
    BOOST_TEST(r.unexpected_events == 0u);
    BOOST_TEST(r.unexpected_members == 0u);
    // The read-back saw the whole store.
    BOOST_TEST(store.profiles == store.stats.at("profiles").to_number<std::size_t>());
    BOOST_TEST(store.events == store.stats.at("events").to_number<std::size_t>());
    // With this many calls the faults reached the path that matters most:
    // about 9% of the creates (503, reset, truncate, delay) may be applied.
    if (count >= 10000) BOOST_TEST(possibly > 0u);

    BOOST_TEST(open_idle <= connections_per_host);
    // Every socket the process held then was one the pool counts: besides
    // them, Asio's epoll reactor holds three (epoll, eventfd, timerfd).
    BOOST_TEST(fds_idle - fds_ready == open_idle + 3);
    BOOST_TEST(peak <= connections_per_host);
    BOOST_TEST(fds_after == fds_before);
    BOOST_TEST(heap_delta <= static_cast<long long>(heap_tolerance()));

    const int status = sandbox.stop();
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0), "klaviyo-sandbox exited with status " << status);
}

BOOST_AUTO_TEST_SUITE_END()
