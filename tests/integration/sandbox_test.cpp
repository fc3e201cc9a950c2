// The client and the real Beast transport against the sandbox, over HTTP and
// HTTPS; and the sandbox's own rules, each answered with a Klaviyo-style 4xx.
#include "sandbox_fixture.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <set>

#include <unistd.h>

using namespace klaviyo;
using namespace std::chrono_literals;
using boost::asio::awaitable;
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const profile_upsert ada{.email = "ada@example.com", .first_name = "Ada"};

json::value errors_of(const http_response& r) { return json::parse(r.body).at("errors").at(0); }

} // namespace

BOOST_AUTO_TEST_SUITE(client_against_sandbox)

BOOST_AUTO_TEST_CASE(profile_crud_over_http_and_https) {
    for (bool tls : {false, true}) {
        ktest::sandbox_fixture f(sandbox::options{.tls = tls});
        new_profile np{.email = "grace@example.com", .phone_number = "+15005550006", .first_name = "Grace"};
        np.location = profile_location{.city = "Arlington"};
        np.properties = json::object{{"plan", "pro"}};
        profile_update u;
        u.last_name = "Hopper";
        u.first_name = klaviyo::null;
        u.patch_properties = patch_properties{.append = json::object{{"skus", "A1"}}};
        get_options with_subs{.additional_fields = {"subscriptions"}};
        f.run([&]() -> awaitable<void> {
            auto created = co_await f.client->async_create<profile>(np);
            BOOST_TEST(created.data.id.size() == 26u);
            BOOST_TEST(*created.data.attributes.location->city == "Arlington");
            auto id = created.data.id;

            auto got = co_await f.client->async_get<profile>(id, with_subs);
            BOOST_TEST(*got.data.attributes.email == "grace@example.com");
            BOOST_TEST(got.data.attributes.subscriptions->email->marketing->consent == "NEVER_SUBSCRIBED");

            auto updated = co_await f.client->async_update<profile>(id, u);
            BOOST_TEST(*updated.data.attributes.last_name == "Hopper");
            BOOST_TEST(!updated.data.attributes.first_name.has_value());         // cleared by the explicit null
            BOOST_TEST(*updated.data.attributes.phone_number == "+15005550006"); // absent: untouched
            BOOST_TEST(updated.data.attributes.properties->at("plan").as_string() == "pro");
            BOOST_TEST(updated.data.attributes.properties->at("skus").as_array().size() == 1u);
        });
    }
}

BOOST_AUTO_TEST_CASE(duplicate_create_reports_the_existing_id) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests a 409 duplicate_profile
    new_profile np{.email = "dup@example.com"};
    f.run([&]() -> awaitable<void> {
        auto first = co_await f.client->async_create<profile>(np);
        try {
            co_await f.client->async_create<profile>(np);
            BOOST_FAIL("expected a 409");
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == errc::conflict));
            BOOST_TEST(*e.diagnostics().duplicate_profile_id() == first.data.id);
            BOOST_TEST(e.diagnostics().attempts == 1u);
        }
    });
}

BOOST_AUTO_TEST_CASE(upsert_creates_then_updates) {
    ktest::sandbox_fixture f;
    f.run([&]() -> awaitable<void> {
        auto a = co_await f.client->async_create_or_update_profile(ada);
        auto b = co_await f.client->async_create_or_update_profile(ada);
        BOOST_TEST(a.created);
        BOOST_TEST(!b.created);
        BOOST_TEST(a.document.data.id == b.document.data.id);
    });
    BOOST_TEST(f.sandbox->profile_count() == 1u);
}

BOOST_AUTO_TEST_CASE(pagination_over_1500_profiles_with_flat_pages) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false, .profiles = 1500});
    std::size_t pages = 0, items = 0, biggest = 0;
    std::set<std::string> ids;
    f.run([&]() -> awaitable<void> {
        auto gen = f.client->pages<profile>();
        while (auto p = co_await gen.async_resume(asio::use_awaitable)) {
            ++pages;
            items += p->data.size();
            biggest = std::max(biggest, p->data.size());
            for (auto& r : p->data) ids.insert(r.id);
        }
    });
    BOOST_TEST(pages == 15u); // the endpoint's maximum page size, 100
    BOOST_TEST(items == 1500u);
    BOOST_TEST(ids.size() == 1500u); // no duplicates, none skipped
    BOOST_TEST(biggest == 100u);
}

BOOST_AUTO_TEST_CASE(filter_and_sort_reach_the_sandbox) {
    ktest::sandbox_fixture f(sandbox::options{.profiles = 30});
    list_options o{.filter = "any(email,['sandbox+3@example.com','sandbox+12@example.com'])", .sort = "-email"};
    f.run([&]() -> awaitable<void> {
        auto page = co_await f.client->async_list<profile>(o);
        BOOST_TEST_REQUIRE(page.data.size() == 2u);
        BOOST_TEST(*page.data[0].attributes.email == "sandbox+3@example.com");
        BOOST_TEST(*page.data[1].attributes.email == "sandbox+12@example.com");
    });
}

BOOST_AUTO_TEST_CASE(retries_through_injected_429_503_and_resets) {
    // Reads only: every fault class may strike them and they must get through.
    ktest::sandbox_fixture f(
        sandbox::options{.rate_limits = false, .faults = "503=0.15,429=0.1,reset=0.1", .seed = 7, .profiles = 5},
        client_options{.retry =
                           retry_options{.max_attempts = 10, .backoff = backoff_options{.initial = 1ms, .max = 5ms}}});
    f.expects_refusals = true; // it tests injected 429s
    // Injected 429s carry no Retry-After, so the short backoff applies.
    int ok = 0;
    f.run([&]() -> awaitable<void> {
        for (int i = 0; i < 40; ++i) {
            auto page = co_await f.client->async_list<profile>();
            ok += page.data.size() == 5u;
        }
    });
    BOOST_TEST(ok == 40);
    BOOST_TEST(f.sandbox->stats().faults.load() > 5u);
}

BOOST_AUTO_TEST_CASE(a_create_hit_by_a_503_is_not_repeated) {
    ktest::sandbox_fixture f(sandbox::options{.faults = "503=1.0"});
    new_profile np{.email = "once@example.com"};
    f.run([&]() -> awaitable<void> {
        try {
            co_await f.client->async_create<profile>(np);
            BOOST_FAIL("expected server_error");
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == errc::server_error));
            BOOST_TEST(e.diagnostics().attempts == 1u);
        }
    });
    BOOST_TEST(f.sandbox->stats().requests.load() == 1u);
    BOOST_TEST(f.sandbox->profile_count() == 0u); // the fault struck before the write
}

BOOST_AUTO_TEST_CASE(a_truncated_answer_to_a_create_is_reported_and_the_write_stands) {
    // truncate strikes after the write is stored: the client cannot know, so a
    // non-idempotent create must report connection_lost rather than repeat.
    ktest::sandbox_fixture f(sandbox::options{.faults = "truncate=1.0"});
    new_profile np{.email = "cut@example.com"};
    f.run([&]() -> awaitable<void> {
        try {
            co_await f.client->async_create<profile>(np);
            BOOST_FAIL("expected connection_lost");
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == errc::connection_lost), e.what());
        }
    });
    BOOST_TEST(f.sandbox->stats().requests.load() == 1u);
    BOOST_TEST(f.sandbox->profile_count() == 1u);
}

BOOST_AUTO_TEST_CASE(deadline_on_an_injected_delay) {
    ktest::sandbox_fixture f(sandbox::options{.faults = "delay=1.0:3000"},
                             client_options{.timeout = 200ms, .retry = retry_options{.max_attempts = 1}});
    auto start = std::chrono::steady_clock::now();
    f.run([&]() -> awaitable<void> {
        try {
            co_await f.client->async_get<profile>("01KXXXXXXXXXXXXXXXXXXXXXXX");
            BOOST_FAIL("expected a timeout");
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == errc::timeout));
        }
    });
    BOOST_TEST((std::chrono::steady_clock::now() - start < 2s));
}

BOOST_AUTO_TEST_CASE(paced_calls_to_an_xs_endpoint_meet_no_429) {
    // The same hammering, paced: calls wait for the windows instead of
    // collecting 429s. 20 calls at 1 per 100 ms burst and 15 per 6 s steady.
    ktest::sandbox_fixture f(sandbox::options{.time_scale = 10}, client_options{});
    auto plan = ops::get_accounts::plan(list_options{});
    int ok = 0;
    for (int i = 0; i < 20; ++i)
        f.client->async_execute<jsonapi::page<json::object>>(plan, [&](error_code ec, auto) { ok += !ec; });
    auto start = std::chrono::steady_clock::now();
    f.ioc.run();
    BOOST_TEST(ok == 20);
    BOOST_TEST(f.sandbox->stats().throttled.load() == 0u); // and the fixture checks the log holds no 4xx
    BOOST_TEST(f.sandbox->stats().requests.load() == 20u);
    // The 16th call had to wait for the first steady window to pass.
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 6s));
}

BOOST_AUTO_TEST_CASE(rate_limited_xs_endpoint_recovers_through_retry_after) {
    // get_accounts is XS: 1/s burst, 15/m steady; at time scale 10 the burst
    // window is 100 ms. Hammered, it answers 429 + Retry-After; retries win.
    // Pacing off: this is about the retries that collect 429s.
    ktest::sandbox_fixture f(sandbox::options{.time_scale = 10},
                             client_options{.retry = retry_options{.max_attempts = 8}, .pacing = {.enabled = false}});
    f.expects_refusals = true; // it tests 429s
    auto plan = detail::make_plan<ops::get_profile>("/api/accounts");
    int ok = 0;
    for (int i = 0; i < 4; ++i)
        f.client->async_execute<jsonapi::page<json::object>>(plan, [&](error_code ec, auto) { ok += !ec; });
    f.ioc.run();
    BOOST_TEST(ok == 4);
    BOOST_TEST(f.sandbox->stats().throttled.load() >= 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sandbox_rules)

BOOST_AUTO_TEST_CASE(missing_or_bad_revision) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto req = f.good_request(http_method::get, "/api/profiles");
    std::erase_if(req.headers, [](auto& h) { return h.first == "revision"; });
    auto r = f.raw(req);
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(errors_of(r).at("code").as_string() == "missing_revision");
    req.headers.emplace_back("revision", "2019-01-01");
    r = f.raw(req);
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(errors_of(r).at("code").as_string() == "invalid_revision");
}

BOOST_AUTO_TEST_CASE(bad_auth) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto req = f.good_request(http_method::get, "/api/profiles");
    for (auto& h : req.headers)
        if (h.first == "Authorization") h.second = "Klaviyo-API-Key pk_wrong";
    auto r = f.raw(req);
    BOOST_TEST(r.status == 401u);
    BOOST_TEST(errors_of(r).at("code").as_string() == "not_authenticated");
    std::erase_if(req.headers, [](auto& h) { return h.first == "Authorization"; });
    BOOST_TEST(f.raw(req).status == 401u);
}

BOOST_AUTO_TEST_CASE(oversize_page_and_unknown_parameter) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto r = f.raw(f.good_request(http_method::get, "/api/profiles?page%5Bsize%5D=101"));
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(errors_of(r).at("source").at("parameter").as_string() == "page[size]");
    r = f.raw(f.good_request(http_method::get, "/api/profiles?pagesize=5"));
    BOOST_TEST(r.status == 400u);
    r = f.raw(f.good_request(http_method::get, "/api/profiles?fields%5Bprofile%5D=shoe_size"));
    BOOST_TEST(r.status == 400u);
}

BOOST_AUTO_TEST_CASE(unencoded_brackets_are_accepted_as_klaviyo_accepts_them) {
    ktest::sandbox_fixture f(sandbox::options{.profiles = 3});
    // As Klaviyo's reference writes it and `curl -g` sends it.
    auto r = f.raw(f.good_request(http_method::get, "/api/profiles?page[size]=2&fields[profile]=email"));
    BOOST_TEST_REQUIRE(r.status == 200u);
    auto doc = boost::json::parse(r.body);
    BOOST_TEST(doc.at("data").as_array().size() == 2u);
    BOOST_TEST(!doc.at("data").at(0).at("attributes").as_object().contains("first_name"));
    // And the same limits apply to them as to their encoded form.
    f.expects_refusals = true;
    r = f.raw(f.good_request(http_method::get, "/api/profiles?page[size]=101"));
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(errors_of(r).at("source").at("parameter").as_string() == "page[size]");
}

BOOST_AUTO_TEST_CASE(bad_filters) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    for (auto q : {"equals(email,'a@b.co'", "equals(first_name,'Ada')", "greater-than(email,'a')", "nonsense(id,'1')",
                   "any(email,'a@b.co')"}) {
        auto r = f.raw(f.good_request(http_method::get, "/api/profiles?filter=" + detail::query_encode(q)));
        BOOST_TEST(r.status == 400u, q);
        BOOST_TEST(errors_of(r).at("source").at("parameter").as_string() == "filter");
    }
    auto ok = f.raw(f.good_request(
        http_method::get,
        "/api/profiles?filter=" +
            detail::query_encode("and(equals(email,'a@b.co'),greater-than(created,2020-01-01T00:00:00Z))")));
    BOOST_TEST(ok.status == 200u);
}

BOOST_AUTO_TEST_CASE(wrong_type_and_id_mismatch) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto r = f.raw(f.good_request(http_method::post, "/api/profiles",
                                  R"({"data":{"type":"list","attributes":{"email":"a@b.co"}}})"));
    BOOST_TEST(r.status == 409u);
    BOOST_TEST(errors_of(r).at("source").at("pointer").as_string() == "/data/type");
    r = f.raw(f.good_request(http_method::post, "/api/profiles",
                             R"({"data":{"type":"profile","attributes":{"email":"a@b.co"}}})"));
    BOOST_TEST_REQUIRE(r.status == 201u);
    auto id = std::string(json::parse(r.body).at("data").at("id").as_string());
    r = f.raw(f.good_request(http_method::patch, "/api/profiles/" + id,
                             R"({"data":{"type":"profile","id":"01OTHER","attributes":{}}})"));
    BOOST_TEST(r.status == 409u);
    BOOST_TEST(errors_of(r).at("source").at("pointer").as_string() == "/data/id");
}

BOOST_AUTO_TEST_CASE(oversize_payload_and_bad_attributes) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    std::string big = R"({"data":{"type":"profile","attributes":{"email":"a@b.co","properties":{"x":")" +
                      std::string(101 * 1024, 'x') + R"("}}}})";
    auto r = f.raw(f.good_request(http_method::post, "/api/profiles", big));
    BOOST_TEST(r.status == 413u);
    r = f.raw(f.good_request(http_method::post, "/api/profiles",
                             R"({"data":{"type":"profile","attributes":{"phone_number":"5550006"}}})"));
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(errors_of(r).at("source").at("pointer").as_string() == "/data/attributes/phone_number");
    r = f.raw(f.good_request(http_method::post, "/api/profiles", R"({"data":{"type":"profile","attributes":{}}})"));
    BOOST_TEST(r.status == 400u);
    r = f.raw(f.good_request(http_method::post, "/api/profiles", "{not json"));
    BOOST_TEST(r.status == 400u);
}

BOOST_AUTO_TEST_CASE(unknown_paths_and_methods) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    BOOST_TEST(f.raw(f.good_request(http_method::get, "/api/nothing-here")).status == 404u);
    BOOST_TEST(f.raw(f.good_request(http_method::del, "/api/profiles/01X")).status == 405u);
    BOOST_TEST(f.raw(f.good_request(http_method::get, "/api/profiles/01MISSING")).status == 404u);
}

BOOST_AUTO_TEST_CASE(rate_limit_headers_on_success) {
    ktest::sandbox_fixture f;
    auto r = f.raw(f.good_request(http_method::get, "/api/profiles"));
    BOOST_TEST(r.status == 200u);
    BOOST_TEST(r.header("RateLimit-Limit") == "750");
    BOOST_TEST(r.header("RateLimit-Remaining") == "749");
    BOOST_TEST(!r.header("RateLimit-Reset").empty());
}

BOOST_AUTO_TEST_CASE(request_log_hides_the_key) {
    auto path = std::string("sandbox-request-log-") + std::to_string(::getpid()) + ".jsonl";
    std::remove(path.c_str());
    {
        ktest::sandbox_fixture f(sandbox::options{.request_log = path});
        f.run([&]() -> awaitable<void> { co_await f.client->async_create_or_update_profile(ada); });
    }
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    std::remove(path.c_str());
    auto v = json::parse(line);
    BOOST_TEST(v.at("method").as_string() == "POST");
    BOOST_TEST(v.at("path").as_string() == "/api/profile-import");
    BOOST_TEST(v.at("status").as_int64() == 201);
    BOOST_TEST(v.at("headers").at("Authorization").as_string() == "Klaviyo-API-Key");
    BOOST_TEST(line.find("TESTSECRET") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
