// Clients on four threads at once, for ThreadSanitizer (scripts/tsan.sh):
// many API-key clients getting, writing and paging; OAuth clients refreshing;
// calls cancelled from a thread that is not theirs.
//
// The library's rule is that a client (with its transport, pacer and OAuth
// state) belongs to one strand or single-threaded context, and that distinct
// clients are independent. So each client here has an executor of its own
// kind on four threads (see `layout`: strands of one thread_pool, or one
// io_context per thread) while the sandbox serves on a fifth: their I/O,
// timers and completions interleave, which is what lets TSan see any state
// shared behind our back.
//
// Nothing here asserts from a worker thread: Boost.Test is not thread-safe.
// The tasks write into per-client records (touched on that client's executor
// only) and into a mutex-guarded tally; the test thread reads both after the
// threads have joined.
#include "../integration/sandbox_fixture.hpp"

#include <klaviyo/api/call.hpp>
#include <klaviyo/api/lists.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/test/unit_test.hpp>
#include <boost/url/parse.hpp>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using klaviyo::error_code;
using klaviyo::http_method;

namespace {

constexpr std::size_t thread_count = 4;
/// Not a performance bound: TSan slows everything down many times over, and
/// the machine is shared. It only turns a hang into a failure.
constexpr auto hang_guard = std::chrono::seconds(120);

/// Counts the tasks still running and collects what went wrong in them.
class tally {
public:
    void add(std::size_t n = 1) {
        std::lock_guard lock(m_);
        pending_ += n;
    }
    /// A task ended; `e` is what it threw, if anything.
    void done(std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                fail(x.what());
            } catch (...) {
                fail("a task threw something that is not a std::exception");
            }
        }
        std::lock_guard lock(m_);
        if (--pending_ == 0) cv_.notify_all();
    }
    /// An expectation that did not hold, in a worker thread.
    void check(bool ok, std::string what) {
        if (!ok) fail(std::move(what));
    }
    void fail(std::string what) {
        std::lock_guard lock(m_);
        failures_.push_back(std::move(what));
    }
    bool wait(std::chrono::seconds limit) {
        std::unique_lock lock(m_);
        return cv_.wait_for(lock, limit, [this] { return pending_ == 0; });
    }
    std::vector<std::string> failures() {
        std::lock_guard lock(m_);
        return failures_;
    }

private:
    std::mutex m_;
    std::condition_variable cv_;
    std::size_t pending_ = 0;
    std::vector<std::string> failures_;
};

/// Where the clients' handlers run; every test runs in both.
enum class layout {
    /// Each client owns a strand of one asio::thread_pool of four threads:
    /// the deployment the library documents. The pool's threads share one
    /// scheduler whose mutex orders much of what they do, so TSan sees a race
    /// there only when its two accesses overlap in time.
    pool_strands,
    /// Four io_contexts, each run by a thread of its own, the clients dealt
    /// round-robin. Nothing orders two clients of different contexts but
    /// what they share, so TSan sees state shared without a lock (a static,
    /// a common store) whether or not the accesses overlap.
    context_per_thread,
};

/// Four threads, and clients on them as the layout says.
class client_pool {
public:
    explicit client_pool(layout how) {
        if (how == layout::pool_strands)
            pool_.emplace(thread_count);
        else
            for (std::size_t i = 0; i < thread_count; ++i) contexts_.push_back(std::make_unique<asio::io_context>());
    }
    client_pool(const client_pool&) = delete;
    client_pool& operator=(const client_pool&) = delete;

    ~client_pool() {
        // After a hang, unfinished coroutine frames still point at the
        // clients, and the pool destroys those frames last: leak the clients.
        if (hung_)
            for (auto& c : clients) (void)c.release();
        clients.clear();
    }

    template <class Auth>
    klaviyo::client& add(Auth auth, const klaviyo::client_options& o) {
        asio::any_io_executor ex = pool_ ? asio::any_io_executor(asio::make_strand(*pool_))
                                         : contexts_[clients.size() % thread_count]->get_executor();
        clients.push_back(std::make_unique<klaviyo::client>(ex, std::move(auth), o));
        return *clients.back();
    }

    /// Runs `body` (a coroutine function) on the client's executor as one task.
    template <class F>
    void spawn(klaviyo::client& c, F body) {
        tasks.add();
        asio::co_spawn(c.get_executor(), std::move(body), [this](std::exception_ptr e) { tasks.done(e); });
    }

    /// Runs the work (the contexts' threads start here), waits for every task
    /// and then for the threads, each within the hang guard. False when
    /// something hung; everything is stopped then.
    bool finish() {
        for (auto& c : contexts_) runners_.emplace_back([ctx = c.get()] { ctx->run(); });
        bool ok = tasks.wait(hang_guard);
        if (!ok) stop();
        auto joined = std::async(std::launch::async, [this] {
            if (pool_) pool_->join();
            for (auto& t : runners_) t.join();
        });
        if (joined.wait_for(hang_guard) != std::future_status::ready) { // work left after the last task
            ok = false;
            stop();
        }
        joined.get();
        hung_ = !ok;
        return ok;
    }

    std::vector<std::unique_ptr<klaviyo::client>> clients;
    tally tasks;

private:
    void stop() {
        if (pool_) pool_->stop();
        for (auto& c : contexts_) c->stop();
    }

    // The destructor's body destroys the clients; these outlive them.
    std::optional<asio::thread_pool> pool_;
    std::vector<std::unique_ptr<asio::io_context>> contexts_;
    std::vector<std::thread> runners_;
    bool hung_ = false;
};

/// Declares `void name(layout)` and a test case of each layout that calls it.
#define KTEST_BOTH_LAYOUTS(name)                                                                                      \
    void name(layout how);                                                                                            \
    BOOST_AUTO_TEST_CASE(name##_on_pool_strands) { name(layout::pool_strands); }                                      \
    BOOST_AUTO_TEST_CASE(name##_on_a_context_per_thread) { name(layout::context_per_thread); }                        \
    void name(layout how)

void require_no_failures(tally& t) {
    auto failures = t.failures();
    std::string all;
    for (const auto& f : failures) all += "\n  " + f;
    BOOST_TEST(failures.empty(), failures.size() << " failures in the pool's tasks:" << all);
}

klaviyo::client_options options_for(const ktest::sandbox_fixture& f) {
    klaviyo::client_options o;
    o.base_url = f.sandbox->base_url();
    o.pacing.enabled = false; // the sandbox's limits are off: nothing to pace
    return o;
}

/// The app's secret carries TESTSECRET, so CI's grep for leaked keys covers it.
constexpr const char* app_secret = "TESTSECRET-threads-app-secret";

sandbox::options oauth_sandbox() {
    sandbox::options o;
    o.rate_limits = false;
    o.oauth.client_secret = app_secret;
    return o;
}

klaviyo::oauth_config app_config(const ktest::sandbox_fixture& f) {
    const auto& base = f.sandbox->base_url();
    klaviyo::oauth_config c;
    c.client_id = "sandbox-app";
    c.client_secret = app_secret;
    c.redirect_uri = "http://127.0.0.1:9/callback"; // never contacted: the test reads the redirect
    c.scopes = {"profiles:read", "profiles:write"};
    c.authorize_url = base + "/oauth/authorize";
    c.token_url = base + "/oauth/token";
    c.revoke_url = base + "/oauth/revoke";
    return c;
}

/// What a browser does for the user: opens the authorize URL (the sandbox
/// consents at once) and hands back the code from the redirect.
std::string authorization_code(ktest::sandbox_fixture& f, const klaviyo::authorization_request& req) {
    klaviyo::http_request get;
    get.method = http_method::get;
    get.target = std::string(boost::urls::parse_uri(req.url)->encoded_target());
    auto r = f.raw(get);
    BOOST_TEST_REQUIRE(r.status == 302u);
    return klaviyo::code_from_redirect(req, r.header("Location"));
}

/// A token store that clients on different threads may share: its state is
/// under a mutex. memory_token_store has none (plain members, no lock):
/// shared by clients on different threads, its saves race (TSan reports it
/// in the context-per-thread layout).
class locked_token_store final : public klaviyo::token_store {
public:
    awaitable<std::optional<klaviyo::oauth_token>> async_load() override {
        auto t = [this] {
            std::lock_guard lock(m_);
            ++loads_;
            return token_;
        }();
        co_return t;
    }
    awaitable<void> async_save(klaviyo::oauth_token t) override {
        {
            std::lock_guard lock(m_);
            token_ = std::move(t);
            ++saves_;
        }
        co_return;
    }
    std::size_t loads() {
        std::lock_guard lock(m_);
        return loads_;
    }
    std::size_t saves() {
        std::lock_guard lock(m_);
        return saves_;
    }

private:
    std::mutex m_;
    std::optional<klaviyo::oauth_token> token_;
    std::size_t loads_ = 0, saves_ = 0;
};

} // namespace

BOOST_AUTO_TEST_SUITE(threads)

// Eight clients, four tasks each, all at once: writes read back, upserts that
// find them, full paginations through both layers while profiles are being
// added, and pages of ids fetched one by one.
KTEST_BOTH_LAYOUTS(eight_clients_get_write_and_page) {
    constexpr std::size_t clients = 8, preloaded = 250, lists = 23, writes = 10, reads = 10;
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false, .profiles = preloaded});
    for (std::size_t i = 0; i < lists; ++i)
        ktest::call(f, http_method::post, "/api/lists",
                    R"({"data":{"type":"list","attributes":{"name":"threads )" + std::to_string(i) + R"("}}})");
    const std::size_t requests_before = f.sandbox->stats().requests, connections_before = f.sandbox->stats().connections;

    /// What one client's tasks saw; touched on that client's executor only.
    struct record {
        std::size_t requests = 0, created = 0, found_by_upsert = 0, read = 0, lists_paged = 0, lists_itemized = 0;
        std::vector<std::size_t> profiles_paged; ///< items of each full pagination
    };
    std::vector<record> seen(clients);
    client_pool p(how);
    for (std::size_t i = 0; i < clients; ++i) {
        auto& c = p.add(klaviyo::api_key(f.sandbox->api_key()), options_for(f));
        auto& s = seen[i];
        auto& t = p.tasks;
        const std::string tag = std::to_string(i);

        p.spawn(c, [&c, &s, &t, tag]() -> awaitable<void> {
            for (std::size_t k = 0; k < writes; ++k) {
                klaviyo::new_profile np;
                np.email = "threads-" + tag + "-" + std::to_string(k) + "@example.com";
                auto created = co_await c.async_create<klaviyo::profile>(np);
                ++s.requests;
                ++s.created;
                auto got = co_await c.async_get<klaviyo::profile>(created.data.id);
                ++s.requests;
                t.check(got.data.attributes.email == np.email, "client " + tag + " read back another email");
                klaviyo::profile_upsert u;
                u.email = np.email;
                u.first_name = "Thread " + tag;
                auto up = co_await c.async_create_or_update_profile(u);
                ++s.requests;
                t.check(!up.created && up.document.data.id == created.data.id,
                        "client " + tag + ": the upsert did not find the profile it had created");
                s.found_by_upsert += !up.created;
            }
        });

        p.spawn(c, [&c, &s]() -> awaitable<void> {
            for (int round = 0; round < 2; ++round) {
                std::size_t n = 0;
                auto pages = c.pages<klaviyo::profile>();
                while (auto page = co_await pages.async_resume(use_awaitable)) {
                    ++s.requests;
                    n += page->data.size();
                }
                s.profiles_paged.push_back(n);
            }
        });

        p.spawn(c, [&c, &s]() -> awaitable<void> {
            // The generated layer: 23 lists at 10 a page, by pages then by items.
            klaviyo::api::call_options all;
            auto pages = klaviyo::api::pages<klaviyo::api::get_lists>(c, all);
            while (auto page = co_await pages.async_resume(use_awaitable)) {
                ++s.requests;
                s.lists_paged += page->data.size();
            }
            auto items = klaviyo::api::items<klaviyo::api::get_lists>(c, all);
            while (auto list = co_await items.async_resume(use_awaitable)) s.lists_itemized += !list->id.empty();
            s.requests += (lists + 9) / 10;
        });

        p.spawn(c, [&c, &s, &t, tag]() -> awaitable<void> {
            klaviyo::list_options ten{.page_size = 10};
            klaviyo::get_options plain;
            for (std::size_t k = 0; k < reads; ++k) {
                auto page = co_await c.async_list<klaviyo::profile>(ten);
                ++s.requests;
                t.check(page.data.size() == 10u, "client " + tag + ": a first page without 10 profiles");
                for (std::size_t j = 0; j < 3 && j < page.data.size(); ++j) {
                    auto one = co_await c.async_get<klaviyo::profile>(page.data[j].id, plain);
                    ++s.requests;
                    s.read += one.data.id == page.data[j].id;
                }
            }
        });
    }
    BOOST_TEST_REQUIRE(p.finish(), "the pool did not finish within the hang guard");
    require_no_failures(p.tasks);

    std::size_t requests = 0, connections = 0;
    for (std::size_t i = 0; i < clients; ++i) {
        const auto& s = seen[i];
        BOOST_TEST_CONTEXT("client " << i) {
            BOOST_TEST(s.created == writes);
            BOOST_TEST(s.found_by_upsert == writes);
            BOOST_TEST(s.read == reads * 3);
            BOOST_TEST(s.lists_paged == lists);
            BOOST_TEST(s.lists_itemized == lists);
            BOOST_TEST_REQUIRE(s.profiles_paged.size() == 2u);
            for (auto n : s.profiles_paged) { // profiles were being added meanwhile
                BOOST_TEST(n >= preloaded);
                BOOST_TEST(n <= preloaded + clients * writes);
            }
        }
        requests += s.requests;
        connections += p.clients[i]->transport().connections_opened();
    }
    BOOST_TEST(f.sandbox->profile_count() == preloaded + clients * writes);
    // No faults and no limits: every call is one request, and every request
    // and connection a client made reached the sandbox, once.
    BOOST_TEST(f.sandbox->stats().requests - requests_before == requests);
    BOOST_TEST(f.sandbox->stats().connections - connections_before == connections);
    BOOST_TEST(connections >= clients);
}

// Four OAuth clients, each with its own store, exchange their codes and then
// call from four concurrent loops each while their tokens are always due for
// refresh: refreshes run on four threads at once, each shared by the calls
// of its client that are waiting for it.
KTEST_BOTH_LAYOUTS(oauth_clients_refresh_concurrently) {
    constexpr std::size_t clients = 4, loops = 4, calls = 5;
    ktest::sandbox_fixture f(oauth_sandbox());
    // A lifetime under the refresh margin (60 s): a token is due for refresh
    // as soon as it is issued, so every call that finds no refresh in flight
    // starts one.
    f.sandbox->set_oauth_token_ttl(std::chrono::seconds(30));

    std::vector<std::shared_ptr<klaviyo::memory_token_store>> stores;
    std::vector<std::size_t> succeeded(clients, 0); // each touched on its client's executor only
    client_pool p(how);
    for (std::size_t i = 0; i < clients; ++i) {
        auto config = app_config(f);
        auto req = klaviyo::make_authorization_request(config);
        auto code = authorization_code(f, req);
        // One store per client: memory_token_store has no lock, so it stays on its client's executor.
        stores.push_back(std::make_shared<klaviyo::memory_token_store>());
        auto& c = p.add(klaviyo::oauth_connection{config, stores.back()}, options_for(f));
        auto& ok = succeeded[i];
        const std::string tag = std::to_string(i);
        p.spawn(c, [&c, &ok, tag, code, verifier = req.code_verifier]() -> awaitable<void> {
            using namespace asio::experimental::awaitable_operators;
            co_await c.async_exchange_code(code, verifier);
            auto loop = [&c, &ok](bool write, std::string name) -> awaitable<void> {
                klaviyo::list_options five{.page_size = 5};
                for (std::size_t k = 0; k < calls; ++k) {
                    if (write) {
                        klaviyo::new_profile np;
                        np.email = "oauth-" + name + "-" + std::to_string(k) + "@example.com";
                        co_await c.async_create<klaviyo::profile>(np);
                    } else {
                        co_await c.async_list<klaviyo::profile>(five);
                    }
                    ++ok;
                }
            };
            static_assert(loops == 4);
            co_await (loop(false, tag + "a") && loop(true, tag + "b") && loop(false, tag + "c") &&
                      loop(true, tag + "d"));
        });
    }
    BOOST_TEST_REQUIRE(p.finish(), "the pool did not finish within the hang guard");
    require_no_failures(p.tasks);

    std::size_t refreshes_saved = 0;
    for (std::size_t i = 0; i < clients; ++i) {
        BOOST_TEST_CONTEXT("client " << i) {
            BOOST_TEST(succeeded[i] == loops * calls);
            BOOST_TEST(stores[i]->saves() >= 2u); // the exchange, and at least one refresh
            BOOST_TEST(stores[i]->saves() <= 1 + loops * calls);
        }
        refreshes_saved += stores[i]->saves() - 1;
    }
    // Every refresh the sandbox made was saved by the client that asked for it.
    BOOST_TEST(f.sandbox->oauth_refreshes() == refreshes_saved);
    BOOST_TEST(f.sandbox->oauth_token_requests() == clients + refreshes_saved);
    BOOST_TEST(f.sandbox->profile_count() == clients * 2 * calls);
}

// Clients on four threads share one (thread-safe) store: each loads the
// token from it, concurrently, once, and uses it.
KTEST_BOTH_LAYOUTS(oauth_clients_load_one_shared_store) {
    constexpr std::size_t clients = 6, calls = 6;
    ktest::sandbox_fixture f(oauth_sandbox());
    auto store = std::make_shared<locked_token_store>();
    auto config = app_config(f);
    {
        // The authorization is done once, by a client on the fixture's own thread.
        klaviyo::client connector(f.ioc.get_executor(), klaviyo::oauth_connection{config, store}, options_for(f));
        auto req = klaviyo::make_authorization_request(config);
        auto code = authorization_code(f, req);
        f.run([&]() -> awaitable<void> { co_await connector.async_exchange_code(code, req.code_verifier); });
    }
    BOOST_TEST_REQUIRE(store->saves() == 1u);

    std::vector<std::size_t> succeeded(clients, 0);
    client_pool p(how);
    for (std::size_t i = 0; i < clients; ++i) {
        auto& c = p.add(klaviyo::oauth_connection{config, store}, options_for(f));
        auto& ok = succeeded[i];
        p.spawn(c, [&c, &ok]() -> awaitable<void> {
            klaviyo::list_options five{.page_size = 5};
            for (std::size_t k = 0; k < calls; ++k) {
                co_await c.async_list<klaviyo::profile>(five);
                ++ok;
            }
        });
    }
    BOOST_TEST_REQUIRE(p.finish(), "the pool did not finish within the hang guard");
    require_no_failures(p.tasks);
    for (std::size_t i = 0; i < clients; ++i) BOOST_TEST(succeeded[i] == calls);
    BOOST_TEST(store->loads() == clients); // one load each; the token is then the client's
    BOOST_TEST(store->saves() == 1u);      // a fresh token: nobody refreshed
    BOOST_TEST(f.sandbox->oauth_refreshes() == 0u);
}

// Clients sharing one store, refreshing: what oauth_connection's sharing of
// a store would promise. DISABLED: it fails today, and by design. Klaviyo
// (and the sandbox) rotate refresh tokens, so each refresh spends the
// refresh token it used; every client keeps its own copy of the token it
// loaded and never reloads it, so the first client to refresh spends the
// others' refresh token and their refreshes fail with invalid_grant (3 of 4
// clients, every run). Run it with --run_test=threads/oauth_clients_refresh_one_shared_store
// once the client coordinates refreshes through the store.
BOOST_AUTO_TEST_CASE(oauth_clients_refresh_one_shared_store, *boost::unit_test::disabled()) {
    constexpr std::size_t clients = 4, calls = 6;
    ktest::sandbox_fixture f(oauth_sandbox());
    f.sandbox->set_oauth_token_ttl(std::chrono::seconds(30)); // due for refresh at once (margin: 60 s)
    auto store = std::make_shared<locked_token_store>();
    auto config = app_config(f);
    {
        klaviyo::client connector(f.ioc.get_executor(), klaviyo::oauth_connection{config, store}, options_for(f));
        auto req = klaviyo::make_authorization_request(config);
        auto code = authorization_code(f, req);
        f.run([&]() -> awaitable<void> { co_await connector.async_exchange_code(code, req.code_verifier); });
    }
    std::vector<std::size_t> succeeded(clients, 0);
    client_pool p(layout::pool_strands);
    for (std::size_t i = 0; i < clients; ++i) {
        auto& c = p.add(klaviyo::oauth_connection{config, store}, options_for(f));
        auto& ok = succeeded[i];
        p.spawn(c, [&c, &ok]() -> awaitable<void> {
            klaviyo::list_options five{.page_size = 5};
            for (std::size_t k = 0; k < calls; ++k) {
                co_await c.async_list<klaviyo::profile>(five);
                ++ok;
            }
        });
    }
    BOOST_TEST_REQUIRE(p.finish(), "the pool did not finish within the hang guard");
    require_no_failures(p.tasks);
    for (std::size_t i = 0; i < clients; ++i) BOOST_TEST(succeeded[i] == calls);
    // Every refresh the sandbox made was saved, and rotated tokens reached all.
    BOOST_TEST(f.sandbox->oauth_refreshes() == store->saves() - 1);
}

// Calls cancelled by a signal whose emission comes from another thread
// (posted to the call's executor, where the signal lives: a client and its
// signals are not thread-safe), and calls raced with timers by the awaitable
// operators. A quarter of the sandbox's answers come 1.5 s late, so many
// calls are cancelled while they wait for an answer. Every call must end
// with success or operation_aborted; a cancelled client goes on working.
KTEST_BOTH_LAYOUTS(calls_cancelled_from_another_thread) {
    constexpr std::size_t clients = 8, per_client = 12, raced = 6, preloaded = 40;
    ktest::sandbox_fixture f(
        sandbox::options{.rate_limits = false, .faults = "delay=0.25:1500", .seed = 7, .profiles = preloaded});
    std::vector<std::string> ids;
    {
        auto first = ktest::call(f, http_method::get, "/api/profiles");
        for (const auto& r : first.body.at("data").as_array()) ids.emplace_back(r.at("id").as_string());
    }
    BOOST_TEST_REQUIRE(ids.size() >= 10u);

    enum class when { at_once, whenever, after_completion };
    /// One call and the signal that may cancel it.
    struct cancellable {
        when kind = when::at_once;
        bool write = false;
        asio::cancellation_signal signal; ///< on the client's executor only
        std::atomic<bool> started{false}, finished{false};
        error_code ec; ///< written on the client's executor; read after the threads joined
    };
    /// One client's calls and what its last call found; the counters are
    /// touched on the client's executor only.
    struct client_calls {
        std::deque<cancellable> calls;
        std::size_t outstanding = 0;
        std::size_t timer_won = 0, call_won = 0;
        bool last_call_ok = false;
    };
    client_pool p(how);
    // After the pool: a signal that served a call keeps that call's
    // cancellation handler, and with it a copy of the client's executor,
    // until the signal is destroyed; that copy must not outlive its pool or
    // context (a strand's last copy locks the pool's strand service).
    std::vector<client_calls> all(clients);
    for (std::size_t i = 0; i < clients; ++i) {
        auto& c = p.add(klaviyo::api_key(f.sandbox->api_key()), options_for(f));
        auto& mine = all[i];
        for (std::size_t j = 0; j < per_client; ++j) {
            auto& call = mine.calls.emplace_back();
            call.kind = static_cast<when>(j % 3);
            call.write = call.kind == when::whenever && j % 2 == 1;
        }
        // Each call and the last call are tasks (the raced loop is one by p.spawn).
        p.tasks.add(per_client + 1);
        mine.outstanding = per_client + 1;
        auto& t = p.tasks;
        const std::string tag = std::to_string(i);

        // Once every call of this client has ended, one more must succeed:
        // the connections that cancellation closed left the pool sound.
        auto one_ended = [&c, &mine, &t, &ids] {
            if (--mine.outstanding > 0) return;
            klaviyo::get_options plain;
            c.async_get<klaviyo::profile>(ids[0], plain, [&mine, &t](error_code ec, auto) {
                mine.last_call_ok = !ec;
                t.check(!ec, "the call after the cancellations failed: " + ec.message());
                t.done(nullptr);
            });
        };

        asio::post(c.get_executor(), [&c, &mine, &t, &ids, one_ended, tag] {
            std::size_t n = 0;
            for (auto& call : mine.calls) {
                auto done = [&call, &t, one_ended](error_code ec, auto) {
                    call.ec = ec;
                    call.finished = true;
                    t.done(nullptr);
                    one_ended();
                };
                auto bound = asio::bind_cancellation_slot(call.signal.slot(), std::move(done));
                if (call.write) {
                    klaviyo::new_profile np;
                    np.email = "cancel-" + tag + "-" + std::to_string(n) + "@example.com";
                    c.async_create<klaviyo::profile>(np, klaviyo::write_options{}, std::move(bound));
                } else {
                    c.async_get<klaviyo::profile>(ids[n % ids.size()], klaviyo::get_options{}, std::move(bound));
                }
                call.started = true;
                ++n;
            }
        });

        p.spawn(c, [&c, &mine, &t, &ids, one_ended]() -> awaitable<void> {
            using namespace asio::experimental::awaitable_operators;
            try {
                for (std::size_t k = 0; k < raced; ++k) {
                    asio::steady_timer deadline(co_await asio::this_coro::executor, std::chrono::milliseconds(k));
                    klaviyo::get_options plain;
                    auto r = co_await (c.async_get<klaviyo::profile>(ids[k], plain, use_awaitable) ||
                                       deadline.async_wait(use_awaitable));
                    ++(r.index() == 0 ? mine.call_won : mine.timer_won);
                }
            } catch (const std::exception& e) {
                t.fail(std::string("a call raced with a timer failed: ") + e.what());
            }
            one_ended(); // in any case: the last call waits for this loop
        });
    }

    // The canceller: a thread of its own, as a caller's other thread would be.
    // It is a task too, so that the pool cannot finish before its last
    // emission has been posted (a posted handler is work the pool waits for).
    std::atomic<bool> give_up{false};
    p.tasks.add();
    std::thread canceller([&] {
        auto emit = [&](std::size_t i, cancellable& call) {
            asio::post(p.clients[i]->get_executor(), [&call] { call.signal.emit(asio::cancellation_type::terminal); });
        };
        auto wait_for = [&give_up](const std::atomic<bool>& flag) {
            while (!flag && !give_up) std::this_thread::sleep_for(std::chrono::microseconds(50));
        };
        std::minstd_rand rng(11);
        for (std::size_t j = 0; j < per_client; ++j)
            for (std::size_t i = 0; i < clients; ++i) {
                auto& call = all[i].calls[j];
                if (call.kind == when::after_completion) continue;
                wait_for(call.started);
                if (call.kind == when::whenever) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
                emit(i, call);
            }
        // A signal emitted after its call ended must change nothing.
        for (std::size_t i = 0; i < clients; ++i)
            for (auto& call : all[i].calls)
                if (call.kind == when::after_completion) {
                    wait_for(call.finished);
                    emit(i, call);
                }
        p.tasks.done(nullptr);
    });
    const bool finished = p.finish();
    give_up = !finished; // a hung call would hold the canceller forever
    canceller.join();
    if (!finished) // the pool has stopped: its state can be read now
        for (std::size_t i = 0; i < clients; ++i) {
            std::string stuck;
            for (std::size_t j = 0; j < per_client; ++j) {
                const auto& call = all[i].calls[j];
                if (!call.finished)
                    stuck += " " + std::to_string(j) + (call.write ? "(write," : "(read,") +
                             std::to_string(static_cast<int>(call.kind)) + (call.started ? ",started)" : ")");
            }
            BOOST_TEST_MESSAGE("client " << i << ": " << all[i].outstanding << " outstanding; unfinished calls:"
                                         << stuck << "; raced " << all[i].call_won + all[i].timer_won << " of "
                                         << raced);
        }
    BOOST_TEST_REQUIRE(finished, "the pool did not finish within the hang guard");
    require_no_failures(p.tasks);

    std::size_t aborted = 0, ok = 0, writes_ok = 0, writes = 0;
    for (std::size_t i = 0; i < clients; ++i) {
        BOOST_TEST_CONTEXT("client " << i) {
            for (const auto& call : all[i].calls) {
                BOOST_TEST(call.finished.load());
                BOOST_TEST((!call.ec || call.ec == asio::error::operation_aborted), call.ec.message());
                if (call.kind == when::after_completion) BOOST_TEST(!call.ec, call.ec.message());
                aborted += call.ec == asio::error::operation_aborted;
                ok += !call.ec;
                writes += call.write;
                writes_ok += call.write && !call.ec;
            }
            BOOST_TEST(all[i].call_won + all[i].timer_won == raced);
            BOOST_TEST(all[i].last_call_ok);
        }
    }
    BOOST_TEST_MESSAGE("cancellation: " << aborted << " aborted, " << ok << " succeeded of " << clients * per_client
                                        << " calls");
    BOOST_TEST(aborted > 0u);
    BOOST_TEST(ok >= clients * per_client / 3); // the after_completion third at least
    // A cancelled write may or may not have been stored; a completed one was.
    const std::size_t stored = f.sandbox->profile_count() - preloaded;
    BOOST_TEST(stored >= writes_ok);
    BOOST_TEST(stored <= writes);
}

BOOST_AUTO_TEST_SUITE_END()
