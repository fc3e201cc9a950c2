// Fuzz target: the input is the body of a 2xx answer, decoded into the typed
// result of every generated operation (api/all.hpp).
//
// The contract (api/result.hpp, api/call.hpp): a body that is JSON always
// decodes, whatever its shape; only a body that is not JSON throws, and then
// jsonapi::conversion_error (the client turns it into api_error). Anything
// else that escapes, a crash or a sanitizer report is a bug.
//
// The 345 descriptors name 120 distinct result types; each is decoded once
// per JSON input (the status is only copied, so one status per type is
// enough; 201, 202 and 204 go through api::document, the type of 202/204
// answers).
#include <klaviyo/api/all.hpp>
#include <klaviyo/api/call.hpp>
#include <klaviyo/error.hpp>

#include <boost/mp11/algorithm.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

namespace api = klaviyo::api;
namespace json = boost::json;
namespace mp11 = boost::mp11;

template <class Op>
using result_of = typename Op::result;

// Each distinct Op::result once, wrapped so that the visit constructs nothing.
using result_types =
    mp11::mp_transform<mp11::mp_identity, mp11::mp_unique<mp11::mp_transform<result_of, api::all_operations>>>;

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "fuzz_result: invariant violated: %s\n", what);
    std::abort();
}

// What the decoded value must agree with, checked against the JSON it came from.
template <class A>
void check(const api::single<A>& r) {
    const json::value* data = nullptr;
    if (const auto* o = r.body.if_object()) data = o->if_contains("data");
    if (r.data.has_value() != (data && !data->is_null())) violated("single: data present iff body.data is non-null");
}

template <class A>
void check(const api::collection<A>& r) {
    const json::value* data = nullptr;
    if (const auto* o = r.body.if_object()) data = o->if_contains("data");
    const std::size_t expected = data && data->is_array() ? data->get_array().size() : 0;
    if (r.data.size() != expected) violated("collection: one resource per element of body.data");
    for (const auto& res : r.data)
        for (const auto& issue : res.issues)
            if (issue.member.empty()) violated("collection: an issue names its member");
}

void check(const api::document&) {}

template <class Result>
void decode(const klaviyo::http_response& answer, bool json_ok) {
    try {
        Result r = klaviyo::detail::result_parser<Result>::parse(answer);
        if (!json_ok) violated("a body that is not JSON decoded");
        if (r.status != answer.status) violated("the status is kept");
        check(r);
        (void)r.next_link();
    } catch (const klaviyo::jsonapi::conversion_error&) {
        if (json_ok) violated("a JSON body was refused");
    } catch (const klaviyo::api_error&) {
        // Allowed by the contract, though no parser throws it today.
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    klaviyo::http_response answer;
    answer.status = 200;
    answer.body.assign(reinterpret_cast<const char*>(data), size);

    // What the parsers should decide, found independently: an empty body
    // is "no document" and decodes; otherwise it must be JSON.
    boost::system::error_code ec;
    if (!answer.body.empty()) (void)json::parse(answer.body, ec);
    const bool json_ok = !ec;

    if (json_ok) {
        mp11::mp_for_each<result_types>([&](auto type) { decode<typename decltype(type)::type>(answer, json_ok); });
    } else {
        // Text that is not JSON is refused by parse_document() (api/call.hpp)
        // before any type-specific code runs: one type of each shape proves
        // it, at a hundredth of the cost of 120 thrown exceptions per input.
        decode<api::single<api::attributes::profile>>(answer, json_ok);
        decode<api::collection<api::attributes::profile>>(answer, json_ok);
    }
    for (unsigned status : {201u, 202u, 204u}) {
        answer.status = status;
        decode<api::document>(answer, json_ok);
    }
    return 0;
}
