// Every seed action and data source through the client and the real
// transport against the sandbox, checking the effect: created things read
// back, deleted things are gone, subscriptions show on the profile, events
// show in the event list with their metric. The fixture ends each test by
// checking that the sandbox accepted every request it logged.
#include "sandbox_fixture.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

using namespace klaviyo;
namespace json = boost::json;
using boost::asio::awaitable;

namespace {

/// Every test here relies on the fixture's check: the sandbox accepted
/// every request the client sent.
using logged = ktest::sandbox_fixture;

} // namespace

BOOST_AUTO_TEST_SUITE(operations_against_sandbox)

BOOST_AUTO_TEST_CASE(campaigns_create_read_list_update_delete) {
    logged f(sandbox::options{.rate_limits = false});
    new_list nl{.name = "Audience"};
    new_campaign c;
    c.name = "Launch";
    new_campaign_message email;
    email.email = email_content{.subject = "Hello", .from_email = "shop@example.com", .from_label = "Shop"};
    c.messages.push_back(email);
    c.send_strategy = campaign_send_strategy::at("2030-01-01T09:00:00+00:00");
    new_campaign sms = c;
    sms.name = "Launch SMS";
    sms.messages[0] = new_campaign_message{.channel = "sms", .sms_body = "Hello"};
    sms.send_strategy = campaign_send_strategy::throttled("2030-01-01T09:00:00+00:00", 10);
    get_options with_messages{.include = {"campaign-messages"}};
    campaign_update up{.name = "Launch v2"};
    list_options named_v2{.filter = "contains(name,'v2')"};
    list_options none{};
    f.run([&]() -> awaitable<void> {
        auto l = co_await f.client->async_create<klaviyo::list>(nl);
        c.audiences.included = {l.data.id};
        sms.audiences.included = {l.data.id};
        auto created = co_await f.client->async_create<campaign>(c);
        auto created_sms = co_await f.client->async_create<campaign>(sms);
        BOOST_TEST(*created.data.attributes.name == "Launch");
        auto read = co_await f.client->async_get<campaign>(created.data.id, with_messages);
        BOOST_TEST(read.data.attributes.audiences->included == std::vector<std::string>{l.data.id});
        BOOST_TEST(read.data.attributes.send_strategy->method == "static");
        BOOST_TEST_REQUIRE(read.included.size() == 1u);
        BOOST_TEST(read.included[0].at("attributes").at("definition").at("content").at("subject") == "Hello");
        auto emails = co_await f.client->async_list<campaign>();
        BOOST_TEST_REQUIRE(emails.data.size() == 1u);
        BOOST_TEST(emails.data[0].id == created.data.id);
        auto texts = co_await f.client->async_list_campaigns("sms", none);
        BOOST_TEST_REQUIRE(texts.data.size() == 1u);
        BOOST_TEST(texts.data[0].id == created_sms.data.id);
        co_await f.client->async_update<campaign>(created.data.id, up);
        auto renamed = co_await f.client->async_list<campaign>(named_v2);
        BOOST_TEST(renamed.data.size() == 1u);
        co_await f.client->async_delete<campaign>(created.data.id);
        auto after = co_await f.client->async_list<campaign>();
        BOOST_TEST(after.data.empty());
    });
}

BOOST_AUTO_TEST_CASE(images_upload_three_ways_read_list_update) {
    logged f(sandbox::options{.rate_limits = false});
    const std::string gif("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 14);
    image_upload by_url{.url = "https://cdn.example.com/logo.png", .name = "from-url"};
    image_upload by_uri{.url = "data:image/gif;base64,R0lGODlhAQABAAAAADs=", .name = "from-uri"};
    image_upload by_bytes{.file_data = gif, .file_name = "dot.gif", .name = "from-bytes"};
    image_update hide{.hidden = true};
    list_options by_name{.sort = "name"};
    f.run([&]() -> awaitable<void> {
        auto a = co_await f.client->async_create<image>(by_url);
        auto b = co_await f.client->async_create<image>(by_uri);
        auto c = co_await f.client->async_create<image>(by_bytes);
        BOOST_TEST(*c.data.attributes.format == "gif");
        BOOST_TEST(*c.data.attributes.size == 14);
        auto read = co_await f.client->async_get<image>(c.data.id);
        BOOST_TEST(*read.data.attributes.name == "from-bytes");
        co_await f.client->async_update<image>(b.data.id, hide);
        auto all = co_await f.client->async_list<image>(by_name);
        BOOST_TEST_REQUIRE(all.data.size() == 3u);
        BOOST_TEST(*all.data[0].attributes.name == "from-bytes");
        BOOST_TEST(*all.data[1].attributes.name == "from-uri");
        BOOST_TEST(*all.data[1].attributes.hidden == true);
        BOOST_TEST(all.data[2].id == a.data.id);
    });
}

BOOST_AUTO_TEST_CASE(subscriptions_show_on_the_profile_and_in_the_list) {
    logged f(sandbox::options{.rate_limits = false});
    new_list nl{.name = "Newsletter"};
    subscription_request sub;
    for (int i = 0; i < 3; ++i) sub.profiles.push_back(subscriber::to_email("s" + std::to_string(i) + "@example.com"));
    subscriber texter;
    texter.phone_number = "+15005550006";
    texter.sms_marketing = true;
    texter.sms_transactional = true;
    sub.profiles.push_back(texter);
    sub.custom_source = "Checkout";
    unsubscription_request global;
    global.profiles = {subscriber::to_email("s2@example.com")};
    get_options with_subs{.additional_fields = {"subscriptions"}};
    list_options none{};
    f.run([&]() -> awaitable<void> {
        auto l = co_await f.client->async_create<klaviyo::list>(nl);
        sub.list_id = l.data.id;
        auto r = co_await f.client->async_subscribe_profiles(sub);
        BOOST_TEST(r.items == 4u);
        auto members = co_await f.client->async_get_list_profiles(l.data.id, none);
        BOOST_TEST(members.data.size() == 4u);
        auto s0 = co_await f.client->async_get_profile_by_email("s0@example.com");
        BOOST_TEST_REQUIRE(s0.has_value());
        auto p = co_await f.client->async_get<profile>(s0->id, with_subs);
        BOOST_TEST(p.data.attributes.subscriptions->email->marketing->consent == "SUBSCRIBED");
        auto t = co_await f.client->async_get_profile_by_phone("+15005550006");
        BOOST_TEST_REQUIRE(t.has_value());
        auto tp = co_await f.client->async_get<profile>(t->id, with_subs);
        BOOST_TEST(tp.data.attributes.subscriptions->sms->marketing->consent == "SUBSCRIBED");
        // Without a list: global.
        co_await f.client->async_unsubscribe_profiles(global);
        auto s2 = co_await f.client->async_get_profile_by_email("s2@example.com");
        auto p2 = co_await f.client->async_get<profile>(s2->id, with_subs);
        BOOST_TEST(p2.data.attributes.subscriptions->email->marketing->consent == "UNSUBSCRIBED");
        auto nobody = co_await f.client->async_get_profile_by_email("nobody@example.com");
        BOOST_TEST(!nobody.has_value());
    });
}

BOOST_AUTO_TEST_CASE(list_membership_in_chunks) {
    logged f(sandbox::options{.rate_limits = false});
    new_list nl{.name = "Big"};
    std::vector<std::string> ids;
    for (int i = 0; i < 1005; ++i) {
        auto p = ktest::call(f, http_method::post, "/api/profiles",
                             R"({"data":{"type":"profile","attributes":{"email":"m)" + std::to_string(i) +
                                 R"(@example.com"}}})");
        ids.push_back(ktest::id_of(p));
    }
    std::vector<std::string> drop(ids.begin(), ids.begin() + 5);
    get_options counted{.additional_fields = {"profile_count"}};
    f.run([&]() -> awaitable<void> {
        auto l = co_await f.client->async_create<klaviyo::list>(nl);
        auto added = co_await f.client->async_add_profiles_to_list(l.data.id, ids);
        BOOST_TEST(added.requests == 2u);
        co_await f.client->async_remove_profiles_from_list(l.data.id, drop);
        auto read = co_await f.client->async_get<klaviyo::list>(l.data.id, counted);
        BOOST_TEST(*read.data.attributes.profile_count == 1000);
    });
}

BOOST_AUTO_TEST_CASE(bulk_events_appear_with_their_metric) {
    logged f(sandbox::options{.rate_limits = false});
    std::vector<new_event> events;
    for (int i = 0; i < 2500; ++i) {
        new_event e;
        e.metric_name = i % 2 ? "Viewed Product" : "Placed Order";
        e.profile.email = "buyer" + std::to_string(i % 10) + "@example.com";
        e.unique_id = "evt-" + std::to_string(i);
        e.properties["n"] = i;
        events.push_back(std::move(e));
    }
    list_options by_metric_and_page{.include = {"metric"}, .page_size = 1000};
    f.run([&]() -> awaitable<void> {
        auto r = co_await f.client->async_bulk_create_events(events);
        BOOST_TEST(r.requests == 3u);
        BOOST_TEST(r.items == 2500u);
        std::size_t seen = 0, placed = 0;
        auto pages = f.client->pages<event>(by_metric_and_page);
        while (auto page = co_await pages.async_resume(boost::asio::use_awaitable)) {
            auto names = klaviyo::detail::included_metric_names(page->included);
            for (const auto& e : page->data) {
                ++seen;
                if (names.at(e.related_ids("metric").at(0)) == "Placed Order") ++placed;
            }
        }
        BOOST_TEST(seen == 2500u);
        BOOST_TEST(placed == 1250u);
        auto metrics = co_await f.client->async_list<metric>();
        BOOST_TEST(metrics.data.size() == 2u);
    });
}

BOOST_AUTO_TEST_CASE(data_sources_cover_every_page) {
    logged f(sandbox::options{.rate_limits = false});
    for (int i = 0; i < 23; ++i)
        ktest::call(f, http_method::post, "/api/templates",
                    R"({"data":{"type":"template","attributes":{"name":"T)" + std::to_string(i) +
                        R"(","editor_type":"CODE","html":"<p>x</p>"}}})");
    for (int i = 0; i < 3; ++i)
        ktest::call(f, http_method::post, "/api/profiles",
                    R"({"data":{"type":"profile","attributes":{"email":"p)" + std::to_string(i) +
                        R"(@example.com"}}})");
    new_event e;
    e.metric_name = "Started Checkout";
    e.profile.email = "p0@example.com";
    new_list nl{.name = "L"};
    select_options all{};
    select_options five{.limit = 5};
    f.run([&]() -> awaitable<void> {
        co_await f.client->async_create<event>(e);
        auto l = co_await f.client->async_create<klaviyo::list>(nl);
        for (const char* channel : {"email", "sms"}) {
            new_campaign c;
            c.name = std::string("C-") + channel;
            c.audiences.included = {l.data.id};
            new_campaign_message m;
            m.channel = channel;
            c.messages.push_back(m);
            co_await f.client->async_create<campaign>(c);
        }
        auto accounts = co_await f.client->async_select_accounts(all);
        BOOST_TEST(accounts.size() == 1u);
        auto templates = co_await f.client->async_select_templates(all);
        BOOST_TEST(templates.size() == 23u); // three pages of 10
        auto page_of_templates = co_await f.client->async_list<email_template>();
        BOOST_TEST(page_of_templates.data.size() == 10u);
        BOOST_TEST(!page_of_templates.next_link.empty());
        auto first5 = co_await f.client->async_select_templates(five);
        BOOST_TEST(first5.size() == 5u);
        auto profiles = co_await f.client->async_select_profiles(all);
        BOOST_TEST(profiles.size() == 3u);
        auto campaigns = co_await f.client->async_select_campaigns(all);
        BOOST_TEST_REQUIRE(campaigns.size() == 2u); // both channels merged
        BOOST_TEST(campaigns[0].label == "C-email");
        BOOST_TEST(campaigns[1].label == "C-sms");
        auto events = co_await f.client->async_select_events(all);
        BOOST_TEST_REQUIRE(events.size() == 1u);
        BOOST_TEST(events[0].label.rfind("Started Checkout 20", 0) == 0u, events[0].label);
    });
}

BOOST_AUTO_TEST_CASE(raw_requests_reach_any_endpoint_and_never_another_host) {
    logged f(sandbox::options{.rate_limits = false});
    raw_request create;
    create.method = http_method::post;
    create.path = "/api/lists";
    create.json = json::parse(R"({"data":{"type":"list","attributes":{"name":"Raw"}}})");
    raw_request upload;
    upload.method = http_method::post;
    upload.path = "/api/image-upload";
    upload.form = {{"name", "raw-upload"}};
    upload.files = {form_file{"file", "dot.gif", std::string("GIF89a\x01\x00\x01\x00;", 11), "image/gif"}};
    raw_request evil;
    evil.path = "https://evil.example/api/lists";
    raw_request sneaky;
    sneaky.path = "//evil.example/api/lists";
    error_code e1, e2;
    f.run([&]() -> awaitable<void> {
        auto r = co_await f.client->async_raw_request(create);
        BOOST_TEST(r.status == 201u);
        auto id = std::string(r.json().at("data").at("id").as_string());
        raw_request get;
        get.path = f.client->options().base_url + "/api/lists/" + id; // absolute, same host
        get.query = {{"fields[list]", "name"}};
        auto back = co_await f.client->async_raw_request(get);
        BOOST_TEST(back.json().at("data").at("attributes").at("name") == "Raw");
        auto img = co_await f.client->async_raw_request(upload);
        BOOST_TEST(img.json().at("data").at("attributes").at("format") == "gif");
        auto [x1, r1] = co_await f.client->async_raw_request(evil, boost::asio::as_tuple(boost::asio::use_awaitable));
        auto [x2, r2] = co_await f.client->async_raw_request(sneaky, boost::asio::as_tuple(boost::asio::use_awaitable));
        e1 = x1;
        e2 = x2;
    });
    BOOST_TEST((e1 == errc::host_not_allowed));
    BOOST_TEST((e2 == errc::host_not_allowed));
}

BOOST_AUTO_TEST_CASE(segments_from_typed_conditions_read_back) {
    logged f(sandbox::options{.rate_limits = false});
    new_segment in;
    in.name = "Gold members";
    in.conditions = segment_definition{{{segment_condition::in_group({"L1"})},
                                        {segment_condition::property_text("properties['Tier']", "equals", "gold"),
                                         segment_condition::marketing_consent("email", true)}}};
    f.run([&]() -> awaitable<void> {
        auto created = co_await f.client->async_create<segment>(in);
        auto read = co_await f.client->async_get<segment>(created.data.id);
        const auto& groups = read.data.attributes.definition->at("condition_groups").as_array();
        BOOST_TEST_REQUIRE(groups.size() == 2u);
        BOOST_TEST(groups[1].at("conditions").at(0).at("filter").at("value") == "gold");
        co_await f.client->async_delete<segment>(created.data.id);
    });
}

BOOST_AUTO_TEST_SUITE_END()
