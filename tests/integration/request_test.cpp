// Every operation's request is exactly what its descriptor states: for all
// 345, planned from a body generated from the spec's request schema
// (sandbox::sample_request, seeded) and an id that needs encoding. (Its own
// TU, apart from decode_test.cpp: each instantiates all 345 operations, and
// two TUs build on two cores.)
#include <sandbox/schemas.hpp>

#include <klaviyo/api/all.hpp>
#include <klaviyo/api/call.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

// g++ 12 at -O2 reports -Warray-bounds inside std::string's operator+ on the
// message strings below (a known false positive of that version, GCC bug 105651).
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif

namespace {

namespace api = klaviyo::api;
namespace json = boost::json;

/// The request every operation's descriptor plans: method, path with its
/// parameter encoded as one segment, the page size, the body's bytes, the
/// key withheld from /client/, idempotency and rate class as the spec says.
template <class Op>
void check_request(std::vector<std::string>& failures) {
    api::call_options o;
    if (!Op::path_parameter.empty()) o.id = "A/B c";
    if (Op::public_client) o.query.emplace_back("company_id", "PUB1");
    for (auto key : Op::facts.required_query)
        if (key != "company_id") o.query.emplace_back(std::string(key), "product_id"); // checked by name only
    if (Op::facts.filter_required) o.filter = std::string("has(") + std::string(Op::facts.filter.front().name) + ")";
    json::value body = sandbox::sample_request(Op::operation_id, 11);
    if constexpr (Op::body == api::body_kind::json) o.body = body;
    std::string where(Op::operation_id);
    auto p = api::plan<Op>(o);
    if constexpr (Op::body == api::body_kind::multipart) {
        if (p.ok()) failures.push_back(where + ": a multipart body planned through async_call");
        return;
    }
    if (!p.ok() && !(Op::facts.filter_required && p.invalid.find("filter") == 0)) {
        failures.push_back(where + ": refused: " + p.invalid);
        return;
    }
    if (!p.ok()) return; // a required filter whose first field takes no has(): checked in the unit tests
    std::string path(Op::path);
    if (auto brace = path.find('{'); brace != std::string::npos)
        path.replace(brace, path.find('}') - brace + 1, "A%2FB%20c");
    std::string target = p.target.substr(0, p.target.find('?'));
    if (p.method != Op::method) failures.push_back(where + ": method");
    if (target != path) failures.push_back(where + ": target " + p.target + ", expected the path " + path);
    if constexpr (Op::max_page_size > 0)
        if (p.target.find("page%5Bsize%5D=" + std::to_string(Op::max_page_size)) == std::string::npos)
            failures.push_back(where + ": no page[size] at the maximum: " + p.target);
    if constexpr (Op::body == api::body_kind::json) {
        if (json::parse(p.body) != body) failures.push_back(where + ": body bytes differ from the input");
    } else if (!p.body.empty()) {
        failures.push_back(where + ": a body where the operation takes none");
    }
    if (p.authorize == Op::public_client) failures.push_back(where + ": the key's presence");
    if (p.idempotent != (Op::idempotent == klaviyo::idempotency::idempotent)) failures.push_back(where + ": idempotency");
    if (p.rate != Op::rate) failures.push_back(where + ": rate class");
}

template <class... Ops>
void check_all_requests(std::vector<std::string>& failures, api::operation_list<Ops...>) {
    // A pack expansion in a braced list, not a fold: clang 14 caps a fold's
    // nesting at 256, and there are 345 operations.
    const int each[] = {(check_request<Ops>(failures), 0)...};
    (void)each;
}

} // namespace

BOOST_AUTO_TEST_SUITE(requests)

BOOST_AUTO_TEST_CASE(every_operation_plans_the_exact_request_its_descriptor_states) {
    std::vector<std::string> failures;
    check_all_requests(failures, api::all_operations{});
    std::string list;
    for (std::size_t i = 0; i < failures.size() && i < 40; ++i) list += "\n  " + failures[i];
    BOOST_TEST(failures.empty(), failures.size() << " failures:" << list);
}

BOOST_AUTO_TEST_SUITE_END()
