// klaviyo-cpp: the JSON schemas of Klaviyo's spec as compact compile-time
// tables (the check of a value against one is in schema_check.hpp; this
// header stays light because every generated tag header includes it).
//
// scripts/schema_table.py flattens the spec's schemas into three arrays per
// table (nodes, members, enum values); each generated tag header holds the
// table of its operations' request bodies, so a body is checked before it
// is sent. The sandbox holds the table of every request and response and
// checks with the same function, so the client and the sandbox agree on
// what a valid body is.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace klaviyo::api::schema {

/// What JSON a node describes. one_of / any_of / all_of hold alternatives;
/// string_or_number accepts either (the overlay marks the members that need it).
enum class kind : std::uint8_t {
    any, object, array, string, integer, number, boolean, one_of, any_of, all_of, string_or_number
};

/// The `format` of a string node.
enum class format : std::uint8_t { none, date_time, date, time, uri, email, uuid, binary };

/// Node flags.
inline constexpr std::uint8_t nullable = 1;   ///< null is accepted
inline constexpr std::uint8_t read_only = 2;  ///< only in answers
inline constexpr std::uint8_t write_only = 4; ///< only in requests

/// One schema. `first`/`count` index the table's members (an object's
/// members, or the alternatives of one_of / any_of / all_of); `items` is an
/// array's item node; `enum_first`/`enum_count` index the enum values.
struct node {
    kind k;             ///< what JSON the node describes
    std::uint8_t flags; ///< nullable, read_only and write_only, or-ed
    format fmt;         ///< the `format` of a string node; none otherwise
    ///@{
    /// Indices into the table's arrays. `first`/`count`: the members or
    /// alternatives; `items`: an array's item node; `enum_first`/`enum_count`: the enum values.
    std::uint16_t first, count, items, enum_first, enum_count;
    ///@}
};

/// An object member (or, with an empty name, an alternative).
struct member {
    std::string_view name; ///< the member's JSON name; empty for an alternative
    std::uint16_t node;    ///< index in table::nodes of the member's (or alternative's) schema
    bool required;         ///< the object must have this member
};

/// The arrays of one generated table. Enum values are tagged by JSON type:
/// "s<string>", "b<true|false>", "i<integer>", "n" (null).
struct table {
    std::span<const schema::node> nodes;     ///< every schema; a ref names one by index
    std::span<const schema::member> members; ///< object members and alternatives, as node::first/count index them
    std::span<const std::string_view> enums; ///< enum values, as node::enum_first/enum_count index them
};

/// A node of a table: what a descriptor's request_schema names.
struct ref {
    const schema::table* in = nullptr; ///< the table holding the node; null when there is no schema (no JSON body)
    std::uint16_t root = 0;            ///< index of the node in `in->nodes`
    /// Whether there is a schema to check against.
    explicit constexpr operator bool() const noexcept { return in != nullptr; }
};

} // namespace klaviyo::api::schema
