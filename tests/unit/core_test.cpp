// The pure core: conversions, documents, errors, validation, retry decisions.
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/policy/retry.hpp>
#include <klaviyo/resources/profile.hpp>
#include <klaviyo/validate.hpp>

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <random>

namespace json = boost::json;
using namespace klaviyo;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(conversions)

BOOST_AUTO_TEST_CASE(unknown_keys_are_skipped_and_missing_optionals_are_empty) {
    auto v = json::parse(R"({"city":"Paris","brand_new_field":{"x":1},"latitude":48.85})");
    auto loc = jsonapi::from_json<profile_location>(v);
    BOOST_TEST(*loc.city == "Paris");
    BOOST_TEST(*loc.latitude == 48.85);
    BOOST_TEST(!loc.zip.has_value());
    BOOST_TEST(!loc.longitude.has_value());
}

BOOST_AUTO_TEST_CASE(null_reads_as_empty_optional) {
    auto loc = jsonapi::from_json<profile_location>(json::parse(R"({"city":null,"zip":"75001"})"));
    BOOST_TEST(!loc.city.has_value());
    BOOST_TEST(*loc.zip == "75001");
}

BOOST_AUTO_TEST_CASE(numeric_strings_are_read_as_numbers) {
    auto loc = jsonapi::from_json<profile_location>(json::parse(R"({"latitude":"51.5"})"));
    BOOST_TEST(*loc.latitude == 51.5);
    BOOST_CHECK_THROW(jsonapi::from_json<profile_location>(json::parse(R"({"latitude":"north"})")),
                      jsonapi::conversion_error);
}

BOOST_AUTO_TEST_CASE(integers_out_of_range_are_refused_not_wrapped) {
    // Found by fuzzing: 1e30 cast to an integer was undefined behaviour, and
    // an int64 beyond an int's range wrapped into a wrong value.
    BOOST_CHECK_THROW(jsonapi::from_json<std::int64_t>(json::parse("1e30")), jsonapi::conversion_error);
    BOOST_CHECK_THROW(jsonapi::from_json<int>(json::parse("4294967296")), jsonapi::conversion_error);
    BOOST_CHECK_THROW(jsonapi::from_json<int>(json::parse("2.5")), jsonapi::conversion_error);
    BOOST_TEST(jsonapi::from_json<int>(json::parse("-7.0")) == -7);
}

BOOST_AUTO_TEST_CASE(page_links_become_origin_form_targets) {
    // Found by fuzzing: a link without a path made an empty request target,
    // and Boost.URL 1.81 read "host:443x/p" as port 443 and path "x/p".
    const origin home{true, "a.klaviyo.com", 443};
    BOOST_TEST(detail::link_plan<klaviyo::ops::get_profiles>("https://a.klaviyo.com?page%5Bcursor%5D=x", home).target ==
               "/?page%5Bcursor%5D=x");
    BOOST_TEST(!detail::link_plan<klaviyo::ops::get_profiles>("https://a.klaviyo.com:443x/api/profiles", home).ok());
}

BOOST_AUTO_TEST_CASE(type_mismatch_names_the_path) {
    try {
        jsonapi::from_json<profile_attributes>(json::parse(R"({"location":{"city":12}})"), "data.attributes");
        BOOST_FAIL("expected a conversion_error");
    } catch (const jsonapi::conversion_error& e) {
        BOOST_TEST(e.path() == "data.attributes.location.city");
    }
}

BOOST_AUTO_TEST_CASE(empty_optionals_are_omitted_on_write) {
    new_profile p;
    p.email = "a@b.co";
    BOOST_TEST(json::serialize(jsonapi::to_json(p)) == R"({"email":"a@b.co"})");
}

BOOST_AUTO_TEST_CASE(nullable_writes_absent_null_and_value) {
    profile_update u;
    u.first_name = "Grace";
    u.last_name = klaviyo::null;
    BOOST_TEST(json::serialize(jsonapi::to_json(u)) == R"({"first_name":"Grace","last_name":null})");
    BOOST_TEST(u.email.is_absent());
    BOOST_TEST(u.last_name.is_null());
    BOOST_TEST(u.first_name.has_value());
}

BOOST_AUTO_TEST_CASE(nullable_reads_null_and_value) {
    struct holder {};
    nullable<std::string> n;
    jsonapi::from_json(json::value(nullptr), n, "x");
    BOOST_TEST(n.is_null());
    jsonapi::from_json(json::value("v"), n, "x");
    BOOST_TEST(*n == "v");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(documents)

BOOST_AUTO_TEST_CASE(resource_keeps_raw_json_and_unknown_attributes) {
    auto d = jsonapi::parse_document<profile_attributes>(
        R"({"data":{"type":"profile","id":"01H","attributes":{"email":"x@y.io","future_field":[1,2]},)"
        R"("relationships":{"lists":{"data":[{"type":"list","id":"L1"},{"type":"list","id":"L2"}]}},)"
        R"("links":{"self":"https://a.klaviyo.com/api/profiles/01H/"}},"included":[{"type":"list","id":"L1"}]})");
    BOOST_TEST(d.data.id == "01H");
    BOOST_TEST(*d.data.attributes.email == "x@y.io");
    BOOST_TEST(d.data.raw.at("attributes").at("future_field").as_array().size() == 2u);
    BOOST_TEST(d.data.self_link() == "https://a.klaviyo.com/api/profiles/01H/");
    BOOST_TEST((d.data.related_ids("lists") == std::vector<std::string>{"L1", "L2"}));
    BOOST_TEST(d.included.size() == 1u);
}

BOOST_AUTO_TEST_CASE(page_reads_links) {
    auto p = jsonapi::parse_page<profile_attributes>(
        R"({"data":[{"type":"profile","id":"1","attributes":{}},{"type":"profile","id":"2","attributes":{}}],)"
        R"("links":{"self":"s","next":"https://a.klaviyo.com/api/profiles?page%5Bcursor%5D=abc","prev":null}})");
    BOOST_TEST(p.data.size() == 2u);
    BOOST_TEST(p.has_next());
    BOOST_TEST(p.prev_link.empty());
}

BOOST_AUTO_TEST_CASE(malformed_documents_throw) {
    BOOST_CHECK_THROW(jsonapi::parse_document<profile_attributes>("{not json"), jsonapi::conversion_error);
    BOOST_CHECK_THROW(jsonapi::parse_document<profile_attributes>(R"({"errors":[]})"), jsonapi::conversion_error);
    BOOST_CHECK_THROW(jsonapi::parse_page<profile_attributes>(R"({"data":{}})"), jsonapi::conversion_error);
    BOOST_CHECK_THROW(jsonapi::parse_document<profile_attributes>(""), jsonapi::conversion_error);
}

BOOST_AUTO_TEST_CASE(errors_are_parsed_leniently) {
    auto e = jsonapi::parse_errors(
        R"({"errors":[{"id":"e1","status":409,"code":"duplicate_profile","title":"Conflict.",)"
        R"("detail":"A profile already exists with one of these identifiers.","source":{"pointer":"/data/attributes"},)"
        R"("links":{},"meta":{"duplicate_profile_id":"01DUP"}},{"status":"400"},"junk"]})");
    BOOST_TEST_REQUIRE(e.size() == 2u);
    BOOST_TEST(e[0].status == 409);
    BOOST_TEST(e[0].code == "duplicate_profile");
    BOOST_TEST(e[0].source_pointer == "/data/attributes");
    BOOST_TEST(e[0].meta.at("duplicate_profile_id").as_string() == "01DUP");
    BOOST_TEST(e[1].status == 400);
    BOOST_TEST(jsonapi::parse_errors("<html>Bad gateway</html>").empty());
    diagnostics d;
    d.errors = e;
    BOOST_TEST(*d.duplicate_profile_id() == "01DUP");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(validation)

BOOST_AUTO_TEST_CASE(emails) {
    BOOST_TEST(is_valid_email("ada@example.com"));
    BOOST_TEST(is_valid_email("first.last+tag@sub.example.co.uk"));
    BOOST_TEST(!is_valid_email("ada@"));
    BOOST_TEST(!is_valid_email("@example.com"));
    BOOST_TEST(!is_valid_email("ada@example"));
    BOOST_TEST(!is_valid_email("a da@example.com"));
    BOOST_TEST(!is_valid_email("ada@@example.com"));
    BOOST_TEST(!is_valid_email("ada@example..com"));
}

BOOST_AUTO_TEST_CASE(phones) {
    BOOST_TEST(is_e164_phone("+15005550006"));
    BOOST_TEST(is_e164_phone("+442071838750"));
    BOOST_TEST(!is_e164_phone("15005550006"));
    BOOST_TEST(!is_e164_phone("+0123456789"));
    BOOST_TEST(!is_e164_phone("+1 500 555 0006"));
    BOOST_TEST(!is_e164_phone("+1234"));
    BOOST_TEST(!is_e164_phone("+1234567890123456"));
}

BOOST_AUTO_TEST_CASE(path_ids_are_percent_encoded) {
    BOOST_TEST(detail::expand_path("/api/profiles/{id}", "a/b c") == "/api/profiles/a%2Fb%20c");
}

BOOST_AUTO_TEST_CASE(query_vocabulary_is_enforced) {
    auto p = ops::get_profile::plan("1", get_options{.include = {"list"}});
    BOOST_TEST(p.invalid == "include: 'list' is not accepted by this operation");
    p = ops::get_profile::plan("1", get_options{.fields = {{"metric", {"name"}}}});
    BOOST_TEST(p.invalid.find("fields[metric]") == 0u);
    p = ops::get_profiles::plan(list_options{.sort = "-name"});
    BOOST_TEST(p.invalid.find("sort:") == 0u);
    p = ops::get_profiles::plan(list_options{.page_size = 101});
    BOOST_TEST(p.invalid == "page_size: must be between 1 and 100");
    p = ops::get_profiles::plan(list_options{.page_size = 0});
    BOOST_TEST(!p.ok());
    p = ops::get_profile::plan("", {});
    BOOST_TEST(p.invalid == "id: must not be empty");
}

BOOST_AUTO_TEST_CASE(options_change_the_rate_class) {
    BOOST_TEST((ops::get_profile::plan("1", {}).rate == rate_limits::l));
    BOOST_TEST((ops::get_profile::plan("1", get_options{.include = {"segments"}}).rate == rate_limits::xs));
    BOOST_TEST(
        (ops::get_profiles::plan(list_options{.additional_fields = {"predictive_analytics"}}).rate == rate_limits::m));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(retry_policy)

BOOST_AUTO_TEST_CASE(what_is_retryable) {
    attempt_outcome throttled{make_error_code(errc::rate_limited), 429, std::nullopt};
    attempt_outcome unavailable{make_error_code(errc::server_error), 503, std::nullopt};
    attempt_outcome bad_gateway{make_error_code(errc::server_error), 502, std::nullopt};
    attempt_outcome not_sent{make_error_code(errc::connect_failed), 0, std::nullopt};
    attempt_outcome lost{make_error_code(errc::connection_lost), 0, std::nullopt};
    attempt_outcome bad{make_error_code(errc::bad_request), 400, std::nullopt};
    BOOST_TEST(is_retryable(throttled, false));
    BOOST_TEST(is_retryable(not_sent, false));
    BOOST_TEST(!is_retryable(unavailable, false));
    BOOST_TEST(is_retryable(unavailable, true));
    BOOST_TEST(!is_retryable(lost, false));
    BOOST_TEST(is_retryable(lost, true));
    BOOST_TEST(!is_retryable(bad_gateway, true)); // as Klaviyo's own SDKs: 502 is not retried
    BOOST_TEST(!is_retryable(bad, true));
}

BOOST_AUTO_TEST_CASE(retry_after_wins_and_budgets_hold) {
    std::minstd_rand rng(1);
    retry_options r;
    attempt_outcome o{make_error_code(errc::rate_limited), 429, 7s};
    BOOST_TEST(next_retry_delay(r, o, false, 1, 0ms, rng)->count() == 7000);
    BOOST_TEST(!next_retry_delay(r, o, false, r.max_attempts, 0ms, rng));   // attempts exhausted
    BOOST_TEST(!next_retry_delay(r, o, false, 1, r.max_elapsed - 1s, rng)); // would pass the time budget
    o.retry_after = std::chrono::hours(20);                                 // a daily cap
    BOOST_TEST(!next_retry_delay(r, o, false, 1, 0ms, rng));
}

BOOST_AUTO_TEST_CASE(backoff_grows_with_jitter_and_cap) {
    std::minstd_rand rng(42);
    backoff_options b{100ms, 2.0, 1000ms, true};
    for (unsigned retry = 1; retry <= 8; ++retry) {
        auto full = std::min<long>(100L << (retry - 1), 1000L);
        for (int i = 0; i < 50; ++i) {
            auto d = backoff_delay(b, retry, rng).count();
            BOOST_TEST(d >= full / 2);
            BOOST_TEST(d <= full);
        }
    }
    b.jitter = false;
    BOOST_TEST(backoff_delay(b, 3, rng).count() == 400);
}

BOOST_AUTO_TEST_CASE(retry_after_parsing) {
    BOOST_TEST(parse_retry_after("1")->count() == 1);
    BOOST_TEST(parse_retry_after(" 30 ")->count() == 30);
    BOOST_TEST(!parse_retry_after(""));
    BOOST_TEST(!parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
    BOOST_TEST(!parse_retry_after("-1"));
}

BOOST_AUTO_TEST_SUITE_END()
