// The generated descriptors of the whole API (include/klaviyo/api/) and
// calls through them: the exact request of a catalog, a flow, a report, a
// bulk-job and a public /client/ operation, and refusals before any I/O.
#include "test_client.hpp"

#include <klaviyo/api/call.hpp>
#include <klaviyo/api/catalogs.hpp>
#include <klaviyo/api/accounts.hpp>
#include <klaviyo/api/campaigns.hpp>
#include <klaviyo/api/client.hpp>
#include <klaviyo/api/coupons.hpp>
#include <klaviyo/api/events.hpp>
#include <klaviyo/api/flows.hpp>
#include <klaviyo/api/images.hpp>
#include <klaviyo/api/profiles.hpp>
#include <klaviyo/api/lists.hpp>
#include <klaviyo/api/metrics.hpp>
#include <klaviyo/api/reporting.hpp>
#include <klaviyo/api/segments.hpp>
#include <klaviyo/api/templates.hpp>
#include <klaviyo/klaviyo.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

using namespace klaviyo;
using boost::asio::awaitable;
using ktest::fixture;

namespace {

// What the spec states, spelled out by hand: the generator must agree.
static_assert(api::get_catalog_items::method == http_method::get);
static_assert(api::get_catalog_items::path == "/api/catalog-items");
static_assert(api::get_catalog_items::rate == rate_limit{350, 3500});
static_assert(api::get_catalog_items::max_page_size == 100);
static_assert(api::create_catalog_item::idempotent == idempotency::non_idempotent);
static_assert(api::delete_catalog_item::method == http_method::del);
static_assert(api::get_flow::path_parameter == "id");
static_assert(api::get_bulk_import_profiles_job::path_parameter == "job_id");
static_assert(api::create_client_event::public_client);
static_assert(api::query_campaign_values::body == api::body_kind::json);
static_assert(api::query_campaign_values::idempotent == idempotency::idempotent); // a read with a body
static_assert(api::upload_image_from_file::body == api::body_kind::multipart);
// An alias of the spec (x-klaviyo-operation-aliases) is the same descriptor.
static_assert(std::is_same_v<api::subscribe_profiles, api::bulk_subscribe_profiles>);

// The seed's hand-written operations (klaviyo::ops) are built on the generated
// descriptors (ops::from_spec): the spec's facts are written once.
static_assert(std::is_base_of_v<from_spec<api::bulk_subscribe_profiles, accepted>, ops::subscribe_profiles>);

std::string header_of(const http_request& r, std::string_view name) { return std::string(r.header(name)); }

} // namespace

BOOST_AUTO_TEST_SUITE(whole_api)

BOOST_AUTO_TEST_CASE(descriptor_facts) {
    constexpr const auto& f = api::get_catalog_items::facts;
    BOOST_TEST(f.scopes.size() == 1u);
    BOOST_TEST(f.scopes[0] == "catalogs:read");
    BOOST_TEST(f.success[0] == 200u);
    BOOST_TEST(api::holds(f.include, "variants"));
    BOOST_TEST(api::find_rule(f.filter, "category.id") != nullptr);
    BOOST_TEST(api::get_events::max_page_size == 1000u); // the overlay's decision, see spec/overlay.json
}

BOOST_AUTO_TEST_CASE(catalog_items_with_fields_filter_sort_and_page_size) {
    fixture f;
    f.mock().respond(200, R"({"data":[{"type":"catalog-item","id":"$custom:::$default:::SKU1","attributes":{}}],)"
                          R"("links":{"self":"s","next":"https://a.klaviyo.com/api/catalog-items?page%5Bcursor%5D=c2"}})");
    api::call_options o;
    o.fields = {{"catalog-item", {"title", "price"}}};
    o.filter = "and(equals(published,true),contains(title,'mug, \"big\" (red)'))";
    o.sort = "-created";
    o.page_size = 50;
    o.include = {"variants"};
    ktest::run(f, [&]() -> awaitable<void> {
        auto doc = co_await api::async_call<api::get_catalog_items>(f.client, o);
        BOOST_TEST(doc.status == 200u);
        BOOST_TEST(doc.body.at("data").at(0).at("id").as_string() == "$custom:::$default:::SKU1");
        BOOST_TEST(doc.next_link() == "https://a.klaviyo.com/api/catalog-items?page%5Bcursor%5D=c2");
    });
    const auto& r = f.last();
    BOOST_TEST((r.method == http_method::get));
    BOOST_TEST(r.target == "/api/catalog-items?fields%5Bcatalog-item%5D=title,price&include=variants"
                           "&filter=and(equals(published,true),contains(title,'mug,%20%22big%22%20(red)'))"
                           "&sort=-created&page%5Bsize%5D=50");
    BOOST_TEST(header_of(r, "Authorization") == std::string("Klaviyo-API-Key ") + ktest::test_key);
    BOOST_TEST(r.body.empty());
}

BOOST_AUTO_TEST_CASE(pages_follow_links_next_on_the_home_host_only) {
    fixture f;
    f.mock()
        .respond(200, R"({"data":[{"type":"catalog-item","id":"A"}],)"
                      R"("links":{"next":"https://a.klaviyo.com/api/catalog-items?page%5Bcursor%5D=c2"}})")
        .respond(200, R"({"data":[{"type":"catalog-item","id":"B"}],"links":{"next":null}})")
        .respond(200, R"({"data":[{"type":"catalog-item","id":"C"}],)"
                      R"("links":{"next":"https://evil.example/api/catalog-items?page%5Bcursor%5D=c2"}})");
    std::vector<std::string> ids;
    ktest::run(f, [&]() -> awaitable<void> {
        auto pages = api::pages<api::get_catalog_items>(f.client, api::call_options{});
        while (auto p = co_await pages.async_resume(boost::asio::use_awaitable))
            ids.push_back(std::string(p->body.at("data").at(0).at("id").as_string()));
        // A link to another host is refused: the key stays home.
        auto evil = api::pages<api::get_catalog_items>(f.client, api::call_options{});
        co_await evil.async_resume(boost::asio::use_awaitable);
        try {
            co_await evil.async_resume(boost::asio::use_awaitable);
            BOOST_FAIL("expected host_not_allowed");
        } catch (const api_error& e) {
            BOOST_TEST((e.code() == errc::host_not_allowed));
        }
    });
    BOOST_TEST((ids == std::vector<std::string>{"A", "B"}));
    BOOST_TEST_REQUIRE(f.mock().requests().size() == 3u);
    BOOST_TEST(f.mock().requests()[0].target == "/api/catalog-items?page%5Bsize%5D=100");
    BOOST_TEST(f.mock().requests()[1].target == "/api/catalog-items?page%5Bcursor%5D=c2");
}

BOOST_AUTO_TEST_CASE(items_yield_typed_resources_across_pages) {
    fixture f;
    f.mock()
        .respond(200, R"({"data":[{"type":"flow","id":"F1","attributes":{"name":"Welcome","status":"live"}},)"
                      R"({"type":"flow","id":"F2","attributes":{"name":"Winback","status":null}}],)"
                      R"("links":{"next":"https://a.klaviyo.com/api/flows?page%5Bcursor%5D=c2"}})")
        .respond(200, R"({"data":[{"type":"flow","id":"F3","attributes":{"name":"Browse","status":"draft"}}],)"
                      R"("links":{"next":null}})");
    std::vector<std::string> seen;
    ktest::run(f, [&]() -> awaitable<void> {
        api::call_options live;
        auto all = api::items<api::get_flows>(f.client, live);
        while (auto flow = co_await all.async_resume(boost::asio::use_awaitable))
            seen.push_back(flow->id + ":" + flow->attributes.name.value_or("") + ":" +
                           flow->attributes.status.value_or("-"));
    });
    BOOST_TEST((seen == std::vector<std::string>{"F1:Welcome:live", "F2:Winback:-", "F3:Browse:draft"}));
    BOOST_TEST(f.mock().requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_flow_by_id_encoded_as_one_segment) {
    fixture f;
    f.mock().respond(200, R"({"data":{"type":"flow","id":"F/1","attributes":{"name":"Welcome"}}})");
    api::call_options o;
    o.id = "F/1 x";
    o.include = {"flow-actions"};
    ktest::run(f, [&]() -> awaitable<void> {
        auto doc = co_await api::async_call<api::get_flow>(f.client, o);
        BOOST_TEST(doc.body.at("data").at("attributes").at("name").as_string() == "Welcome");
        BOOST_TEST(doc.next_link().empty());
    });
    BOOST_TEST(f.last().target == "/api/flows/F%2F1%20x?include=flow-actions");
}

BOOST_AUTO_TEST_CASE(a_report_query_posts_its_body_and_may_be_retried) {
    fixture f;
    f.mock().respond(503).respond(200, R"({"data":{"type":"campaign-values-report","id":"r",)"
                                       R"("attributes":{"results":[]}},"links":{"self":"s"}})");
    api::call_options o;
    o.body = boost::json::parse(R"({"data":{"type":"campaign-values-report","attributes":{)"
                                R"("statistics":["opens"],"timeframe":{"key":"last_12_months"},)"
                                R"("conversion_metric_id":"M1"}}})");
    ktest::run(f, [&]() -> awaitable<void> {
        auto doc = co_await api::async_call<api::query_campaign_values>(f.client, o);
        BOOST_TEST(doc.status == 200u);
    });
    // A report is a read with a body: a 503 is retried.
    BOOST_TEST_REQUIRE(f.mock().requests().size() == 2u);
    BOOST_TEST(f.last().target == "/api/campaign-values-reports");
    BOOST_TEST(boost::json::parse(f.last().body) == *o.body);
    BOOST_TEST(header_of(f.last(), "Content-Type") == "application/vnd.api+json");
}

BOOST_AUTO_TEST_CASE(a_create_is_not_repeated_after_a_503) {
    fixture f;
    f.mock().respond(503);
    api::call_options o;
    o.body = boost::json::parse(R"({"data":{"type":"catalog-item","attributes":{"external_id":"SKU1","title":"Mug",)"
                                R"("description":"d","url":"https://example.com/mug"}}})");
    diagnostics diag;
    error_code got;
    api::async_call<api::create_catalog_item>(f.client, o, capture_diagnostics(diag, [&](error_code ec, auto) {
                                                  got = ec;
                                              }));
    f.ioc.run();
    BOOST_TEST((got == errc::server_error));
    BOOST_TEST(f.mock().requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_bulk_job_by_job_id) {
    fixture f;
    f.mock().respond(200, R"({"data":{"type":"profile-bulk-import-job","id":"J1","attributes":{"status":"complete"}}})");
    api::call_options o;
    o.id = "J1";
    ktest::run(f, [&]() -> awaitable<void> {
        auto doc = co_await api::async_call<api::get_bulk_import_profiles_job>(f.client, o);
        BOOST_TEST(doc.body.at("data").at("id").as_string() == "J1");
    });
    BOOST_TEST(f.last().target == "/api/profile-bulk-import-jobs/J1");
}

BOOST_AUTO_TEST_CASE(a_public_client_operation_never_carries_the_key) {
    fixture f;
    f.mock().respond(202);
    api::call_options o;
    o.query = {{"company_id", "PUBLIC1"}};
    o.body = boost::json::parse(R"({"data":{"type":"event","attributes":{"properties":{},)"
                                R"("metric":{"data":{"type":"metric","attributes":{"name":"Viewed"}}},)"
                                R"("profile":{"data":{"type":"profile","attributes":{"email":"a@example.com"}}}}}})");
    ktest::run(f, [&]() -> awaitable<void> {
        auto doc = co_await api::async_call<api::create_client_event>(f.client, o);
        BOOST_TEST(doc.status == 202u);
        BOOST_TEST(doc.body.is_null());
    });
    BOOST_TEST(f.last().target == "/client/events?company_id=PUBLIC1");
    BOOST_TEST(header_of(f.last(), "Authorization").empty());
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_before_sending) {
    auto why = [](auto op, api::call_options o) {
        return api::plan<decltype(op)>(o).invalid;
    };
    api::call_options o;
    o.include = {"tags"};
    BOOST_TEST(why(api::get_catalog_items{}, o) == "include: 'tags' is not accepted by this operation");
    o = {};
    o.page_size = 101;
    BOOST_TEST(why(api::get_catalog_items{}, o) == "page_size: must be between 1 and 100");
    o = {};
    o.filter = "equals(color,'red')";
    BOOST_TEST(why(api::get_catalog_items{}, o) == "filter: 'color' is not a field this operation filters on");
    o.filter = "greater-than(published,true)";
    BOOST_TEST(why(api::get_catalog_items{}, o) == "filter: published does not take the operator 'greater-than'");
    o = {};
    o.fields = {{"catalog-item", {"colour"}}};
    BOOST_TEST(why(api::get_catalog_items{}, o) == "fields[catalog-item]: 'colour' is not a field of catalog-item");
    o = {};
    o.sort = "title";
    BOOST_TEST(why(api::get_catalog_items{}, o) == "sort: 'title' is not a sort key of this operation");
    o = {};
    BOOST_TEST(why(api::get_flow{}, o) == "id: must not be empty");
    BOOST_TEST(why(api::get_bulk_import_profiles_job{}, o) == "job_id: must not be empty");
    BOOST_TEST(why(api::create_catalog_item{}, o) == "body: this operation requires one");
    o.body = boost::json::parse(R"({"type":"catalog-item"})");
    BOOST_TEST(why(api::create_catalog_item{}, o) == "body: must be a JSON:API document with a 'data' member");
    o = {};
    o.query = {{"timeframe", "all_time"}};
    BOOST_TEST(why(api::get_catalog_items{}, o) == "timeframe: not a query parameter of this operation");
    o = {};
    BOOST_TEST(why(api::get_client_reviews{}, o) == "company_id: this operation requires it");

    // None of it reached a transport.
    fixture f;
    o = {};
    o.page_size = 0;
    error_code got;
    api::async_call<api::get_catalog_items>(f.client, o, [&](error_code ec, auto) { got = ec; });
    f.ioc.run();
    BOOST_TEST((got == errc::invalid_argument));
    BOOST_TEST(f.mock().requests().empty());
}

BOOST_AUTO_TEST_CASE(results_are_typed_and_a_member_that_does_not_fit_never_fails_the_call) {
    fixture f;
    // price is a number in the spec; here it is a string. published is null, url absent,
    // and a member the spec does not name is there.
    f.mock().respond(200, R"({"data":{"type":"catalog-item","id":"$custom:::$default:::MUG",)"
                          R"("attributes":{"title":"Mug","price":"cheap","published":null,"colour":"red",)"
                          R"("images":["a.png",7]}}})");
    api::call_options o;
    o.id = "$custom:::$default:::MUG";
    ktest::run(f, [&]() -> awaitable<void> {
        api::single<api::attributes::catalog_item> item = co_await api::async_call<api::get_catalog_item>(f.client, o);
        BOOST_TEST_REQUIRE(item.data.has_value());
        BOOST_TEST(item.data->id == "$custom:::$default:::MUG");
        BOOST_TEST(*item.data->attributes.title == "Mug");
        BOOST_TEST(!item.data->attributes.price.has_value());
        BOOST_TEST(!item.data->attributes.published.has_value());
        BOOST_TEST(!item.data->attributes.url.has_value());
        BOOST_TEST((*item.data->attributes.images == std::vector<std::string>{"a.png"}));
        BOOST_TEST_REQUIRE(item.data->issues.size() == 2u);
        BOOST_TEST(item.data->issues[0].member == "attributes.price");
        BOOST_TEST(item.data->issues[0].value == "\"cheap\"");
        BOOST_TEST(item.data->issues[1].member == "attributes.images");
        // The raw document stays reachable, unknown members included.
        BOOST_TEST(item.body.at("data").at("attributes").at("colour").as_string() == "red");
    });
}

BOOST_AUTO_TEST_CASE(typed_bodies_are_written_as_the_spec_says_and_checked_before_sending) {
    // A create: set members written, unset ones left out, in the spec's JSON:API shape.
    api::bodies::create_catalog_item item;
    item.attributes.external_id = "MUG";
    item.attributes.title = "Mug";
    item.attributes.description = "A mug";
    item.attributes.url = "https://example.com/mug";
    item.attributes.price = 9.5;
    item.attributes.images = std::vector<std::string>{"https://example.com/mug.png"};
    BOOST_TEST(to_json(item) == boost::json::parse(R"({"data":{"type":"catalog-item","attributes":{)"
                                                   R"("external_id":"MUG","title":"Mug","price":9.5,)"
                                                   R"("description":"A mug","url":"https://example.com/mug",)"
                                                   R"("images":["https://example.com/mug.png"]}}})"));
    // A PATCH: the id, and a nullable member cleared with klaviyo::null.
    api::bodies::update_catalog_item patch;
    patch.id = "$custom:::$default:::MUG";
    patch.attributes.price = klaviyo::null;
    BOOST_TEST(to_json(patch) == boost::json::parse(R"({"data":{"type":"catalog-item",)"
                                                    R"("id":"$custom:::$default:::MUG","attributes":{"price":null}}})"));
    // A to-many relationship: identifiers of the body's type.
    api::bodies::add_profiles_to_list members;
    members.data = {{"P1", nullptr}, {"P2", nullptr}};
    BOOST_TEST(to_json(members) == boost::json::parse(R"({"data":[{"type":"profile","id":"P1"},{"type":"profile","id":"P2"}]})"));

    fixture f;
    f.mock().respond(201, R"({"data":{"type":"catalog-item","id":"$custom:::$default:::MUG","attributes":{"title":"Mug"}}})");
    ktest::run(f, [&]() -> awaitable<void> {
        auto made = co_await api::async_call<api::create_catalog_item>(f.client, item);
        BOOST_TEST(*made.data->attributes.title == "Mug");
    });
    BOOST_TEST(boost::json::parse(f.last().body) == to_json(item));
    // A PATCH takes the path's id with the other inputs.
    f.mock().respond(200, R"({"data":{"type":"catalog-item","id":"$custom:::$default:::MUG","attributes":{"price":null}}})");
    api::call_options at;
    at.id = "$custom:::$default:::MUG";
    ktest::run(f, [&]() -> awaitable<void> {
        auto updated = co_await api::async_call<api::update_catalog_item>(f.client, patch, at);
        BOOST_TEST(!updated.data->attributes.price.has_value());
    });
    BOOST_TEST(f.last().target == "/api/catalog-items/$custom:::$default:::MUG");
    BOOST_TEST(boost::json::parse(f.last().body) == to_json(patch));
    // A required member left unset is refused before anything is sent.
    api::bodies::create_catalog_item incomplete;
    incomplete.attributes.title = "Mug";
    diagnostics diag;
    error_code got;
    api::async_call<api::create_catalog_item>(f.client, incomplete, capture_diagnostics(diag, [&](error_code ec, auto) {
                                                  got = ec;
                                              }));
    f.ioc.restart();
    f.ioc.run();
    BOOST_TEST((got == errc::invalid_argument));
    BOOST_TEST(diag.message.find("body/data/attributes/external_id: is required") != std::string::npos);
    BOOST_TEST(f.mock().requests().size() == 2u);
    static_assert(std::is_void_v<api::get_catalog_items::body_type>);
}

BOOST_AUTO_TEST_CASE(a_body_is_checked_against_the_spec_schema_before_sending) {
    auto why = [](auto op, std::string_view body) {
        api::call_options o;
        o.body = boost::json::parse(body);
        return api::plan<decltype(op)>(o).invalid;
    };
    // The spec requires external_id, title, description and url.
    BOOST_TEST(why(api::create_catalog_item{},
                   R"({"data":{"type":"catalog-item","attributes":{"title":"Mug","description":"d","url":"u"}}})") ==
               "body/data/attributes/external_id: is required");
    // integration_type is an enum of one value; price a number; published a boolean.
    const std::string ok = R"("external_id":"S1","title":"Mug","description":"d","url":"https://example.com/m")";
    BOOST_TEST(why(api::create_catalog_item{},
                   R"({"data":{"type":"catalog-item","attributes":{)" + ok + R"(,"integration_type":"$shopify"}}})") ==
               "body/data/attributes/integration_type: \"$shopify\" is not one of '$custom'");
    BOOST_TEST(why(api::create_catalog_item{},
                   R"({"data":{"type":"catalog-item","attributes":{)" + ok + R"(,"price":"9.99"}}})") ==
               "body/data/attributes/price: must be a number");
    // Nullable members take null; others do not.
    BOOST_TEST(why(api::create_catalog_item{},
                   R"({"data":{"type":"catalog-item","attributes":{)" + ok + R"(,"price":null}}})") == "");
    BOOST_TEST(why(api::create_catalog_item{},
                   R"({"data":{"type":"catalog-item","attributes":{)" + ok + R"(,"title":null}}})") ==
               "body/data/attributes/title: must not be null");
    // The JSON:API type is an enum too.
    BOOST_TEST(why(api::create_catalog_item{}, R"({"data":{"type":"catalog-items","attributes":{)" + ok + "}}}") ==
               "body/data/type: \"catalog-items\" is not one of 'catalog-item'");
    // format: date-time (ISO 8601; a date alone or a time without offset is taken, as Klaviyo takes them).
    const std::string code = R"({"data":{"type":"coupon-code","attributes":{"unique_code":"C1","expires_at":)";
    const std::string coupon = R"(},"relationships":{"coupon":{"data":{"type":"coupon","id":"SPRING"}}}}})";
    BOOST_TEST(why(api::create_coupon_code{}, code + R"("2026-13-01 noon")" + coupon) ==
               "body/data/attributes/expires_at: '2026-13-01 noon' is not a valid date-time (ISO 8601)");
    BOOST_TEST(why(api::create_coupon_code{}, code + R"("2026-12-01T10:00:00+01:00")" + coupon) == "");
    BOOST_TEST(why(api::create_coupon_code{}, code + R"("2026-12-01T10:00:00")" + coupon) == "");
    // Members the spec does not name are sent as given (Klaviyo adds members over time).
    BOOST_TEST(why(api::create_catalog_item{},
                   R"({"data":{"type":"catalog-item","attributes":{)" + ok + R"(,"colour":"red"}}})") == "");

    // Refused before any I/O, the member named in the diagnostics.
    fixture f;
    api::call_options o;
    o.body = boost::json::parse(R"({"data":{"type":"catalog-item","attributes":{"title":"Mug"}}})");
    diagnostics diag;
    error_code got;
    api::async_call<api::create_catalog_item>(f.client, o, capture_diagnostics(diag, [&](error_code ec, auto) {
                                                  got = ec;
                                              }));
    f.ioc.run();
    BOOST_TEST((got == errc::invalid_argument));
    BOOST_TEST(diag.message.find("external_id") != std::string::npos);
    BOOST_TEST(f.mock().requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()
