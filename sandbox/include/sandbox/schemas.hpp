// klaviyo-sandbox: the spec's request and answer schemas of every operation,
// for tests: check a body or an answer against them, and build valid ones.
// The tables are compiled into the sandbox library once.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace sandbox {

/// Checks an answer of `operation_id` with HTTP `status` against the spec's
/// schema of that answer (null for an answer without content). Returns
/// empty when it is valid, else "<json pointer>: <what is wrong>".
std::string check_answer(std::string_view operation_id, unsigned status, const boost::json::value& answer);

/// Checks a request body of `operation_id` against its schema, as the
/// sandbox does when it receives one. Empty when valid.
std::string check_request(std::string_view operation_id, const boost::json::value& body);

/// A request body of `operation_id` that its schema accepts (null for an
/// operation without a JSON body); the same seed gives the same body.
boost::json::value sample_request(std::string_view operation_id, std::uint64_t seed);

/// An answer document of `operation_id` (its first success status) that the
/// schema accepts, built from `seed`: with `nulls`, null wherever the schema
/// allows it; without `optional_members`, only required members; with
/// `unknown_members`, members the schema does not name added to its objects.
/// With `branch` >= 0, every oneOf takes its alternative `branch` (modulo
/// their count) and a string-or-number member a numeric string (0), a number
/// (1) or any text (2); else they are chosen at random from `seed`.
boost::json::value sample_answer(std::string_view operation_id, std::uint64_t seed, bool nulls,
                                 bool optional_members, bool unknown_members, int branch = -1);

} // namespace sandbox
