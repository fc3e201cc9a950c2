// The sandbox's whole-API side (sandbox/src/generic.hpp): the spec's rules
// applied to every operation, one test per rule class, and the generic
// store's behaviour (time filters and sorts across pages, relationships,
// include, a bulk job's life cycle, counts per type).
#include "sandbox_fixture.hpp"

#include <klaviyo/query.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <set>
#include <string>
#include <thread>

using namespace klaviyo;
namespace json = boost::json;

namespace {

json::value body_of(const http_response& r) { return json::parse(r.body); }
json::object error_of(const http_response& r) { return body_of(r).at("errors").at(0).as_object(); }

struct generic : ktest::sandbox_fixture {
    generic() : ktest::sandbox_fixture(sandbox::options{.rate_limits = false}) {}
    http_response get(std::string target) { return raw(good_request(http_method::get, std::move(target))); }
    http_response post(std::string target, std::string body) {
        return raw(good_request(http_method::post, std::move(target), std::move(body)));
    }
    http_response del(std::string target, std::string body) {
        return raw(good_request(http_method::del, std::move(target), std::move(body)));
    }
};

const std::string item_attrs = R"("external_id":"MUG","title":"Mug","description":"A mug","url":"https://example.com/mug")";

} // namespace

BOOST_AUTO_TEST_SUITE(sandbox_generic)

BOOST_AUTO_TEST_CASE(every_rule_class_is_refused_with_klaviyos_error_document) {
    generic f;
    f.expects_refusals = true; // it tests the refusals
    // A required member missing: 400, the pointer names it.
    auto r = f.post("/api/catalog-items",
                    R"({"data":{"type":"catalog-item","attributes":{"title":"Mug","description":"d","url":"u"}}})");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(r).at("source").at("pointer").as_string() == "/data/attributes/external_id");
    BOOST_TEST(error_of(r).at("code").as_string() == "invalid");
    // A value outside its enum.
    r = f.post("/api/web-feeds", R"({"data":{"type":"web-feed","attributes":{"name":"n","url":"https://example.com/f",)"
                                 R"("request_method":"put","content_type":"json"}}})");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(r).at("source").at("pointer").as_string() == "/data/attributes/request_method");
    // A string that is not of its format (date-time).
    r = f.post("/api/coupon-codes", R"({"data":{"type":"coupon-code","attributes":{"unique_code":"C1",)"
                                    R"("expires_at":"next tuesday"},"relationships":{"coupon":{"data":)"
                                    R"({"type":"coupon","id":"SPRING"}}}}})");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(r).at("source").at("pointer").as_string() == "/data/attributes/expires_at");
    // A member of the wrong JSON type.
    r = f.post("/api/catalog-items", R"({"data":{"type":"catalog-item","attributes":{)" + item_attrs +
                                         R"(,"price":"cheap"}}})");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(r).at("source").at("pointer").as_string() == "/data/attributes/price");
    // Another resource type: 409, as JSON:API says.
    r = f.post("/api/catalog-items", R"({"data":{"type":"catalog-variant","attributes":{)" + item_attrs + "}}}");
    BOOST_TEST(r.status == 409u);
    // A filter on a field the operation does not document, and an operator its field does not take.
    r = f.get("/api/catalog-items?filter=" + detail::query_encode("equals(colour,'red')"));
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(r).at("source").at("parameter").as_string() == "filter");
    r = f.get("/api/catalog-items?filter=" + detail::query_encode("greater-than(published,true)"));
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(r).at("source").at("parameter").as_string() == "filter");
    // A page size over the operation's maximum (web feeds: 20).
    r = f.get("/api/web-feeds?page%5Bsize%5D=21");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(r).at("source").at("parameter").as_string() == "page[size]");
    // Unencoded brackets, as Klaviyo's reference writes them: accepted.
    r = f.get("/api/web-feeds?page[size]=20");
    BOOST_TEST(r.status == 200u);
    // A string over the length Klaviyo takes (bulk events: 100KB per string; the
    // spec states no length on any body member, so this is the sandbox's one such rule).
    const std::string big(100 * 1024 + 1, 'x');
    r = f.post("/api/event-bulk-create-jobs",
               R"({"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":[)"
               R"({"type":"event-bulk-create","attributes":{"profile":{"data":{"type":"profile",)"
               R"("attributes":{"email":"long@example.com"}}},"events":{"data":[{"type":"event","attributes":{)"
               R"("properties":{"note":")" + big + R"("},"metric":{"data":{"type":"metric","attributes":)"
               R"({"name":"Viewed"}}}}}]}}}]}}}})");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(r).at("detail").as_string() == "A single string cannot exceed 100KB");
    // A /client/ operation without its company_id.
    r = f.get("/client/geofences");
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(error_of(r).at("source").at("parameter").as_string() == "company_id");
}

BOOST_AUTO_TEST_CASE(filter_and_sort_on_a_time_field_across_page_boundaries) {
    generic f;
    auto create = [&](const std::string& name) {
        auto r = f.post("/api/web-feeds", R"({"data":{"type":"web-feed","attributes":{"name":")" + name +
                                              R"(","url":"https://example.com/feed","request_method":"get",)"
                                              R"("content_type":"json"}}})");
        BOOST_TEST_REQUIRE(r.status == 201u);
        return body_of(r).at("data").as_object();
    };
    std::string early_created;
    for (int i = 0; i < 3; ++i) early_created = std::string(create("early-" + std::to_string(i)).at("attributes").at("created").as_string());
    // Klaviyo's timestamps are whole seconds: the late ones are a second on.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    for (int i = 0; i < 3; ++i) create("late-" + std::to_string(i));

    // greater-than(created, the early second) in pages of two: the three late ones, newest first.
    std::string next = "/api/web-feeds?filter=" + detail::query_encode("greater-than(created," + early_created + ")") +
                       "&sort=-created&page%5Bsize%5D=2";
    std::vector<std::string> names;
    int pages = 0;
    while (!next.empty()) {
        auto r = f.get(next);
        BOOST_TEST_REQUIRE(r.status == 200u);
        auto doc = body_of(r);
        BOOST_TEST(doc.at("data").as_array().size() <= 2u);
        for (const auto& x : doc.at("data").as_array())
            names.emplace_back(x.at("attributes").at("name").as_string());
        ++pages;
        const auto& n = doc.at("links").at("next");
        next = n.is_string() ? std::string(n.as_string()).substr(f.sandbox->base_url().size()) : "";
    }
    BOOST_TEST(pages == 2);
    BOOST_TEST(std::set<std::string>(names.begin(), names.end()) ==
               (std::set<std::string>{"late-0", "late-1", "late-2"}));
    // sort=created (oldest first) across pages: the early ones come first.
    auto r = f.get("/api/web-feeds?sort=created&page%5Bsize%5D=3");
    std::set<std::string> first;
    auto doc = body_of(r);
    for (const auto& x : doc.at("data").as_array()) first.emplace(x.at("attributes").at("name").as_string());
    BOOST_TEST(first == (std::set<std::string>{"early-0", "early-1", "early-2"}));
}

BOOST_AUTO_TEST_CASE(relationships_are_added_listed_and_removed) {
    generic f;
    auto tag = f.post("/api/tags", R"({"data":{"type":"tag","attributes":{"name":"summer"}}})");
    BOOST_TEST_REQUIRE(tag.status == 201u);
    std::string tag_id(body_of(tag).at("data").at("id").as_string());
    auto flows = body_of(f.get("/api/flows")).at("data").as_array();
    BOOST_TEST_REQUIRE(flows.size() >= 2u);
    std::string a(flows[0].at("id").as_string()), b(flows[1].at("id").as_string());
    auto ids = [&] {
        std::set<std::string> out;
        auto doc = body_of(f.get("/api/tags/" + tag_id + "/relationships/flows"));
        for (const auto& x : doc.at("data").as_array()) out.emplace(x.at("id").as_string());
        return out;
    };
    BOOST_TEST(ids().empty());
    auto r = f.post("/api/tags/" + tag_id + "/relationships/flows",
                    R"({"data":[{"type":"flow","id":")" + a + R"("},{"type":"flow","id":")" + b + R"("}]})");
    BOOST_TEST(r.status == 204u);
    BOOST_TEST(ids() == (std::set<std::string>{a, b}));
    // Adding one already there adds nothing.
    f.post("/api/tags/" + tag_id + "/relationships/flows", R"({"data":[{"type":"flow","id":")" + a + R"("}]})");
    BOOST_TEST(ids().size() == 2u);
    r = f.del("/api/tags/" + tag_id + "/relationships/flows", R"({"data":[{"type":"flow","id":")" + a + R"("}]})");
    BOOST_TEST(r.status == 204u);
    BOOST_TEST(ids() == (std::set<std::string>{b}));
}

BOOST_AUTO_TEST_CASE(a_bulk_job_moves_through_its_states_and_its_items_can_be_read_and_included) {
    generic f;
    auto r = f.post("/api/catalog-item-bulk-create-jobs",
                    R"({"data":{"type":"catalog-item-bulk-create-job","attributes":{"items":{"data":[)"
                    R"({"type":"catalog-item","attributes":{"external_id":"A","title":"A","description":"a","url":"https://example.com/a"}},)"
                    R"({"type":"catalog-item","attributes":{"external_id":"B","title":"B","description":"b","url":"https://example.com/b"}}]}}}})");
    BOOST_TEST_REQUIRE(r.status == 202u);
    std::string job(body_of(r).at("data").at("id").as_string());
    BOOST_TEST(body_of(r).at("data").at("attributes").at("status").as_string() == "queued");
    auto status = [&] {
        auto doc = body_of(f.get("/api/catalog-item-bulk-create-jobs/" + job));
        return std::string(doc.at("data").at("attributes").at("status").as_string());
    };
    BOOST_TEST(status() == "processing");
    BOOST_TEST(status() == "complete");
    auto done = body_of(f.get("/api/catalog-item-bulk-create-jobs/" + job + "?include=items"));
    BOOST_TEST(done.at("data").at("attributes").at("completed_count").as_int64() == 2);
    std::set<std::string> included;
    for (const auto& x : done.at("included").as_array()) included.emplace(x.at("attributes").at("external_id").as_string());
    BOOST_TEST(included == (std::set<std::string>{"A", "B"}));
    // The items are catalog items like any other.
    auto items = body_of(f.get("/api/catalog-items")).at("data").as_array();
    BOOST_TEST(items.size() == 2u);
    // /sandbox/stats counts every type it holds.
    auto stats = body_of(f.get("/sandbox/stats"));
    BOOST_TEST(stats.at("types").at("catalog-item").as_int64() == 2);
    BOOST_TEST(stats.at("types").at("catalog-item-bulk-create-job").as_int64() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
