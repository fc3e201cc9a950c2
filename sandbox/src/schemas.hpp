// klaviyo-sandbox: the spec's schemas of every request and answer (the
// generated schema_table.hpp, compiled in schemas.cpp only: it is large),
// walking them, and building values that satisfy them.
#pragma once

#include <klaviyo/api/schema_check.hpp>

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace sandbox {

namespace json = boost::json;
namespace schema = klaviyo::api::schema;

/// An operation's schema roots (see schema_table.hpp).
struct op_schemas {
    schema::ref request;               ///< empty without a JSON body
    unsigned status = 0;               ///< the first success status
    schema::ref answer;                ///< empty when that status has no content
    unsigned other_status = 0;         ///< a second success status (201 beside 200), or 0
    schema::ref other_answer;
};

/// The roots of `operation_id`; throws std::out_of_range for an unknown id.
op_schemas schemas_of(std::string_view operation_id);

/// How sample() fills a value.
struct sample_options {
    std::uint64_t seed = 1;
    bool optional_members = true; ///< members that are not required (else left out)
    bool nulls = false;           ///< null wherever the schema allows it
    bool unknown_members = false; ///< add members the schema does not name (to objects with members)
    bool request = false;         ///< leave out readOnly members (else writeOnly ones)
    /// When set, every one_of / any_of takes alternative `branch` modulo its count (else one at random), and a
    /// string-or-number member a numeric string, a number or any text for 0, 1, 2.
    std::optional<unsigned> branch{};
};

/// A value that satisfies the schema `s` names: the same options give the
/// same value. Enum members take one of their values, formats a valid
/// string, one_of / any_of one alternative, all_of the merge of all.
json::value sample(schema::ref s, const sample_options& o);

/// The node of member `name` of the object node `at` (looking through
/// all_of, and into the first alternative of one_of / any_of), or nothing.
std::optional<std::uint16_t> member_node(const schema::table& t, std::uint16_t at, std::string_view name);

/// The first string value of an enum node (a JSON:API `type`), or empty.
std::string first_enum(const schema::table& t, std::uint16_t at);

} // namespace sandbox
