// Events: the exact create body, every input check (nothing sent), reads.
#include "test_client.hpp"

#include <klaviyo/resources/event.hpp>

#include <boost/test/unit_test.hpp>

using namespace klaviyo;
using boost::asio::awaitable;
using ktest::fixture;

BOOST_AUTO_TEST_SUITE(event_requests)

BOOST_AUTO_TEST_CASE(create_event_body) {
    fixture f;
    f.mock().respond(202);
    new_event e;
    e.metric_name = "Placed Order";
    e.profile.email = "ada@example.com";
    e.properties = json::object{{"order_id", "1001"}, {"items", json::array{"A", "B"}}};
    e.time = "2026-11-26T08:00:00+00:00";
    e.value = 42.5;
    e.value_currency = "EUR";
    e.unique_id = "1001";
    ktest::run(f, [&]() -> awaitable<void> {
        auto r = co_await f.client.async_create<event>(e);
        BOOST_TEST(r.status == 202u);
    });
    const auto& r = f.last();
    BOOST_TEST((r.method == http_method::post));
    BOOST_TEST(r.target == "/api/events");
    BOOST_TEST(r.body ==
               R"({"data":{"type":"event","attributes":{"properties":{"order_id":"1001","items":["A","B"]},)"
               R"("time":"2026-11-26T08:00:00+00:00","value":4.25E1,"value_currency":"EUR","unique_id":"1001",)"
               R"("metric":{"data":{"type":"metric","attributes":{"name":"Placed Order"}}},)"
               R"("profile":{"data":{"type":"profile","attributes":{"email":"ada@example.com"}}}}}})");
    BOOST_TEST(r.idempotent); // a unique_id makes a replay harmless
}

BOOST_AUTO_TEST_CASE(empty_properties_are_sent_as_an_object_and_no_unique_id_means_no_replay) {
    new_event e;
    e.metric_name = "Viewed";
    e.profile_id = "01P";
    auto p = ops::create_event::plan(e);
    BOOST_TEST_REQUIRE(p.ok());
    BOOST_TEST(p.body.find(R"("properties":{})") != std::string::npos);
    BOOST_TEST(p.body.find(R"("profile":{"data":{"type":"profile","id":"01P","attributes":{}}})") != std::string::npos);
    BOOST_TEST(!p.idempotent);
    BOOST_TEST((p.rate == rate_limits::xl));
}

BOOST_AUTO_TEST_CASE(bad_events_are_refused_before_sending) {
    fixture f;
    auto base = [] {
        new_event e;
        e.metric_name = "M";
        e.profile.email = "a@example.com";
        return e;
    };
    std::vector<std::pair<new_event, std::string>> cases;
    auto add = [&](auto edit, std::string field) {
        auto e = base();
        edit(e);
        cases.emplace_back(std::move(e), std::move(field));
    };
    add([](new_event& e) { e.metric_name.clear(); }, "data.attributes.metric.data.attributes.name");
    add([](new_event& e) { e.time = "26/11/2026"; }, "data.attributes.time");
    add([](new_event& e) { e.time = "2026-13-01T00:00:00Z"; }, "data.attributes.time");
    add([](new_event& e) { e.value_currency = "EURO"; }, "data.attributes.value_currency");
    add([](new_event& e) { e.value_currency = "ABC"; }, "data.attributes.value_currency");
    add([](new_event& e) { e.profile = {}; }, "data.attributes.profile");
    add([](new_event& e) { e.profile.email = "not-an-email"; }, "data.attributes.profile.email");
    add([](new_event& e) { e.profile.phone_number = "0123"; }, "data.attributes.profile.phone_number");
    add([](new_event& e) { e.unique_id = ""; }, "data.attributes.unique_id");
    add(
        [](new_event& e) {
            for (int i = 0; i < 401; ++i) e.properties["p" + std::to_string(i)] = i;
        },
        "data.attributes.properties");
    add([](new_event& e) { e.properties["note"] = std::string(101 * 1024, 'x'); }, "data.attributes.properties.note");
    for (auto& [e, field] : cases) {
        error_code ec;
        diagnostics d;
        f.client.async_create<event>(e, {}, capture_diagnostics(d, [&](error_code x, accepted) { ec = x; }));
        f.ioc.run();
        f.ioc.restart();
        BOOST_TEST((ec == errc::invalid_argument), field);
        BOOST_TEST(d.message.find(field) == 0u, d.message);
    }
    BOOST_TEST(f.mock().requests().empty());
}

BOOST_AUTO_TEST_CASE(valid_times_and_currencies) {
    for (auto t :
         {"2026-11-26T08:00:00Z", "2026-11-26T08:00:00.123+05:30", "2026-11-26T08:00:00", "2026-02-28 23:59:59-08:00"})
        BOOST_TEST(is_iso8601_datetime(t), t);
    for (auto t : {"2026-11-26", "2026-11-26T24:00:00Z", "2026-11-26T08:00:00+5", "2026-11-26T08:00:00.Z", ""})
        BOOST_TEST(!is_iso8601_datetime(t), t);
    for (auto c : {"USD", "EUR", "JPY", "GBP", "CHF"}) BOOST_TEST(is_iso4217_currency(c), c);
    for (auto c : {"usd", "US", "ABC", "EURO"}) BOOST_TEST(!is_iso4217_currency(c), c);
}

BOOST_AUTO_TEST_CASE(reading_events) {
    fixture f;
    f.mock()
        .respond(200, R"({"data":[{"type":"event","id":"E1","attributes":{"timestamp":1767323045,)"
                      R"("datetime":"2026-01-02T03:04:05+00:00","event_properties":{"sku":"A1"}},)"
                      R"("relationships":{"metric":{"data":{"type":"metric","id":"M1"}}}}],)"
                      R"("included":[{"type":"metric","id":"M1","attributes":{"name":"Placed Order"}}],"links":{}})")
        .respond(200, R"({"data":{"type":"event","id":"E1","attributes":{"timestamp":1767323045}}})");
    list_options o{.include = {"metric", "profile"}, .filter = "equals(metric_id,'M1')", .sort = "-datetime"};
    get_options g{.include = {"metric"}};
    ktest::run(f, [&]() -> awaitable<void> {
        auto page = co_await f.client.async_list<event>(o);
        BOOST_TEST(*page.data.at(0).attributes.timestamp == 1767323045);
        BOOST_TEST((page.data.at(0).related_ids("metric") == std::vector<std::string>{"M1"}));
        BOOST_TEST(page.included.size() == 1u);
        auto one = co_await f.client.async_get<event>("E1", g);
        BOOST_TEST(one.data.id == "E1");
    });
    BOOST_TEST(f.mock().requests()[0].target ==
               "/api/events?include=metric,profile&filter=equals(metric_id,'M1')&sort=-datetime&page%5Bsize%5D=1000");
    BOOST_TEST(f.mock().requests()[1].target == "/api/events/E1?include=metric");
    BOOST_TEST((ops::get_event::plan("E1", {}).rate == rate_limits::m));
}

BOOST_AUTO_TEST_SUITE_END()
