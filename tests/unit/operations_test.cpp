// Campaigns, images, subscriptions, bulk events, list membership, profile
// lookups, data sources and the raw request: the exact requests, how calls
// are split, and input checks that stop bad input before anything is sent.
#include "test_client.hpp"

#include <klaviyo/resources/image.hpp>
#include <klaviyo/resources/segment.hpp>

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

using namespace klaviyo;
using boost::asio::awaitable;
using ktest::fixture;

namespace {

json::value body_of(const http_request& r) { return json::parse(r.body); }

/// Starts an operation with a capturing token, runs it, and checks that it
/// was refused as invalid input naming `field`.
template <class Start>
void expect_refused(fixture& f, Start start, const std::string& field) {
    error_code ec;
    diagnostics d;
    start(capture_diagnostics(d, [&](error_code x, auto&&) { ec = x; }));
    f.ioc.run();
    f.ioc.restart();
    BOOST_TEST((ec == errc::invalid_argument), field << ": " << ec.message());
    BOOST_TEST(d.message.find(field) == 0u, "got '" << d.message << "', expected it to start with " << field);
}

std::string doc_of(std::string_view type, std::string_view id, std::string attrs = R"({"name":"n"})") {
    return R"({"data":{"type":")" + std::string(type) + R"(","id":")" + std::string(id) + R"(","attributes":)" + attrs +
           "}}";
}

std::string page_of(std::string_view type, std::vector<std::pair<std::string, std::string>> items,
                    std::string next = {}, std::string included = "[]") {
    std::string s = R"({"data":[)";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) s += ',';
        s += R"({"type":")" + std::string(type) + R"(","id":")" + items[i].first + R"(","attributes":)" +
             items[i].second + "}";
    }
    s += R"(],"included":)" + included + R"(,"links":{"self":"x")";
    if (!next.empty()) s += R"(,"next":")" + next + '"';
    return s + "}}";
}

new_campaign a_campaign() {
    new_campaign c;
    c.name = "Black Friday";
    c.audiences.included = {"L1"};
    c.audiences.excluded = std::vector<std::string>{"S9"};
    new_campaign_message m;
    m.label = "main";
    m.email = email_content{.subject = "50% off", .from_email = "shop@example.com", .from_label = "Shop"};
    c.messages.push_back(m);
    new_campaign_message sms;
    sms.channel = "sms";
    sms.sms_body = "50% off today";
    sms.render_options = sms_render_options{.shorten_links = true};
    c.messages.push_back(sms);
    c.send_strategy = campaign_send_strategy::throttled("2026-11-27T09:00:00+00:00", 25);
    c.send_options = campaign_send_options{.use_smart_sending = false};
    c.tracking_options =
        campaign_tracking_options{.add_tracking_params = true,
                                  .custom_tracking_params = std::vector<tracking_param>{
                                      {"dynamic", "campaign_id", "utm_campaign"}, {"static", "klaviyo", "utm_source"}}};
    return c;
}

new_event an_event(std::string email, std::string metric = "Placed Order") {
    new_event e;
    e.metric_name = std::move(metric);
    e.profile.email = std::move(email);
    return e;
}

} // namespace

BOOST_AUTO_TEST_SUITE(campaigns)

BOOST_AUTO_TEST_CASE(create_get_list_update_delete) {
    fixture f;
    f.mock()
        .respond(
            201,
            doc_of(
                "campaign", "C1",
                R"({"name":"Black Friday","status":"Draft",)"
                R"("send_strategy":{"method":"throttled","datetime":"2026-11-27T09:00:00+00:00","throttle_percentage":25}})"))
        .respond(200, doc_of("campaign", "C1"))
        .respond(200, page_of("campaign", {{"C1", R"({"name":"a"})"}}))
        .respond(200, page_of("campaign", {}))
        .respond(200, page_of("campaign", {}))
        .respond(200, doc_of("campaign", "C1"))
        .respond(204);
    auto in = a_campaign();
    get_options with_messages{.include = {"campaign-messages", "tags"}};
    list_options drafts{.filter = "equals(status,'Draft')", .sort = "-created_at"};
    list_options sms_drafts{.filter = "equals(status,'Draft')"};
    list_options explicit_channel{.filter = "equals(messages.channel,'mobile_push')"};
    campaign_update up;
    up.name = "Cyber Monday";
    up.send_strategy = campaign_send_strategy::smart_send_time("2026-11-30");
    ktest::run(f, [&]() -> awaitable<void> {
        auto c = co_await f.client.async_create<campaign>(in);
        BOOST_TEST(*c.data.attributes.status == "Draft");
        BOOST_TEST(*c.data.attributes.send_strategy->throttle_percentage == 25);
        co_await f.client.async_get<campaign>("C1", with_messages);
        co_await f.client.async_list<campaign>(drafts);
        co_await f.client.async_list_campaigns("sms", sms_drafts);
        co_await f.client.async_list<campaign>(explicit_channel);
        co_await f.client.async_update<campaign>("C1", up);
        co_await f.client.async_delete<campaign>("C1");
    });
    const auto& rq = f.mock().requests();
    BOOST_TEST(rq[0].target == "/api/campaigns");
    BOOST_TEST(body_of(rq[0]) == json::parse(R"({"data":{"type":"campaign","attributes":{
        "name":"Black Friday","audiences":{"included":["L1"],"excluded":["S9"]},
        "campaign-messages":{"data":[
          {"type":"campaign-message","attributes":{"definition":{"channel":"email","label":"main",
            "content":{"subject":"50% off","from_email":"shop@example.com","from_label":"Shop"}}}},
          {"type":"campaign-message","attributes":{"definition":{"channel":"sms","content":{"body":"50% off today"},
            "render_options":{"shorten_links":true}}}}]},
        "send_strategy":{"method":"throttled","datetime":"2026-11-27T09:00:00+00:00","throttle_percentage":25},
        "send_options":{"use_smart_sending":false},
        "tracking_options":{"add_tracking_params":true,"custom_tracking_params":[
          {"type":"dynamic","value":"campaign_id","name":"utm_campaign"},
          {"type":"static","value":"klaviyo","name":"utm_source"}]}}}})"));
    BOOST_TEST(!rq[0].idempotent);
    BOOST_TEST(rq[1].target == "/api/campaigns/C1?include=campaign-messages,tags");
    BOOST_TEST(rq[2].target == "/api/campaigns?filter=and(equals(messages.channel,'email'),equals(status,'Draft'))"
                               "&sort=-created_at&page%5Bsize%5D=100");
    BOOST_TEST(rq[3].target ==
               "/api/campaigns?filter=and(equals(messages.channel,'sms'),equals(status,'Draft'))&page%5Bsize%5D=100");
    BOOST_TEST(rq[4].target == "/api/campaigns?filter=equals(messages.channel,'mobile_push')&page%5Bsize%5D=100");
    BOOST_TEST((rq[5].method == http_method::patch));
    BOOST_TEST(body_of(rq[5]) == json::parse(R"({"data":{"type":"campaign","id":"C1","attributes":{
        "name":"Cyber Monday","send_strategy":{"method":"smart_send_time","date":"2026-11-30"}}}})"));
    BOOST_TEST((rq[6].method == http_method::del));
    BOOST_TEST(rq[6].target == "/api/campaigns/C1");
    BOOST_TEST((ops::get_campaigns::plan(list_options{}).rate == rate_limits::m));
}

BOOST_AUTO_TEST_CASE(bad_campaigns_are_refused_before_sending) {
    fixture f;
    const std::string a = "data.attributes";
    auto refuse = [&](auto edit, const std::string& field) {
        auto c = a_campaign();
        edit(c);
        expect_refused(
            f, [&](auto token) { f.client.async_create<campaign>(c, {}, std::move(token)); }, field);
    };
    refuse([](new_campaign& c) { c.name.clear(); }, a + ".name");
    refuse([](new_campaign& c) { c.audiences.included.clear(); }, a + ".audiences.included");
    refuse([](new_campaign& c) { c.audiences.excluded = std::vector<std::string>{""}; }, a + ".audiences.excluded[0]");
    refuse([](new_campaign& c) { c.messages.clear(); }, a + ".campaign-messages");
    refuse([](new_campaign& c) { c.messages[0].channel = "fax"; }, a + ".campaign-messages.data[0].channel");
    refuse([](new_campaign& c) { c.messages[0].email->from_email = "shop"; },
           a + ".campaign-messages.data[0].definition.content.from_email");
    refuse([](new_campaign& c) { c.messages[1].email = email_content{}; }, a + ".campaign-messages.data[1].email");
    refuse([](new_campaign& c) { c.send_strategy->method = "later"; }, a + ".send_strategy.method");
    refuse([](new_campaign& c) { c.send_strategy = campaign_send_strategy::at("tomorrow"); },
           a + ".send_strategy.datetime");
    refuse([](new_campaign& c) { c.send_strategy->datetime.reset(); }, a + ".send_strategy.datetime");
    refuse([](new_campaign& c) { c.send_strategy->throttle_percentage = 30; },
           a + ".send_strategy.throttle_percentage");
    refuse([](new_campaign& c) { c.send_strategy = campaign_send_strategy::smart_send_time("30/11/2026"); },
           a + ".send_strategy.date");
    refuse([](new_campaign& c) { (*c.tracking_options->custom_tracking_params)[0].value = "nope"; },
           a + ".tracking_options.custom_tracking_params[0].value");
    refuse([](new_campaign& c) { (*c.tracking_options->custom_tracking_params)[1].name.clear(); },
           a + ".tracking_options.custom_tracking_params[1].name");
    expect_refused(
        f, [&](auto token) { f.client.async_list_campaigns("fax", list_options{}, std::move(token)); }, "channel");
    list_options big{.page_size = 101};
    expect_refused(
        f, [&](auto token) { f.client.async_list<campaign>(big, std::move(token)); }, "page_size");
    BOOST_TEST(f.mock().requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(images)

BOOST_AUTO_TEST_CASE(upload_from_url_data_uri_and_bytes_read_list_update) {
    fixture f;
    for (int i = 0; i < 3; ++i) f.mock().respond(201, doc_of("image", "I" + std::to_string(i), R"({"format":"png"})"));
    f.mock()
        .respond(200, doc_of("image", "I0"))
        .respond(200, page_of("image", {{"I0", "{}"}}))
        .respond(200, doc_of("image", "I0", R"({"name":"logo","hidden":true})"));
    image_upload by_url{.url = "https://cdn.example.com/logo.png", .name = "logo"};
    image_upload by_uri{.url = "data:image/gif;base64,R0lGODlhAQABAAAAACw=", .hidden = true};
    const std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + std::string("rest-of-image\0bytes", 19);
    image_upload by_bytes{.file_data = png, .file_name = "logo.png", .name = "logo"};
    list_options by_size{.sort = "-size", .page_size = 50};
    image_update hide{.name = "logo", .hidden = true};
    ktest::run(f, [&]() -> awaitable<void> {
        co_await f.client.async_create<image>(by_url);
        co_await f.client.async_create<image>(by_uri);
        auto up = co_await f.client.async_create<image>(by_bytes);
        BOOST_TEST(*up.data.attributes.format == "png");
        co_await f.client.async_get<image>("I0");
        co_await f.client.async_list<image>(by_size);
        co_await f.client.async_update<image>("I0", hide);
    });
    const auto& rq = f.mock().requests();
    BOOST_TEST(rq[0].target == "/api/images");
    BOOST_TEST(body_of(rq[0]) == json::parse(R"({"data":{"type":"image","attributes":{
        "import_from_url":"https://cdn.example.com/logo.png","name":"logo"}}})"));
    BOOST_TEST(body_of(rq[1]) == json::parse(R"({"data":{"type":"image","attributes":{
        "import_from_url":"data:image/gif;base64,R0lGODlhAQABAAAAACw=","hidden":true}}})"));
    BOOST_TEST(rq[2].target == "/api/image-upload");
    auto ct = std::string(rq[2].header("Content-Type"));
    const std::string prefix = "multipart/form-data; boundary=";
    BOOST_REQUIRE(ct.rfind(prefix, 0) == 0u);
    auto boundary = ct.substr(prefix.size());
    BOOST_TEST(rq[2].body == "--" + boundary +
                                 "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"logo.png\"\r\n"
                                 "Content-Type: image/png\r\n\r\n" +
                                 png + "\r\n--" + boundary +
                                 "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nlogo\r\n--" + boundary +
                                 "--\r\n");
    BOOST_TEST(rq[3].target == "/api/images/I0");
    BOOST_TEST(rq[4].target == "/api/images?sort=-size&page%5Bsize%5D=50");
    BOOST_TEST(body_of(rq[5]) ==
               json::parse(R"({"data":{"type":"image","id":"I0","attributes":{"name":"logo","hidden":true}}})"));
    BOOST_TEST((ops::upload_image::plan(by_url, {}).rate == rate_limit{3, 100, 100}));
    BOOST_TEST((ops::upload_image::plan(by_bytes, {}).rate == rate_limit{3, 100, 500}));
}

BOOST_AUTO_TEST_CASE(bad_uploads_are_refused_before_sending) {
    fixture f;
    auto refuse = [&](image_upload in, const std::string& field) {
        expect_refused(
            f, [&](auto token) { f.client.async_create<image>(in, {}, std::move(token)); }, field);
    };
    const std::string gif = "GIF89a...";
    refuse(image_upload{}, "url, file_data");
    refuse(image_upload{.url = "https://x.example/a.png", .file_data = gif}, "url, file_data");
    refuse(image_upload{.url = "ftp://x.example/a.png"}, "data.attributes.import_from_url");
    refuse(image_upload{.url = "data:text/plain;base64,aGk="}, "data.attributes.import_from_url");
    refuse(image_upload{.url = "data:image/png;base64," + std::string(7 * 1024 * 1024, 'A')},
           "data.attributes.import_from_url");
    refuse(image_upload{.file_data = "just some text"}, "file_data");
    refuse(image_upload{.file_data = "GIF89a" + std::string(5 * 1024 * 1024, 'x')}, "file_data");
    refuse(image_upload{.file_data = gif, .file_name = "a\"b.gif"}, "file_name");
    refuse(image_upload{.url = "https://x.example/a.png", .name = ""}, "name");
    expect_refused(
        f, [&](auto token) { f.client.async_update<image>("I1", image_update{.name = ""}, {}, std::move(token)); },
        "data.attributes.name");
    BOOST_TEST(f.mock().requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(subscriptions)

BOOST_AUTO_TEST_CASE(subscribe_body_with_list_source_and_historical_import) {
    fixture f;
    f.mock().respond(202).respond(202);
    subscription_request in;
    auto a = subscriber::to_email("a@example.com");
    a.consented_at = "2024-01-02T03:04:05Z";
    subscriber b;
    b.profile_id = "P2";
    b.phone_number = "+15005550006";
    b.sms_marketing = b.sms_transactional = true;
    b.consented_at = "2024-01-02T03:04:05+02:00";
    in.profiles = {a, b};
    in.list_id = "L1";
    in.custom_source = "Checkout";
    in.historical_import = true;
    unsubscription_request out;
    out.profiles = {subscriber::to_email("a@example.com")};
    ktest::run(f, [&]() -> awaitable<void> {
        auto r = co_await f.client.async_subscribe_profiles(in);
        BOOST_TEST(r.requests == 1u);
        BOOST_TEST(r.items == 2u);
        co_await f.client.async_unsubscribe_profiles(out);
    });
    const auto& rq = f.mock().requests();
    BOOST_TEST(rq[0].target == "/api/profile-subscription-bulk-create-jobs");
    BOOST_TEST(body_of(rq[0]) == json::parse(R"({"data":{"type":"profile-subscription-bulk-create-job",
      "attributes":{"custom_source":"Checkout","historical_import":true,"profiles":{"data":[
        {"type":"profile","attributes":{"email":"a@example.com","subscriptions":{
           "email":{"marketing":{"consent":"SUBSCRIBED","consented_at":"2024-01-02T03:04:05Z"}}}}},
        {"type":"profile","id":"P2","attributes":{"phone_number":"+15005550006","subscriptions":{
           "sms":{"marketing":{"consent":"SUBSCRIBED","consented_at":"2024-01-02T03:04:05+02:00"},
                  "transactional":{"consent":"SUBSCRIBED","consented_at":"2024-01-02T03:04:05+02:00"}}}}}]}},
      "relationships":{"list":{"data":{"type":"list","id":"L1"}}}}})"));
    BOOST_TEST(rq[1].target == "/api/profile-subscription-bulk-delete-jobs");
    BOOST_TEST(body_of(rq[1]) == json::parse(R"({"data":{"type":"profile-subscription-bulk-delete-job",
      "attributes":{"profiles":{"data":[{"type":"profile","attributes":{"email":"a@example.com",
        "subscriptions":{"email":{"marketing":{"consent":"UNSUBSCRIBED"}}}}}]}}}})"));
}

BOOST_AUTO_TEST_CASE(split_at_1000_subscribes_and_100_unsubscribes) {
    fixture f;
    for (int i = 0; i < 6; ++i) f.mock().respond(202);
    subscription_request sub;
    for (int i = 0; i < 2500; ++i)
        sub.profiles.push_back(subscriber::to_email("s" + std::to_string(i) + "@example.com"));
    unsubscription_request unsub;
    unsub.list_id = "L1";
    for (int i = 0; i < 250; ++i)
        unsub.profiles.push_back(subscriber::to_email("u" + std::to_string(i) + "@example.com"));
    ktest::run(f, [&]() -> awaitable<void> {
        auto s = co_await f.client.async_subscribe_profiles(sub);
        BOOST_TEST(s.requests == 3u);
        BOOST_TEST(s.items == 2500u);
        auto u = co_await f.client.async_unsubscribe_profiles(unsub);
        BOOST_TEST(u.requests == 3u);
    });
    const auto& rq = f.mock().requests();
    BOOST_REQUIRE(rq.size() == 6u);
    std::size_t sizes[] = {1000, 1000, 500, 100, 100, 50};
    for (std::size_t i = 0; i < 6; ++i) {
        auto doc = body_of(rq[i]);
        BOOST_TEST(doc.at("data").at("attributes").at("profiles").at("data").as_array().size() == sizes[i]);
    }
    // Order is kept: the third subscribe request starts with the 2001st profile.
    BOOST_TEST(
        body_of(rq[2]).at("data").at("attributes").at("profiles").at("data").at(0).at("attributes").at("email") ==
        "s2000@example.com");
    BOOST_TEST(body_of(rq[5]).at("data").at("relationships").at("list").at("data").at("id") == "L1");
}

BOOST_AUTO_TEST_CASE(bad_subscriptions_are_refused_before_sending) {
    fixture f;
    const std::string p = "data.attributes.profiles.data[0]";
    auto refuse_sub = [&](auto edit, const std::string& field) {
        subscription_request in;
        in.profiles = {subscriber::to_email("a@example.com")};
        edit(in);
        expect_refused(
            f, [&](auto token) { f.client.async_subscribe_profiles(in, std::move(token)); }, field);
    };
    refuse_sub([](subscription_request& in) { in.profiles.clear(); }, "profiles");
    refuse_sub([](subscription_request& in) { in.profiles[0].email_marketing = false; }, p + ".subscriptions");
    refuse_sub([](subscription_request& in) { in.profiles[0].email = "nope"; }, p + ".email");
    refuse_sub([](subscription_request& in) { in.profiles[0].email.reset(); }, p + ".email");
    refuse_sub(
        [](subscription_request& in) {
            in.profiles[0].sms_marketing = true;
            in.profiles[0].phone_number = "5005550006";
        },
        p + ".phone_number");
    refuse_sub([](subscription_request& in) { in.profiles[0].sms_marketing = true; }, p + ".phone_number");
    refuse_sub([](subscription_request& in) { in.profiles[0].consented_at = "2024-01-01T00:00:00Z"; },
               p + ".consented_at");
    refuse_sub([](subscription_request& in) { in.historical_import = true; }, p + ".consented_at");
    refuse_sub(
        [](subscription_request& in) {
            in.historical_import = true;
            in.profiles[0].consented_at = "2999-01-01T00:00:00Z";
        },
        p + ".consented_at");
    refuse_sub([](subscription_request& in) { in.list_id = ""; }, "list_id");
    refuse_sub([](subscription_request& in) { in.custom_source = ""; }, "data.attributes.custom_source");
    unsubscription_request un;
    un.profiles = {subscriber::to_email("a@example.com")};
    un.profiles[0].profile_id = "P1";
    expect_refused(
        f, [&](auto token) { f.client.async_unsubscribe_profiles(un, std::move(token)); }, p + ".id");
    BOOST_TEST(f.mock().requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bulk_events)

BOOST_AUTO_TEST_CASE(grouped_per_profile) {
    fixture f;
    f.mock().respond(202);
    std::vector<new_event> events{an_event("a@example.com"), an_event("b@example.com"),
                                  an_event("a@example.com", "Viewed Product")};
    events[0].unique_id = "o1";
    events[0].value = 9.5;
    ktest::run(f, [&]() -> awaitable<void> {
        auto r = co_await f.client.async_bulk_create_events(events);
        BOOST_TEST(r.requests == 1u);
        BOOST_TEST(r.items == 3u);
    });
    const auto& rq = f.mock().requests();
    BOOST_TEST(rq[0].target == "/api/event-bulk-create-jobs");
    BOOST_TEST(!rq[0].idempotent); // two events have no unique_id
    auto metric = [](const char* n) {
        return R"({"data":{"type":"metric","attributes":{"name":")" + std::string(n) + R"("}}})";
    };
    BOOST_TEST(body_of(rq[0]) ==
               json::parse(R"({"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":[
        {"type":"event-bulk-create","attributes":{
          "profile":{"data":{"type":"profile","attributes":{"email":"a@example.com"}}},
          "events":{"data":[
            {"type":"event","attributes":{"properties":{},"value":9.5,"unique_id":"o1","metric":)" +
                           metric("Placed Order") + R"(}},
            {"type":"event","attributes":{"properties":{},"metric":)" +
                           metric("Viewed Product") + R"(}}]}}},
        {"type":"event-bulk-create","attributes":{
          "profile":{"data":{"type":"profile","attributes":{"email":"b@example.com"}}},
          "events":{"data":[{"type":"event","attributes":{"properties":{},"metric":)" +
                           metric("Placed Order") + R"(}}]}}}]}}}})"));
}

BOOST_AUTO_TEST_CASE(split_at_1000_events_and_at_5mb) {
    fixture f;
    for (int i = 0; i < 5; ++i) f.mock().respond(202);
    std::vector<new_event> many;
    for (int i = 0; i < 2500; ++i) {
        many.push_back(an_event("p" + std::to_string(i % 7) + "@example.com"));
        many.back().unique_id = "u" + std::to_string(i);
    }
    // 60 events of ~90KB each: ~5.3MB, over one request's 5MB.
    std::vector<new_event> big;
    for (int i = 0; i < 60; ++i) {
        big.push_back(an_event("big@example.com"));
        big.back().properties["blob"] = std::string(90 * 1024, 'a' + i % 26);
    }
    ktest::run(f, [&]() -> awaitable<void> {
        auto r = co_await f.client.async_bulk_create_events(many);
        BOOST_TEST(r.requests == 3u);
        auto s = co_await f.client.async_bulk_create_events(big);
        BOOST_TEST(s.requests == 2u);
        BOOST_TEST(s.items == 60u);
    });
    const auto& rq = f.mock().requests();
    BOOST_REQUIRE(rq.size() == 5u);
    auto count = [](const http_request& r) {
        std::size_t n = 0;
        const auto doc = json::parse(r.body); // named: a range-for over a temporary's member dangles
        for (const auto& e : doc.at("data").at("attributes").at("events-bulk-create").at("data").as_array())
            n += e.at("attributes").at("events").at("data").as_array().size();
        return n;
    };
    BOOST_TEST(count(rq[0]) == 1000u);
    BOOST_TEST(count(rq[1]) == 1000u);
    BOOST_TEST(count(rq[2]) == 500u);
    BOOST_TEST(rq[0].idempotent); // every event has a unique_id: Klaviyo records a replay once
    BOOST_TEST(count(rq[3]) + count(rq[4]) == 60u);
    for (std::size_t i = 3; i < 5; ++i) BOOST_TEST(rq[i].body.size() <= 5u * 1024 * 1024);
    BOOST_TEST(rq[3].body.size() > 4u * 1024 * 1024); // filled up to the limit, not split early
}

BOOST_AUTO_TEST_CASE(a_failed_chunk_reports_what_was_not_accepted_and_a_resend_skips_accepted_chunks) {
    fixture f;
    f.mock()
        .respond(202)
        .respond(400, R"({"errors":[{"status":400,"code":"invalid","title":"Invalid input.","detail":"bad"}]})")
        .respond(202)
        .respond(202);
    std::vector<new_event> events;
    for (int i = 0; i < 2500; ++i) {
        events.push_back(an_event("p@example.com"));
        events.back().unique_id = "e" + std::to_string(i);
    }
    error_code ec;
    diagnostics d;
    f.client.async_bulk_create_events(events, capture_diagnostics(d, [&](error_code x, bulk_accepted) { ec = x; }));
    f.ioc.run();
    f.ioc.restart();
    BOOST_TEST((ec == errc::bad_request));
    BOOST_TEST(f.mock().requests().size() == 2u); // stopped at the failed chunk
    BOOST_REQUIRE(d.not_accepted.size() == 1500u);
    BOOST_TEST(d.not_accepted.front() == 1000u);
    BOOST_TEST(d.not_accepted.back() == 2499u);
    BOOST_TEST(d.message.find("request 2 of 3 failed") != std::string::npos, d.message);
    BOOST_TEST(d.http_status == 400u);

    std::vector<new_event> again;
    for (auto i : d.not_accepted) again.push_back(events[i]);
    ktest::run(f, [&]() -> awaitable<void> {
        auto r = co_await f.client.async_bulk_create_events(again);
        BOOST_TEST(r.items == 1500u);
    });
    const auto& rq = f.mock().requests();
    BOOST_REQUIRE(rq.size() == 4u);
    // The resend starts where the failure began; event e0..e999 went once only.
    BOOST_TEST(rq[2].body.find(R"("unique_id":"e1000")") != std::string::npos);
    for (std::size_t i = 2; i < 4; ++i) BOOST_TEST(rq[i].body.find(R"("unique_id":"e999")") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_event_sets_are_refused_before_sending) {
    fixture f;
    auto refuse = [&](std::vector<new_event> events, const std::string& field) {
        expect_refused(
            f, [&](auto token) { f.client.async_bulk_create_events(events, std::move(token)); }, field);
    };
    refuse({}, "events");
    auto dup = std::vector<new_event>{an_event("a@example.com"), an_event("b@example.com"), an_event("a@example.com")};
    dup[0].unique_id = dup[1].unique_id = dup[2].unique_id = "order-1";
    refuse(dup, "events[2].unique_id");
    auto bad = std::vector<new_event>{an_event("a@example.com"), an_event("nope")};
    refuse(bad, "events[1].profile.email");
    auto currency = std::vector<new_event>{an_event("a@example.com")};
    currency[0].value_currency = "XYZ";
    refuse(currency, "events[0].value_currency");
    auto huge = std::vector<new_event>{an_event("a@example.com")};
    for (int i = 0; i < 60; ++i) huge[0].properties["k" + std::to_string(i)] = std::string(90 * 1024, 'x');
    refuse(huge, "events[0]");
    BOOST_TEST(f.mock().requests().empty());

    // The same unique_id under another metric or profile is a different event.
    auto fine = std::vector<new_event>{an_event("a@example.com"), an_event("a@example.com", "Refunded"),
                                       an_event("b@example.com")};
    for (auto& e : fine) e.unique_id = "order-1";
    BOOST_TEST(ops::bulk_create_events::plan(fine).ok());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(list_membership_and_lookups)

BOOST_AUTO_TEST_CASE(add_and_remove_in_chunks_of_1000) {
    fixture f;
    for (int i = 0; i < 4; ++i) f.mock().respond(204);
    std::vector<std::string> ids;
    for (int i = 0; i < 2100; ++i) ids.push_back("P" + std::to_string(i));
    std::vector<std::string> two{"P1", "P2"};
    ktest::run(f, [&]() -> awaitable<void> {
        auto r = co_await f.client.async_add_profiles_to_list("L1", ids);
        BOOST_TEST(r.requests == 3u);
        co_await f.client.async_remove_profiles_from_list("L1", two);
    });
    const auto& rq = f.mock().requests();
    BOOST_TEST((rq[0].method == http_method::post));
    BOOST_TEST(rq[0].target == "/api/lists/L1/relationships/profiles");
    BOOST_TEST(body_of(rq[0]).at("data").as_array().size() == 1000u);
    BOOST_TEST(body_of(rq[2]).at("data").as_array().size() == 100u);
    BOOST_TEST((rq[3].method == http_method::del));
    BOOST_TEST(body_of(rq[3]) ==
               json::parse(R"({"data":[{"type":"profile","id":"P1"},{"type":"profile","id":"P2"}]})"));
    std::vector<std::string> with_empty{"P1", ""};
    expect_refused(
        f, [&](auto t) { f.client.async_add_profiles_to_list("L1", with_empty, std::move(t)); }, "data[1].id");
    expect_refused(
        f, [&](auto t) { f.client.async_remove_profiles_from_list("", two, std::move(t)); }, "id");
    BOOST_TEST(rq.size() == 4u);
}

BOOST_AUTO_TEST_CASE(profile_by_email_and_by_phone) {
    fixture f;
    f.mock()
        .respond(200, R"({"data":[)" + ktest::profile_json("P1", "o'neil@example.com") + R"(],"links":{}})")
        .respond(200, R"({"data":[],"links":{}})");
    ktest::run(f, [&]() -> awaitable<void> {
        auto found = co_await f.client.async_get_profile_by_email("o'neil@example.com");
        BOOST_REQUIRE(found.has_value());
        BOOST_TEST(found->id == "P1");
        auto none = co_await f.client.async_get_profile_by_phone("+15005550006");
        BOOST_TEST(!none.has_value());
    });
    const auto& rq = f.mock().requests();
    BOOST_TEST(rq[0].target == "/api/profiles?filter=equals(email,%22o'neil@example.com%22)&page%5Bsize%5D=1");
    BOOST_TEST(rq[1].target == "/api/profiles?filter=equals(phone_number,'%2B15005550006')&page%5Bsize%5D=1");
    expect_refused(
        f, [&](auto t) { f.client.async_get_profile_by_email("not-an-email", std::move(t)); }, "email");
    expect_refused(
        f, [&](auto t) { f.client.async_get_profile_by_phone("555-0100", std::move(t)); }, "phone_number");
    BOOST_TEST(rq.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(data_sources)

BOOST_AUTO_TEST_CASE(every_picklist_over_all_pages) {
    fixture f;
    const std::string base = "https://a.klaviyo.com";
    f.mock()
        // accounts
        .respond(200, page_of("account", {{"A1", R"({"contact_information":{"organization_name":"Acme"}})"}}))
        // campaigns: one request per channel, merged
        .respond(200, page_of("campaign", {{"C1", R"({"name":"Mail"})"}}))
        .respond(200, page_of("campaign", {{"C2", R"({"name":"Text"})"}}))
        .respond(200, page_of("campaign", {}))
        // events, with their metric names from `included`
        .respond(200, page_of("event", {{"E1", R"({"datetime":"2026-11-26T10:00:00+00:00"})"}}, {},
                              R"([{"type":"metric","id":"M1","attributes":{"name":"Placed Order"}}])")
                          .insert(std::string(R"({"data":[{"type":"event","id":"E1",)").size(),
                                  R"("relationships":{"metric":{"data":{"type":"metric","id":"M1"}}},)"))
        // profiles over two pages
        .respond(200,
                 page_of("profile", {{"P1", R"({"email":"a@example.com"})"}, {"P2", R"({"phone_number":"+1500"})"}},
                         base + "/api/profiles?page%5Bcursor%5D=n2"))
        .respond(200, page_of("profile", {{"P3", R"({"first_name":"Ada","last_name":"L"})"}, {"P4", "{}"}}))
        // templates: the limit stops after the second page
        .respond(200, page_of("template", {{"T1", R"({"name":"a"})"}, {"T2", R"({"name":"b"})"}},
                              base + "/api/templates?page%5Bcursor%5D=t2"))
        .respond(200, page_of("template", {{"T3", R"({"name":"c"})"}, {"T4", R"({"name":"d"})"}},
                              base + "/api/templates?page%5Bcursor%5D=t3"));
    select_options all{};
    select_options three{.limit = 3};
    std::vector<picklist_item> accounts, campaigns_, events, profiles, templates;
    ktest::run(f, [&]() -> awaitable<void> {
        accounts = co_await f.client.async_select_accounts(all);
        campaigns_ = co_await f.client.async_select_campaigns(all);
        events = co_await f.client.async_select_events(all);
        profiles = co_await f.client.async_select_profiles(all);
        templates = co_await f.client.async_select_templates(three);
    });
    using items = std::vector<picklist_item>;
    BOOST_TEST((accounts == items{{"Acme", "A1"}}));
    BOOST_TEST((campaigns_ == items{{"Mail", "C1"}, {"Text", "C2"}}));
    BOOST_TEST((events == items{{"Placed Order 2026-11-26T10:00:00+00:00", "E1"}}));
    BOOST_TEST((profiles == items{{"a@example.com", "P1"}, {"+1500", "P2"}, {"Ada L", "P3"}, {"P4", "P4"}}));
    BOOST_TEST((templates == items{{"a", "T1"}, {"b", "T2"}, {"c", "T3"}}));
    const auto& rq = f.mock().requests();
    BOOST_REQUIRE(rq.size() == 9u); // no third template page: the limit was reached
    BOOST_TEST(rq[0].target == "/api/accounts");
    BOOST_TEST(rq[1].target ==
               "/api/campaigns?fields%5Bcampaign%5D=name&filter=equals(messages.channel,'email')&page%5Bsize%5D=100");
    BOOST_TEST(rq[2].target.find("equals(messages.channel,'sms')") != std::string::npos);
    BOOST_TEST(rq[3].target.find("equals(messages.channel,'mobile_push')") != std::string::npos);
    BOOST_TEST(rq[4].target == "/api/events?fields%5Bevent%5D=datetime&fields%5Bmetric%5D=name&include=metric"
                               "&sort=-datetime&page%5Bsize%5D=1000");
    BOOST_TEST(rq[5].target == "/api/profiles?fields%5Bprofile%5D=email,phone_number,first_name,last_name,external_id"
                               "&page%5Bsize%5D=100");
    BOOST_TEST(rq[6].target == "/api/profiles?page%5Bcursor%5D=n2");
    BOOST_TEST(rq[7].target == "/api/templates?fields%5Btemplate%5D=name&page%5Bsize%5D=10");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(raw_requests)

BOOST_AUTO_TEST_CASE(every_input_shapes_the_request) {
    client_options opts;
    opts.retry.backoff.jitter = false;
    fixture f(opts);
    f.mock()
        .respond(200, R"({"data":[]})", {{"X-Thing", "1"}})
        .respond(200, "ok")
        .respond(201, R"({"data":{}})")
        .respond(202)
        .respond(200, std::string("\x00\x01\x02", 3))
        .respond(200, R"({"ok":true})");
    raw_request get;
    get.path = "/api/profiles?page%5Bsize%5D=5";
    get.query = {{"filter", "equals(email,'a@example.com')"}, {"fields[profile]", "email"}};
    get.headers = {{"X-Trace", "abc"}};
    raw_request absolute;
    absolute.method = http_method::patch;
    absolute.path = "https://a.klaviyo.com/api/lists/L1";
    absolute.text = "plain words";
    raw_request with_json;
    with_json.method = http_method::post;
    with_json.path = "/api/lists";
    with_json.json = json::parse(R"({"data":{"type":"list","attributes":{"name":"x"}}})");
    raw_request form;
    form.method = http_method::post;
    form.path = "/api/image-upload";
    form.form = {{"name", "logo"}};
    form.files = {form_file{"file", "example.txt", "My File Contents", "text/plain"}};
    raw_request bytes;
    bytes.method = http_method::put;
    bytes.path = "/api/things/1";
    bytes.bytes = std::string("\x00\xff", 2);
    bytes.content_type = "application/x-thing";
    raw_request public_api;
    public_api.method = http_method::post;
    public_api.path = "/client/subscriptions";
    public_api.query = {{"company_id", "PUBLIC1"}};
    public_api.json = json::parse(R"({"data":{}})");
    public_api.exclude_authorization = true;
    public_api.timeout = std::chrono::milliseconds(1234);
    raw_response r0, r1, r4, r5;
    ktest::run(f, [&]() -> awaitable<void> {
        r0 = co_await f.client.async_raw_request(get);
        r1 = co_await f.client.async_raw_request(absolute);
        co_await f.client.async_raw_request(with_json);
        co_await f.client.async_raw_request(form);
        r4 = co_await f.client.async_raw_request(bytes);
        r5 = co_await f.client.async_raw_request(public_api);
    });
    const auto& rq = f.mock().requests();
    BOOST_TEST((rq[0].method == http_method::get));
    BOOST_TEST(rq[0].target ==
               "/api/profiles?page%5Bsize%5D=5&filter=equals(email,'a@example.com')&fields%5Bprofile%5D=email");
    BOOST_TEST(rq[0].header("X-Trace") == "abc");
    BOOST_TEST(rq[0].header("Authorization").starts_with("Klaviyo-API-Key "));
    BOOST_TEST(r0.json().at("data").as_array().empty());
    BOOST_TEST(r0.header("x-thing") == "1");
    BOOST_TEST((rq[1].method == http_method::patch));
    BOOST_TEST(rq[1].target == "/api/lists/L1");
    BOOST_TEST(rq[1].header("Content-Type") == "text/plain; charset=utf-8");
    BOOST_TEST(rq[1].body == "plain words");
    BOOST_TEST(r1.text() == "ok");
    BOOST_TEST(rq[2].header("Content-Type") == "application/vnd.api+json");
    BOOST_TEST(body_of(rq[2]) == *with_json.json);
    BOOST_TEST(!rq[2].idempotent);
    auto ct = std::string(rq[3].header("Content-Type"));
    auto boundary = ct.substr(ct.find('=') + 1);
    BOOST_TEST(rq[3].body == "--" + boundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nlogo\r\n--" +
                                 boundary +
                                 "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"example.txt\"\r\n"
                                 "Content-Type: text/plain\r\n\r\nMy File Contents\r\n--" +
                                 boundary + "--\r\n");
    BOOST_TEST((rq[4].method == http_method::put));
    BOOST_TEST(rq[4].header("Content-Type") == "application/x-thing");
    BOOST_TEST(rq[4].body == std::string("\x00\xff", 2));
    BOOST_TEST(r4.body == std::string("\x00\x01\x02", 3));
    BOOST_TEST(rq[5].target == "/client/subscriptions?company_id=PUBLIC1");
    BOOST_TEST(rq[5].header("Authorization").empty());
    BOOST_TEST(r5.json().at("ok").as_bool());
    BOOST_TEST(f.mock().timeouts().at(5).count() == 1234);
}

BOOST_AUTO_TEST_CASE(other_hosts_and_bad_inputs_are_refused_before_sending) {
    fixture f;
    auto refuse = [&](raw_request in, errc want, const std::string& field) {
        error_code ec;
        diagnostics d;
        f.client.async_raw_request(in, capture_diagnostics(d, [&](error_code x, raw_response) { ec = x; }));
        f.ioc.run();
        f.ioc.restart();
        BOOST_TEST((ec == want), field << ": " << ec.message());
        BOOST_TEST(d.message.find(field) == 0u, d.message);
    };
    auto at = [](std::string path) {
        raw_request r;
        r.path = std::move(path);
        return r;
    };
    refuse(at("https://evil.example/api/profiles"), errc::host_not_allowed, "path");
    refuse(at("//evil.example/api/profiles"), errc::host_not_allowed, "path");
    refuse(at("http://a.klaviyo.com/api/profiles"), errc::host_not_allowed, "path");
    refuse(at("https://a.klaviyo.com:8443/api/profiles"), errc::host_not_allowed, "path");
    refuse(at("https://user@a.klaviyo.com/api/profiles"), errc::host_not_allowed, "path");
    refuse(at("ftp://a.klaviyo.com/api"), errc::host_not_allowed, "path");
    refuse(at(""), errc::invalid_argument, "path");
    refuse(at("api/profiles"), errc::invalid_argument, "path");
    auto with = [&](auto edit) {
        auto r = at("/api/profiles");
        r.method = http_method::post;
        edit(r);
        return r;
    };
    refuse(with([](raw_request& r) {
               r.headers = {{"Authorization", "Bearer x"}};
           }),
           errc::invalid_argument, "headers.Authorization");
    refuse(with([](raw_request& r) {
               r.headers = {{"X-Bad", "a\r\nInjected: 1"}};
           }),
           errc::invalid_argument, "headers.X-Bad");
    refuse(with([](raw_request& r) {
               r.text = "a";
               r.bytes = "b";
           }),
           errc::invalid_argument, "json, text, bytes");
    refuse(with([](raw_request& r) {
               r.method = http_method::get;
               r.text = "a";
           }),
           errc::invalid_argument, "method");
    refuse(with([](raw_request& r) { r.timeout = std::chrono::milliseconds(0); }), errc::invalid_argument, "timeout");
    refuse(with([](raw_request& r) {
               r.files = {form_file{"file", "a\"b", "x"}};
           }),
           errc::invalid_argument, "files[0].file_name");
    BOOST_TEST(f.mock().requests().empty());
}

BOOST_AUTO_TEST_CASE(retries_follow_the_raw_request_settings) {
    client_options opts;
    opts.retry.backoff.jitter = false;
    fixture f(opts);
    const char* down = R"({"errors":[{"status":503,"code":"unavailable"}]})";
    // 1: a POST without retry_on_all_errors is not repeated after a 503.
    f.mock().respond(503, down);
    // 2: with it, max_retries = 2 and a fixed delay: three attempts, 100 ms apart.
    f.mock().respond(503, down).respond(503, down).respond(200, "{}");
    // 3: exponential backoff from 100 ms: 100, 200.
    f.mock().respond(503, down).respond(503, down).respond(503, down);
    raw_request post;
    post.method = http_method::post;
    post.path = "/api/things";
    post.json = json::object{};
    auto fixed = post;
    fixed.retry_on_all_errors = true;
    fixed.max_retries = 2;
    fixed.retry_delay = std::chrono::milliseconds(100);
    fixed.exponential_backoff = false;
    auto growing = fixed;
    growing.exponential_backoff = true;
    error_code ec1, ec3;
    diagnostics d3;
    f.client.async_raw_request(post, [&](error_code e, raw_response) { ec1 = e; });
    f.ioc.run();
    f.ioc.restart();
    BOOST_TEST((ec1 == errc::server_error), ec1.message());
    BOOST_TEST(f.mock().requests().size() == 1u);
    BOOST_TEST(f.sleeps.empty());
    ktest::run(f, [&]() -> awaitable<void> { co_await f.client.async_raw_request(fixed); });
    BOOST_TEST(f.mock().requests().size() == 4u);
    BOOST_TEST((f.sleeps == std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(100),
                                                                   std::chrono::milliseconds(100)}));
    f.client.async_raw_request(growing, capture_diagnostics(d3, [&](error_code e, raw_response) { ec3 = e; }));
    f.ioc.run();
    f.ioc.restart();
    BOOST_TEST(!!ec3);
    BOOST_TEST(d3.attempts == 3u);
    BOOST_TEST(f.mock().requests().size() == 7u);
    BOOST_TEST(
        (std::vector<std::chrono::milliseconds>(f.sleeps.begin() + 2, f.sleeps.end()) ==
         std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(100), std::chrono::milliseconds(200)}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(segment_conditions)

BOOST_AUTO_TEST_CASE(typed_conditions_become_the_spec_json) {
    fixture f;
    f.mock().respond(201, doc_of("segment", "S1")).respond(200, doc_of("segment", "S1"));
    new_segment in;
    in.name = "Engaged VIPs";
    in.conditions = segment_definition{
        {{segment_condition::in_group({"L1", "S2"})},
         {segment_condition::metric_count("M1", "greater-than-or-equal", 2,
                                          relative_timeframe{"in-the-last", "day", 90}),
          segment_condition::property_text("properties['Tier']", "equals", "gold")},
         {segment_condition::marketing_consent("email", true),
          segment_condition::property_number("age", "less-than", 40),
          segment_condition::property_bool("properties['VIP']", true),
          segment_condition::raw(
              json::parse(R"({"type":"profile-region","in_region":true,"region":"european_union"})").as_object())}}};
    segment_update up;
    up.conditions = segment_definition{{{segment_condition::not_in_group({"L9"})}}};
    ktest::run(f, [&]() -> awaitable<void> {
        co_await f.client.async_create<segment>(in);
        co_await f.client.async_update<segment>("S1", up);
    });
    const auto& rq = f.mock().requests();
    BOOST_TEST(body_of(rq[0]) == json::parse(R"({"data":{"type":"segment","attributes":{"name":"Engaged VIPs",
      "definition":{"condition_groups":[
        {"conditions":[{"type":"profile-group-membership","is_member":true,"group_ids":["L1","S2"]}]},
        {"conditions":[
          {"type":"profile-metric","metric_id":"M1","measurement":"count",
           "measurement_filter":{"type":"numeric","operator":"greater-than-or-equal","value":2.0},
           "timeframe_filter":{"type":"date","operator":"in-the-last","unit":"day","quantity":90}},
          {"type":"profile-property","property":"properties['Tier']",
           "filter":{"type":"string","operator":"equals","value":"gold"}}]},
        {"conditions":[
          {"type":"profile-marketing-consent","consent":{"channel":"email","can_receive_marketing":true,
           "consent_status":{"subscription":"subscribed"}}},
          {"type":"profile-property","property":"age","filter":{"type":"numeric","operator":"less-than","value":40.0}},
          {"type":"profile-property","property":"properties['VIP']","filter":{"type":"boolean","operator":"equals","value":true}},
          {"type":"profile-region","in_region":true,"region":"european_union"}]}]}}}})"));
    BOOST_TEST(body_of(rq[1]) == json::parse(R"({"data":{"type":"segment","id":"S1","attributes":{"definition":{
        "condition_groups":[{"conditions":[{"type":"profile-group-membership","is_member":false,"group_ids":["L9"]}]}]}}}})"));
}

BOOST_AUTO_TEST_CASE(bad_conditions_are_refused_before_sending) {
    fixture f;
    const std::string d = "data.attributes.definition";
    auto refuse = [&](segment_definition def, const std::string& field) {
        new_segment in;
        in.name = "S";
        in.conditions = std::move(def);
        expect_refused(
            f, [&](auto token) { f.client.async_create<segment>(in, {}, std::move(token)); }, field);
    };
    refuse(segment_definition{}, d + ".condition_groups");
    refuse(segment_definition{{{}}}, d + ".condition_groups[0].conditions");
    refuse(segment_definition{{{segment_condition::in_group({})}}}, d + ".condition_groups[0].conditions[0].group_ids");
    refuse(segment_definition{{{segment_condition::in_group({"L1"})},
                               {segment_condition::property_text("email", "like", "x")}}},
           d + ".condition_groups[1].conditions[0].filter.operator");
    refuse(segment_definition{{{segment_condition::metric_count("M1", "equals", 1,
                                                                relative_timeframe{"in-the-last", "month", 1})}}},
           d + ".condition_groups[0].conditions[0].timeframe_filter.unit");
    refuse(segment_definition{{{segment_condition::metric_count("", "equals", 1, relative_timeframe{})}}},
           d + ".condition_groups[0].conditions[0].metric_id");
    refuse(segment_definition{{{segment_condition::marketing_consent("push", true)}}},
           d + ".condition_groups[0].conditions[0].consent.channel");
    refuse(segment_definition{{{segment_condition::raw(json::object{{"region", "eu"}})}}},
           d + ".condition_groups[0].conditions[0].type");
    new_segment both;
    both.name = "S";
    both.definition = json::object{{"condition_groups", json::array{}}};
    both.conditions = segment_definition{{{segment_condition::in_group({"L1"})}}};
    expect_refused(
        f, [&](auto token) { f.client.async_create<segment>(both, {}, std::move(token)); }, d);
    BOOST_TEST(f.mock().requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()
