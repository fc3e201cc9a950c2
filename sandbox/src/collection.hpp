// klaviyo-sandbox: a generic in-memory JSON:API collection. Each resource
// type states its attribute rules; create, get, list (filter, sort, sparse
// fields, cursor pages), update and delete follow from them.
#pragma once

#include "spec.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace sandbox {

enum class kind { string, boolean, number, object, array, any };

struct attribute_rule {
    std::string name;
    kind type = kind::string;
    bool required = false;             ///< on create
    std::vector<std::string> one_of{}; ///< allowed string values
    bool writable_on_update = true;
};

struct record {
    std::string id;
    json::value id_value;
    json::object attributes;
    json::object relationships; // rendered as is
    json::object hidden;        // kept for filters and behaviour, never rendered
};

struct resource_schema {
    std::string type;      ///< JSON:API type, e.g. "list"
    std::string self_path; ///< e.g. "/api/lists/"
    std::vector<attribute_rule> attributes;
    std::vector<std::string> defaults_null{}; ///< attributes rendered as null when unset
    bool timestamps = true;                   ///< created/updated
    std::string created_name = "created", updated_name = "updated";
    std::function<void(record&)> on_create = nullptr;
    std::function<void(const json::object& attrs, bool creating)> check = nullptr;
};

inline std::string new_ulid(std::mt19937& rng) {
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    std::string id = "01K";
    std::uniform_int_distribution<int> d(0, 31);
    for (int i = 0; i < 23; ++i) id += alphabet[d(rng)];
    return id;
}

class collection {
public:
    collection(resource_schema s, std::mt19937& rng) : schema_(std::move(s)), rng_(&rng) {}

    const resource_schema& schema() const { return schema_; }
    std::size_t size() const { return order_.size(); }

    record* find(const std::string& id) {
        auto it = records_.find(id);
        return it == records_.end() ? nullptr : &it->second;
    }
    record& get_or_404(const std::string& id) {
        if (auto* r = find(id)) return *r;
        throw api_failure{404,
                          "not_found",
                          "Not found.",
                          "A " + schema_.type + " with id " + id + " does not exist.",
                          {{"pointer", "/data/id"}}};
    }
    template <class F>
    void for_each(F f) {
        for (const auto& id : order_) f(records_.at(id));
    }

    /// Validates and stores a new record from `data` (a JSON:API resource object).
    record& create(const json::object& data, std::string forced_id = {}) {
        auto attrs = attributes_of(data, true);
        record r;
        r.id = forced_id.empty() ? new_ulid(*rng_) : std::move(forced_id);
        r.id_value = json::value(r.id);
        for (const auto& n : schema_.defaults_null)
            if (!attrs.contains(n)) attrs[n] = nullptr;
        r.attributes = std::move(attrs);
        if (schema_.timestamps) {
            auto now = iso_now();
            r.attributes[schema_.created_name] = now;
            r.attributes[schema_.updated_name] = now;
        }
        if (schema_.on_create) schema_.on_create(r);
        order_.push_back(r.id);
        auto id = r.id;
        return records_.emplace(id, std::move(r)).first->second;
    }

    /// PATCH semantics: present attributes replace, null clears, absent stay.
    record& update(const std::string& id, const json::object& data) {
        const auto* did = data.if_contains("id");
        if (!did || !did->is_string()) throw bad_request("'id' is required", "/data/id");
        if (did->get_string() != id)
            throw api_failure{409,
                              "conflict",
                              "Conflict.",
                              "The id in the body does not match the id in the URL.",
                              {{"pointer", "/data/id"}}};
        auto& r = get_or_404(id);
        for (const auto& [k, v] : attributes_of(data, false)) r.attributes[k] = v;
        if (schema_.timestamps) r.attributes[schema_.updated_name] = iso_now();
        return r;
    }

    void remove(const std::string& id) {
        get_or_404(id);
        records_.erase(id);
        order_.erase(std::find(order_.begin(), order_.end(), id));
    }

    json::object render(const record& r, const request_view& v) const {
        json::object attrs;
        if (auto* f = v.param("fields[" + schema_.type + "]")) {
            for (const auto& name : split_csv(*f)) {
                auto root = name.substr(0, name.find('.'));
                if (const auto* a = r.attributes.if_contains(root)) attrs[root] = *a;
            }
        } else {
            attrs = r.attributes;
        }
        json::object o{{"type", schema_.type}, {"id", r.id}, {"attributes", std::move(attrs)}};
        if (!r.relationships.empty()) o["relationships"] = r.relationships;
        o["links"] = json::object{{"self", v.base_url + schema_.self_path + r.id + "/"}};
        return o;
    }

    json::object document(const record& r, const request_view& v) const {
        return json::object{{"data", render(r, v)},
                            {"links", json::object{{"self", v.base_url + schema_.self_path + r.id + "/"}}}};
    }

    /// One page of the records `keep` accepts, filtered and sorted per the request.
    json::object page(const request_view& v, const op_spec& op, const std::optional<filter_node>& filter,
                      const std::function<bool(const record&)>& keep = nullptr) {
        std::vector<const record*> rows;
        for (const auto& id : order_) {
            const auto& r = records_.at(id);
            if (keep && !keep(r)) continue;
            if (filter && !matches(*filter, [&](const std::string& f) { return lookup(r, f); })) continue;
            rows.push_back(&r);
        }
        if (auto* s = v.param("sort")) {
            std::string key = *s;
            bool desc = !key.empty() && key[0] == '-';
            if (desc) key.erase(0, 1);
            std::stable_sort(rows.begin(), rows.end(), [&](const record* a, const record* b) {
                auto va = sort_key(*a, key), vb = sort_key(*b, key);
                return desc ? vb < va : va < vb;
            });
        }
        return paginate(v, op, rows.size(), [&](std::size_t i) { return render(*rows[i], v); });
    }

    /// Cursor pagination over `count` items, `item(i)` rendering one.
    static json::object paginate(const request_view& v, const op_spec& op, std::size_t count,
                                 const std::function<json::object(std::size_t)>& item) {
        std::size_t size = spec_page_size(op, v);
        std::size_t offset = 0;
        if (auto* c = v.param("page[cursor]")) {
            offset = read_cursor(*c);
            if (offset == std::string::npos) throw bad_parameter("Invalid page cursor", "page[cursor]");
        }
        json::array data;
        for (std::size_t i = offset; i < count && i < offset + size; ++i) data.push_back(item(i));
        json::object links{{"self", link(v, std::nullopt)}};
        if (offset + size < count) links["next"] = link(v, offset + size);
        if (offset > 0) links["prev"] = link(v, offset >= size ? offset - size : 0);
        return json::object{{"data", std::move(data)}, {"links", std::move(links)}};
    }

    static std::string link(const request_view& r, std::optional<std::size_t> offset) {
        std::string out = r.base_url + std::string(r.path);
        char sep = '?';
        auto add = [&](std::string_view k, std::string_view val) {
            out += sep;
            sep = '&';
            out += query_encode(k) + "=" + query_encode(val);
        };
        for (const auto& [k, val] : r.params)
            if (k != "page[cursor]") add(k, val);
        if (offset && *offset > 0)
            add("page[cursor]", make_cursor(*offset));
        else if (!offset)
            if (auto* c = r.param("page[cursor]")) add("page[cursor]", *c);
        return out;
    }

    static const json::value* lookup(const record& r, const std::string& field) {
        if (field == "id") return &r.id_value;
        if (const auto* h = r.hidden.if_contains(field)) return h;
        const json::value* cur = nullptr;
        const json::object* obj = &r.attributes;
        std::string_view rest = field;
        while (obj) {
            auto dot = rest.find('.');
            cur = obj->if_contains(rest.substr(0, dot));
            if (!cur || dot == std::string_view::npos) return cur;
            rest.remove_prefix(dot + 1);
            obj = cur->if_object();
        }
        return nullptr;
    }

private:
    static std::string sort_key(const record& r, const std::string& key) {
        const auto* v = lookup(r, key);
        if (!v) return {};
        if (v->is_string()) return std::string(v->get_string());
        return json::serialize(*v);
    }

    json::object attributes_of(const json::object& data, bool creating) const {
        const auto* a = data.if_contains("attributes");
        if (!a || !a->is_object()) throw bad_request("'attributes' is required", "/data/attributes");
        const auto& in = a->get_object();
        json::object out;
        for (const auto& member : in) {
            // Named, not a structured binding: clang 14 cannot capture one in a lambda.
            const auto k = member.key();
            const auto& v = member.value();
            auto it = std::find_if(schema_.attributes.begin(), schema_.attributes.end(),
                                   [&](const auto& rule) { return rule.name == k; });
            std::string pointer = "/data/attributes/" + std::string(k);
            if (it == schema_.attributes.end() || (!creating && !it->writable_on_update))
                throw bad_request("'" + std::string(k) + "' is not a valid attribute", pointer);
            if (!v.is_null()) {
                bool ok = true;
                switch (it->type) {
                case kind::string:
                    ok = v.is_string();
                    break;
                case kind::boolean:
                    ok = v.is_bool();
                    break;
                case kind::number:
                    ok = v.is_number();
                    break;
                case kind::object:
                    ok = v.is_object();
                    break;
                case kind::array:
                    ok = v.is_array();
                    break;
                case kind::any:
                    break;
                }
                if (!ok) throw bad_request("'" + std::string(k) + "' has the wrong type", pointer);
                if (!it->one_of.empty() &&
                    std::find(it->one_of.begin(), it->one_of.end(), std::string(v.as_string())) == it->one_of.end())
                    throw bad_request("'" + std::string(v.as_string()) + "' is not a valid value for '" +
                                          std::string(k) + "'",
                                      pointer);
            } else if (creating && it->required) {
                throw bad_request("'" + std::string(k) + "' must not be null", pointer);
            }
            out[k] = v;
        }
        if (creating)
            for (const auto& rule : schema_.attributes)
                if (rule.required && !in.contains(rule.name))
                    throw bad_request("'" + rule.name + "' is a required field", "/data/attributes/" + rule.name);
        if (schema_.check) schema_.check(out, creating);
        return out;
    }

    resource_schema schema_;
    std::mt19937* rng_;
    std::map<std::string, record> records_;
    std::vector<std::string> order_;
};

/// `data` of a JSON:API body, checked for shape and type.
inline const json::object& body_data(const request_view& r, std::string_view type,
                                     std::size_t limit = 5 * 1024 * 1024) {
    if (r.body_size > limit)
        throw api_failure{413,
                          "payload_too_large",
                          "Payload too large.",
                          "The maximum allowed payload size is " + std::to_string(limit / 1024) + "KB.",
                          {{"pointer", "/"}}};
    if (!r.body.is_object()) throw bad_request("The request body must be a JSON object", "/");
    const auto* d = r.body.get_object().if_contains("data");
    if (!d || !d->is_object()) throw bad_request("'data' is required and must be an object", "/data");
    const auto* t = d->get_object().if_contains("type");
    if (!t || !t->is_string() || t->get_string() != type)
        throw api_failure{409,
                          "conflict",
                          "Conflict.",
                          "The type in the body must be '" + std::string(type) + "'.",
                          {{"pointer", "/data/type"}}};
    return d->get_object();
}

} // namespace sandbox
