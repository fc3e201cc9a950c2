// The decode share of pagination CPU (benchmark 2): parse_page into typed
// profiles, 100 per page, as a page of GET /api/profiles comes. Count its
// instructions with callgrind to compare two versions of the decoder:
//   valgrind --tool=callgrind ./decode_page 100
// (benchmarks/NOTES.md has the figures.)
#include <klaviyo/resources/profile.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <chrono>
#include <cstdio>
#include <string>
int main(int argc, char** argv) {
    int iters = argc > 1 ? std::atoi(argv[1]) : 2000;
    std::string page = R"({"data":[)";
    for (int i = 0; i < 100; ++i) {
        if (i) page += ",";
        page += R"({"type":"profile","id":"01P)" + std::to_string(i) +
                R"(","attributes":{"email":"p)" + std::to_string(i) +
                R"(@example.com","phone_number":"+15005550006","external_id":null,"first_name":"Ada","last_name":"Lovelace","organization":"Analytical","locale":"en-US","title":"Engineer","image":null,"created":"2026-01-01T00:00:00+00:00","updated":"2026-01-02T00:00:00+00:00","last_event_date":null,"location":{"address1":"1 Main St","address2":null,"city":"London","country":"UK","latitude":"51.5","longitude":-0.12,"region":null,"zip":"N1","timezone":"Europe/London","ip":null},"properties":{"plan":"gold","n":3}},"relationships":{"lists":{"links":{"self":"x","related":"y"}}},"links":{"self":"https://a.klaviyo.com/api/profiles/01P"}})";
    }
    page += R"(],"links":{"self":"s","next":"https://a.klaviyo.com/api/profiles?page%5Bcursor%5D=abc","prev":null}})";
    std::size_t total = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; ++i) total += klaviyo::jsonapi::parse_page<klaviyo::profile_attributes>(page).data.size();
    auto us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%zu resources, %.1f us per page\n", total, us / iters);
}
