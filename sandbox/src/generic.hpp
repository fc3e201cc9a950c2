// klaviyo-sandbox: every operation the hand-written resources do not serve,
// on one generic JSON:API store driven by the spec's schemas.
//
// An operation is read from its method, its path and its schemas:
//   GET    /api/<things>                      list (filter, sort, cursor pages)
//   POST   /api/<things>                      create (a job also applies its items)
//   GET    /api/<things>/{id}                 get (a job moves on: queued, processing, complete)
//   PATCH  /api/<things>/{id}                 update
//   DELETE /api/<things>/{id}                 delete
//   GET    /api/<things>/{id}/<rel>           the related resources
//   *      /api/<things>/{id}/relationships/<rel>   list, add, replace, remove identifiers
//   anything else (reports, /client/ calls, queries, renders): an answer
//   built from the answer schema, the same for the same request.
// Every answer is built on a sample of its answer schema with what is stored
// laid over it member by member, a member only where it fits the schema: so
// it is valid against the spec whatever was stored.
#pragma once

#include "collection.hpp"
#include "schemas.hpp"

#include <boost/json/parse.hpp>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sandbox {

/// A JSON string's text (empty for anything else).
inline std::string text(const json::value& v) { return v.is_string() ? std::string(v.get_string()) : std::string(); }

class generic_store {
public:
    explicit generic_store(std::mt19937& rng) : rng_(rng) {}

    /// Serves operation `op` (its query already checked, `filter` parsed);
    /// `id` is the path parameter when there is one.
    reply handle(const op_spec& op, const request_view& r, const std::string& id,
                 const std::optional<filter_node>& filter) {
        const op_schemas s = schemas_of(op.id);
        check_body(op, s, r);
        const std::vector<std::string> seg = segments(op.path);
        const bool client = op.path.rfind("/client/", 0) == 0;
        const bool computed = client || op.id.rfind("query_", 0) == 0 || op.path.find("-reports") != std::string::npos ||
                              op.path.find("/render") != std::string::npos;
        if (!computed) {
            if (seg.size() == 1 && op.method == "GET") return list(op, s, r, filter);
            if (seg.size() == 1 && op.method == "POST") return create(op, s, r);
            if (seg.size() == 2 && op.method == "GET") return get(op, s, r, seg[0], id);
            if (seg.size() == 2 && op.method == "PATCH") return update(op, s, r, seg[0], id);
            if (seg.size() == 2 && op.method == "DELETE") return remove(op, s, seg[0], id);
            if (seg.size() == 3 && op.method == "GET") return related(op, s, r, seg[0], id, seg[2], filter);
            if (seg.size() == 4 && seg[2] == "relationships") return relationship(op, s, r, seg[0], id, seg[3]);
        }
        return computed_answer(op, s, r);
    }

    /// Stored resources per JSON:API type.
    std::map<std::string, std::size_t> counts() const {
        std::map<std::string, std::size_t> m;
        for (const auto& [type, b] : types_)
            if (!b.order.empty()) m[type] = b.order.size();
        return m;
    }

private:
    struct bucket {
        std::map<std::string, json::object> by_id; ///< type, id, attributes, relationships
        std::vector<std::string> order;
        bool seeded = false;
    };

    static std::vector<std::string> segments(std::string_view path) {
        std::vector<std::string> out;
        for (std::string_view p : {std::string_view("/api/"), std::string_view("/client/")})
            if (path.rfind(p, 0) == 0) path.remove_prefix(p.size());
        while (!path.empty()) {
            auto slash = path.find('/');
            out.emplace_back(path.substr(0, slash));
            if (slash == std::string_view::npos) break;
            path.remove_prefix(slash + 1);
        }
        return out;
    }

    static const schema::table& table_of(const op_schemas& s) {
        return s.answer ? *s.answer.in : *s.request.in;
    }

    /// The node of `data` in an answer (its item node when data is a list) and whether it is a list.
    static std::optional<std::pair<std::uint16_t, bool>> data_node(schema::ref answer) {
        if (!answer) return std::nullopt;
        auto d = member_node(*answer.in, answer.root, "data");
        if (!d) return std::nullopt;
        const auto& n = answer.in->nodes[*d];
        if (n.k == schema::kind::array) return std::pair{n.items, true};
        return std::pair{*d, false};
    }

    static std::string type_of(schema::ref answer) {
        auto d = data_node(answer);
        if (!d) return {};
        auto t = member_node(*answer.in, d->first, "type");
        return t ? first_enum(*answer.in, *t) : std::string();
    }

    void check_body(const op_spec& op, const op_schemas& s, const request_view& r) {
        if (!s.request) {
            if (!r.body.is_null() && op.method != "DELETE") throw bad_request("This endpoint takes no body", "/");
            return;
        }
        // The body's schema was checked before routing (server_impl.hpp).
        if (r.body.is_null()) throw bad_request("A request body is required", "/data");
    }

    std::uint64_t seed_of(std::string_view a, std::string_view b = {}) const {
        return std::hash<std::string_view>{}(a) * 31 + std::hash<std::string_view>{}(b);
    }

    /// A resource object for the node `at` of `t`: a sample, with what `stored`
    /// holds laid over it wherever it fits.
    json::object render(const schema::table& t, std::uint16_t at, const json::object& stored, const request_view& r,
                        std::string_view self_path) const {
        sample_options o;
        o.seed = seed_of(stored.contains("id") ? text(stored.at("id")) : "x");
        json::value base = sample({&t, at}, o);
        if (!base.is_object()) return {};
        auto& out = base.get_object();
        for (const char* k : {"type", "id"})
            if (const auto* v = stored.if_contains(k))
                if (auto n = member_node(t, at, k); n && !schema::check({&t, *n}, *v)) out[k] = *v;
        for (const char* part : {"attributes", "relationships"}) {
            const auto* from = stored.if_contains(part);
            auto n = member_node(t, at, part);
            if (!from || !from->is_object() || !n || !out.contains(part) || !out[part].is_object()) continue;
            auto& into = out[part].get_object();
            for (const auto& [k, v] : from->get_object())
                if (auto m = member_node(t, *n, k); m && !schema::check({&t, *m}, v)) into[k] = v;
            if (std::string_view(part) == "attributes")
                if (auto* f = r.param("fields[" + text(out["type"]) + "]")) {
                    json::object kept;
                    for (const auto& name : split_csv(*f))
                        if (auto* a = into.if_contains(name.substr(0, name.find('.')))) kept[name.substr(0, name.find('.'))] = *a;
                    into = std::move(kept);
                }
        }
        // Relationships nobody stored are left out where the schema lets
        // them be: a sampled identifier would point at nothing.
        if (auto n = member_node(t, at, "relationships"); n && out.contains("relationships") &&
                                                           out["relationships"].is_object()) {
            const auto* kept = stored.if_contains("relationships");
            auto& rels = out["relationships"].get_object();
            for (auto it = rels.begin(); it != rels.end();) {
                bool stored_rel = kept && kept->is_object() && kept->get_object().contains(it->key());
                if (!stored_rel && !required_member(t, *n, it->key()))
                    it = rels.erase(it);
                else
                    ++it;
            }
        }
        if (auto* links = out.if_contains("links"); links && links->is_object() && !self_path.empty())
            if (links->get_object().contains("self"))
                links->get_object()["self"] = r.base_url + std::string(self_path) + "/";
        return std::move(out);
    }

    /// Whether `name` is a required member of the object node `at`.
    static bool required_member(const schema::table& t, std::uint16_t at, std::string_view name) {
        const auto& n = t.nodes[at];
        if (n.k == schema::kind::all_of) {
            for (std::uint16_t i = 0; i < n.count; ++i)
                if (required_member(t, t.members[n.first + i].node, name)) return true;
            return false;
        }
        if (n.k != schema::kind::object) return false;
        for (std::uint16_t i = 0; i < n.count; ++i)
            if (t.members[n.first + i].name == name) return t.members[n.first + i].required;
        return false;
    }

    /// A whole answer document: the schema's required members sampled, `data` given.
    json::value document(schema::ref answer, json::value data, const request_view& r) const {
        sample_options o;
        o.seed = 7;
        o.optional_members = false;
        json::value doc = sample(answer, o);
        auto& d = doc.as_object();
        d["data"] = std::move(data);
        // Klaviyo sends the document's links whenever the schema has them.
        if (!d.contains("links") && member_node(*answer.in, answer.root, "links")) d["links"] = json::object{};
        if (auto* l = d.if_contains("links"); l && l->is_object()) {
            auto& links = l->get_object();
            links["self"] = r.base_url + std::string(r.path);
        }
        return doc;
    }

    static reply answer_of(const op_schemas& s, const json::value& doc) {
        if (!s.answer) return {s.status, {}};
        return {s.status, json::serialize(doc)};
    }

    bucket& bucket_of(const std::string& type) { return types_[type]; }

    json::object& store(const std::string& type, json::object resource) {
        auto& b = bucket_of(type);
        std::string id = text(resource.at("id"));
        if (!b.by_id.count(id)) b.order.push_back(id);
        return b.by_id[id] = std::move(resource);
    }

    json::object* find(const std::string& type, const std::string& id) {
        auto t = types_.find(type);
        if (t == types_.end()) return nullptr;
        auto it = t->second.by_id.find(id);
        return it == t->second.by_id.end() ? nullptr : &it->second;
    }

    json::object& get_or_404(const std::string& type, const std::string& id) {
        if (auto* o = find(type, id)) return *o;
        throw api_failure{404,
                          "not_found",
                          "Not found.",
                          "A " + type + " with id " + id + " does not exist.",
                          {{"parameter", "id"}}};
    }

    /// Fills an empty collection with a few resources built from its schema,
    /// once: what Klaviyo's account would hold for types the API cannot create.
    void seed(const std::string& type, const schema::table& t, std::uint16_t item) {
        auto& b = bucket_of(type);
        if (b.seeded || !b.order.empty()) return;
        b.seeded = true;
        for (int i = 0; i < 3; ++i) {
            sample_options o;
            o.seed = seed_of(type, std::to_string(i));
            json::value v = sample({&t, item}, o);
            if (!v.is_object()) continue;
            auto& res = v.get_object();
            res["type"] = type;
            // A generated id, unless the schema names the ids (mapped
            // metrics are "revenue", "viewed_product", ...): then the sample's.
            json::value fresh = json::string(new_ulid(rng_));
            if (auto n = member_node(t, item, "id"); !n || !schema::check({&t, *n}, fresh)) res["id"] = fresh;
            if (find(type, text(res["id"]))) continue;
            stamp(res, true);
            store(type, std::move(res));
        }
    }

    /// A resource of `type` with `id` that the store lacks, built from the
    /// schema node `at`: what the account holds behind an identifier.
    json::object& materialize(const std::string& type, const std::string& id, const schema::table& t,
                              std::uint16_t at) {
        if (auto* o = find(type, id)) return *o;
        sample_options o;
        o.seed = seed_of(type, id);
        json::value v = sample({&t, at}, o);
        if (!v.is_object()) v = json::object{};
        auto& res = v.get_object();
        res["type"] = type;
        res["id"] = id;
        stamp(res, true);
        return store(type, std::move(res));
    }

    /// created / updated timestamps where a resource has them.
    static void stamp(json::object& res, bool creating) {
        auto& attrs = res["attributes"];
        if (!attrs.is_object()) attrs = json::object{};
        auto now = iso_now();
        for (const char* k : {"updated", "updated_at"})
            attrs.get_object()[k] = now;
        if (creating)
            for (const char* k : {"created", "created_at"})
                if (!attrs.get_object().contains(k)) attrs.get_object()[k] = now;
    }

    static const json::value* lookup(const json::object& res, const std::string& field) {
        if (field == "id" || field == "ids") return res.if_contains("id");
        const json::value* cur = res.if_contains("attributes");
        std::string_view rest = field;
        while (cur && cur->is_object()) {
            auto dot = rest.find('.');
            const json::value* next = cur->get_object().if_contains(rest.substr(0, dot));
            if (!next || dot == std::string_view::npos) {
                if (next) return next;
                break;
            }
            cur = next;
            rest.remove_prefix(dot + 1);
        }
        // "item.id": the identifier of a to-one relationship
        auto dot = field.find('.');
        if (dot == std::string::npos) return nullptr;
        const auto* rel = res.if_contains("relationships");
        if (!rel || !rel->is_object()) return nullptr;
        const auto* r = rel->get_object().if_contains(field.substr(0, dot));
        if (!r || !r->is_object()) return nullptr;
        const auto* d = r->get_object().if_contains("data");
        if (!d || !d->is_object()) return nullptr;
        return d->get_object().if_contains(field.substr(dot + 1));
    }

    reply page_of(const op_spec& op, const op_schemas& s, const request_view& r,
                  const std::vector<const json::object*>& rows, const schema::table& t, std::uint16_t item,
                  std::string_view collection_path) {
        std::vector<const json::object*> sorted = rows;
        if (auto* sp = r.param("sort")) {
            std::string key = *sp;
            bool desc = !key.empty() && key[0] == '-';
            if (desc) key.erase(0, 1);
            auto text = [&](const json::object* o) {
                const auto* v = lookup(*o, key);
                return !v ? std::string() : v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
            };
            std::stable_sort(sorted.begin(), sorted.end(), [&](auto* a, auto* b) {
                return desc ? text(b) < text(a) : text(a) < text(b);
            });
        }
        json::object paged = collection::paginate(r, op, sorted.size(), [&](std::size_t i) {
            std::string path = std::string(collection_path) + "/" + text(sorted[i]->at("id"));
            return render(t, item, *sorted[i], r, path);
        });
        json::value doc = document(s.answer, std::move(paged["data"]), r);
        include_related(s.answer, doc, r);
        if (auto* l = doc.as_object().if_contains("links"); l && l->is_object()) {
            auto& links = l->get_object();
            auto& from = paged["links"].as_object();
            links["self"] = from["self"];
            links["next"] = from.contains("next") ? from["next"] : json::value(nullptr);
            links["prev"] = from.contains("prev") ? from["prev"] : json::value(nullptr);
        }
        return answer_of(s, doc);
    }

    reply list(const op_spec& op, const op_schemas& s, const request_view& r, const std::optional<filter_node>& f) {
        auto d = data_node(s.answer);
        std::string type = type_of(s.answer);
        if (!d || type.empty()) return computed_answer(op, s, r);
        const auto& t = *s.answer.in;
        seed(type, t, d->first);
        std::vector<const json::object*> rows;
        auto& b = bucket_of(type);
        for (const auto& id : b.order) {
            const auto& res = b.by_id.at(id);
            if (f && !matches(*f, [&](const std::string& field) { return lookup(res, field); })) continue;
            rows.push_back(&res);
        }
        return page_of(op, s, r, rows, t, d->first, op.path);
    }

    reply create(const op_spec& op, const op_schemas& s, const request_view& r) {
        const auto& data = r.body.at("data");
        if (!data.is_object()) return computed_answer(op, s, r); // a list of identifiers or items
        json::object res;
        std::string type = text(data.at("type"));
        res["type"] = type;
        res["id"] = new_ulid(rng_);
        if (const auto* a = data.get_object().if_contains("attributes"); a && a->is_object())
            res["attributes"] = *a;
        if (const auto* rel = data.get_object().if_contains("relationships"); rel && rel->is_object())
            res["relationships"] = *rel;
        stamp(res, true);
        const bool job = type.size() > 4 && type.compare(type.size() - 4, 4, "-job") == 0;
        if (job) {
            res["attributes"].get_object()["status"] = "queued";
            apply_job_items(res);
        }
        std::string id = text(res["id"]);
        auto& stored = store(type, std::move(res));
        if (const auto* rel = stored.if_contains("relationships"); rel && rel->is_object())
            for (const auto& [name, v] : rel->get_object())
                if (const auto* rd = v.is_object() ? v.get_object().if_contains("data") : nullptr)
                    relations_[key(type, id, name)] = rd->is_array() ? rd->get_array() : json::array{*rd};
        auto d = data_node(s.answer);
        if (!d || d->second) return answer_of(s, nullptr);
        std::string path = std::string(op.path) + "/" + id;
        return answer_of(s, document(s.answer, render(*s.answer.in, d->first, stored, r, path), r));
    }

    /// A bulk job's items ({"items": {"data": [...]}} and the like): created,
    /// updated or deleted as the job says, and related to the job.
    void apply_job_items(json::object& job) {
        const std::string job_type = text(job["type"]);
        const std::string job_id = text(job["id"]);
        auto& attrs = job["attributes"].get_object();
        std::size_t total = 0;
        for (auto& [name, v] : attrs) {
            const auto* d = v.is_object() ? v.get_object().if_contains("data") : nullptr;
            if (!d || !d->is_array()) continue;
            json::array ids;
            for (const auto& item : d->get_array()) {
                if (!item.is_object() || !item.get_object().contains("type")) continue;
                ++total;
                json::object res = item.get_object();
                std::string type = text(res["type"]);
                if (job_type.find("-delete-") != std::string::npos) {
                    if (const auto* iid = res.if_contains("id"); iid && iid->is_string())
                        if (auto t = types_.find(type); t != types_.end()) {
                            std::string k(iid->get_string());
                            if (t->second.by_id.erase(k))
                                t->second.order.erase(std::find(t->second.order.begin(), t->second.order.end(), k));
                        }
                    continue;
                }
                if (!res.contains("id")) res["id"] = new_ulid(rng_);
                std::string iid = text(res["id"]);
                if (auto* existing = find(type, iid)) {
                    if (const auto* a = res.if_contains("attributes"); a && a->is_object())
                        for (const auto& [k, x] : a->get_object()) (*existing)["attributes"].get_object()[k] = x;
                    stamp(*existing, false);
                } else {
                    stamp(res, true);
                    store(type, std::move(res));
                }
                ids.push_back(json::object{{"type", type}, {"id", iid}});
            }
            relations_[key(job_type, job_id, name)] = std::move(ids);
        }
        attrs["total_count"] = total;
        attrs["completed_count"] = 0;
        attrs["failed_count"] = 0;
    }

    reply get(const op_spec& op, const op_schemas& s, const request_view& r, const std::string& things,
              const std::string& id) {
        auto d = data_node(s.answer);
        std::string type = type_of(s.answer);
        if (!d || type.empty() || d->second) return computed_answer(op, s, r);
        // What the API can neither list nor create (a campaign's recipient
        // estimation, an allowlist) exists for any id the account knows.
        auto& res = listed_or_created(things) ? get_or_404(type, id) : materialize(type, id, *s.answer.in, d->first);
        // A job moves on each time it is read: queued, processing, complete.
        if (auto* a = res.if_contains("attributes"); a && a->is_object())
            if (auto* st = a->get_object().if_contains("status"); st && st->is_string()) {
                auto& attrs = a->get_object();
                if (st->get_string() == "queued") *st = "processing";
                else if (st->get_string() == "processing") {
                    *st = "complete";
                    attrs["completed_count"] = attrs.contains("total_count") ? attrs["total_count"] : json::value(0);
                    attrs["completed_at"] = iso_now();
                }
            }
        std::string path = "/api/" + things + "/" + id;
        json::value doc = document(s.answer, render(*s.answer.in, d->first, res, r, path), r);
        include_related(s.answer, doc, r);
        return answer_of(s, doc);
    }

    reply update(const op_spec&, const op_schemas& s, const request_view& r, const std::string& things,
                 const std::string& id) {
        const auto& data = r.body.at("data").as_object();
        std::string type = text(data.at("type"));
        if (const auto* bid = data.if_contains("id"); bid && bid->is_string() && bid->get_string() != id)
            throw api_failure{409,
                              "conflict",
                              "Conflict.",
                              "The id in the body does not match the id in the URL.",
                              {{"pointer", "/data/id"}}};
        auto& res = get_or_404(type, id);
        if (const auto* a = data.if_contains("attributes"); a && a->is_object()) {
            auto& attrs = res["attributes"];
            if (!attrs.is_object()) attrs = json::object{};
            for (const auto& [k, v] : a->get_object()) attrs.get_object()[k] = v;
        }
        if (const auto* rel = data.if_contains("relationships"); rel && rel->is_object())
            for (const auto& [name, v] : rel->get_object()) {
                auto& rels = res["relationships"];
                if (!rels.is_object()) rels = json::object{};
                rels.get_object()[name] = v; // replaced as given
                if (const auto* rd = v.is_object() ? v.get_object().if_contains("data") : nullptr)
                    relations_[key(type, id, name)] = rd->is_array() ? rd->get_array() : json::array{*rd};
            }
        stamp(res, false);
        auto d = data_node(s.answer);
        if (!d || d->second) return answer_of(s, nullptr);
        return answer_of(s, document(s.answer, render(*s.answer.in, d->first, res, r, "/api/" + things + "/" + id), r));
    }

    reply remove(const op_spec&, const op_schemas& s, const std::string& things, const std::string& id) {
        std::string type = type_by_path(things);
        if (type.empty()) type = things;
        get_or_404(type, id);
        auto& b = bucket_of(type);
        b.by_id.erase(id);
        b.order.erase(std::find(b.order.begin(), b.order.end(), id));
        return {s.status, {}};
    }

    /// The type served at /api/<things>/{id}, from the spec's get operations.
    std::string type_by_path(const std::string& things) const {
        static const std::map<std::string, std::string> by_path = [] {
            std::map<std::string, std::string> m;
            for (const auto& [opid, spec] : spec_index()) {
                if (spec.method != "GET") continue;
                auto seg = segments(spec.path);
                if (seg.size() != 2) continue;
                auto t = type_of(schemas_of(opid).answer);
                if (!t.empty()) m.emplace(seg[0], t);
            }
            return m;
        }();
        auto it = by_path.find(things);
        return it == by_path.end() ? std::string() : it->second;
    }

    /// include=<rel>,...: each resource's related resources of those
    /// relations, in `included` (once each) and named in its relationships.
    void include_related(schema::ref answer, json::value& doc, const request_view& r) {
        const auto* inc = r.param("include");
        auto included_node = member_node(*answer.in, answer.root, "included");
        if (!inc || !included_node) return;
        const auto& t = *answer.in;
        const auto& items = t.nodes[t.nodes[*included_node].items];
        json::array included;
        std::set<std::string> seen;
        auto add = [&](json::value& res) {
            if (!res.is_object()) return;
            auto& o = res.get_object();
            std::string type = text(o["type"]), id = text(o["id"]);
            for (const auto& rel : split_csv(*inc)) {
                json::array ids = relations_[key(type, id, rel)];
                // Named in the resource's relationships where the schema has the relation.
                if (auto* relationships = o.if_contains("relationships"); relationships && relationships->is_object())
                    if (auto dn = data_node(answer))
                        if (auto rn = member_node(t, dn->first, "relationships"))
                            if (auto one = member_node(t, *rn, rel)) {
                                json::value named = relationships->get_object().contains(rel)
                                                        ? relationships->get_object()[rel]
                                                        : json::value(json::object{});
                                if (named.is_object()) {
                                    named.get_object()["data"] = ids;
                                    if (schema::check({&t, *one}, named) && !ids.empty())
                                        named.get_object()["data"] = ids.front();
                                    if (!schema::check({&t, *one}, named)) relationships->get_object()[rel] = named;
                                }
                            }
                for (const auto& ident : ids) {
                    std::string it = text(ident.at("type")), iid = text(ident.at("id"));
                    if (!seen.insert(it + "|" + iid).second) continue;
                    // The included schema is a oneOf of the types that may come: render with that type's.
                    for (std::uint16_t a = 0; a < items.count || (items.k != schema::kind::one_of && a == 0); ++a) {
                        std::uint16_t alt = items.k == schema::kind::one_of ? t.members[items.first + a].node
                                                                            : t.nodes[*included_node].items;
                        auto tn = member_node(t, alt, "type");
                        if (!tn || first_enum(t, *tn) != it) continue;
                        included.push_back(render(t, alt, materialize(it, iid, t, alt), r, "/api/" + rel + "/" + iid));
                        break;
                    }
                }
            }
        };
        auto& data = doc.as_object()["data"];
        if (data.is_array())
            for (auto& x : data.get_array()) add(x);
        else
            add(data);
        doc.as_object()["included"] = std::move(included);
    }

    /// Whether the spec has a list or a create operation for /api/<things>.
    static bool listed_or_created(const std::string& things) {
        for (const auto& [opid, spec] : spec_index()) {
            auto seg = segments(spec.path);
            if (seg.size() == 1 && seg[0] == things && (spec.method == "GET" || spec.method == "POST")) return true;
        }
        return false;
    }

    static std::string key(const std::string& type, const std::string& id, const std::string& rel) {
        return type + "|" + id + "|" + rel;
    }

    /// The parent of a related or relationship endpoint: its type, checked
    /// to exist when the generic store holds that type (the hand-written
    /// resources, profiles say, keep their own).
    std::string parent(const std::string& things, const std::string& id) {
        std::string type = type_by_path(things);
        if (type.empty()) type = things;
        static const std::set<std::string> hand_written = {"profile", "list",     "segment", "template", "campaign",
                                                           "campaign-message", "image", "metric", "event", "account"};
        if (hand_written.count(type)) return type;
        auto t = types_.find(type);
        if (t != types_.end() && !t->second.order.empty()) get_or_404(type, id);
        return type;
    }

    reply related(const op_spec& op, const op_schemas& s, const request_view& r, const std::string& things,
                  const std::string& id, const std::string& rel, const std::optional<filter_node>& f) {
        std::string ptype = parent(things, id);
        auto d = data_node(s.answer);
        std::string type = type_of(s.answer);
        if (!d || type.empty()) return computed_answer(op, s, r);
        const auto& t = *s.answer.in;
        auto& ids = relations_[key(ptype, id, rel)];
        if (ids.empty() && !seeded_relations_.count(key(ptype, id, rel))) {
            // A relation nobody set: the account has one related resource.
            seeded_relations_.insert(key(ptype, id, rel));
            json::value fresh = json::string(new_ulid(rng_));
            if (auto n = member_node(t, d->first, "id"); n && schema::check({&t, *n}, fresh)) {
                sample_options o;
                o.seed = seed_of(ptype + id, rel);
                fresh = sample({&t, *n}, o);
            }
            ids.push_back(json::object{{"type", type}, {"id", fresh}});
        }
        std::vector<const json::object*> rows;
        for (const auto& ident : ids) {
            const auto& o = ident.as_object();
            // An identifier of something the store lacks: the account has it.
            const auto& res = materialize(text(o.at("type")), text(o.at("id")), t, d->first);
            if (!f || matches(*f, [&](const std::string& field) { return lookup(res, field); })) rows.push_back(&res);
        }
        std::string coll = "/api/" + rel;
        if (d->second) return page_of(op, s, r, rows, t, d->first, coll);
        if (rows.empty()) throw api_failure{404, "not_found", "Not found.", "The related resource does not exist.", {}};
        std::string path = coll + "/" + text(rows.front()->at("id"));
        return answer_of(s, document(s.answer, render(t, d->first, *rows.front(), r, path), r));
    }

    reply relationship(const op_spec& op, const op_schemas& s, const request_view& r, const std::string& things,
                       const std::string& id, const std::string& rel) {
        std::string ptype = parent(things, id);
        auto& ids = relations_[key(ptype, id, rel)];
        if (op.method != "GET") {
            json::array given;
            if (r.body.is_object())
                if (const auto* d = r.body.get_object().if_contains("data"))
                    given = d->is_array() ? d->get_array() : json::array{*d};
            auto same = [](const json::value& a, const json::value& b) {
                return a.as_object().at("type") == b.as_object().at("type") &&
                       a.as_object().at("id") == b.as_object().at("id");
            };
            if (op.method == "PATCH") ids = given;
            for (const auto& g : given) {
                if (!g.is_object() || !g.get_object().contains("id")) continue;
                auto it = std::find_if(ids.begin(), ids.end(), [&](const json::value& x) { return same(x, g); });
                if (op.method == "POST" && it == ids.end()) ids.push_back(g);
                if (op.method == "DELETE" && it != ids.end()) ids.erase(it);
            }
            return answer_of(s, computed_document(op, s, r));
        }
        auto d = data_node(s.answer);
        if (!d) return computed_answer(op, s, r);
        const auto& t = *s.answer.in;
        json::array out;
        for (const auto& ident : ids) {
            auto n = d->first;
            json::object o{{"type", ident.as_object().at("type")}, {"id", ident.as_object().at("id")}};
            if (!schema::check({&t, n}, o)) out.push_back(std::move(o));
        }
        if (d->second) {
            std::vector<json::object> objs;
            for (auto& o : out) objs.push_back(o.as_object());
            json::object paged = collection::paginate(r, op, objs.size(), [&](std::size_t i) { return objs[i]; });
            json::value doc = document(s.answer, std::move(paged["data"]), r);
            if (auto* l = doc.as_object().if_contains("links"); l && l->is_object()) {
                auto& from = paged["links"].as_object();
                l->get_object()["next"] = from.contains("next") ? from["next"] : json::value(nullptr);
            }
            return answer_of(s, doc);
        }
        if (out.empty()) return answer_of(s, computed_document(op, s, r));
        return answer_of(s, document(s.answer, out.front(), r));
    }

    json::value computed_document(const op_spec& op, const op_schemas& s, const request_view& r) const {
        sample_options o;
        o.seed = seed_of(op.id, r.raw_body ? std::string_view(*r.raw_body) : std::string_view());
        return sample(s.answer, o);
    }

    /// Reports, queries, /client/ calls and anything else: deterministic, in
    /// the shape of the answer schema.
    reply computed_answer(const op_spec& op, const op_schemas& s, const request_view& r) {
        return answer_of(s, computed_document(op, s, r));
    }

    std::mt19937& rng_;
    std::map<std::string, bucket> types_;
    std::map<std::string, json::array> relations_; ///< "type|id|rel" -> identifiers
    std::set<std::string> seeded_relations_;       ///< relations given their one resource
};

} // namespace sandbox
