// klaviyo-sandbox: the profile store and the profile endpoints.
#pragma once

#include "collection.hpp"
#include "filter.hpp"
#include "spec.hpp"
#include "wire.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace sandbox {

class profile_store {
public:
    explicit profile_store(unsigned seed = 1) : rng_(seed) {}

    static constexpr std::size_t payload_limit = 100 * 1024;

    void preload(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            json::object a;
            a["email"] = "sandbox+" + std::to_string(i) + "@example.com";
            a["first_name"] = "Profile" + std::to_string(i);
            insert(std::move(a));
        }
    }
    std::size_t size() const { return order_.size(); }

    // ------------------------------------------------------------ endpoints

    reply get_profiles(const request_view& r) {
        const auto& op = spec_of("get_profiles");
        auto filt = check_query(op, r);
        auto fields = requested_fields(r);
        auto additional = requested_additional(r);
        if (!filt && !r.param("sort")) // the whole collection in order: no copy (100,000-profile benchmarks)
            return {200, json::serialize(collection::paginate(r, op, order_.size(), [&](std::size_t i) {
                        return render(profiles_.at(order_[i]), r.base_url, fields, additional);
                    }))};
        std::vector<const std::string*> ids;
        for (const auto& id : order_) {
            const auto& p = profiles_.at(id);
            if (filt && !matches(*filt, [&](const std::string& field) -> const json::value* {
                    if (field == "id") return &p.id_value;
                    if (field == "_kx") return p.kx ? &*p.kx : nullptr;
                    return p.attributes.if_contains(field);
                }))
                continue;
            ids.push_back(&id);
        }
        if (auto* s = r.param("sort")) {
            std::string key = *s;
            bool desc = !key.empty() && key[0] == '-';
            if (desc) key.erase(0, 1);
            std::stable_sort(ids.begin(), ids.end(), [&](const std::string* a, const std::string* b) {
                auto val = [&](const std::string* id) -> std::string {
                    if (key == "id") return *id;
                    const auto* v = profiles_.at(*id).attributes.if_contains(key);
                    return v && v->is_string() ? std::string(v->get_string()) : std::string();
                };
                return desc ? val(b) < val(a) : val(a) < val(b);
            });
        }
        return {200, json::serialize(collection::paginate(r, op, ids.size(), [&](std::size_t i) {
                    return render(profiles_.at(*ids[i]), r.base_url, fields, additional);
                }))};
    }

    reply get_profile(const request_view& r, const std::string& id) {
        check_query(spec_of("get_profile"), r);
        auto fields = requested_fields(r);
        auto additional = requested_additional(r);
        bool include = r.param("include") != nullptr;
        const auto& p = find(id);
        json::object doc{{"data", render(p, r.base_url, fields, additional)},
                         {"links", json::object{{"self", r.base_url + "/api/profiles/" + id + "/"}}}};
        if (include) doc["included"] = json::array{};
        return {200, json::serialize(doc)};
    }

    reply create_profile(const request_view& r) {
        check_query(spec_of("create_profile"), r);
        auto fields = requested_fields(r);
        auto additional = requested_additional(r);
        auto& data = body_data(r, "profile", payload_limit);
        if (data.contains("id")) throw bad_request("'id' is not allowed when creating a profile", "/data/id");
        auto attrs = attributes(data);
        check_identifiers(attrs, true);
        if (auto dup = find_by_identifiers(attrs)) throw duplicate(*dup);
        auto& p = insert(attrs);
        return {201, json::serialize(json::object{{"data", render(p, r.base_url, fields, additional)}})};
    }

    reply update_profile(const request_view& r, const std::string& id) {
        check_query(spec_of("update_profile"), r);
        auto fields = requested_fields(r);
        auto additional = requested_additional(r);
        auto& data = body_data(r, "profile", payload_limit);
        const auto* did = data.if_contains("id");
        if (!did || !did->is_string()) throw bad_request("'id' is required", "/data/id");
        if (did->get_string() != id) {
            throw api_failure{409,
                              "conflict",
                              "Conflict.",
                              "The id in the body does not match the id in the URL.",
                              {{"pointer", "/data/id"}}};
        }
        auto& p = find(id);
        auto attrs = attributes(data);
        check_identifiers(attrs, false);
        if (auto dup = find_by_identifiers(attrs); dup && *dup != id) throw duplicate(*dup);
        apply(p, attrs, data.if_contains("meta"));
        return {200, json::serialize(json::object{{"data", render(p, r.base_url, fields, additional)}})};
    }

    reply import_profile(const request_view& r) {
        check_query(spec_of("create_or_update_profile"), r);
        auto fields = requested_fields(r);
        auto additional = requested_additional(r);
        auto& data = body_data(r, "profile", payload_limit);
        auto attrs = attributes(data);
        check_identifiers(attrs, false);
        std::optional<std::string> target;
        if (const auto* did = data.if_contains("id"); did && did->is_string()) {
            find(std::string(did->get_string()));
            target = std::string(did->get_string());
        } else {
            bool any = false;
            for (auto k : {"email", "phone_number", "external_id", "_kx"})
                if (const auto* v = attrs.if_contains(k); v && v->is_string()) any = true;
            if (!any)
                throw bad_request("One of 'id', 'email', 'phone_number', 'external_id' or '_kx' is required",
                                  "/data/attributes");
            target = find_by_identifiers(attrs);
        }
        if (target) {
            auto& p = profiles_.at(*target);
            apply(p, attrs, data.if_contains("meta"));
            return {200, json::serialize(json::object{{"data", render(p, r.base_url, fields, additional)}})};
        }
        auto& p = insert(attrs);
        apply(p, json::object{}, data.if_contains("meta"));
        return {201, json::serialize(json::object{{"data", render(p, r.base_url, fields, additional)}})};
    }

    // ------------------------------------------------------------ for the other resources

    bool contains(const std::string& id) const { return profiles_.count(id) != 0; }

    /// The profile the identifiers name (id, email, phone_number, external_id),
    /// created when none does and `create` is set. Throws a 4xx otherwise.
    std::string resolve(const json::object& data, bool create, const std::string& pointer) {
        if (const auto* id = data.if_contains("id"); id && id->is_string()) {
            if (!contains(std::string(id->get_string())))
                throw api_failure{404, "not_found", "Not found.", "Profile not found.", {{"pointer", pointer + "/id"}}};
            return std::string(id->get_string());
        }
        json::object attrs;
        if (const auto* a = data.if_contains("attributes"); a && a->is_object()) attrs = a->get_object();
        json::object ids;
        for (auto k : {"email", "phone_number", "external_id"})
            if (const auto* v = attrs.if_contains(k); v && v->is_string()) ids[k] = *v;
        if (ids.empty())
            throw bad_request("A profile identifier (id, email, phone_number or external_id) is required",
                              pointer + "/attributes");
        check_identifiers(ids, false);
        if (auto found = find_by_identifiers(ids)) return *found;
        if (!create) throw api_failure{404, "not_found", "Not found.", "Profile not found.", {{"pointer", pointer}}};
        return insert(ids).id;
    }

    /// Records a consent change: channel "email" / "sms", kind "marketing".
    void set_consent(const std::string& id, const std::string& channel, const std::string& consent,
                     const std::string& method) {
        auto& p = profiles_.at(id);
        auto& ch = object_at(p.subscriptions, channel);
        bool yes = consent == "SUBSCRIBED";
        ch["marketing"] =
            json::object{{channel == "email" ? "can_receive_email_marketing" : "can_receive_sms_marketing", yes},
                         {"consent", consent},
                         {"consent_timestamp", iso_now()},
                         {"last_updated", iso_now()},
                         {"method", method},
                         {"method_detail", nullptr}};
        p.attributes["updated"] = iso_now();
    }

    json::object render_one(const std::string& id, const std::string& base) const {
        return render(profiles_.at(id), base, {}, {});
    }

private:
    struct profile;

    static json::object subscriptions_of(const profile& p) {
        json::object subs{{"email", json::object{{"marketing", json::object{{"can_receive_email_marketing", false},
                                                                            {"consent", "NEVER_SUBSCRIBED"},
                                                                            {"consent_timestamp", nullptr},
                                                                            {"last_updated", nullptr},
                                                                            {"method", nullptr},
                                                                            {"method_detail", nullptr},
                                                                            {"custom_method_detail", nullptr},
                                                                            {"double_optin", nullptr},
                                                                            {"suppression", json::array{}},
                                                                            {"list_suppressions", json::array{}}}}}},
                          {"sms", nullptr},
                          {"mobile_push", nullptr}};
        for (const auto& [channel, state] : p.subscriptions) {
            if (subs[channel].is_object()) {
                for (const auto& [k, v] : state.as_object().at("marketing").as_object())
                    subs[channel].as_object()["marketing"].as_object()[k] = v;
            } else {
                subs[channel] = state;
            }
        }
        return subs;
    }

    struct profile {
        std::string id;
        json::value id_value; // id as a JSON string, for filters
        json::object attributes;
        std::optional<json::value> kx;
        json::object subscriptions; // channel -> {marketing: {...}}, as consent changed
    };

    static constexpr const char* all_attributes[] = {
        "email", "phone_number", "external_id", "first_name", "last_name",       "organization", "locale",
        "title", "image",        "created",     "updated",    "last_event_date", "location",     "properties"};
    static constexpr const char* writable[] = {"email",     "phone_number", "external_id", "first_name",
                                               "last_name", "organization", "locale",      "title",
                                               "image",     "location",     "properties",  "_kx"};

    profile& insert(json::object attrs) {
        profile p;
        p.id = new_ulid(rng_);
        p.id_value = json::value(p.id);
        if (auto* kx = attrs.if_contains("_kx")) {
            p.kx = *kx;
            attrs.erase("_kx");
        }
        for (auto k : all_attributes)
            if (!attrs.contains(k)) attrs[k] = nullptr;
        if (attrs["properties"].is_null()) attrs["properties"] = json::object{};
        if (attrs["location"].is_null()) attrs["location"] = json::object{};
        auto now = iso_now();
        attrs["created"] = now;
        attrs["updated"] = now;
        p.attributes = std::move(attrs);
        order_.push_back(p.id);
        auto id = p.id;
        for (auto k : {"email", "phone_number", "external_id"})
            if (const auto* v = p.attributes.if_contains(k); v && v->is_string())
                index_[std::string(k) + ":" + std::string(v->get_string())] = id;
        return profiles_.emplace(id, std::move(p)).first->second;
    }

    profile& find(const std::string& id) {
        auto it = profiles_.find(id);
        if (it == profiles_.end())
            throw api_failure{404,
                              "not_found",
                              "Not found.",
                              "A profile with id " + id + " does not exist.",
                              {{"pointer", "/data/id"}}};
        return it->second;
    }

    std::optional<std::string> find_by_identifiers(const json::object& attrs) const {
        for (auto k : {"email", "phone_number", "external_id"})
            if (const auto* v = attrs.if_contains(k); v && v->is_string())
                if (auto it = index_.find(std::string(k) + ":" + std::string(v->get_string())); it != index_.end())
                    return it->second;
        return std::nullopt;
    }

    void apply(profile& p, const json::object& attrs, const json::value* meta) {
        for (auto k : {"email", "phone_number", "external_id"})
            if (const auto* old = p.attributes.if_contains(k); old && old->is_string() && attrs.contains(k))
                index_.erase(std::string(k) + ":" + std::string(old->get_string()));
        for (const auto& [k, v] : attrs) {
            if (k == "_kx") {
                p.kx = v;
            } else if (k == "properties" && v.is_object()) {
                auto& props = object_at(p.attributes, "properties");
                for (const auto& [pk, pv] : v.get_object()) props[pk] = pv;
            } else if (k == "location" && v.is_object()) {
                auto& loc = object_at(p.attributes, "location");
                for (const auto& [lk, lv] : v.get_object()) loc[lk] = lv;
            } else {
                p.attributes[k] = v;
            }
        }
        if (meta && meta->is_object()) {
            if (const auto* pp = meta->get_object().if_contains("patch_properties"); pp && pp->is_object()) {
                auto& props = object_at(p.attributes, "properties");
                const auto& ops = pp->get_object();
                if (const auto* ap = ops.if_contains("append"); ap && ap->is_object())
                    for (const auto& [k, v] : ap->get_object()) {
                        auto& arr = props[k];
                        if (!arr.is_array()) arr = arr.is_null() ? json::array{} : json::array{arr};
                        if (v.is_array())
                            for (const auto& x : v.get_array()) arr.get_array().push_back(x);
                        else
                            arr.get_array().push_back(v);
                    }
                if (const auto* un = ops.if_contains("unappend"); un && un->is_object())
                    for (const auto& [k, v] : un->get_object())
                        if (auto* arr = props.if_contains(k); arr && arr->is_array()) {
                            auto& a = arr->get_array();
                            a.erase(std::remove(a.begin(), a.end(), v), a.end());
                        }
                if (const auto* us = ops.if_contains("unset")) {
                    if (us->is_string())
                        props.erase(us->get_string());
                    else if (us->is_array())
                        for (const auto& k : us->get_array())
                            if (k.is_string()) props.erase(k.get_string());
                }
            }
        }
        for (auto k : {"email", "phone_number", "external_id"})
            if (const auto* v = p.attributes.if_contains(k); v && v->is_string())
                index_[std::string(k) + ":" + std::string(v->get_string())] = p.id;
        p.attributes["updated"] = iso_now();
    }

    /// The object at obj[key], made one if it is not (emplace_object would empty it).
    static json::object& object_at(json::object& obj, std::string_view key) {
        auto& v = obj[key];
        if (!v.is_object()) v = json::object{};
        return v.get_object();
    }

    json::object render(const profile& p, const std::string& base, const std::vector<std::string>& fields,
                        const std::set<std::string>& additional) const {
        json::object attrs;
        if (fields.empty())
            attrs = p.attributes;
        else
            for (const auto& f : fields)
                if (const auto* v = p.attributes.if_contains(f)) attrs[f] = *v;
        if (additional.count("subscriptions")) attrs["subscriptions"] = subscriptions_of(p);
        if (additional.count("predictive_analytics"))
            attrs["predictive_analytics"] = json::object{{"historic_clv", nullptr},
                                                         {"predicted_clv", nullptr},
                                                         {"total_clv", nullptr},
                                                         {"churn_probability", nullptr}};
        std::string self = base + "/api/profiles/" + p.id + "/";
        auto rel = [&](const char* name) {
            return json::object{{"links", json::object{{"self", self + "relationships/" + name + "/"},
                                                       {"related", self + name + "/"}}}};
        };
        return json::object{{"type", "profile"},
                            {"id", p.id},
                            {"attributes", std::move(attrs)},
                            {"relationships", json::object{{"lists", rel("lists")}, {"segments", rel("segments")}}},
                            {"links", json::object{{"self", self}}}};
    }

    // ------------------------------------------------------------ request helpers
    // (query parameters are checked against the spec by check_query)

    static api_failure duplicate(const std::string& existing) {
        api_failure f{409,
                      "duplicate_profile",
                      "Conflict.",
                      "A profile already exists with one of these identifiers.",
                      {{"pointer", "/data/attributes"}}};
        f.meta = {{"duplicate_profile_id", existing}};
        return f;
    }

    /// Top-level attribute names of fields[profile] ("location.city" renders location).
    static std::vector<std::string> requested_fields(const request_view& r) {
        std::vector<std::string> out;
        if (auto* f = r.param("fields[profile]"))
            for (auto& name : split_csv(*f)) out.push_back(name.substr(0, name.find('.')));
        return out;
    }

    static std::set<std::string> requested_additional(const request_view& r) {
        std::set<std::string> out;
        if (auto* f = r.param("additional-fields[profile]"))
            for (auto& name : split_csv(*f)) out.insert(name);
        return out;
    }

    static json::object attributes(const json::object& data) {
        const auto* a = data.if_contains("attributes");
        if (!a || !a->is_object()) throw bad_request("'attributes' is required", "/data/attributes");
        json::object out;
        for (const auto& member : a->get_object()) {
            // Named, not a structured binding: clang 14 cannot capture one in a lambda.
            const auto k = member.key();
            const auto& v = member.value();
            bool known = std::any_of(std::begin(writable), std::end(writable), [&](const char* w) { return k == w; });
            if (!known)
                throw bad_request("'" + std::string(k) + "' is not a valid attribute",
                                  "/data/attributes/" + std::string(k));
            if (k == "properties" || k == "location") {
                if (!v.is_object() && !v.is_null())
                    throw bad_request("'" + std::string(k) + "' must be an object",
                                      "/data/attributes/" + std::string(k));
            } else if (!v.is_string() && !v.is_null()) {
                throw bad_request("'" + std::string(k) + "' must be a string", "/data/attributes/" + std::string(k));
            }
            out[k] = v;
        }
        return out;
    }

    static void check_identifiers(const json::object& attrs, bool require_one) {
        if (const auto* e = attrs.if_contains("email"); e && e->is_string() && !valid_email(e->get_string()))
            throw bad_request("Invalid email address", "/data/attributes/email");
        if (const auto* p = attrs.if_contains("phone_number"); p && p->is_string() && !valid_e164(p->get_string()))
            throw bad_request("Invalid phone number format (Example of a valid format: +12345678901)",
                              "/data/attributes/phone_number");
        if (require_one) {
            bool any = false;
            for (auto k : {"email", "phone_number", "external_id"})
                if (const auto* v = attrs.if_contains(k); v && v->is_string()) any = true;
            if (!any)
                throw bad_request("One of 'email', 'phone_number' or 'external_id' is required", "/data/attributes");
        }
    }

    std::mt19937 rng_;
    std::map<std::string, profile> profiles_;
    std::vector<std::string> order_;
    std::map<std::string, std::string> index_;
};

} // namespace sandbox
