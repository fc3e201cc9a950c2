// Accounts, metrics and lists: the exact requests, and input checks that
// stop bad input before anything is sent.
#include "test_client.hpp"

#include <klaviyo/resources/account.hpp>
#include <klaviyo/resources/metric.hpp>
#include <klaviyo/resources/segment.hpp>
#include <klaviyo/resources/template.hpp>

#include <boost/test/unit_test.hpp>

using namespace klaviyo;
using boost::asio::awaitable;
using ktest::fixture;

namespace {

const char* page_of(std::string_view type) {
    static std::string s;
    s = R"({"data":[{"type":")" + std::string(type) +
        R"(","id":"X1","attributes":{"name":"n"}}],"links":{"self":"s"}})";
    return s.c_str();
}
std::string doc_of(std::string_view type, std::string_view id, std::string attrs = R"({"name":"n"})") {
    return R"({"data":{"type":")" + std::string(type) + R"(","id":")" + std::string(id) + R"(","attributes":)" + attrs +
           "}}";
}

} // namespace

BOOST_AUTO_TEST_SUITE(resource_requests)

BOOST_AUTO_TEST_CASE(accounts) {
    fixture f;
    f.mock()
        .respond(200, R"({"data":[{"type":"account","id":"AbC123","attributes":{"test_account":false,)"
                      R"("contact_information":{"organization_name":"Acme"},"preferred_currency":"USD"}}],"links":{}})")
        .respond(200, doc_of("account", "AbC123", R"({"timezone":"UTC"})"));
    list_options fields{.fields = {{"account", {"contact_information", "timezone"}}}};
    ktest::run(f, [&]() -> awaitable<void> {
        auto all = co_await f.client.async_list<account>(fields);
        BOOST_TEST(*all.data.at(0).attributes.contact_information->organization_name == "Acme");
        auto one = co_await f.client.async_get<account>("AbC123");
        BOOST_TEST(*one.data.attributes.timezone == "UTC");
    });
    BOOST_TEST(f.mock().requests()[0].target == "/api/accounts?fields%5Baccount%5D=contact_information,timezone");
    BOOST_TEST(f.mock().requests()[1].target == "/api/accounts/AbC123");
    auto paged = ops::get_accounts::plan(list_options{.page_size = 5});
    BOOST_TEST(paged.invalid == "page_size: this collection is not paginated");
    BOOST_TEST((ops::get_accounts::plan({}).rate == rate_limits::xs));
}

BOOST_AUTO_TEST_CASE(metrics_have_a_fixed_page_size) {
    fixture f;
    f.mock().respond(200, page_of("metric")).respond(200, doc_of("metric", "M1"));
    list_options o{.filter = "equals(integration.name,'Shopify')", .page_cursor = "abc"};
    ktest::run(f, [&]() -> awaitable<void> {
        auto page = co_await f.client.async_list<metric>(o);
        BOOST_TEST(*page.data.at(0).attributes.name == "n");
        co_await f.client.async_get<metric>("M1");
    });
    BOOST_TEST(f.mock().requests()[0].target ==
               "/api/metrics?filter=equals(integration.name,'Shopify')&page%5Bcursor%5D=abc");
    BOOST_TEST(f.mock().requests()[1].target == "/api/metrics/M1");
    BOOST_TEST(ops::get_metrics::plan(list_options{.page_size = 10}).invalid ==
               "page_size: this endpoint has a fixed page size");
}

BOOST_AUTO_TEST_CASE(lists_crud) {
    fixture f;
    f.mock()
        .respond(200, page_of("list"))
        .respond(200, doc_of("list", "L1", R"({"name":"VIP","profile_count":3})"))
        .respond(201, doc_of("list", "L2"))
        .respond(200, doc_of("list", "L2"))
        .respond(204);
    get_options counted{.additional_fields = {"profile_count"}};
    new_list nl{.name = "Newsletter", .opt_in_process = "single_opt_in"};
    list_update lu{.name = "Weekly"};
    ktest::run(f, [&]() -> awaitable<void> {
        co_await f.client.async_list<klaviyo::list>();
        auto one = co_await f.client.async_get<klaviyo::list>("L1", counted);
        BOOST_TEST(*one.data.attributes.profile_count == 3);
        co_await f.client.async_create<klaviyo::list>(nl);
        co_await f.client.async_update<klaviyo::list>("L2", lu);
        auto gone = co_await f.client.async_delete<klaviyo::list>("L2");
        BOOST_TEST(gone.status == 204u);
    });
    const auto& r = f.mock().requests();
    BOOST_TEST(r[0].target == "/api/lists?page%5Bsize%5D=10");
    BOOST_TEST(r[1].target == "/api/lists/L1?additional-fields%5Blist%5D=profile_count");
    BOOST_TEST((r[2].method == http_method::post));
    BOOST_TEST(r[2].body ==
               R"({"data":{"type":"list","attributes":{"name":"Newsletter","opt_in_process":"single_opt_in"}}})");
    BOOST_TEST(!r[2].idempotent);
    BOOST_TEST((r[3].method == http_method::patch));
    BOOST_TEST(r[3].target == "/api/lists/L2");
    BOOST_TEST(r[3].body == R"({"data":{"type":"list","id":"L2","attributes":{"name":"Weekly"}}})");
    BOOST_TEST((r[4].method == http_method::del));
    BOOST_TEST(r[4].target == "/api/lists/L2");
    BOOST_TEST(r[4].body.empty());
    BOOST_TEST(r[4].header("Content-Type").empty());
}

BOOST_AUTO_TEST_CASE(list_rate_classes_and_checks) {
    BOOST_TEST(
        (ops::get_list::plan("L1", get_options{.additional_fields = {"profile_count"}}).rate == rate_limits::xs));
    BOOST_TEST((ops::create_list::plan(new_list{.name = "x"}, {}).rate == rate_limit{10, 150, 150}));
    BOOST_TEST(ops::get_lists::plan(list_options{.page_size = 11}).invalid == "page_size: must be between 1 and 10");
    BOOST_TEST(ops::create_list::plan(new_list{}, {}).invalid == "data.attributes.name: is required");
    BOOST_TEST(ops::create_list::plan(new_list{.name = "x", .opt_in_process = "triple"}, {}).invalid ==
               "data.attributes.opt_in_process: must be double_opt_in or single_opt_in");
    BOOST_TEST(ops::update_list::plan("L1", list_update{.name = ""}, {}).invalid ==
               "data.attributes.name: must not be empty");
    BOOST_TEST(ops::delete_list::plan("").invalid == "id: must not be empty");
    BOOST_TEST(ops::get_lists::plan(list_options{.sort = "-size"}).invalid.find("sort:") == 0u);
}

BOOST_AUTO_TEST_CASE(profiles_of_a_list) {
    fixture f;
    f.mock()
        .respond(200, R"({"data":[{"type":"profile","id":"P1","attributes":{"email":"a@b.co","joined_group_at":)"
                      R"("2026-01-01T00:00:00+00:00"}}],"links":{"next":"https://a.klaviyo.com/api/lists/L1/profiles?)"
                      R"(page%5Bcursor%5D=c2"}})")
        .respond(200, R"({"data":[{"type":"profile","id":"P2","attributes":{}}],"links":{}})");
    std::vector<std::string> ids;
    list_options o{.sort = "-joined_group_at", .page_size = 1};
    ktest::run(f, [&]() -> awaitable<void> {
        auto pages = f.client.list_profile_pages("L1", o);
        while (auto p = co_await pages.async_resume(boost::asio::use_awaitable))
            for (auto& r : p->data) ids.push_back(r.id);
    });
    BOOST_TEST((ids == std::vector<std::string>{"P1", "P2"}));
    BOOST_TEST(f.mock().requests()[0].target == "/api/lists/L1/profiles?sort=-joined_group_at&page%5Bsize%5D=1");
    BOOST_TEST(f.mock().requests()[1].target == "/api/lists/L1/profiles?page%5Bcursor%5D=c2");
}

BOOST_AUTO_TEST_CASE(segments_crud_and_checks) {
    fixture f;
    f.mock()
        .respond(201, doc_of("segment", "S1"))
        .respond(200, doc_of("segment", "S1", R"({"name":"n","is_active":false})"))
        .respond(204);
    new_segment ns{.name = "Pro users",
                   .definition =
                       json::object{{"condition_groups", json::array{json::object{{"conditions", json::array{}}}}}}};
    segment_update su{.is_active = false};
    ktest::run(f, [&]() -> awaitable<void> {
        co_await f.client.async_create<segment>(ns);
        auto u = co_await f.client.async_update<segment>("S1", su);
        BOOST_TEST(!*u.data.attributes.is_active);
        co_await f.client.async_delete<segment>("S1");
    });
    const auto& r = f.mock().requests();
    BOOST_TEST(r[0].body == R"({"data":{"type":"segment","attributes":{"name":"Pro users","definition":)"
                            R"({"condition_groups":[{"conditions":[]}]}}}})");
    BOOST_TEST(r[1].body == R"({"data":{"type":"segment","id":"S1","attributes":{"is_active":false}}})");
    BOOST_TEST(r[2].target == "/api/segments/S1");
    BOOST_TEST((ops::create_segment::plan(ns, {}).rate == rate_limit{1, 15, 100}));
    BOOST_TEST((ops::delete_segment::plan("S1").rate == rate_limits::s));
    BOOST_TEST(
        (ops::get_segment::plan("S1", get_options{.additional_fields = {"profile_count"}}).rate == rate_limits::xs));
    BOOST_TEST(ops::create_segment::plan(new_segment{.name = "x"}, {}).invalid ==
               "data.attributes.definition.condition_groups: at least one condition group is required");
    BOOST_TEST(ops::get_segments::plan(list_options{.page_size = 20}).invalid == "page_size: must be between 1 and 10");
}

BOOST_AUTO_TEST_CASE(templates_crud_and_checks) {
    fixture f;
    f.mock().respond(201, doc_of("template", "T1")).respond(200, doc_of("template", "T1")).respond(204);
    new_template nt{.name = "Welcome", .html = "<p>Hi</p>"};
    template_update tu{.text = "Hi"};
    ktest::run(f, [&]() -> awaitable<void> {
        co_await f.client.async_create<email_template>(nt);
        co_await f.client.async_update<email_template>("T1", tu);
        co_await f.client.async_delete<email_template>("T1");
    });
    const auto& r = f.mock().requests();
    BOOST_TEST(
        r[0].body ==
        R"({"data":{"type":"template","attributes":{"name":"Welcome","editor_type":"CODE","html":"<p>Hi</p>"}}})");
    BOOST_TEST(r[1].body == R"({"data":{"type":"template","id":"T1","attributes":{"text":"Hi"}}})");
    BOOST_TEST(r[2].target == "/api/templates/T1");
    BOOST_TEST(ops::create_template::plan(new_template{.name = "x"}, {}).invalid ==
               "data.attributes.html: is required for CODE templates");
    BOOST_TEST(
        ops::create_template::plan(new_template{.name = "x", .editor_type = "SYSTEM_DRAGGABLE", .html = "<p/>"}, {})
            .invalid == "data.attributes.html: not allowed for SYSTEM_DRAGGABLE templates");
    BOOST_TEST(ops::create_template::plan(new_template{.name = "x", .editor_type = "WYSIWYG", .html = "<p/>"}, {})
                   .invalid.find("data.attributes.editor_type") == 0u);
    BOOST_TEST(ops::get_templates::plan(list_options{.additional_fields = {"definition"}}).target ==
               "/api/templates?additional-fields%5Btemplate%5D=definition&page%5Bsize%5D=10");
}

BOOST_AUTO_TEST_SUITE_END()
