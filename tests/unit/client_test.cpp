// The client's behaviour around one request: statuses, retries, deadlines,
// cancellation, completion tokens, pagination.
#include "test_client.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <thread>

using namespace klaviyo;
using namespace std::chrono_literals;
using boost::asio::awaitable;
using ktest::fixture;
namespace asio = boost::asio;

namespace {

// g++ 12 mis-destroys aggregate temporaries built inside a co_await
// expression; inputs are built outside the coroutines.
const new_profile ab{.email = "a@b.co"};
const new_profile dup_profile{.email = "dup@example.com"};

/// Runs one get_profile and returns (error_code, diagnostics) without throwing.
std::pair<error_code, diagnostics> get_once(fixture& f) {
    error_code ec;
    diagnostics diag;
    f.client.async_get<profile>("01P", {}, capture_diagnostics(diag, [&](error_code e, auto) { ec = e; }));
    f.ioc.run();
    f.ioc.restart();
    return {ec, diag};
}

std::string errors_body(int status, std::string_view code, std::string_view detail) {
    return R"({"errors":[{"id":"x","status":)" + std::to_string(status) + R"(,"code":")" + std::string(code) +
           R"(","title":"t","detail":")" + std::string(detail) + R"(","source":{"pointer":"/data"}}]})";
}

} // namespace

BOOST_AUTO_TEST_SUITE(statuses)

BOOST_AUTO_TEST_CASE(success_statuses) {
    fixture f;
    f.mock().respond(200, ktest::profile_doc("1", "a@b.co"));
    auto [ec, d] = get_once(f);
    BOOST_TEST(!ec);
    BOOST_TEST(d.attempts == 0u); // untouched on success
}

BOOST_AUTO_TEST_CASE(accepted_202_and_204_without_body) {
    fixture f;
    f.mock().respond(202).respond(204);
    std::vector<unsigned> statuses;
    for (int i = 0; i < 2; ++i)
        f.client.async_execute<accepted>(detail::make_plan<ops::create_or_update_profile>("/api/events", "{}"),
                                         [&](error_code ec, accepted a) {
                                             BOOST_TEST(!ec);
                                             statuses.push_back(a.status);
                                         });
    f.ioc.run();
    BOOST_TEST((statuses == std::vector<unsigned>{202, 204}));
}

BOOST_AUTO_TEST_CASE(bad_request_carries_klaviyo_errors) {
    fixture f;
    f.mock().respond(400, errors_body(400, "invalid", "Invalid input."));
    auto [ec, d] = get_once(f);
    BOOST_TEST((ec == errc::bad_request));
    BOOST_TEST(d.http_status == 400u);
    BOOST_TEST_REQUIRE(d.errors.size() == 1u);
    BOOST_TEST(d.errors[0].code == "invalid");
    BOOST_TEST(d.errors[0].source_pointer == "/data");
    BOOST_TEST(d.attempts == 1u);
}

BOOST_AUTO_TEST_CASE(auth_and_not_found_statuses) {
    for (auto [status, expected] : {std::pair{401u, errc::unauthorized}, std::pair{403u, errc::forbidden},
                                    std::pair{404u, errc::not_found}, std::pair{418u, errc::http_error}}) {
        fixture f;
        f.mock().respond(status, errors_body(int(status), "e", "d"));
        auto [ec, d] = get_once(f);
        BOOST_TEST((ec == expected));
        BOOST_TEST(d.attempts == 1u); // never retried
        BOOST_TEST(f.sleeps.empty());
    }
}

BOOST_AUTO_TEST_CASE(duplicate_profile_surfaces_the_existing_id) {
    fixture f;
    f.mock().respond(409, R"({"errors":[{"id":"e","status":409,"code":"duplicate_profile","title":"Conflict.",)"
                          R"("detail":"A profile already exists with one of these identifiers.",)"
                          R"("source":{"pointer":"/data/attributes"},"links":{},)"
                          R"("meta":{"duplicate_profile_id":"01EXISTING"}}]})");
    ktest::run(f, [&]() -> awaitable<void> {
        try {
            co_await f.client.async_create<profile>(dup_profile);
            BOOST_FAIL("expected a conflict");
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == errc::conflict));
            BOOST_TEST(*e.diagnostics().duplicate_profile_id() == "01EXISTING");
            BOOST_TEST(std::string(e.what()).find("duplicate_profile") != std::string::npos);
        }
    });
    BOOST_TEST(f.mock().requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(throttled_then_success_honours_retry_after) {
    fixture f;
    f.mock()
        .respond(429, errors_body(429, "throttled", "Request was throttled. Expected available in 3 seconds."),
                 {{"Retry-After", "3"}})
        .respond(200, ktest::profile_doc("1", "a@b.co"));
    auto [ec, d] = get_once(f);
    BOOST_TEST(!ec);
    BOOST_TEST_REQUIRE(f.sleeps.size() == 1u);
    BOOST_TEST(f.sleeps[0].count() == 3000);
    BOOST_TEST(f.mock().requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(throttled_create_is_retried_because_it_was_not_processed) {
    fixture f;
    f.mock().respond(429, "", {{"Retry-After", "1"}}).respond(201, ktest::profile_doc("1", "a@b.co"));
    ktest::run(f, [&]() -> awaitable<void> {
        auto doc = co_await f.client.async_create<profile>(ab);
        BOOST_TEST(doc.data.id == "1");
    });
    BOOST_TEST(f.mock().requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(unavailable_then_success_backs_off) {
    fixture f;
    f.mock().respond(503).respond(504).respond(200, ktest::profile_doc("1", "a@b.co"));
    auto [ec, d] = get_once(f);
    BOOST_TEST(!ec);
    BOOST_TEST_REQUIRE(f.sleeps.size() == 2u);
    BOOST_TEST(f.sleeps[0].count() >= 125); // [initial/2, initial]
    BOOST_TEST(f.sleeps[0].count() <= 250);
    BOOST_TEST(f.sleeps[1].count() >= 250);
    BOOST_TEST(f.sleeps[1].count() <= 500);
}

BOOST_AUTO_TEST_CASE(retries_stop_at_max_attempts) {
    client_options o;
    o.retry.max_attempts = 3;
    fixture f(o);
    f.mock().respond(503).respond(503).respond(503).respond(200, ktest::profile_doc("1", "a@b.co"));
    auto [ec, d] = get_once(f);
    BOOST_TEST((ec == errc::server_error));
    BOOST_TEST(d.attempts == 3u);
    BOOST_TEST(f.mock().pending() == 1u);
}

BOOST_AUTO_TEST_CASE(non_idempotent_create_failing_with_503_is_not_repeated) {
    fixture f;
    f.mock().respond(503).respond(201, ktest::profile_doc("1", "a@b.co"));
    ktest::run(f, [&]() -> awaitable<void> {
        try {
            co_await f.client.async_create<profile>(ab);
            BOOST_FAIL("expected server_error");
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == errc::server_error));
            BOOST_TEST(e.diagnostics().message.find("not idempotent") != std::string::npos);
        }
    });
    BOOST_TEST(f.mock().requests().size() == 1u);
    BOOST_TEST(f.sleeps.empty());
}

BOOST_AUTO_TEST_CASE(connection_errors_retry_by_what_was_sent) {
    // Never sent: safe to retry a create.
    fixture f;
    f.mock().fail(make_error_code(errc::connect_failed)).respond(201, ktest::profile_doc("1", "a@b.co"));
    ktest::run(f, [&]() -> awaitable<void> { co_await f.client.async_create<profile>(ab); });
    BOOST_TEST(f.mock().requests().size() == 2u);
    // Sent, answer lost: a create is not repeated, a read is.
    fixture g;
    g.mock().fail(make_error_code(errc::connection_lost));
    ktest::run(g, [&]() -> awaitable<void> {
        try {
            co_await g.client.async_create<profile>(ab);
            BOOST_FAIL("expected connection_lost");
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == errc::connection_lost));
        }
    });
    BOOST_TEST(g.mock().requests().size() == 1u);
    g.mock().fail(make_error_code(errc::connection_lost)).respond(200, ktest::profile_doc("1", "a@b.co"));
    auto [ec, d] = get_once(g);
    BOOST_TEST(!ec);
}

BOOST_AUTO_TEST_CASE(timeout_is_reported_after_the_deadline) {
    client_options o;
    o.timeout = 30ms;
    o.retry.max_attempts = 1;
    fixture f(o);
    f.mock().hang();
    auto t0 = std::chrono::steady_clock::now();
    auto [ec, d] = get_once(f);
    BOOST_TEST((ec == errc::timeout));
    BOOST_TEST((std::chrono::steady_clock::now() - t0 >= 30ms));
}

BOOST_AUTO_TEST_CASE(a_read_that_timed_out_is_retried) {
    client_options o;
    o.timeout = 10ms;
    fixture f(o);
    f.mock().hang().respond(200, ktest::profile_doc("1", "a@b.co"));
    auto [ec, d] = get_once(f);
    BOOST_TEST(!ec);
    BOOST_TEST(f.mock().requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(cancelled_call_completes_with_operation_aborted) {
    fixture f;
    f.mock().hang();
    asio::cancellation_signal sig;
    error_code ec;
    bool called = false;
    f.client.async_get<profile>("1", {}, asio::bind_cancellation_slot(sig.slot(), [&](error_code e, auto) {
                                    ec = e;
                                    called = true;
                                }));
    asio::post(f.ioc, [&] { asio::post(f.ioc, [&] { sig.emit(asio::cancellation_type::terminal); }); });
    f.ioc.run();
    BOOST_TEST(called);
    BOOST_TEST((ec == asio::error::operation_aborted));
    BOOST_TEST(f.mock().requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(cancellation_by_awaitable_operator) {
    using namespace asio::experimental::awaitable_operators;
    fixture f;
    f.mock().hang();
    ktest::run(f, [&]() -> awaitable<void> {
        asio::steady_timer t(f.ioc, 5ms);
        auto r =
            co_await (f.client.async_get<profile>("1", {}, asio::use_awaitable) || t.async_wait(asio::use_awaitable));
        BOOST_TEST(r.index() == 1u); // the timer won; the call was cancelled
    });
}

BOOST_AUTO_TEST_CASE(unknown_fields_are_kept) {
    fixture f;
    f.mock().respond(200, R"({"data":{"type":"profile","id":"1","attributes":{"email":"a@b.co",)"
                          R"("loyalty_tier":"gold"},"brand_new":{"x":1}},"meta":{"agent_hints":{}}})");
    ktest::run(f, [&]() -> awaitable<void> {
        auto doc = co_await f.client.async_get<profile>("1");
        BOOST_TEST(doc.data.raw.at("attributes").at("loyalty_tier").as_string() == "gold");
        BOOST_TEST(doc.data.raw.at("brand_new").at("x").as_int64() == 1);
        BOOST_TEST(doc.meta.contains("agent_hints"));
    });
}

BOOST_AUTO_TEST_CASE(malformed_json_is_a_clear_error) {
    fixture f;
    f.mock().respond(200, R"({"data":{"type":"profile","id":"1","attributes":{"email":)");
    auto [ec, d] = get_once(f);
    BOOST_TEST((ec == errc::malformed_response));
    BOOST_TEST(d.message.find("not valid JSON") != std::string::npos);
    f.mock().respond(200, R"({"data":[]})"); // JSON, but not a single-resource document
    std::tie(ec, d) = get_once(f);
    BOOST_TEST((ec == errc::malformed_response));
}

BOOST_AUTO_TEST_CASE(a_member_that_does_not_fit_is_reported_not_fatal) {
    // A valid answer never fails the call: the email that is a number and
    // the latitude that is a word are left empty and named; the rest reads.
    fixture f;
    f.mock().respond(200, R"({"data":{"type":"profile","id":"1","attributes":{"email":42,"first_name":"Ada",)"
                          R"("location":{"city":"Paris","latitude":"north"}}}})");
    error_code ec;
    jsonapi::resource<profile_attributes> got;
    f.client.async_get<profile>("01P", {}, [&](error_code e, auto doc) {
        ec = e;
        got = std::move(doc.data);
    });
    f.ioc.run();
    BOOST_TEST(!ec);
    BOOST_TEST(!got.attributes.email.has_value());
    BOOST_TEST(*got.attributes.first_name == "Ada");
    BOOST_TEST(*got.attributes.location->city == "Paris");
    BOOST_TEST(!got.attributes.location->latitude.has_value());
    BOOST_REQUIRE(got.issues.size() == 2u);
    BOOST_TEST(got.issues[0].member == "attributes.email");
    BOOST_TEST(got.issues[0].value == "42");
    BOOST_TEST(got.issues[1].member == "attributes.location.latitude");
    BOOST_TEST(got.issues[1].value == "\"north\"");
    BOOST_TEST(got.raw.at("attributes").at("email") == 42); // the value itself is kept
}

BOOST_AUTO_TEST_CASE(no_secret_in_any_error_text) {
    fixture f;
    f.mock()
        .respond(401, errors_body(401, "not_authenticated", "Incorrect authentication credentials."))
        .respond(500, "<html>oops</html>")
        .fail(make_error_code(errc::connection_lost))
        .respond(200, "{");
    client_options o;
    for (int i = 0; i < 4; ++i) {
        ktest::run(f, [&]() -> awaitable<void> {
            try {
                co_await f.client.async_create<profile>(ab);
            } catch (const api_error& e) {
                std::string text = e.what() + std::string("|") + e.diagnostics().summary() + "|" + e.code().message() +
                                   "|" + e.diagnostics().message;
                BOOST_TEST(text.find(ktest::test_key) == std::string::npos);
                BOOST_TEST(text.find("TESTSECRET") == std::string::npos);
            }
        });
    }
    BOOST_CHECK_THROW(ktest::mock_client(f.ioc.get_executor(), api_key(""), {}), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(completion_tokens)

BOOST_AUTO_TEST_CASE(callback) {
    fixture f;
    f.mock().respond(200, ktest::profile_doc("cb", "a@b.co"));
    std::string id;
    f.client.async_get<profile>("cb", {}, [&](error_code ec, jsonapi::document<profile_attributes> d) {
        BOOST_TEST(!ec);
        id = d.data.id;
    });
    BOOST_TEST(id.empty()); // never completes inline
    f.ioc.run();
    BOOST_TEST(id == "cb");
}

BOOST_AUTO_TEST_CASE(use_awaitable_plain_throws_system_error) {
    fixture f;
    f.mock().respond(404);
    ktest::run(f, [&]() -> awaitable<void> {
        try {
            co_await f.client.async_get<profile>("x", {}, asio::use_awaitable);
            BOOST_FAIL("expected an exception");
        } catch (const boost::system::system_error& e) {
            BOOST_TEST((e.code() == errc::not_found));
        }
    });
}

BOOST_AUTO_TEST_CASE(with_diagnostics_use_awaitable_throws_api_error) {
    fixture f;
    f.mock().respond(404, errors_body(404, "not_found", "No profile."));
    ktest::run(f, [&]() -> awaitable<void> {
        try {
            co_await f.client.async_get<profile>("x", {}, with_diagnostics(asio::use_awaitable));
            BOOST_FAIL("expected an exception");
        } catch (const api_error& e) {
            BOOST_TEST(e.diagnostics().errors.at(0).detail == "No profile.");
        }
    });
}

BOOST_AUTO_TEST_CASE(deferred) {
    fixture f;
    f.mock().respond(200, ktest::profile_doc("d", "a@b.co"));
    auto op = f.client.async_get<profile>("d", {}, asio::deferred);
    BOOST_TEST(f.mock().requests().empty()); // nothing happens until initiated
    std::string id;
    std::move(op)([&](error_code ec, auto doc) {
        BOOST_TEST(!ec);
        id = doc.data.id;
    });
    f.ioc.run();
    BOOST_TEST(id == "d");
}

BOOST_AUTO_TEST_CASE(use_future_from_another_thread) {
    fixture f;
    f.mock().respond(200, ktest::profile_doc("fut", "a@b.co")).respond(404);
    auto work = asio::make_work_guard(f.ioc);
    std::thread runner([&] { f.ioc.run(); });
    auto fut = f.client.async_get<profile>("fut", {}, asio::use_future);
    BOOST_TEST(fut.get().data.id == "fut");
    auto fut2 = f.client.async_get<profile>("gone", {}, with_diagnostics(asio::use_future));
    BOOST_CHECK_THROW(fut2.get(), api_error);
    work.reset();
    runner.join();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pagination)

namespace {
std::string page_body(int first, int count, std::string next) {
    std::string s = R"({"data":[)";
    for (int i = 0; i < count; ++i) {
        if (i) s += ',';
        s += ktest::profile_json(std::to_string(first + i), "p" + std::to_string(first + i) + "@example.com");
    }
    s += R"(],"links":{"self":"https://a.klaviyo.com/api/profiles")";
    if (!next.empty()) s += R"(,"next":")" + next + '"';
    return s + "}}";
}
} // namespace

BOOST_AUTO_TEST_CASE(pages_follow_links_next_to_the_end) {
    fixture f;
    f.mock()
        .respond(200, page_body(0, 3, "https://a.klaviyo.com/api/profiles?page%5Bcursor%5D=c1&page%5Bsize%5D=3"))
        .respond(200, page_body(3, 3, "https://a.klaviyo.com/api/profiles?page%5Bcursor%5D=c2&page%5Bsize%5D=3"))
        .respond(200, page_body(6, 1, ""));
    std::vector<std::size_t> sizes;
    ktest::run(f, [&]() -> awaitable<void> {
        auto pages = f.client.pages<profile>(list_options{.page_size = 3});
        while (auto p = co_await pages.async_resume(asio::use_awaitable)) sizes.push_back(p->data.size());
    });
    BOOST_TEST((sizes == std::vector<std::size_t>{3, 3, 1}));
    const auto& r = f.mock().requests();
    BOOST_TEST_REQUIRE(r.size() == 3u);
    BOOST_TEST(r[0].target == "/api/profiles?page%5Bsize%5D=3");
    BOOST_TEST(r[1].target == "/api/profiles?page%5Bcursor%5D=c1&page%5Bsize%5D=3");
    BOOST_TEST(r[2].target == "/api/profiles?page%5Bcursor%5D=c2&page%5Bsize%5D=3");
}

BOOST_AUTO_TEST_CASE(items_flatten_pages) {
    fixture f;
    f.mock()
        .respond(200, page_body(0, 2, "https://a.klaviyo.com/api/profiles?page%5Bcursor%5D=c1"))
        .respond(200, page_body(2, 2, ""));
    std::vector<std::string> ids;
    ktest::run(f, [&]() -> awaitable<void> {
        auto items = f.client.items<profile>();
        while (auto p = co_await items.async_resume(asio::use_awaitable)) ids.push_back(p->id);
    });
    BOOST_TEST((ids == std::vector<std::string>{"0", "1", "2", "3"}));
}

BOOST_AUTO_TEST_CASE(a_next_link_to_another_host_is_refused) {
    fixture f;
    f.mock().respond(200, page_body(0, 1, "https://evil.example/api/profiles?page%5Bcursor%5D=c1"));
    ktest::run(f, [&]() -> awaitable<void> {
        auto pages = f.client.pages<profile>();
        auto first = co_await pages.async_resume(asio::use_awaitable);
        BOOST_TEST(first.has_value());
        try {
            co_await pages.async_resume(asio::use_awaitable);
            BOOST_FAIL("expected host_not_allowed");
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == errc::host_not_allowed));
        }
    });
    BOOST_TEST(f.mock().requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_error_mid_way_surfaces_from_async_resume) {
    fixture f;
    f.mock()
        .respond(200, page_body(0, 1, "https://a.klaviyo.com/api/profiles?page%5Bcursor%5D=c1"))
        .respond(400, errors_body(400, "invalid_cursor", "bad cursor"));
    ktest::run(f, [&]() -> awaitable<void> {
        auto pages = f.client.pages<profile>();
        co_await pages.async_resume(asio::use_awaitable);
        try {
            co_await pages.async_resume(asio::use_awaitable);
            BOOST_FAIL("expected bad_request");
        } catch (const api_error& e) {
            BOOST_TEST(e.diagnostics().errors.at(0).code == "invalid_cursor");
        }
    });
}

BOOST_AUTO_TEST_CASE(get_page_by_link) {
    fixture f;
    f.mock().respond(200, page_body(5, 1, ""));
    ktest::run(f, [&]() -> awaitable<void> {
        auto p = co_await f.client.async_get_page<profile>("https://a.klaviyo.com/api/profiles?page%5Bcursor%5D=zz");
        BOOST_TEST(p.data.at(0).id == "5");
        try {
            co_await f.client.async_get_page<profile>("//evil.example/api/profiles");
            BOOST_FAIL("expected refusal");
        } catch (const api_error& e) {
            BOOST_TEST(!!e.code());
        }
    });
    BOOST_TEST(f.mock().requests().size() == 1u);
    BOOST_TEST(f.mock().requests()[0].target == "/api/profiles?page%5Bcursor%5D=zz");
}

BOOST_AUTO_TEST_SUITE_END()
