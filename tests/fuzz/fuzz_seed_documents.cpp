// Fuzz target: the seed layer's typed documents. The input is a response
// body, read as a single-resource document and as a page of each seed
// resource type (jsonapi::parse_document / parse_page), and as an error
// document (jsonapi::parse_errors).
//
// The contract (jsonapi/document.hpp): parse_document and parse_page return
// a value or throw jsonapi::conversion_error (the text is not JSON, not a
// JSON:API document, or a member has the wrong JSON type); parse_errors
// never throws. Anything else that escapes, a crash or a sanitizer report
// is a bug.
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/resources/account.hpp>
#include <klaviyo/resources/campaign.hpp>
#include <klaviyo/resources/event.hpp>
#include <klaviyo/resources/image.hpp>
#include <klaviyo/resources/list.hpp>
#include <klaviyo/resources/metric.hpp>
#include <klaviyo/resources/profile.hpp>
#include <klaviyo/resources/segment.hpp>
#include <klaviyo/resources/template.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

namespace jsonapi = klaviyo::jsonapi;

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "fuzz_seed_documents: invariant violated: %s\n", what);
    std::abort();
}

template <class A>
void check(const jsonapi::resource<A>& r) {
    // relationships and links move out of `raw`: nothing is held twice.
    if (r.raw.contains("relationships") || r.raw.contains("links")) violated("raw keeps relationships or links");
    (void)r.self_link();
    (void)r.related_ids("lists");
}

template <class A>
void parse_as(std::string_view body) {
    try {
        auto d = jsonapi::parse_document<A>(body);
        check(d.data);
    } catch (const jsonapi::conversion_error& e) {
        (void)e.path();
    }
    try {
        auto p = jsonapi::parse_page<A>(body);
        for (const auto& r : p.data) check(r);
        (void)p.has_next();
    } catch (const jsonapi::conversion_error& e) {
        (void)e.path();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);

    // Every attributes type of the seed resources (resources/*.hpp).
    parse_as<klaviyo::account_attributes>(body);
    parse_as<klaviyo::campaign_attributes>(body);
    parse_as<klaviyo::event_attributes>(body);
    parse_as<klaviyo::image_attributes>(body);
    parse_as<klaviyo::list_attributes>(body);
    parse_as<klaviyo::metric_attributes>(body);
    parse_as<klaviyo::profile_attributes>(body);
    parse_as<klaviyo::segment_attributes>(body);
    parse_as<klaviyo::template_attributes>(body);

    // Error documents: lenient by contract. A throw here escapes the
    // fuzzer's callback and is reported as a crash.
    for (const auto& e : jsonapi::parse_errors(body)) {
        klaviyo::diagnostics d;
        d.http_status = static_cast<unsigned>(e.status);
        d.errors.push_back(e);
        (void)d.summary();
        (void)d.duplicate_profile_id();
    }
    return 0;
}
