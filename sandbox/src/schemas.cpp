// klaviyo-sandbox: the one translation unit that compiles the generated
// schema table, and what is built on it.
#include "schemas.hpp"

#include "schema_table.hpp"

#include <sandbox/schemas.hpp>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace sandbox {

namespace {

constexpr const schema::table& table = schemas::schema_table;

schema::ref root(std::uint16_t at) { return at == schemas::none ? schema::ref{} : schema::ref{&table, at}; }

class sampler {
public:
    explicit sampler(const sample_options& o) : o_(o), rng_(o.seed) {}

    json::value value(const schema::table& t, std::uint16_t at, int depth) {
        const schema::node& n = t.nodes[at];
        if (o_.nulls && (n.flags & schema::nullable) && depth > 0) return nullptr;
        if (n.enum_count) return enum_value(t, n);
        switch (n.k) {
        case schema::kind::object: return object(t, n, depth);
        case schema::kind::array: {
            json::array a;
            // Deep recursion (a recursive schema) ends in an empty array.
            std::size_t count = depth > 12 ? 0 : 1 + pick(2);
            for (std::size_t i = 0; i < count; ++i) a.push_back(value(t, n.items, depth + 1));
            return a;
        }
        case schema::kind::one_of:
        case schema::kind::any_of:
            if (n.count == 0) return json::object{};
            return value(t, t.members[n.first + (o_.branch ? *o_.branch % n.count : pick(n.count))].node, depth);
        case schema::kind::all_of: {
            json::object merged;
            for (std::uint16_t i = 0; i < n.count; ++i) {
                json::value part = value(t, t.members[n.first + i].node, depth);
                if (auto* o = part.if_object())
                    for (auto& [k, v] : *o) merged[k] = std::move(v);
            }
            return merged;
        }
        case schema::kind::string: return string(n);
        case schema::kind::integer: return static_cast<std::int64_t>(1 + pick(100));
        case schema::kind::number: return 1.5 + static_cast<double>(pick(100));
        case schema::kind::boolean: return pick(2) == 0;
        case schema::kind::string_or_number:
            // The schema says "string": any text is allowed, not only digits.
            switch (o_.branch ? *o_.branch % 3 : pick(2)) {
            case 0: return "40.7128";
            case 1: return -74.006;
            default: return "any text at all";
            }
        default: return json::object{};
        }
    }

private:
    std::size_t pick(std::size_t n) { return n <= 1 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }

    json::value enum_value(const schema::table& t, const schema::node& n) {
        std::string_view e = t.enums[n.enum_first + pick(n.enum_count)];
        if (e == "n") {
            // A null member of an enum: take a real value when there is one.
            for (std::uint16_t i = 0; i < n.enum_count; ++i)
                if (t.enums[n.enum_first + i] != "n") e = t.enums[n.enum_first + i];
        }
        switch (e.front()) {
        case 's': return json::string(e.substr(1));
        case 'b': return e == "btrue";
        case 'i': return static_cast<std::int64_t>(std::stoll(std::string(e.substr(1))));
        default: return nullptr;
        }
    }

    json::value object(const schema::table& t, const schema::node& n, int depth) {
        json::object o;
        for (std::uint16_t i = 0; i < n.count; ++i) {
            const schema::member& m = t.members[n.first + i];
            const schema::node& mn = t.nodes[m.node];
            bool hidden = o_.request ? (mn.flags & schema::read_only) : (mn.flags & schema::write_only);
            if (!m.required && (hidden || !o_.optional_members || depth > 12)) continue;
            o[m.name] = value(t, m.node, depth + 1);
        }
        if (o_.unknown_members && n.count > 0) o["x_sandbox_unknown"] = json::object{{"kept", true}};
        return o;
    }

    json::value string(const schema::node& n) {
        switch (n.fmt) {
        case schema::format::date_time: return "2026-07-15T12:00:00+00:00";
        case schema::format::date: return "2026-07-15";
        case schema::format::time: return "12:00:00";
        case schema::format::uri: return json::string("https://example.com/sandbox/" + std::to_string(pick(1000)));
        case schema::format::email: return json::string("sample" + std::to_string(pick(1000)) + "@example.com");
        default: return json::string("sample-" + std::to_string(pick(100000)));
        }
    }

    sample_options o_;
    std::mt19937_64 rng_;
};

} // namespace

op_schemas schemas_of(std::string_view operation_id) {
    for (const auto& s : schemas::operations)
        if (s.operation_id == operation_id)
            return {root(s.request), s.status0, root(s.answer0), s.status1, root(s.answer1)};
    throw std::out_of_range("no operation " + std::string(operation_id));
}

json::value sample(schema::ref s, const sample_options& o) {
    if (!s) return nullptr;
    sampler g(o);
    return g.value(*s.in, s.root, 0);
}

std::optional<std::uint16_t> member_node(const schema::table& t, std::uint16_t at, std::string_view name) {
    const schema::node& n = t.nodes[at];
    switch (n.k) {
    case schema::kind::object:
        for (std::uint16_t i = 0; i < n.count; ++i)
            if (t.members[n.first + i].name == name) return t.members[n.first + i].node;
        return std::nullopt;
    case schema::kind::all_of:
        for (std::uint16_t i = 0; i < n.count; ++i)
            if (auto m = member_node(t, t.members[n.first + i].node, name)) return m;
        return std::nullopt;
    case schema::kind::one_of:
    case schema::kind::any_of:
        if (n.count) return member_node(t, t.members[n.first].node, name);
        return std::nullopt;
    default: return std::nullopt;
    }
}

std::string first_enum(const schema::table& t, std::uint16_t at) {
    const schema::node& n = t.nodes[at];
    for (std::uint16_t i = 0; i < n.enum_count; ++i) {
        std::string_view e = t.enums[n.enum_first + i];
        if (e.front() == 's') return std::string(e.substr(1));
    }
    if ((n.k == schema::kind::one_of || n.k == schema::kind::any_of) && n.count)
        return first_enum(t, t.members[n.first].node);
    return {};
}

// ------------------------------------------------------------------ public

namespace {
std::string describe(const std::optional<schema::violation>& v) {
    if (!v) return {};
    return (v->pointer.empty() ? std::string("/") : v->pointer) + ": " + v->message;
}
} // namespace

std::string check_answer(std::string_view operation_id, unsigned status, const json::value& answer) {
    op_schemas s = schemas_of(operation_id);
    schema::ref r = status == s.status ? s.answer : status == s.other_status ? s.other_answer : schema::ref{};
    if (status != s.status && status != s.other_status)
        return "status " + std::to_string(status) + " is not a success status of " + std::string(operation_id);
    if (!r) return answer.is_null() ? std::string() : std::string("this answer has no content in the spec");
    return describe(schema::check(r, answer));
}

std::string check_request(std::string_view operation_id, const json::value& body) {
    return describe(schema::check(schemas_of(operation_id).request, body));
}

json::value sample_request(std::string_view operation_id, std::uint64_t seed) {
    sample_options o;
    o.seed = seed;
    o.request = true;
    return sample(schemas_of(operation_id).request, o);
}

json::value sample_answer(std::string_view operation_id, std::uint64_t seed, bool nulls, bool optional_members,
                          bool unknown_members, int branch) {
    sample_options o;
    if (branch >= 0) o.branch = static_cast<unsigned>(branch);
    o.seed = seed;
    o.nulls = nulls;
    o.optional_members = optional_members;
    o.unknown_members = unknown_members;
    op_schemas s = schemas_of(operation_id);
    return sample(s.answer, o);
}

} // namespace sandbox
