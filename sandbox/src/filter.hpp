// klaviyo-sandbox: Klaviyo's `filter` query language, parsed and evaluated.
//
//   filter   := call
//   call     := name '(' args ')'
//   and(...) takes calls; every other operator takes a field and a value:
//   value    := 'string' | "string" | [value, ...] | number | true | false | null | bare-datetime
#pragma once

#include <boost/json/value.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox {

namespace json = boost::json;

struct filter_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct filter_node {
    std::string op;                    // equals, any, contains, ..., and
    std::string field;                 // empty for and
    json::value value;                 // empty for and
    std::vector<filter_node> children; // for and
};

/// Which operators each field accepts, e.g. {"email", {"any","equals"}}.
using filter_rules = std::vector<std::pair<std::string, std::set<std::string>>>;

class filter_parser {
public:
    explicit filter_parser(std::string_view s) : s_(s) {}

    filter_node parse() {
        auto n = call();
        skip_ws();
        if (pos_ != s_.size()) fail("unexpected text after the expression");
        return n;
    }

private:
    [[noreturn]] void fail(const std::string& what) {
        throw filter_error("Invalid filter provided: " + what + " at position " + std::to_string(pos_));
    }
    void skip_ws() {
        while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
    }
    bool eat(char c) {
        skip_ws();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    std::string ident() {
        skip_ws();
        auto start = pos_;
        while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
                                    s_[pos_] == '-' || s_[pos_] == '.'))
            ++pos_;
        if (start == pos_) fail("expected a name");
        return std::string(s_.substr(start, pos_ - start));
    }
    filter_node call() {
        filter_node n;
        n.op = ident();
        if (!eat('(')) fail("expected '('");
        if (n.op == "and") {
            do n.children.push_back(call());
            while (eat(','));
        } else {
            n.field = ident();
            if (n.op == "has") { // has(profile): a field, no value
                if (!eat(')')) fail("expected ')'");
                return n;
            }
            if (!eat(',')) fail("expected ','");
            n.value = value();
        }
        if (!eat(')')) fail("expected ')'");
        return n;
    }
    json::value value() {
        skip_ws();
        if (pos_ >= s_.size()) fail("expected a value");
        char c = s_[pos_];
        if (c == '\'' || c == '"') {
            ++pos_;
            std::string out;
            while (pos_ < s_.size() && s_[pos_] != c) out += s_[pos_++];
            if (pos_ >= s_.size()) fail("unterminated string");
            ++pos_;
            return json::value(out);
        }
        if (c == '[') {
            ++pos_;
            json::array arr;
            if (!eat(']')) {
                do arr.push_back(value());
                while (eat(','));
                if (!eat(']')) fail("expected ']'");
            }
            return arr;
        }
        auto start = pos_;
        while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != ')' && s_[pos_] != ']') ++pos_;
        std::string tok(s_.substr(start, pos_ - start));
        while (!tok.empty() && tok.back() == ' ') tok.pop_back();
        if (tok == "true") return true;
        if (tok == "false") return false;
        if (tok == "null") return nullptr;
        if (tok.empty()) fail("expected a value");
        char* end = nullptr;
        double d = std::strtod(tok.c_str(), &end);
        if (end && *end == '\0') return d;
        return json::value(tok); // a bare datetime such as 2024-01-01T00:00:00Z
    }

    std::string_view s_;
    std::size_t pos_ = 0;
};

/// Checks every (field, operator) pair against what the endpoint documents.
inline void check_rules(const filter_node& n, const filter_rules& rules) {
    if (n.op == "and") {
        for (const auto& c : n.children) check_rules(c, rules);
        return;
    }
    static const std::set<std::string> known = {"equals",        "any",          "contains",  "starts-with",
                                                "ends-with",     "greater-than", "less-than", "greater-or-equal",
                                                "less-or-equal", "has"};
    if (!known.count(n.op)) throw filter_error("Invalid filter provided: unknown operator '" + n.op + "'");
    for (const auto& [field, ops] : rules)
        if (field == n.field) {
            if (!ops.count(n.op))
                throw filter_error("Invalid filter provided: operator '" + n.op + "' is not supported for field '" +
                                   n.field + "'");
            if (n.op == "any" && !n.value.is_array()) throw filter_error("Invalid filter provided: 'any' takes a list");
            return;
        }
    throw filter_error("Invalid filter provided: filtering on field '" + n.field + "' is not supported");
}

namespace detail {
inline int compare(const json::value& a, const json::value& b) {
    if (a.is_string() && b.is_string()) return a.get_string().compare(b.get_string()) < 0 ? -1 : (a == b ? 0 : 1);
    if (a.is_number() && b.is_number()) {
        double x = a.to_number<double>(), y = b.to_number<double>();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    return a == b ? 0 : 2; // 2: not comparable
}
} // namespace detail

/// Evaluates a filter against a field lookup (returns nullptr when absent).
template <class Lookup>
bool matches(const filter_node& n, const Lookup& lookup) {
    if (n.op == "and")
        return std::all_of(n.children.begin(), n.children.end(), [&](const auto& c) { return matches(c, lookup); });
    const json::value* v = lookup(n.field);
    if (n.op == "has") return v && !v->is_null();
    if (!v || v->is_null()) return n.op == "equals" && n.value.is_null();
    if (n.op == "equals") {
        if (n.value.is_array()) // equals(id,['x']) reads as membership, as in the spec's examples
            return std::any_of(n.value.get_array().begin(), n.value.get_array().end(),
                               [&](const auto& x) { return detail::compare(*v, x) == 0; });
        return detail::compare(*v, n.value) == 0;
    }
    if (n.op == "any")
        return std::any_of(n.value.get_array().begin(), n.value.get_array().end(),
                           [&](const auto& x) { return detail::compare(*v, x) == 0; });
    if (v->is_string() && n.value.is_string()) {
        std::string_view hay = v->get_string(), needle = n.value.get_string();
        if (n.op == "contains") return hay.find(needle) != std::string_view::npos;
        if (n.op == "starts-with") return hay.substr(0, needle.size()) == needle;
        if (n.op == "ends-with") return hay.size() >= needle.size() && hay.substr(hay.size() - needle.size()) == needle;
    }
    int c = detail::compare(*v, n.value);
    if (c == 2) return false;
    if (n.op == "greater-than") return c > 0;
    if (n.op == "less-than") return c < 0;
    if (n.op == "greater-or-equal") return c >= 0;
    if (n.op == "less-or-equal") return c <= 0;
    return false;
}

} // namespace sandbox
