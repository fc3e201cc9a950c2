// Accounts, metrics and lists through the client and the real transport,
// against the sandbox: what is created reads back, what is deleted is gone.
#include "sandbox_fixture.hpp"

#include <klaviyo/resources/event.hpp>
#include <klaviyo/resources/segment.hpp>
#include <klaviyo/resources/template.hpp>

#include <boost/test/unit_test.hpp>

using namespace klaviyo;
namespace json = boost::json;
using boost::asio::awaitable;
namespace asio = boost::asio;

BOOST_AUTO_TEST_SUITE(client_resources_against_sandbox)

BOOST_AUTO_TEST_CASE(accounts_and_metrics) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false});
    auto ev = ktest::call(f, http_method::post, "/api/events",
                          R"({"data":{"type":"event","attributes":{"properties":{},"metric":{"data":{"type":"metric",)"
                          R"("attributes":{"name":"Placed Order"}}},"profile":{"data":{"type":"profile","attributes":)"
                          R"({"email":"m@example.com"}}}}}})");
    BOOST_TEST_REQUIRE(ev.status == 202u);
    f.run([&]() -> awaitable<void> {
        auto accounts = co_await f.client->async_list<account>();
        BOOST_TEST_REQUIRE(accounts.data.size() == 1u);
        auto one = co_await f.client->async_get<account>(accounts.data[0].id);
        BOOST_TEST(*one.data.attributes.preferred_currency == "USD");
        auto metrics = co_await f.client->async_list<metric>();
        BOOST_TEST_REQUIRE(metrics.data.size() == 1u);
        BOOST_TEST(*metrics.data[0].attributes.name == "Placed Order");
        auto m = co_await f.client->async_get<metric>(metrics.data[0].id);
        BOOST_TEST(m.data.id == metrics.data[0].id);
    });
}

BOOST_AUTO_TEST_CASE(lists_crud_and_members) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false});
    f.expects_refusals = true; // it tests a 404 after the delete
    new_list nl{.name = "VIP", .opt_in_process = "single_opt_in"};
    list_update lu{.name = "VIP+"};
    get_options counted{.additional_fields = {"profile_count"}};
    list_options by_two{.page_size = 2};
    std::string id;
    f.run([&]() -> awaitable<void> {
        auto created = co_await f.client->async_create<klaviyo::list>(nl);
        id = created.data.id;
        BOOST_TEST(*created.data.attributes.opt_in_process == "single_opt_in");
    });
    std::string members = R"({"data":[)";
    for (int i = 0; i < 5; ++i) {
        auto p = ktest::call(f, http_method::post, "/api/profiles",
                             R"({"data":{"type":"profile","attributes":{"email":"m)" + std::to_string(i) +
                                 R"(@example.com"}}})");
        members += (i ? "," : "") + std::string(R"({"type":"profile","id":")") + ktest::id_of(p) + R"("})";
    }
    BOOST_TEST(
        ktest::call(f, http_method::post, "/api/lists/" + id + "/relationships/profiles", members + "]}").status ==
        204u);
    std::size_t seen = 0, pages = 0;
    f.run([&]() -> awaitable<void> {
        auto updated = co_await f.client->async_update<klaviyo::list>(id, lu);
        BOOST_TEST(*updated.data.attributes.name == "VIP+");
        auto got = co_await f.client->async_get<klaviyo::list>(id, counted);
        BOOST_TEST(*got.data.attributes.profile_count == 5);
        auto gen = f.client->list_profile_pages(id, by_two);
        while (auto p = co_await gen.async_resume(asio::use_awaitable)) {
            ++pages;
            for (auto& r : p->data) seen += r.attributes.joined_group_at.has_value();
        }
        co_await f.client->async_delete<klaviyo::list>(id);
        try {
            co_await f.client->async_get<klaviyo::list>(id);
            BOOST_FAIL("expected not_found");
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == errc::not_found));
        }
    });
    BOOST_TEST(seen == 5u);
    BOOST_TEST(pages == 3u);
}

BOOST_AUTO_TEST_CASE(lists_page_ten_at_a_time) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false});
    for (int i = 0; i < 23; ++i)
        ktest::call(f, http_method::post, "/api/lists",
                    R"({"data":{"type":"list","attributes":{"name":"L)" + std::to_string(i) + R"("}}})");
    std::vector<std::size_t> sizes;
    f.run([&]() -> awaitable<void> {
        auto gen = f.client->pages<klaviyo::list>();
        while (auto p = co_await gen.async_resume(asio::use_awaitable)) sizes.push_back(p->data.size());
    });
    BOOST_TEST((sizes == std::vector<std::size_t>{10, 10, 3}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(events_against_sandbox)

BOOST_AUTO_TEST_CASE(created_events_show_up_with_their_metric_once) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false});
    new_event e;
    e.metric_name = "Placed Order";
    e.profile.email = "buyer@example.com";
    e.properties = json::object{{"sku", "A1"}};
    e.value = 19.99;
    e.value_currency = "USD";
    e.unique_id = "order-77";
    list_options with_metric{.include = {"metric"}};
    f.run([&]() -> awaitable<void> {
        co_await f.client->async_create<event>(e);
        co_await f.client->async_create<event>(e); // the same unique_id: recorded once
        auto page = co_await f.client->async_list<event>(with_metric);
        BOOST_TEST_REQUIRE(page.data.size() == 1u);
        BOOST_TEST(page.data[0].attributes.event_properties->at("sku").as_string() == "A1");
        auto metric_id = page.data[0].related_ids("metric").at(0);
        bool named = false;
        for (const auto& inc : page.included)
            named |= inc.at("id") == metric_id.c_str() && inc.at("attributes").at("name") == "Placed Order";
        BOOST_TEST(named);
        auto one = co_await f.client->async_get<event>(page.data[0].id);
        BOOST_TEST(one.data.id == page.data[0].id);
    });
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(segments_and_templates_against_sandbox)

BOOST_AUTO_TEST_CASE(segment_and_template_lifecycles) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false});
    f.expects_refusals = true; // it tests 404s after the deletes
    new_segment ns{.name = "Pro",
                   .definition =
                       json::object{{"condition_groups", json::array{json::object{{"conditions", json::array{}}}}}}};
    segment_update su{.is_starred = true};
    new_template nt{.name = "Welcome", .html = "<p>Hi</p>", .text = "Hi"};
    template_update tu{.name = "Welcome 2"};
    f.run([&]() -> awaitable<void> {
        auto s = co_await f.client->async_create<segment>(ns);
        auto starred = co_await f.client->async_update<segment>(s.data.id, su);
        BOOST_TEST(*starred.data.attributes.is_starred);
        auto listed = co_await f.client->async_list<segment>();
        BOOST_TEST(listed.data.size() == 1u);
        co_await f.client->async_delete<segment>(s.data.id);

        auto t = co_await f.client->async_create<email_template>(nt);
        BOOST_TEST(*t.data.attributes.editor_type == "CODE");
        auto renamed = co_await f.client->async_update<email_template>(t.data.id, tu);
        BOOST_TEST(*renamed.data.attributes.name == "Welcome 2");
        BOOST_TEST(*renamed.data.attributes.html == "<p>Hi</p>");
        co_await f.client->async_delete<email_template>(t.data.id);
        int missing = 0;
        try {
            co_await f.client->async_get<segment>(s.data.id);
        } catch (const api_error& e) {
            missing += e.code() == errc::not_found;
        }
        try {
            co_await f.client->async_get<email_template>(t.data.id);
        } catch (const api_error& e) {
            missing += e.code() == errc::not_found;
        }
        BOOST_TEST(missing == 2);
    });
}

BOOST_AUTO_TEST_SUITE_END()
