// Every operation's result type decodes what the spec allows Klaviyo to
// send: for each of the 345 operations, documents generated from its answer
// schema (sandbox::sample_answer, seeded) with every nullable member null,
// with every optional member absent, and with members the schema does not
// name. Each decodes without an issue, and the typed data names the same
// resources as the JSON.
#include <sandbox/schemas.hpp>

#include <klaviyo/api/all.hpp>
#include <klaviyo/api/call.hpp>

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <type_traits>
#include <vector>

namespace {

namespace api = klaviyo::api;
namespace json = boost::json;

/// The ids of a document's data, in order.
std::vector<std::string> ids_in(const json::value& doc) {
    std::vector<std::string> out;
    const auto* d = doc.as_object().if_contains("data");
    if (!d || d->is_null()) return out; // a to-one relation that is not set
    auto one = [&](const json::value& x) {
        // An id the schema lets be null or absent (a profile being created) reads as empty.
        const auto* o = x.if_object();
        const auto* id = o ? o->if_contains("id") : nullptr;
        out.emplace_back(id && id->is_string() ? std::string(id->get_string()) : std::string());
    };
    if (d->is_array())
        for (const auto& x : d->get_array()) one(x);
    else
        one(*d);
    return out;
}

template <class Result>
std::vector<std::string> ids_in(const Result& r) {
    std::vector<std::string> out;
    if constexpr (requires { r.data.has_value(); }) {
        if (r.data) out.push_back(r.data->id);
    } else {
        for (const auto& x : r.data) out.push_back(x.id);
    }
    return out;
}

template <class Result>
std::size_t issues_in(const Result& r) {
    std::size_t n = 0;
    if constexpr (requires { r.data.has_value(); }) {
        if (r.data) n += r.data->issues.size();
    } else {
        for (const auto& x : r.data) n += x.issues.size();
    }
    return n;
}

struct counts {
    std::size_t operations = 0, documents = 0, typed = 0;
    std::vector<std::string> failures;
};

template <class Op>
void decode_every_variant(counts& c) {
    ++c.operations;
    const char* variants[] = {"every nullable member null", "every optional member absent", "unknown members"};
    for (int v = 0; v < 3; ++v) {
        for (std::uint64_t seed = 1; seed <= 3; ++seed) {
            json::value doc = sandbox::sample_answer(Op::operation_id, seed * 7 + v, v == 0, v != 1, v == 2);
            if (doc.is_null()) continue; // an answer without content (202, 204)
            std::string where = std::string(Op::operation_id) + " (" + variants[v] + ")";
            if (auto invalid = sandbox::check_answer(Op::operation_id, Op::facts.success.front(), doc); !invalid.empty()) {
                c.failures.push_back(where + ": the generated document is not valid: " + invalid);
                continue;
            }
            ++c.documents;
            klaviyo::http_response r;
            r.status = Op::facts.success.front();
            r.body = json::serialize(doc);
            try {
                auto result = klaviyo::detail::result_parser<typename Op::result>::parse(r);
                if (result.body != doc) c.failures.push_back(where + ": the raw document was not kept");
                if constexpr (!std::is_same_v<typename Op::result, api::document>) {
                    ++c.typed;
                    if (ids_in(result) != ids_in(doc)) c.failures.push_back(where + ": the typed data has other ids");
                    if (auto n = issues_in(result))
                        c.failures.push_back(where + ": " + std::to_string(n) + " members did not decode");
                }
            } catch (const std::exception& e) {
                c.failures.push_back(where + ": " + e.what());
            }
        }
    }
}

template <class... Ops>
void decode_all(counts& c, api::operation_list<Ops...>) {
    (decode_every_variant<Ops>(c), ...);
}

} // namespace

BOOST_AUTO_TEST_SUITE(decode)

BOOST_AUTO_TEST_CASE(every_result_type_decodes_every_document_its_schema_allows) {
    counts c;
    decode_all(c, api::all_operations{});
    std::string list;
    for (std::size_t i = 0; i < c.failures.size() && i < 40; ++i) list += "\n  " + c.failures[i];
    BOOST_TEST(c.failures.empty(), c.failures.size() << " failures:" << list);
    BOOST_TEST(c.operations == 345u);
    BOOST_TEST_MESSAGE(c.documents << " documents decoded, " << c.typed << " into typed data");
    // Of the spec's 345 operations, 279 answer with JSON:API data (typed: api::single
    // or api::collection) and 66 without content; 3 variants of 3 seeds each.
    BOOST_TEST(c.typed == c.documents);
    BOOST_TEST(c.documents == 279u * 9);
}

BOOST_AUTO_TEST_SUITE_END()
