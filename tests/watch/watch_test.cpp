// klaviyo/watch: the pure rules (time formats, checkpoints, de-duplication,
// how far the checkpoint may move), the checkpoint stores, and watchers
// against the sandbox with writers running beside them, on the sandbox's
// clock so that a thousand polls take seconds.
#include "../integration/sandbox_fixture.hpp"

#include <klaviyo/api/events.hpp>
#include <klaviyo/api/lists.hpp>
#include <klaviyo/api/profiles.hpp>
#include <klaviyo/api/templates.hpp>
#include <klaviyo/api/tags.hpp>
#include <klaviyo/watch.hpp>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace json = boost::json;
namespace api = klaviyo::api;
namespace kw = klaviyo::watch;
using kw::detail::seconds_t;

namespace {

kw::delivered ver(std::string id, seconds_t at, std::uint64_t fp = 1) { return {std::move(id), at, fp}; }

kw::checkpoint base_checkpoint(seconds_t since) {
    kw::checkpoint c;
    c.resource = "profiles";
    c.account = "ACCT";
    c.since = since;
    return c;
}

std::string temp_path(const std::string& name) {
    return "watch-test-" + std::to_string(::getpid()) + "-" + name;
}

} // namespace

// ---------------------------------------------------------------- pure rules

BOOST_AUTO_TEST_SUITE(watch_rules)

BOOST_AUTO_TEST_CASE(times_read_and_written) {
    using namespace kw::detail;
    BOOST_TEST(*parse_iso("1970-01-01T00:00:00Z") == 0);
    BOOST_TEST(*parse_iso("2026-07-15T12:34:56+00:00") == *parse_iso("2026-07-15T12:34:56Z"));
    BOOST_TEST(*parse_iso("2026-07-15T12:34:56.999Z") == *parse_iso("2026-07-15T12:34:56Z")); // the second counts
    BOOST_TEST(*parse_iso("2026-07-15T14:34:56+02:00") == *parse_iso("2026-07-15T12:34:56Z"));
    BOOST_TEST(*parse_iso("2026-07-15T12:34:56") == *parse_iso("2026-07-15T12:34:56Z"));
    BOOST_TEST(!parse_iso("2026-13-15T12:34:56Z"));
    BOOST_TEST(!parse_iso("2026-02-30T12:34:56Z"));
    BOOST_TEST(!parse_iso("yesterday"));
    BOOST_TEST(!parse_iso("2026-07-15T12:34:56Zjunk"));
    BOOST_TEST(format_iso(*parse_iso("2026-07-15T12:34:56+00:00")) == "2026-07-15T12:34:56Z");
    BOOST_TEST(format_iso(0) == "1970-01-01T00:00:00Z");
    BOOST_TEST(*parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == *parse_iso("1994-11-06T08:49:37Z"));
    BOOST_TEST(!parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
    BOOST_TEST(!parse_http_date(""));
}

BOOST_AUTO_TEST_CASE(checkpoint_round_trip) {
    auto c = base_checkpoint(1'800'000'000);
    c.seen = {ver("a", 1'800'000'000, 0xdeadbeef), ver("b", 1'800'000'005, ~0ull)};
    auto back = kw::parse_checkpoint(json::serialize(kw::to_json(c)));
    BOOST_TEST((back == c));
    kw::checkpoint s;
    s.resource = "scan:get_tags";
    s.account = "ACCT";
    s.full_scan = true;
    s.seen = {ver("t1", 0, 7)};
    BOOST_TEST((kw::parse_checkpoint(json::serialize(kw::to_json(s))) == s));
}

BOOST_AUTO_TEST_CASE(corrupt_checkpoints_are_refused_saying_so) {
    auto good = json::serialize(kw::to_json(base_checkpoint(1'800'000'000)));
    std::vector<std::string> bad = {
        "",                                   // an empty file
        good.substr(0, good.size() / 2),      // cut short
        "[]",                                 // not an object
        R"({"format":"something else","resource":"profiles","account":"A","mode":"since","since":"2026-01-01T00:00:00Z","seen":[]})",
        R"({"format":"klaviyo-cpp watch checkpoint 1","resource":"profiles","account":"A","mode":"since","since":"soon","seen":[]})",
        R"({"format":"klaviyo-cpp watch checkpoint 1","resource":"profiles","account":"A","mode":"since","since":"2026-01-01T00:00:00Z"})",
        R"({"format":"klaviyo-cpp watch checkpoint 1","resource":"profiles","account":"A","mode":"since","since":"2026-01-01T00:00:00Z","seen":[{"id":"x","at":"2025-01-01T00:00:00Z","fingerprint":"0000000000000001"}]})",
        R"({"format":"klaviyo-cpp watch checkpoint 1","resource":"profiles","account":"A","mode":"since","since":"2026-01-01T00:00:00Z","seen":[{"id":"x","at":"2026-01-01T00:00:00Z","fingerprint":"xyz"}]})",
    };
    for (const auto& text : bad) {
        try {
            kw::parse_checkpoint(text);
            BOOST_ERROR("accepted: " << text);
        } catch (const kw::checkpoint_error& e) {
            BOOST_TEST((e.problem() == kw::checkpoint_problem::corrupt));
            BOOST_TEST(std::string(e.what()).find("corrupt watch checkpoint") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(a_checkpoint_of_another_resource_or_account_is_refused) {
    auto c = base_checkpoint(100);
    BOOST_CHECK_NO_THROW(kw::check_owner(c, "profiles", "ACCT", false));
    try {
        kw::check_owner(c, "lists", "ACCT", false);
        BOOST_ERROR("accepted another resource");
    } catch (const kw::checkpoint_error& e) {
        BOOST_TEST((e.problem() == kw::checkpoint_problem::other_resource));
        BOOST_TEST(std::string(e.what()).find("'profiles'") != std::string::npos);
        BOOST_TEST(std::string(e.what()).find("'lists'") != std::string::npos);
    }
    try {
        kw::check_owner(c, "profiles", "OTHER", false);
        BOOST_ERROR("accepted another account");
    } catch (const kw::checkpoint_error& e) {
        BOOST_TEST((e.problem() == kw::checkpoint_problem::other_account));
    }
    try {
        kw::check_owner(c, "profiles", "ACCT", true);
        BOOST_ERROR("a time checkpoint accepted for a full scan");
    } catch (const kw::checkpoint_error& e) {
        BOOST_TEST((e.problem() == kw::checkpoint_problem::other_resource));
    }
}

BOOST_AUTO_TEST_CASE(the_overlap_is_skipped_and_changes_within_a_second_are_not) {
    auto c = base_checkpoint(100);
    c.seen = {ver("a", 100, 1), ver("b", 100, 2)};
    kw::detail::delivered_set had(c);
    std::vector<kw::delivered> page = {ver("a", 100, 1), ver("b", 100, 3), ver("c", 100, 4), ver("a", 101, 5)};
    auto f = kw::detail::fresh(had, page);
    // a at 100 is the overlap; b changed within its second; c is new; a was updated later
    BOOST_TEST((f == std::vector<std::size_t>{1, 2, 3}));
}

BOOST_AUTO_TEST_CASE(the_checkpoint_keeps_the_versions_at_its_second) {
    auto c = base_checkpoint(100);
    c.seen = {ver("a", 100), ver("b", 101)};
    std::vector<kw::delivered> batch = {ver("c", 101), ver("d", 103)};
    // The pages prove up to 103 (a full page ending there); the clock allows 110.
    auto n = kw::detail::advance(c, batch, 103, 110);
    BOOST_TEST(n.since == 103);
    BOOST_TEST((n.seen == std::vector<kw::delivered>{ver("d", 103)}));
    // The same at 101: the versions at 101 and later stay, to be skipped when re-read.
    n = kw::detail::advance(c, batch, 101, 110);
    BOOST_TEST(n.since == 101);
    BOOST_TEST((n.seen == std::vector<kw::delivered>{ver("b", 101), ver("c", 101), ver("d", 103)}));
}

BOOST_AUTO_TEST_CASE(a_future_record_does_not_move_the_checkpoint_past_the_clock) {
    auto c = base_checkpoint(100);
    std::vector<kw::delivered> batch = {ver("a", 101), ver("future", 100 + 3600)};
    // The last page: everything is proven, but the clock (Date 105, margin 2) caps it.
    auto n = kw::detail::advance(c, batch, kw::detail::unbounded, 103);
    BOOST_TEST(n.since == 103);
    BOOST_TEST((n.seen == std::vector<kw::delivered>{ver("future", 3700)})); // kept: skipped when re-read
    // And it never moves back.
    auto m = kw::detail::advance(n, {}, kw::detail::unbounded, 90);
    BOOST_TEST(m.since == 103);
}

BOOST_AUTO_TEST_CASE(only_the_first_page_bounds_the_checkpoint_unless_it_is_one_second) {
    std::vector<kw::delivered> p1 = {ver("a", 100), ver("b", 102)};
    std::vector<kw::delivered> p2 = {ver("c", 104), ver("d", 106)};
    kw::detail::poll_bound b;
    b.add_page(p1, false, 100);
    BOOST_TEST(b.value() == 102);
    b.add_page(p2, false, 100); // read by the cursor: a record may have shifted past it
    BOOST_TEST(b.value() == 102);

    std::vector<kw::delivered> same = {ver("a", 100), ver("b", 100)};
    kw::detail::poll_bound one;
    one.add_page(same, false, 100);
    BOOST_TEST(one.value() == 100);
    one.add_page(p2, false, 100); // more records in one second than a page: the cursor gets past it
    BOOST_TEST(one.value() == 106);
    one.add_page({}, true, 100);
    BOOST_TEST(one.value() == kw::detail::unbounded);

    kw::detail::poll_bound last;
    last.add_page(p1, true, 100);
    BOOST_TEST(last.value() == kw::detail::unbounded);
}

BOOST_AUTO_TEST_CASE(a_scan_diff_finds_created_changed_and_deleted) {
    kw::checkpoint before;
    before.full_scan = true;
    before.seen = {ver("a", 0, 1), ver("b", 0, 2), ver("c", 0, 3)};
    std::vector<kw::delivered> now = {ver("a", 0, 1), ver("b", 0, 9), ver("d", 0, 4)};
    auto d = kw::detail::diff(before, now);
    BOOST_TEST((d.created == std::vector<std::size_t>{2}));
    BOOST_TEST((d.changed == std::vector<std::size_t>{1}));
    BOOST_TEST((d.deleted == std::vector<std::string>{"c"}));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- stores

BOOST_AUTO_TEST_SUITE(watch_stores)

BOOST_AUTO_TEST_CASE(file_store_round_trip_and_first_run) {
    auto path = temp_path("roundtrip.checkpoint");
    std::remove(path.c_str());
    kw::file_checkpoint_store store(path);
    BOOST_TEST(!store.load().has_value()); // never saved: a first run
    auto c = base_checkpoint(1'800'000'000);
    c.seen = {ver("a", 1'800'000'001, 42)};
    store.save(c);
    BOOST_TEST((*store.load() == c));
    c.since += 10;
    c.seen.clear();
    store.save(c);
    BOOST_TEST((*kw::file_checkpoint_store(path).load() == c));
    std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(a_crash_mid_write_leaves_the_previous_checkpoint) {
    auto path = temp_path("crash.checkpoint");
    kw::file_checkpoint_store store(path);
    auto c = base_checkpoint(1'800'000'000);
    store.save(c);
    // What a crash during the next save leaves: a half-written temporary file.
    auto next = c;
    next.since += 5;
    std::string text = json::serialize(kw::to_json(next));
    std::ofstream(path + ".tmp", std::ios::binary) << text.substr(0, text.size() / 2);
    BOOST_TEST((*store.load() == c));
    store.save(next); // and the next save goes through
    BOOST_TEST((*store.load() == next));
    std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(a_corrupt_file_is_refused_not_reset) {
    auto path = temp_path("corrupt.checkpoint");
    std::ofstream(path, std::ios::binary) << "{\"format\":\"klaviyo-cpp watch checkpoint 1\",\"reso";
    kw::file_checkpoint_store store(path);
    BOOST_CHECK_EXCEPTION(store.load(), kw::checkpoint_error,
                          [](const kw::checkpoint_error& e) { return e.problem() == kw::checkpoint_problem::corrupt; });
    std::ofstream(path, std::ios::binary | std::ios::trunc); // empty
    BOOST_CHECK_THROW(store.load(), kw::checkpoint_error);
    std::remove(path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------- against the sandbox

namespace {

struct watch_fixture : ktest::sandbox_fixture {
    watch_fixture() : ktest::sandbox_fixture(no_limits()) {
        // A stopped clock, on a round second: the tests move it.
        sandbox::server::set_clock(std::chrono::system_clock::time_point(std::chrono::seconds(1'900'000'000)));
    }
    ~watch_fixture() { sandbox::server::reset_clock(); }

    static sandbox::options no_limits() {
        sandbox::options o;
        o.rate_limits = false; // a thousand polls in seconds; pacing is not what is tested here
        return o;
    }

    static seconds_t clock() { return kw::detail::to_seconds(sandbox::server::clock_now()); }
};

json::value profile_body(const std::string& email, const std::string& label) {
    return json::object{{"data", json::object{{"type", "profile"},
                                              {"attributes", json::object{{"email", email}, {"first_name", label}}}}}};
}

json::value profile_update(const std::string& id, const std::string& label) {
    return json::object{
        {"data", json::object{{"type", "profile"}, {"id", id}, {"attributes", json::object{{"first_name", label}}}}}};
}

template <class Client>
asio::awaitable<std::string> create_profile(Client& c, std::string email, std::string label) {
    api::call_options o;
    o.body = profile_body(email, label);
    auto r = co_await api::async_call<api::create_profile>(c, std::move(o));
    co_return r.data->id;
}

template <class Client>
asio::awaitable<void> update_profile(Client& c, std::string id, std::string label) {
    api::call_options o;
    o.id = id;
    o.body = profile_update(id, label);
    co_await api::async_call<api::update_profile>(c, std::move(o));
}

/// What the consumer saw: every acknowledged version, and the latest label per profile.
struct consumer {
    std::set<std::pair<std::string, std::string>> versions; // (id, updated + label)
    std::map<std::string, std::string> latest;              // id -> label
    std::size_t duplicates = 0, records = 0;

    template <class Batch>
    void take(const Batch& b) {
        for (const auto& r : b.records) {
            auto label = r.attributes.first_name.value_or("");
            if (!versions.insert({r.id, r.attributes.updated.value_or("") + "|" + label}).second) ++duplicates;
            latest[r.id] = label;
            ++records;
        }
    }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(watch_sandbox, watch_fixture)

BOOST_AUTO_TEST_CASE(the_sandbox_dates_its_answers_by_its_clock) {
    run([&]() -> asio::awaitable<void> {
        klaviyo::raw_request req;
        req.path = "/api/accounts";
        auto r = co_await client->async_raw_request(req);
        BOOST_TEST(kw::detail::parse_http_date(r.header("Date")).value_or(0) == clock());
        sandbox::server::advance_clock(std::chrono::seconds(90));
        r = co_await client->async_raw_request(req);
        BOOST_TEST(kw::detail::parse_http_date(r.header("Date")).value_or(0) == 1'900'000'090);
    });
}

BOOST_AUTO_TEST_CASE(a_thousand_polls_with_writers_deliver_everything_once) {
    using namespace asio::experimental::awaitable_operators;
    auto path = temp_path("profiles.checkpoint");
    std::remove(path.c_str());
    kw::file_checkpoint_store store(path);
    kw::watch_options wo;
    wo.page_size = 10; // small pages: many records sharing a second cross a page boundary
    const seconds_t start = clock();
    wo.from = std::chrono::system_clock::time_point(std::chrono::seconds(start));

    std::map<std::string, std::string> truth; // id -> last label written
    std::vector<std::string> burst_ids, after_future_ids;
    std::string future_id;
    std::set<std::pair<std::string, std::string>> unacknowledged; // the batch dropped in the crash
    consumer seen;
    std::size_t polls = 0, crashes = 0, redelivered = 0, future_deliveries = 0;
    bool checkpoint_within_clock = true;
    int label = 0;

    run([&]() -> asio::awaitable<void> {
        auto w = std::make_unique<decltype(kw::changes<kw::profiles>(*client, store, wo))>(
            kw::changes<kw::profiles>(*client, store, wo));
        std::mt19937 rng(7);
        // A writer: creates a profile or updates one of its own; runs while the watcher polls.
        auto writer = [&](int who, int ops) -> asio::awaitable<void> {
            for (int i = 0; i < ops; ++i) {
                std::vector<std::string> mine;
                for (const auto& [id, l] : truth)
                    if (l.rfind("w" + std::to_string(who) + "-", 0) == 0) mine.push_back(id);
                std::string l = "w" + std::to_string(who) + "-" + std::to_string(++label);
                if (mine.empty() || rng() % 2) {
                    auto id = co_await create_profile(*client, "watch" + std::to_string(label) + "@example.com", l);
                    truth[id] = l;
                } else {
                    auto id = mine[rng() % mine.size()];
                    truth[id] = l; // before the write: a poll may see it at once
                    co_await update_profile(*client, id, l);
                }
            }
        };
        auto poll = [&]() -> asio::awaitable<void> {
            auto b = co_await w->async_next(asio::use_awaitable);
            ++polls;
            if (polls >= 500 && !b->records.empty() && crashes == 0) {
                // The consumer dies between delivery and acknowledgement.
                for (const auto& r : b->records)
                    unacknowledged.insert({r.id, r.attributes.updated.value_or("") + "|" +
                                                     r.attributes.first_name.value_or("")});
                w.reset();
                w = std::make_unique<decltype(kw::changes<kw::profiles>(*client, store, wo))>(
                    kw::changes<kw::profiles>(*client, store, wo));
                ++crashes;
                co_return;
            }
            for (const auto& r : b->records) {
                if (unacknowledged.count({r.id, r.attributes.updated.value_or("") + "|" +
                                                    r.attributes.first_name.value_or("")}))
                    ++redelivered;
                if (r.id == future_id) ++future_deliveries;
            }
            seen.take(*b);
            w->acknowledge(*b);
            // Never past Klaviyo's clock minus the margin (a first run may start at "now" itself).
            checkpoint_within_clock = checkpoint_within_clock && w->committed()->since <= std::max(start, clock() - 2);
        };

        for (int i = 0; i < 1000; ++i) {
            if (i == 100) {
                // 25 records in one second: more than two pages of 10.
                for (int k = 0; k < 25; ++k) {
                    std::string l = "burst-" + std::to_string(k);
                    auto id = co_await create_profile(*client, "burst" + std::to_string(k) + "@example.com", l);
                    truth[id] = l;
                    burst_ids.push_back(id);
                }
            }
            if (i == 300) {
                // A record stamped an hour in the future, then records at the right time.
                sandbox::server::advance_clock(std::chrono::hours(1));
                future_id = co_await create_profile(*client, "future@example.com", "future");
                truth[future_id] = "future";
                sandbox::server::advance_clock(-std::chrono::hours(1));
            }
            if (i > 300 && i < 310) {
                auto id = co_await create_profile(*client, "after" + std::to_string(i) + "@example.com", "after");
                truth[id] = "after";
                after_future_ids.push_back(id);
            }
            if (i % 4 == 0) {
                // Writers and the watcher at once: records change during a poll.
                bool writers_done = false;
                std::exception_ptr writers_failed;
                asio::steady_timer wake(ioc, asio::steady_timer::time_point::max());
                asio::co_spawn(
                    ioc, [&]() -> asio::awaitable<void> { co_await (writer(1, 2) && writer(2, 1)); },
                    [&](std::exception_ptr e) {
                        writers_failed = e;
                        writers_done = true;
                        wake.cancel();
                    });
                co_await poll();
                while (!writers_done) co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
                if (writers_failed) std::rethrow_exception(writers_failed);
            } else {
                co_await poll();
            }
            if (i % 3 == 0) sandbox::server::advance_clock(std::chrono::seconds(1)); // else: equal seconds
        }
        // Let the clock pass the margin, and the future record, then read to the end.
        sandbox::server::advance_clock(std::chrono::hours(2));
        for (int i = 0; i < 20; ++i) co_await poll();
        // Caught up: the checkpoint stands at the clock minus the margin, and keeps no old versions.
        BOOST_TEST(w->committed()->since == clock() - 2);
        BOOST_TEST(w->committed()->seen.empty());
    });

    BOOST_TEST(polls >= 1000u);
    BOOST_TEST(crashes == 1u);
    BOOST_TEST(!unacknowledged.empty());
    BOOST_TEST(redelivered == unacknowledged.size()); // the dropped batch came again, all of it
    BOOST_TEST(seen.duplicates == 0u);                // nothing acknowledged came twice
    BOOST_TEST(future_deliveries == 1u);
    BOOST_TEST(checkpoint_within_clock);
    BOOST_TEST(truth.size() > 300u);
    // Every record created or updated: its last version was delivered.
    std::size_t missing = 0;
    for (const auto& [id, l] : truth) {
        auto it = seen.latest.find(id);
        if (it == seen.latest.end() || it->second != l) {
            ++missing;
            BOOST_TEST_MESSAGE("not delivered: " << id << " " << l);
        }
    }
    BOOST_TEST(missing == 0u);
    for (const auto& id : burst_ids) BOOST_TEST(seen.latest.count(id) == 1u);
    for (const auto& id : after_future_ids) BOOST_TEST(seen.latest.count(id) == 1u);
    BOOST_TEST_MESSAGE(polls << " polls, " << seen.records << " records delivered, " << truth.size() << " profiles");
    std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(a_first_run_starts_from_klaviyos_now_and_a_restart_resumes) {
    kw::memory_checkpoint_store store;
    std::vector<std::string> first, second;
    run([&]() -> asio::awaitable<void> {
        co_await create_profile(*client, "before@example.com", "before");
        sandbox::server::advance_clock(std::chrono::seconds(5));
        {
            auto w = kw::changes<kw::profiles>(*client, store, {});
            auto b = co_await w.async_next(asio::use_awaitable);
            BOOST_TEST(b->records.empty()); // "before" is older than now
            w.acknowledge(*b);
            co_await create_profile(*client, "a@example.com", "a");
            b = co_await w.async_next(asio::use_awaitable);
            for (auto& r : b->records) first.push_back(*r.attributes.email);
            w.acknowledge(*b);
        }
        co_await create_profile(*client, "b@example.com", "b");
        sandbox::server::advance_clock(std::chrono::seconds(1));
        auto w = kw::changes<kw::profiles>(*client, store, {}); // a restart, from the store
        auto b = co_await w.async_next(asio::use_awaitable);
        for (auto& r : b->records) second.push_back(*r.attributes.email);
        w.acknowledge(*b);
    });
    BOOST_TEST((first == std::vector<std::string>{"a@example.com"}));
    BOOST_TEST((second == std::vector<std::string>{"b@example.com"}));
}

BOOST_AUTO_TEST_CASE(a_checkpoint_of_another_resource_account_or_corrupt_is_refused) {
    auto refused = [&](kw::checkpoint_store& store, kw::checkpoint_problem expected) {
        bool ok = false;
        run([&]() -> asio::awaitable<void> {
            auto w = kw::changes<kw::profiles>(*client, store, {});
            try {
                co_await w.async_next(asio::use_awaitable);
            } catch (const kw::checkpoint_error& e) {
                ok = e.problem() == expected;
                BOOST_TEST_MESSAGE(e.what());
            }
        });
        return ok;
    };
    std::string account;
    run([&]() -> asio::awaitable<void> {
        api::call_options none;
        auto a = co_await api::async_call<api::get_accounts>(*client, none);
        account = a.data.at(0).id;
    });
    kw::memory_checkpoint_store lists;
    auto c = base_checkpoint(clock());
    c.resource = "lists";
    c.account = account;
    lists.save(c);
    BOOST_TEST(refused(lists, kw::checkpoint_problem::other_resource));
    kw::memory_checkpoint_store other;
    c.resource = "profiles";
    c.account = "SomeoneElse";
    other.save(c);
    BOOST_TEST(refused(other, kw::checkpoint_problem::other_account));
    auto path = temp_path("refused.checkpoint");
    std::ofstream(path) << "not a checkpoint";
    kw::file_checkpoint_store corrupt(path);
    BOOST_TEST(refused(corrupt, kw::checkpoint_problem::corrupt));
    // Refused, and left as it was: not reset.
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    BOOST_TEST(text == "not a checkpoint");
    std::remove(path.c_str());
}

namespace {

/// Watches one resource line of the table: three records created in one
/// second, one of them renamed in the same second, then one more later.
template <class R, class Create, class Update, class Client>
asio::awaitable<void> watch_one(Client& client, std::function<json::value(std::string)> create_body,
                                std::function<json::value(std::string, std::string)> update_body,
                                std::vector<std::vector<std::string>>& polls) {
    kw::memory_checkpoint_store store;
    auto w = kw::changes<R>(client, store, {});
    auto names = [&](const auto& b) {
        std::vector<std::string> out;
        for (const auto& r : b.records) out.push_back(r.attributes.name.value_or(""));
        return out;
    };
    std::vector<std::string> ids;
    for (const char* n : {"one", "two", "three"}) {
        api::call_options o;
        o.body = create_body(n);
        auto r = co_await api::async_call<Create>(client, std::move(o));
        ids.push_back(r.data->id);
    }
    auto b = co_await w.async_next(asio::use_awaitable);
    polls.push_back(names(*b));
    w.acknowledge(*b);
    api::call_options u;
    u.id = ids[1];
    u.body = update_body(ids[1], "two-renamed");
    co_await api::async_call<Update>(client, std::move(u)); // the same second: told apart by its attributes
    b = co_await w.async_next(asio::use_awaitable);
    polls.push_back(names(*b));
    w.acknowledge(*b);
    sandbox::server::advance_clock(std::chrono::seconds(5));
    api::call_options o;
    o.body = create_body("four");
    co_await api::async_call<Create>(client, std::move(o));
    b = co_await w.async_next(asio::use_awaitable);
    polls.push_back(names(*b));
    w.acknowledge(*b);
    b = co_await w.async_next(asio::use_awaitable);
    polls.push_back(names(*b));
    w.acknowledge(*b);
}

json::value named(std::string type, std::string name, json::object more = {}) {
    more["name"] = name;
    return json::object{{"data", json::object{{"type", type}, {"attributes", std::move(more)}}}};
}

json::value renamed(std::string type, std::string id, std::string name) {
    return json::object{
        {"data", json::object{{"type", type}, {"id", id}, {"attributes", json::object{{"name", name}}}}}};
}

} // namespace

BOOST_AUTO_TEST_CASE(more_resources_of_the_table) {
    using polls_t = std::vector<std::vector<std::string>>;
    const polls_t expected = {{"one", "two", "three"}, {"two-renamed"}, {"four"}, {}};
    polls_t lists, templates;
    run([&]() -> asio::awaitable<void> {
        co_await watch_one<kw::lists, api::create_list, api::update_list>(
            *client, [](std::string n) { return named("list", n); },
            [](std::string id, std::string n) { return renamed("list", id, n); }, lists);
        co_await watch_one<kw::templates, api::create_template, api::update_template>(
            *client,
            [](std::string n) {
                return named("template", n, json::object{{"editor_type", "CODE"}, {"html", "<p>hi</p>"}});
            },
            [](std::string id, std::string n) { return renamed("template", id, n); }, templates);
    });
    BOOST_TEST((lists == expected));
    BOOST_TEST((templates == expected));
}

BOOST_AUTO_TEST_CASE(events_sent_late_are_delivered_within_the_look_back) {
    // An event's time is what the sender says: a late upload arrives with an older time.
    auto event_body = [](std::string name, std::optional<seconds_t> at) {
        json::object a{{"properties", json::object{{"name", name}}},
                       {"metric", json::object{{"data", json::object{{"type", "metric"},
                                                                     {"attributes", json::object{{"name", "Watched"}}}}}}},
                       {"profile", json::object{{"data", json::object{{"type", "profile"},
                                                                      {"attributes", json::object{{"email", "ev@example.com"}}}}}}}};
        if (at) { // Klaviyo's own form, as the sandbox writes its times
            auto t = kw::detail::format_iso(*at);
            a["time"] = t.substr(0, 19) + "+00:00";
        }
        return json::value(json::object{{"data", json::object{{"type", "event"}, {"attributes", std::move(a)}}}});
    };
    kw::memory_checkpoint_store store;
    std::vector<std::vector<std::string>> polls;
    run([&]() -> asio::awaitable<void> {
        auto w = kw::changes<kw::events>(*client, store, {});
        auto send = [&](std::string name, std::optional<seconds_t> at) -> asio::awaitable<void> {
            api::call_options o;
            o.body = event_body(name, at);
            co_await api::async_call<api::create_event>(*client, std::move(o));
        };
        auto poll = [&]() -> asio::awaitable<void> {
            auto b = co_await w.async_next(asio::use_awaitable);
            std::vector<std::string> names;
            for (const auto& e : b->records) names.push_back(e.id);
            polls.push_back(std::move(names));
            w.acknowledge(*b);
        };
        co_await poll(); // the start: now
        co_await send("on time", std::nullopt);
        co_await poll();
        sandbox::server::advance_clock(std::chrono::minutes(5));
        co_await poll();
        co_await send("three minutes late", clock() - 180);
        co_await send("twenty minutes late", clock() - 1200);
        co_await poll();
        sandbox::server::advance_clock(std::chrono::minutes(30));
        co_await poll();
        co_await poll();
    });
    BOOST_TEST_REQUIRE(polls.size() == 6u);
    BOOST_TEST(polls[0].size() == 0u);
    BOOST_TEST(polls[1].size() == 1u); // on time
    BOOST_TEST(polls[2].size() == 0u); // still in the window: re-read, not repeated
    BOOST_TEST(polls[3].size() == 1u); // three minutes late: within the ten-minute look-back
    BOOST_TEST(polls[4].size() == 0u); // twenty minutes late: before the window, not seen (the limit)
    BOOST_TEST(polls[5].size() == 0u);
    BOOST_TEST(store.load()->seen.empty());
}

BOOST_AUTO_TEST_CASE(a_watcher_awaited_beside_other_operations) {
    // In a parallel group (awaitable_operators' &&) a poll of several
    // requests once failed with "coro-cancelled" though nobody cancelled.
    using namespace asio::experimental::awaitable_operators;
    kw::memory_checkpoint_store store;
    std::size_t delivered = 0;
    run([&]() -> asio::awaitable<void> {
        auto w = std::make_unique<decltype(kw::changes<kw::profiles>(*client, store, {}))>(
            kw::changes<kw::profiles>(*client, store, {}));
        int n = 0;
        auto poll = [&]() -> asio::awaitable<void> {
            auto b = co_await w->async_next(asio::use_awaitable);
            if (++n == 3) { // dropped unacknowledged, and replaced
                w = std::make_unique<decltype(kw::changes<kw::profiles>(*client, store, {}))>(
                    kw::changes<kw::profiles>(*client, store, {}));
                co_return;
            }
            delivered += b->records.size();
            w->acknowledge(*b);
        };
        auto write = [&](int i) -> asio::awaitable<void> {
            co_await create_profile(*client, "beside" + std::to_string(i) + "@example.com", "beside");
        };
        for (int i = 0; i < 8; ++i) {
            co_await (poll() && write(i));
            sandbox::server::advance_clock(std::chrono::seconds(1));
        }
        for (int i = 0; i < 4; ++i) co_await poll();
    });
    BOOST_TEST(delivered >= 8u); // every one, some perhaps twice (the dropped batch)
    BOOST_TEST(store.load()->since > 1'900'000'000);
}

BOOST_AUTO_TEST_CASE(a_full_scan_finds_created_changed_and_deleted) {
    kw::memory_checkpoint_store store;
    auto tag_body = [](std::string name) {
        return json::value(
            json::object{{"data", json::object{{"type", "tag"}, {"attributes", json::object{{"name", name}}}}}});
    };
    run([&]() -> asio::awaitable<void> {
        std::vector<std::string> ids;
        for (const char* name : {"keep", "rename", "remove"}) {
            api::call_options o;
            o.body = tag_body(name);
            auto r = co_await api::async_call<api::create_tag>(*client, std::move(o));
            ids.push_back(r.data->id);
        }
        auto s = kw::full_scan<api::get_tags>(*client, store, {});
        auto first = co_await s.async_next(asio::use_awaitable);
        BOOST_TEST(first->created.size() == 3u); // a first scan: everything is new
        BOOST_TEST(first->changed.empty());
        BOOST_TEST(first->deleted.empty());
        s.acknowledge(*first);

        api::call_options rename;
        rename.id = ids[1];
        rename.body = json::object{
            {"data", json::object{{"type", "tag"}, {"id", ids[1]}, {"attributes", json::object{{"name", "renamed"}}}}}};
        co_await api::async_call<api::update_tag>(*client, std::move(rename));
        api::call_options remove;
        remove.id = ids[2];
        co_await api::async_call<api::delete_tag>(*client, std::move(remove));
        api::call_options add;
        add.body = tag_body("added");
        auto added = co_await api::async_call<api::create_tag>(*client, std::move(add));

        auto second = co_await s.async_next(asio::use_awaitable);
        BOOST_TEST_REQUIRE(second->created.size() == 1u);
        BOOST_TEST(second->created[0].id == added.data->id);
        BOOST_TEST_REQUIRE(second->changed.size() == 1u);
        BOOST_TEST(second->changed[0].id == ids[1]);
        BOOST_TEST(second->changed[0].attributes.name.value_or("") == "renamed");
        BOOST_TEST((second->deleted == std::vector<std::string>{ids[2]}));
        // Not acknowledged: the next scan finds the same again.
        auto again = co_await s.async_next(asio::use_awaitable);
        BOOST_TEST(again->created.size() == 1u);
        BOOST_TEST(again->deleted.size() == 1u);
        s.acknowledge(*again);
        auto quiet = co_await s.async_next(asio::use_awaitable);
        BOOST_TEST(quiet->created.empty());
        BOOST_TEST(quiet->changed.empty());
        BOOST_TEST(quiet->deleted.empty());
        s.acknowledge(*quiet);
    });
    // A time watcher's store is not a full scan's.
    BOOST_TEST(store.load()->full_scan);
}

BOOST_AUTO_TEST_SUITE_END()
