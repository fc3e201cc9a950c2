// Every profile operation: the exact request on the wire, and its result.
#include "test_client.hpp"

#include <boost/test/unit_test.hpp>

using namespace klaviyo;
using boost::asio::awaitable;
using ktest::fixture;

namespace {

void check_common_headers(const http_request& r, bool has_body) {
    BOOST_TEST(r.header("Authorization") == std::string("Klaviyo-API-Key ") + ktest::test_key);
    BOOST_TEST(r.header("revision") == "2026-07-15");
    BOOST_TEST(r.header("Accept") == "application/vnd.api+json");
    BOOST_TEST(r.header("User-Agent") == "klaviyo-cpp/0.1.0");
    BOOST_TEST(r.header("Content-Type") == (has_body ? "application/vnd.api+json" : ""));
    BOOST_TEST(r.headers.size() == (has_body ? 5u : 4u));
    BOOST_TEST(r.origin.host == "a.klaviyo.com");
    BOOST_TEST(r.origin.port == 443);
    BOOST_TEST(r.origin.tls);
}

} // namespace

BOOST_AUTO_TEST_SUITE(profile_requests)

BOOST_AUTO_TEST_CASE(get_profile_with_fields_additional_fields_and_include) {
    fixture f;
    f.mock().respond(200, ktest::profile_doc("01P", "ada@example.com"));
    // g++ 12 rejects braced lists inside a coroutine body: build options outside.
    get_options opts{.fields = {{"profile", {"email", "first_name"}}, {"list", {"name"}}},
                     .additional_fields = {"subscriptions"},
                     .include = {"lists"}};
    ktest::run(f, [&]() -> awaitable<void> {
        auto doc = co_await f.client.async_get<profile>("01P", opts);
        BOOST_TEST(doc.data.id == "01P");
        BOOST_TEST(*doc.data.attributes.email == "ada@example.com");
        BOOST_TEST(*doc.data.attributes.location->latitude == 51.5);
    });
    const auto& r = f.last();
    BOOST_TEST((r.method == http_method::get));
    BOOST_TEST(r.target == "/api/profiles/01P?fields%5Bprofile%5D=email,first_name&fields%5Blist%5D=name"
                           "&additional-fields%5Bprofile%5D=subscriptions&include=lists");
    BOOST_TEST(r.body.empty());
    BOOST_TEST(r.idempotent);
    check_common_headers(r, false);
}

BOOST_AUTO_TEST_CASE(get_profiles_with_filter_sort_and_page_size) {
    fixture f;
    f.mock().respond(200, R"({"data":[],"links":{"self":"x"}})");
    list_options opts{
        .fields = {{"profile", {"email"}}},
        .additional_fields = {"predictive_analytics"},
        .filter = "equals(email,'ada@example.com')",
        .sort = "-created",
        .page_size = 50,
    };
    ktest::run(f, [&]() -> awaitable<void> {
        auto page = co_await f.client.async_list<profile>(opts);
        BOOST_TEST(page.data.empty());
        BOOST_TEST(!page.has_next());
    });
    const auto& r = f.last();
    BOOST_TEST((r.method == http_method::get));
    BOOST_TEST(r.target == "/api/profiles?fields%5Bprofile%5D=email&additional-fields%5Bprofile%5D="
                           "predictive_analytics&filter=equals(email,'ada@example.com')&sort=-created"
                           "&page%5Bsize%5D=50");
    check_common_headers(r, false);
}

BOOST_AUTO_TEST_CASE(get_profiles_defaults_to_the_maximum_page_size) {
    fixture f;
    f.mock().respond(200, R"({"data":[],"links":{}})");
    ktest::run(f, [&]() -> awaitable<void> { co_await f.client.async_list<profile>(); });
    BOOST_TEST(f.last().target == "/api/profiles?page%5Bsize%5D=100");
}

BOOST_AUTO_TEST_CASE(create_profile_body_and_201) {
    fixture f;
    f.mock().respond(201, ktest::profile_doc("01NEW", "ada@example.com"));
    new_profile p;
    p.email = "ada@example.com";
    p.phone_number = "+15005550006";
    p.first_name = "Ada";
    p.location = profile_location{.city = "London"};
    p.properties = json::object{{"plan", "pro"}};
    ktest::run(f, [&]() -> awaitable<void> {
        auto doc = co_await f.client.async_create<profile>(p);
        BOOST_TEST(doc.data.id == "01NEW");
    });
    const auto& r = f.last();
    BOOST_TEST((r.method == http_method::post));
    BOOST_TEST(r.target == "/api/profiles");
    BOOST_TEST(r.body == R"({"data":{"type":"profile","attributes":{"email":"ada@example.com",)"
                         R"("phone_number":"+15005550006","first_name":"Ada","location":{"city":"London"},)"
                         R"("properties":{"plan":"pro"}}}})");
    BOOST_TEST(!r.idempotent);
    check_common_headers(r, true);
}

BOOST_AUTO_TEST_CASE(update_profile_absent_null_and_value) {
    fixture f;
    f.mock().respond(200, ktest::profile_doc("01P", "new@example.com"));
    profile_update u;
    u.email = "new@example.com";
    u.title = klaviyo::null; // clear
    u.patch_properties = patch_properties{.unset = std::vector<std::string>{"old_key"}};
    write_options wo{.fields = {{"profile", {"email"}}}};
    ktest::run(f, [&]() -> awaitable<void> {
        auto doc = co_await f.client.async_update<profile>("01P", u, wo);
        BOOST_TEST(*doc.data.attributes.email == "new@example.com");
    });
    const auto& r = f.last();
    BOOST_TEST((r.method == http_method::patch));
    BOOST_TEST(r.target == "/api/profiles/01P?fields%5Bprofile%5D=email");
    BOOST_TEST(r.body == R"({"data":{"type":"profile","id":"01P","attributes":{"email":"new@example.com",)"
                         R"("title":null},"meta":{"patch_properties":{"unset":["old_key"]}}}})");
    BOOST_TEST(r.idempotent);
    check_common_headers(r, true);
}

BOOST_AUTO_TEST_CASE(update_with_append_is_not_idempotent) {
    auto p = ops::update_profile::plan(
        "01P", profile_update{.patch_properties = patch_properties{.append = json::object{{"skus", "1"}}}}, {});
    BOOST_TEST(p.ok());
    BOOST_TEST(!p.idempotent);
}

BOOST_AUTO_TEST_CASE(create_or_update_profile_reports_created_or_updated) {
    fixture f;
    f.mock().respond(201, ktest::profile_doc("01A", "ada@example.com"));
    f.mock().respond(200, ktest::profile_doc("01A", "ada@example.com"));
    ktest::run(f, [&]() -> awaitable<void> {
        profile_upsert in;
        in.email = "ada@example.com";
        in._kx = "kx1";
        auto first = co_await f.client.async_create_or_update_profile(in);
        BOOST_TEST(first.created);
        in.id = "01A";
        auto second = co_await f.client.async_create_or_update_profile(in);
        BOOST_TEST(!second.created);
        BOOST_TEST(second.document.data.id == "01A");
    });
    BOOST_TEST_REQUIRE(f.mock().requests().size() == 2u);
    const auto& a = f.mock().requests()[0];
    const auto& b = f.mock().requests()[1];
    BOOST_TEST((a.method == http_method::post));
    BOOST_TEST(a.target == "/api/profile-import");
    BOOST_TEST(a.body == R"({"data":{"type":"profile","attributes":{"email":"ada@example.com","_kx":"kx1"}}})");
    BOOST_TEST(b.body ==
               R"({"data":{"type":"profile","id":"01A","attributes":{"email":"ada@example.com","_kx":"kx1"}}})");
    check_common_headers(a, true);
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_before_sending) {
    fixture f;
    std::vector<std::pair<std::string, std::string>> seen;
    auto expect_invalid = [&](auto op, std::string_view field) {
        ktest::run(f, [&]() -> awaitable<void> {
            try {
                co_await op();
                BOOST_FAIL("expected invalid_argument");
            } catch (const api_error& e) {
                BOOST_TEST((e.code() == errc::invalid_argument));
                BOOST_TEST(e.diagnostics().message.find(field) == 0u, e.diagnostics().message);
                BOOST_TEST(e.diagnostics().attempts == 0u);
            }
        });
    };
    expect_invalid([&] { return f.client.async_create<profile>(new_profile{.email = "not-an-email"}); },
                   "data.attributes.email");
    expect_invalid([&] { return f.client.async_create<profile>(new_profile{.phone_number = "5550006"}); },
                   "data.attributes.phone_number");
    expect_invalid([&] { return f.client.async_create<profile>(new_profile{.first_name = "Nobody"}); },
                   "data.attributes");
    expect_invalid(
        [&] {
            new_profile big;
            big.email = "big@example.com";
            big.properties = json::object{{"blob", std::string(101 * 1024, 'x')}};
            return f.client.async_create<profile>(big);
        },
        "data: payload");
    expect_invalid([&] { return f.client.async_update<profile>("", profile_update{}); }, "id");
    expect_invalid([&] { return f.client.async_update<profile>("1", profile_update{.email = "x@"}); },
                   "data.attributes.email");
    expect_invalid([&] { return f.client.async_create_or_update_profile(profile_upsert{}); }, "data");
    expect_invalid([&] { return f.client.async_list<profile>(list_options{.page_size = 500}); }, "page_size");
    expect_invalid([&] { return f.client.async_get<profile>("1", get_options{.include = {"metric"}}); }, "include");
    BOOST_TEST(f.mock().requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()
