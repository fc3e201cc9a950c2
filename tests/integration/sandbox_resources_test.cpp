// The sandbox's resources beyond profiles, through raw requests: created
// things read back, deleted things are gone, rules answer Klaviyo-style 4xx.
#include "sandbox_fixture.hpp"

#include <boost/test/unit_test.hpp>

using namespace klaviyo;
using ktest::answer;
using ktest::call;
using ktest::id_of;
namespace json = boost::json;

namespace {
constexpr auto GET = http_method::get;
constexpr auto POST = http_method::post;
constexpr auto PATCH = http_method::patch;
constexpr auto DEL = http_method::del;

std::string q(std::string_view s) { return detail::query_encode(s); }

std::string new_profile_id(ktest::sandbox_fixture& f, const std::string& email) {
    return id_of(
        call(f, POST, "/api/profiles", R"({"data":{"type":"profile","attributes":{"email":")" + email + R"("}}})"));
}

std::string event_body(const std::string& email, const std::string& metric, const std::string& extra = "") {
    return R"({"data":{"type":"event","attributes":{"properties":{"sku":"A1"},)"
           R"("metric":{"data":{"type":"metric","attributes":{"name":")" +
           metric +
           R"("}}},)"
           R"("profile":{"data":{"type":"profile","attributes":{"email":")" +
           email + R"("}}})" + extra + "}}}";
}
} // namespace

BOOST_AUTO_TEST_SUITE(sandbox_resources)

BOOST_AUTO_TEST_CASE(accounts) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false}); // accounts are XS: 1/s
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto all = call(f, GET, "/api/accounts");
    BOOST_TEST(all.status == 200u);
    BOOST_TEST_REQUIRE(all.body.at("data").as_array().size() == 1u);
    auto id = std::string(all.body.at("data").at(0).at("id").as_string());
    BOOST_TEST(call(f, GET, "/api/accounts/" + id).status == 200u);
    BOOST_TEST(call(f, GET, "/api/accounts/nope").status == 404u);
    BOOST_TEST(call(f, GET, "/api/accounts?fields%5Baccount%5D=shoe").status == 400u);
}

BOOST_AUTO_TEST_CASE(lists_crud_membership_and_pages_of_ten) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false});
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto created = call(f, POST, "/api/lists", R"({"data":{"type":"list","attributes":{"name":"VIP"}}})");
    BOOST_TEST_REQUIRE(created.status == 201u);
    auto id = id_of(created);
    BOOST_TEST(created.body.at("data").at("attributes").at("opt_in_process").as_string() == "double_opt_in");
    BOOST_TEST(call(f, POST, "/api/lists", R"({"data":{"type":"list","attributes":{}}})").status == 400u);
    BOOST_TEST(
        call(f, POST, "/api/lists", R"({"data":{"type":"list","attributes":{"name":"x","opt_in_process":"maybe"}}})")
            .status == 400u);

    auto a = new_profile_id(f, "a@example.com"), b = new_profile_id(f, "b@example.com");
    auto members = R"({"data":[{"type":"profile","id":")" + a + R"("},{"type":"profile","id":")" + b + R"("}]})";
    BOOST_TEST(call(f, POST, "/api/lists/" + id + "/relationships/profiles", members).status == 204u);
    auto in = call(f, GET, "/api/lists/" + id + "/profiles");
    BOOST_TEST(in.body.at("data").as_array().size() == 2u);
    BOOST_TEST(in.body.at("data").at(0).at("attributes").at("joined_group_at").is_string());
    BOOST_TEST(call(f, DEL, "/api/lists/" + id + "/relationships/profiles",
                    R"({"data":[{"type":"profile","id":")" + a + R"("}]})")
                   .status == 204u);
    auto counted = call(f, GET, "/api/lists/" + id + "?additional-fields%5Blist%5D=profile_count");
    BOOST_TEST(counted.body.at("data").at("attributes").at("profile_count").as_int64() == 1);

    auto renamed = call(f, PATCH, "/api/lists/" + id,
                        R"({"data":{"type":"list","id":")" + id + R"(","attributes":{"name":"VIP 2"}}})");
    BOOST_TEST(renamed.body.at("data").at("attributes").at("name").as_string() == "VIP 2");
    BOOST_TEST(call(f, DEL, "/api/lists/" + id).status == 204u);
    BOOST_TEST(call(f, GET, "/api/lists/" + id).status == 404u);

    for (int i = 0; i < 12; ++i)
        call(f, POST, "/api/lists",
             R"({"data":{"type":"list","attributes":{"name":"L)" + std::to_string(i) + R"("}}})");
    BOOST_TEST(call(f, GET, "/api/lists?page%5Bsize%5D=11").status == 400u);
    auto first = call(f, GET, "/api/lists");
    BOOST_TEST(first.body.at("data").as_array().size() == 10u);
    auto next = std::string(first.body.at("links").at("next").as_string());
    auto second = call(f, GET, next.substr(next.find("/api/")));
    BOOST_TEST(second.body.at("data").as_array().size() == 2u);
    BOOST_TEST(!second.body.at("links").as_object().contains("next"));
}

BOOST_AUTO_TEST_CASE(segments) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false});
    f.expects_refusals = true; // it tests the sandbox's refusals
    BOOST_TEST(call(f, POST, "/api/segments",
                    R"({"data":{"type":"segment","attributes":{"name":"S","definition":{"condition_groups":[]}}}})")
                   .status == 400u);
    auto s = call(f, POST, "/api/segments",
                  R"({"data":{"type":"segment","attributes":{"name":"S","definition":{"condition_groups":)"
                  R"([{"conditions":[{"type":"profile-property","property":"properties['plan']",)"
                  R"("filter":{"type":"string","operator":"equals","value":"pro"}}]}]}}}})");
    BOOST_TEST_REQUIRE(s.status == 201u);
    auto id = id_of(s);
    BOOST_TEST(s.body.at("data").at("attributes").at("is_active").as_bool());
    auto u = call(f, PATCH, "/api/segments/" + id,
                  R"({"data":{"type":"segment","id":")" + id + R"(","attributes":{"is_starred":true}}})");
    BOOST_TEST(u.body.at("data").at("attributes").at("is_starred").as_bool());
    BOOST_TEST(call(f, GET, "/api/segments?filter=" + q("equals(is_starred,true)")).body.at("data").as_array().size() ==
               1u);
    BOOST_TEST(call(f, DEL, "/api/segments/" + id).status == 204u);
    BOOST_TEST(call(f, GET, "/api/segments/" + id).status == 404u);
}

BOOST_AUTO_TEST_CASE(templates) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto t = [&](std::string attrs) {
        return call(f, POST, "/api/templates", R"({"data":{"type":"template","attributes":)" + attrs + "}}");
    };
    BOOST_TEST(t(R"({"name":"T","editor_type":"CODE"})").status == 400u);
    BOOST_TEST(t(R"({"name":"T","editor_type":"SYSTEM_DRAGGABLE","html":"<p/>"})").status == 400u);
    BOOST_TEST(t(R"({"name":"T","editor_type":"WYSIWYG","html":"<p/>"})").status == 400u);
    auto created = t(R"({"name":"T","editor_type":"CODE","html":"<p>Hi</p>","text":"Hi"})");
    BOOST_TEST_REQUIRE(created.status == 201u);
    auto id = id_of(created);
    BOOST_TEST(call(f, PATCH, "/api/templates/" + id,
                    R"({"data":{"type":"template","id":")" + id + R"(","attributes":{"editor_type":"CODE"}}})")
                   .status == 400u);
    auto u = call(f, PATCH, "/api/templates/" + id,
                  R"({"data":{"type":"template","id":")" + id + R"(","attributes":{"name":"T2"}}})");
    BOOST_TEST(u.body.at("data").at("attributes").at("name").as_string() == "T2");
    BOOST_TEST(call(f, DEL, "/api/templates/" + id).status == 204u);
    BOOST_TEST(call(f, GET, "/api/templates/" + id).status == 404u);
}

BOOST_AUTO_TEST_CASE(campaigns_need_a_channel_filter) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    BOOST_TEST(call(f, GET, "/api/campaigns").status == 400u);
    BOOST_TEST(call(f, GET, "/api/campaigns?filter=" + q("equals(archived,false)")).status == 400u);
    BOOST_TEST(call(f, POST, "/api/campaigns",
                    R"({"data":{"type":"campaign","attributes":{"name":"C","audiences":{"included":["L1"]}}}})")
                   .status == 400u); // campaign-messages are required
    auto c = call(f, POST, "/api/campaigns",
                  R"({"data":{"type":"campaign","attributes":{"name":"Spring","audiences":{"included":["L1"]},)"
                  R"("campaign-messages":{"data":[{"type":"campaign-message","attributes":{"definition":)"
                  R"({"channel":"email","label":"A","content":{"subject":"Hi"}}}}]}}}})");
    BOOST_TEST_REQUIRE(c.status == 201u);
    auto id = id_of(c);
    BOOST_TEST(c.body.at("data").at("attributes").at("status").as_string() == "Draft");
    auto email =
        call(f, GET, "/api/campaigns?filter=" + q("equals(messages.channel,'email')") + "&include=campaign-messages");
    BOOST_TEST(email.body.at("data").as_array().size() == 1u);
    BOOST_TEST(email.body.at("included").as_array().size() == 1u);
    auto sms = call(f, GET, "/api/campaigns?filter=" + q("equals(messages.channel,'sms')"));
    BOOST_TEST(sms.body.at("data").as_array().empty());
    BOOST_TEST(call(f, DEL, "/api/campaigns/" + id).status == 204u);
    BOOST_TEST(call(f, GET, "/api/campaigns/" + id).status == 404u);
}

BOOST_AUTO_TEST_CASE(images_from_url_data_uri_and_multipart) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto url = call(f, POST, "/api/images",
                    R"({"data":{"type":"image","attributes":{"import_from_url":"https://example.com/a.png"}}})");
    BOOST_TEST_REQUIRE(url.status == 201u);
    BOOST_TEST(url.body.at("data").at("attributes").at("format").as_string() == "png");
    auto data_uri = call(f, POST, "/api/images",
                         R"({"data":{"type":"image","attributes":{"import_from_url":"data:image/gif;base64,R0lGODlh",)"
                         R"("name":"dot"}}})");
    BOOST_TEST(data_uri.status == 201u);
    BOOST_TEST(call(f, POST, "/api/images",
                    R"({"data":{"type":"image","attributes":{"import_from_url":"https://example.com/a.bmp"}}})")
                   .status == 400u);

    std::string png = "\x89PNG\r\n\x1a\n0123456789";
    auto req = f.good_request(
        POST, "/api/image-upload",
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
        "Content-Type: image/png\r\n\r\n" +
            png + "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"hidden\"\r\n\r\ntrue\r\n--XyZ--\r\n");
    for (auto& h : req.headers)
        if (h.first == "Content-Type") h.second = "multipart/form-data; boundary=XyZ";
    auto up = f.raw(req);
    BOOST_TEST_REQUIRE(up.status == 201u);
    auto doc = json::parse(up.body);
    BOOST_TEST(doc.at("data").at("attributes").at("name").as_string() == "a.png");
    BOOST_TEST(doc.at("data").at("attributes").at("size").as_int64() == static_cast<std::int64_t>(png.size()));
    BOOST_TEST(doc.at("data").at("attributes").at("hidden").as_bool());

    auto id = id_of(url);
    auto hidden = call(f, PATCH, "/api/images/" + id,
                       R"({"data":{"type":"image","id":")" + id + R"(","attributes":{"hidden":true}}})");
    BOOST_TEST(hidden.body.at("data").at("attributes").at("hidden").as_bool());
    BOOST_TEST(call(f, GET, "/api/images").body.at("data").as_array().size() == 3u);
    BOOST_TEST(call(f, DEL, "/api/images/" + id).status == 405u); // Klaviyo has no image delete
}

BOOST_AUTO_TEST_CASE(events_dedupe_and_show_up_with_their_metric) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto with_id = std::string(R"(,"unique_id":"order-1","time":"2026-01-02T03:04:05+00:00","value":9.5,)"
                               R"("value_currency":"USD")");
    BOOST_TEST(call(f, POST, "/api/events", event_body("e@example.com", "Placed Order", with_id)).status == 202u);
    BOOST_TEST(call(f, POST, "/api/events", event_body("e@example.com", "Placed Order", with_id)).status == 202u);
    BOOST_TEST(call(f, POST, "/api/events", event_body("e@example.com", "Viewed", R"(,"time":"yesterday")")).status ==
               400u);
    BOOST_TEST(
        call(f, POST, "/api/events",
             R"({"data":{"type":"event","attributes":{"metric":{"data":{"type":"metric","attributes":{"name":"X"}}},)"
             R"("profile":{"data":{"type":"profile","attributes":{"email":"e@example.com"}}}}}})")
            .status == 400u); // properties are required
    auto events = call(f, GET, "/api/events?include=metric,profile&filter=" + q("has(profile)"));
    BOOST_TEST_REQUIRE(events.body.at("data").as_array().size() == 1u); // the repeat was deduplicated
    const auto& e = events.body.at("data").at(0);
    BOOST_TEST(e.at("attributes").at("event_properties").at("$value").as_double() == 9.5);
    BOOST_TEST(e.at("attributes").at("timestamp").as_int64() == 1767323045);
    bool metric_named = false;
    for (const auto& inc : events.body.at("included").as_array())
        metric_named |= inc.at("type") == "metric" && inc.at("attributes").at("name") == "Placed Order";
    BOOST_TEST(metric_named);
    BOOST_TEST(call(f, GET, "/api/metrics").body.at("data").as_array().size() == 1u);
    auto id = std::string(e.at("id").as_string());
    BOOST_TEST(call(f, GET, "/api/events/" + id + "?include=metric").status == 200u);
}

BOOST_AUTO_TEST_CASE(bulk_events_fail_whole_on_a_repeated_unique_id) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto ev = [](std::string uid) {
        return R"({"type":"event","attributes":{"properties":{},"unique_id":")" + uid +
               R"(","metric":{"data":{"type":"metric","attributes":{"name":"Bulk"}}}}})";
    };
    auto body = [&](std::string events) {
        return R"({"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":[)"
               R"({"type":"event-bulk-create","attributes":{"profile":{"data":{"type":"profile","attributes":)"
               R"({"email":"bulk@example.com"}}},"events":{"data":[)" +
               events + "]}}}]}}}}";
    };
    auto bad = call(f, POST, "/api/event-bulk-create-jobs", body(ev("u1") + "," + ev("u1")));
    BOOST_TEST(bad.status == 400u);
    BOOST_TEST(call(f, GET, "/api/events").body.at("data").as_array().empty()); // nothing was processed
    BOOST_TEST(call(f, POST, "/api/event-bulk-create-jobs", body(ev("u1") + "," + ev("u2") + "," + ev("u3"))).status ==
               202u);
    BOOST_TEST(call(f, GET, "/api/events").body.at("data").as_array().size() == 3u);
    std::string many;
    for (int i = 0; i < 1001; ++i) many += (i ? "," : "") + ev("m" + std::to_string(i));
    BOOST_TEST(call(f, POST, "/api/event-bulk-create-jobs", body(many)).status == 400u);
}

BOOST_AUTO_TEST_CASE(subscriptions_appear_on_the_profile) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto list = id_of(call(f, POST, "/api/lists", R"({"data":{"type":"list","attributes":{"name":"News"}}})"));
    auto sub = [&](std::string consent, std::string extra = "") {
        return R"({"data":{"type":"profile-subscription-bulk-create-job","attributes":{"profiles":{"data":[)"
               R"({"type":"profile","attributes":{"email":"s@example.com","subscriptions":{"email":{"marketing":)"
               R"({"consent":")" +
               consent + R"("}}}}}]})" + extra + R"(},"relationships":{"list":{"data":{"type":"list","id":")" + list +
               R"("}}}}})";
    };
    BOOST_TEST(call(f, POST, "/api/profile-subscription-bulk-create-jobs", sub("UNSUBSCRIBED")).status == 400u);
    BOOST_TEST(
        call(f, POST, "/api/profile-subscription-bulk-create-jobs", sub("SUBSCRIBED", R"(,"historical_import":true)"))
            .status == 400u); // historical imports need consented_at
    BOOST_TEST(call(f, POST, "/api/profile-subscription-bulk-create-jobs", sub("SUBSCRIBED")).status == 202u);
    auto found =
        call(f, GET,
             "/api/profiles?additional-fields%5Bprofile%5D=subscriptions&filter=" + q("equals(email,'s@example.com')"));
    BOOST_TEST_REQUIRE(found.body.at("data").as_array().size() == 1u);
    BOOST_TEST(
        found.body.at("data").at(0).at("attributes").at("subscriptions").at("email").at("marketing").at("consent") ==
        "SUBSCRIBED");
    BOOST_TEST(call(f, GET, "/api/lists/" + list + "/profiles").body.at("data").as_array().size() == 1u);

    auto unsub = R"({"data":{"type":"profile-subscription-bulk-delete-job","attributes":{"profiles":{"data":[)"
                 R"({"type":"profile","attributes":{"email":"s@example.com","subscriptions":{"email":{"marketing":)"
                 R"({"consent":"UNSUBSCRIBED"}}}}}]}}}})";
    BOOST_TEST(call(f, POST, "/api/profile-subscription-bulk-delete-jobs", unsub).status == 202u);
    found =
        call(f, GET,
             "/api/profiles?additional-fields%5Bprofile%5D=subscriptions&filter=" + q("equals(email,'s@example.com')"));
    BOOST_TEST(
        found.body.at("data").at(0).at("attributes").at("subscriptions").at("email").at("marketing").at("consent") ==
        "UNSUBSCRIBED"); // no list given: global

    std::string many = R"({"data":{"type":"profile-subscription-bulk-delete-job","attributes":{"profiles":{"data":[)";
    for (int i = 0; i < 101; ++i)
        many += std::string(i ? "," : "") + R"({"type":"profile","attributes":{"email":"u)" + std::to_string(i) +
                R"(@example.com","subscriptions":{"email":{"marketing":{"consent":"UNSUBSCRIBED"}}}}})";
    BOOST_TEST(call(f, POST, "/api/profile-subscription-bulk-delete-jobs", many + "]}}}}").status == 400u);
}

BOOST_AUTO_TEST_CASE(preloaded_events_paginate_up_to_1000_a_page) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false, .events = 2500});
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto first = call(f, GET, "/api/events?page%5Bsize%5D=1000");
    BOOST_TEST(first.body.at("data").as_array().size() == 1000u);
    BOOST_TEST(call(f, GET, "/api/events").body.at("data").as_array().size() == 200u); // the default
    BOOST_TEST(call(f, GET, "/api/events?page%5Bsize%5D=1001").status == 400u);
}

BOOST_AUTO_TEST_CASE(query_vocabulary_comes_from_the_spec) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    BOOST_TEST(ktest::pointer_of(call(f, GET, "/api/lists?fields%5Blist%5D=colour")) == "fields[list]");
    BOOST_TEST(ktest::pointer_of(call(f, GET, "/api/lists?sort=-colour")) == "sort");
    BOOST_TEST(ktest::pointer_of(call(f, GET, "/api/templates?include=tags")) == "include");
    BOOST_TEST(call(f, GET, "/api/templates?additional-fields%5Btemplate%5D=definition").status == 200u);
    BOOST_TEST(call(f, GET, "/api/images?filter=" + q("starts-with(name,'a')")).status == 200u);
    BOOST_TEST(call(f, GET, "/api/images?filter=" + q("starts-with(format,'p')")).status == 400u);
}

BOOST_AUTO_TEST_CASE(content_negotiation) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    auto req = f.good_request(GET, "/api/lists");
    for (auto& h : req.headers)
        if (h.first == "Accept") h.second = "text/html";
    auto r = f.raw(req);
    BOOST_TEST(r.status == 406u);
    req = f.good_request(POST, "/api/lists", R"({"data":{"type":"list","attributes":{"name":"x"}}})");
    for (auto& h : req.headers)
        if (h.first == "Content-Type") h.second = "text/plain";
    BOOST_TEST(f.raw(req).status == 415u);
    for (auto& h : req.headers)
        if (h.first == "Content-Type") h.second = "application/json"; // Klaviyo takes plain JSON too
    BOOST_TEST(f.raw(req).status == 201u);
}

BOOST_AUTO_TEST_CASE(a_string_over_100kb_fails_a_bulk_request) {
    ktest::sandbox_fixture f;
    f.expects_refusals = true; // it tests the sandbox's refusals
    std::string body = R"({"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":[)"
                       R"({"type":"event-bulk-create","attributes":{"profile":{"data":{"type":"profile","attributes":)"
                       R"({"email":"big@example.com"}}},"events":{"data":[{"type":"event","attributes":{"properties":)"
                       R"({"blob":")" +
                       std::string(101 * 1024, 'x') +
                       R"("},"metric":{"data":{"type":"metric","attributes":{"name":"Big"}}}}}]}}}]}}}})";
    auto r = call(f, POST, "/api/event-bulk-create-jobs", body);
    BOOST_TEST(r.status == 400u);
    BOOST_TEST(call(f, GET, "/api/events").body.at("data").as_array().empty());
}

BOOST_AUTO_TEST_CASE(profile_include_lists) {
    ktest::sandbox_fixture f(sandbox::options{.rate_limits = false});
    auto list = id_of(call(f, POST, "/api/lists", R"({"data":{"type":"list","attributes":{"name":"Fans"}}})"));
    auto p = new_profile_id(f, "fan@example.com");
    call(f, POST, "/api/lists/" + list + "/relationships/profiles",
         R"({"data":[{"type":"profile","id":")" + p + R"("}]})");
    auto doc = call(f, GET, "/api/profiles/" + p + "?include=lists");
    BOOST_TEST_REQUIRE(doc.body.at("included").as_array().size() == 1u);
    BOOST_TEST(doc.body.at("included").at(0).at("attributes").at("name").as_string() == "Fans");
    BOOST_TEST(doc.body.at("data").at("relationships").at("lists").at("data").at(0).at("id").as_string() == list);
}

BOOST_AUTO_TEST_SUITE_END()
