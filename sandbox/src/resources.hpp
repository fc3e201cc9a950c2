// klaviyo-sandbox: every resource the seed's actions use, beyond profiles:
// accounts, lists (and membership), segments, templates, campaigns and their
// messages, images (URL and multipart upload), metrics, events (single and
// bulk) and subscription jobs.
#pragma once

#include "collection.hpp"
#include "profiles.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <map>
#include <set>

namespace sandbox {

class world {
public:
    world(profile_store& profiles, std::mt19937& rng)
        : profiles_(profiles), lists_(list_schema(), rng), segments_(segment_schema(), rng),
          templates_(template_schema(), rng), campaigns_(campaign_schema(), rng), messages_(message_schema(), rng),
          images_(image_schema(), rng), metrics_(metric_schema(), rng), events_(event_schema(), rng) {}

    collection& lists() { return lists_; }
    collection& events() { return events_; }
    collection& metrics() { return metrics_; }
    std::size_t list_size(const std::string& id) const {
        auto it = members_.find(id);
        return it == members_.end() ? 0 : it->second.size();
    }

    // ------------------------------------------------------------ accounts

    reply get_accounts(const request_view& r) {
        check_query(spec_of("get_accounts"), r);
        return {200, json::serialize(json::object{{"data", json::array{account(r)}},
                                                  {"links", json::object{{"self", r.base_url + "/api/accounts"}}}})};
    }
    reply get_account(const request_view& r, const std::string& id) {
        check_query(spec_of("get_account"), r);
        if (id != account_id) throw not_found("account", id);
        return {200, json::serialize(json::object{{"data", account(r)}})};
    }

    // ------------------------------------------------------------ generic CRUD

    reply create(collection& c, const std::string& op, const request_view& r, std::size_t limit = 5 * 1024 * 1024) {
        check_query(spec_of(op), r);
        auto& rec = c.create(body_data(r, c.schema().type, limit));
        return {201, json::serialize(json::object{{"data", c.render(rec, r)}})};
    }
    reply get(collection& c, const std::string& op, const request_view& r, const std::string& id) {
        check_query(spec_of(op), r);
        auto doc = c.document(c.get_or_404(id), r);
        add_counts(c, doc["data"].as_object(), r);
        return {200, json::serialize(doc)};
    }
    reply list(collection& c, const std::string& op, const request_view& r) {
        auto filter = check_query(spec_of(op), r);
        return {200, json::serialize(c.page(r, spec_of(op), filter))};
    }
    reply update(collection& c, const std::string& op, const request_view& r, const std::string& id) {
        check_query(spec_of(op), r);
        auto& rec = c.update(id, body_data(r, c.schema().type));
        return {200, json::serialize(json::object{{"data", c.render(rec, r)}})};
    }
    reply remove(collection& c, const std::string& op, const request_view& r, const std::string& id) {
        check_query(spec_of(op), r);
        c.remove(id);
        if (&c == &lists_) members_.erase(id);
        return {204, {}};
    }

    // ------------------------------------------------------------ lists and membership

    reply list_profiles(const request_view& r, const std::string& id) {
        const auto& op = spec_of("get_profiles_for_list");
        auto filter = check_query(op, r);
        lists_.get_or_404(id);
        std::vector<json::object> rows;
        for (const auto& [pid, joined] : members_[id]) {
            if (!profiles_.contains(pid)) continue;
            auto p = profiles_.render_one(pid, r.base_url);
            p["attributes"].as_object()["joined_group_at"] = joined;
            if (filter) {
                record tmp;
                tmp.id = pid;
                tmp.id_value = json::value(pid);
                tmp.attributes = p["attributes"].as_object();
                if (!matches(*filter, [&](const std::string& f) { return collection::lookup(tmp, f); })) continue;
            }
            rows.push_back(std::move(p));
        }
        return {200, json::serialize(collection::paginate(r, op, rows.size(), [&](std::size_t i) { return rows[i]; }))};
    }

    reply change_membership(const request_view& r, const std::string& id, bool add) {
        check_query(spec_of(add ? "add_profiles_to_list" : "remove_profiles_from_list"), r);
        lists_.get_or_404(id);
        if (!r.body.is_object()) throw bad_request("The request body must be a JSON object", "/");
        const auto* data = r.body.get_object().if_contains("data");
        if (!data || !data->is_array()) throw bad_request("'data' must be an array of profiles", "/data");
        if (data->get_array().size() > 1000)
            throw bad_request("A maximum of 1000 profiles can be sent per call", "/data");
        std::vector<std::string> ids;
        for (std::size_t i = 0; i < data->get_array().size(); ++i) {
            const auto* o = data->get_array()[i].if_object();
            std::string pointer = "/data/" + std::to_string(i);
            if (!o || !o->contains("type") || o->at("type") != "profile")
                throw api_failure{409, "conflict", "Conflict.", "The type must be 'profile'.", {{"pointer", pointer}}};
            const auto* pid = o->if_contains("id");
            if (!pid || !pid->is_string() || !profiles_.contains(std::string(pid->get_string())))
                throw api_failure{404, "not_found", "Not found.", "Profile not found.", {{"pointer", pointer + "/id"}}};
            ids.emplace_back(pid->get_string());
        }
        for (const auto& pid : ids) {
            if (add)
                members_[id].emplace(pid, iso_now());
            else
                members_[id].erase(pid);
        }
        return {204, {}};
    }

    /// get_profile with include=lists: the lists the profile is in, in
    /// relationships.lists.data and in `included`.
    reply with_profile_lists(reply rep, const request_view& r, const std::string& profile_id) {
        auto* inc = r.param("include");
        if (rep.status != 200 || !inc) return rep;
        auto doc = json::parse(rep.body).as_object();
        json::array refs, included;
        if (inc->find("lists") != std::string::npos)
            for (auto& [list_id, profiles] : members_)
                if (profiles.count(profile_id))
                    if (auto* l = lists_.find(list_id)) {
                        refs.push_back(json::object{{"type", "list"}, {"id", list_id}});
                        included.push_back(lists_.render(*l, r));
                    }
        auto& rel = doc["data"].as_object()["relationships"].as_object();
        if (auto* lists = rel.if_contains("lists")) lists->as_object()["data"] = std::move(refs);
        doc["included"] = std::move(included); // segments: the sandbox evaluates none, so none
        rep.body = json::serialize(doc);
        return rep;
    }

    // ------------------------------------------------------------ campaigns

    reply create_campaign(const request_view& r) {
        check_query(spec_of("create_campaign"), r);
        const auto& data = body_data(r, "campaign");
        const auto* a = data.if_contains("attributes");
        if (!a || !a->is_object()) throw bad_request("'attributes' is required", "/data/attributes");
        const auto* msgs = a->get_object().if_contains("campaign-messages");
        if (!msgs || !msgs->is_object() || !msgs->get_object().contains("data") ||
            !msgs->get_object().at("data").is_array() || msgs->get_object().at("data").get_array().empty())
            throw bad_request("'campaign-messages' is a required field", "/data/attributes/campaign-messages");
        // Check the messages before anything is stored.
        std::vector<json::object> message_data;
        std::string channel;
        for (const auto& m : msgs->get_object().at("data").get_array()) {
            const auto* mo = m.if_object();
            if (!mo || !mo->contains("type") || mo->at("type") != "campaign-message")
                throw bad_request("Each campaign message must have type 'campaign-message'",
                                  "/data/attributes/campaign-messages/data");
            const auto* def =
                mo->if_contains("attributes") ? mo->at("attributes").as_object().if_contains("definition") : nullptr;
            if (!def || !def->is_object() || !def->get_object().contains("channel"))
                throw bad_request("'definition.channel' is required",
                                  "/data/attributes/campaign-messages/data/attributes/definition");
            auto ch = std::string(def->get_object().at("channel").as_string());
            if (ch != "email" && ch != "sms" && ch != "mobile_push")
                throw bad_request("'" + ch + "' is not a valid channel",
                                  "/data/attributes/campaign-messages/data/attributes/definition/channel");
            channel = ch;
            message_data.push_back(json::object{{"type", "campaign-message"}, {"attributes", mo->at("attributes")}});
        }
        json::object stripped = data;
        stripped["attributes"].as_object().erase("campaign-messages");
        auto& rec = campaigns_.create(stripped);
        json::array rel;
        for (auto& md : message_data) {
            auto& m = messages_.create(md);
            m.attributes["campaign_id"] = rec.id;
            rel.push_back(json::object{{"type", "campaign-message"}, {"id", m.id}});
        }
        rec.hidden["messages.channel"] = channel;
        rec.relationships["campaign-messages"] = json::object{{"data", std::move(rel)}};
        rec.relationships["tags"] = json::object{{"data", json::array{}}};
        return {201, json::serialize(json::object{{"data", campaigns_.render(rec, r)}})};
    }

    reply list_campaigns(const request_view& r) {
        auto filter = check_query(spec_of("get_campaigns"), r);
        if (!mentions(*filter, "messages.channel"))
            throw bad_parameter("A channel filter is required to list campaigns, e.g. equals(messages.channel,'email')",
                                "filter");
        auto doc = campaigns_.page(r, spec_of("get_campaigns"), filter);
        include_messages(doc, r);
        return {200, json::serialize(doc)};
    }

    reply get_campaign(const request_view& r, const std::string& id) {
        check_query(spec_of("get_campaign"), r);
        auto doc = campaigns_.document(campaigns_.get_or_404(id), r);
        include_messages(doc, r);
        return {200, json::serialize(doc)};
    }

    reply delete_campaign(const request_view& r, const std::string& id) {
        check_query(spec_of("delete_campaign"), r);
        auto& c = campaigns_.get_or_404(id);
        if (const auto* rel = c.relationships.if_contains("campaign-messages"))
            for (const auto& m : rel->at("data").as_array()) messages_.remove(std::string(m.at("id").as_string()));
        campaigns_.remove(id);
        return {204, {}};
    }

    // ------------------------------------------------------------ images

    reply upload_image_file(const request_view& r, std::string_view content_type, const std::string& raw_body) {
        check_query(spec_of("upload_image_from_file"), r);
        auto parts = multipart(content_type, raw_body);
        auto file = parts.find("file");
        if (file == parts.end()) throw bad_request("'file' is required", "/data/attributes/file");
        auto format = image_format(file->second.second);
        if (format.empty()) throw bad_request("Supported image formats: jpeg,png,gif", "/data/attributes/file");
        if (file->second.second.size() > 5 * 1024 * 1024)
            throw bad_request("Maximum image size: 5MB", "/data/attributes/file");
        json::object attrs{{"name", parts.count("name") ? parts["name"].second : file->second.first}};
        if (parts.count("hidden")) attrs["hidden"] = parts["hidden"].second == "true";
        json::object data{{"type", "image"}, {"attributes", attrs}};
        auto& rec = images_.create(data);
        finish_image(rec, format, file->second.second.size(), r);
        return {201, json::serialize(json::object{{"data", images_.render(rec, r)}})};
    }

    reply upload_image_url(const request_view& r) {
        check_query(spec_of("upload_image_from_url"), r);
        auto data = body_data(r, "image");
        auto& attrs = data["attributes"].as_object();
        auto url = std::string(attrs.at("import_from_url").as_string());
        std::string format;
        std::size_t size = 0;
        if (url.rfind("data:image/", 0) == 0) {
            auto semi = url.find(';');
            format = url.substr(11, semi - 11);
            auto comma = url.find(',');
            if (semi == std::string::npos || comma == std::string::npos || url.substr(semi, 8) != ";base64,")
                throw bad_request("The data URI must be base-64 encoded", "/data/attributes/import_from_url");
            size = unbase64(url.substr(comma + 1)).size();
        } else if (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0) {
            auto dot = url.rfind('.');
            format = dot == std::string::npos ? "" : url.substr(dot + 1);
            size = 1024; // the sandbox fetches nothing: a stand-in size
        } else {
            throw bad_request("'import_from_url' must be an http(s) URL or a data URI",
                              "/data/attributes/import_from_url");
        }
        if (format == "jpg") format = "jpeg";
        if (format != "jpeg" && format != "png" && format != "gif")
            throw bad_request("Supported image formats: jpeg,png,gif", "/data/attributes/import_from_url");
        attrs.erase("import_from_url");
        if (!attrs.contains("name")) attrs["name"] = url.substr(0, 64);
        auto& rec = images_.create(data);
        finish_image(rec, format, size, r);
        return {201, json::serialize(json::object{{"data", images_.render(rec, r)}})};
    }

    collection& images() { return images_; }
    collection& segments() { return segments_; }
    collection& templates() { return templates_; }
    collection& campaigns() { return campaigns_; }

    // ------------------------------------------------------------ events and metrics

    reply create_event(const request_view& r) {
        check_query(spec_of("create_event"), r);
        const auto& data = body_data(r, "event");
        const auto* a = data.if_contains("attributes");
        if (!a || !a->is_object()) throw bad_request("'attributes' is required", "/data/attributes");
        auto ev = parse_event(a->get_object(), "/data/attributes");
        auto pid = profiles_.resolve(profile_data(a->get_object(), "/data/attributes/profile"), true,
                                     "/data/attributes/profile/data");
        record_event(pid, ev, r);
        return {202, {}};
    }

    reply bulk_create_events(const request_view& r) {
        check_query(spec_of("bulk_create_events"), r);
        const auto& data = body_data(r, "event-bulk-create-job", 5 * 1024 * 1024);
        check_string_sizes(r.body, "/");
        const auto* entries = path(data, {"attributes", "events-bulk-create", "data"});
        if (!entries || !entries->is_array())
            throw bad_request("'events-bulk-create.data' is required", "/data/attributes/events-bulk-create/data");
        struct pending {
            json::object profile;
            std::string pointer;
            std::vector<parsed_event> events;
        };
        std::vector<pending> all;
        std::size_t count = 0;
        for (std::size_t i = 0; i < entries->get_array().size(); ++i) {
            std::string pointer = "/data/attributes/events-bulk-create/data/" + std::to_string(i);
            const auto* e = entries->get_array()[i].if_object();
            if (!e || !e->contains("type") || e->at("type") != "event-bulk-create")
                throw bad_request("Each entry must have type 'event-bulk-create'", pointer + "/type");
            const auto* attrs = e->if_contains("attributes");
            if (!attrs || !attrs->is_object()) throw bad_request("'attributes' is required", pointer + "/attributes");
            pending p;
            p.profile = profile_data(attrs->get_object(), pointer + "/attributes/profile");
            p.pointer = pointer;
            const auto* evs = path(attrs->get_object(), {"events", "data"});
            if (!evs || !evs->is_array())
                throw bad_request("'events.data' is required", pointer + "/attributes/events");
            std::set<std::string> seen; // unique_id per metric inside this profile's entry
            for (std::size_t j = 0; j < evs->get_array().size(); ++j) {
                std::string ep = pointer + "/attributes/events/data/" + std::to_string(j);
                const auto* eo = evs->get_array()[j].if_object();
                if (!eo || !eo->contains("attributes")) throw bad_request("'attributes' is required", ep);
                auto ev = parse_event(eo->at("attributes").as_object(), ep + "/attributes");
                if (!ev.unique_id.empty() && !seen.insert(ev.metric + "|" + ev.unique_id).second)
                    throw bad_request("The unique_id '" + ev.unique_id +
                                          "' is repeated for the same profile and metric; no events were processed",
                                      ep + "/attributes/unique_id");
                p.events.push_back(std::move(ev));
                ++count;
            }
            all.push_back(std::move(p));
        }
        if (count > 1000) throw bad_request("A maximum of 1,000 events can be sent per request", "/data");
        for (auto& p : all) {
            auto pid = profiles_.resolve(p.profile, true, p.pointer + "/attributes/profile/data");
            for (auto& ev : p.events) record_event(pid, ev, r);
        }
        return {202, {}};
    }

    reply list_events(const request_view& r) {
        const auto& op = spec_of("get_events");
        auto filter = check_query(op, r);
        auto doc = events_.page(r, op, filter);
        include_event_relations(doc, r);
        return {200, json::serialize(doc)};
    }

    reply get_event(const request_view& r, const std::string& id) {
        check_query(spec_of("get_event"), r);
        auto doc = events_.document(events_.get_or_404(id), r);
        include_event_relations(doc, r);
        return {200, json::serialize(doc)};
    }

    /// Fills the event store for pagination work: `n` "Sandbox Event" events on one profile.
    void preload_events(std::size_t n, const std::string& base_url) {
        if (n == 0) return;
        request_view v;
        v.base_url = base_url;
        json::object who{{"type", "profile"}, {"attributes", json::object{{"email", "events@example.com"}}}};
        auto pid = profiles_.resolve(who, true, "/");
        for (std::size_t i = 0; i < n; ++i) {
            parsed_event ev;
            ev.metric = "Sandbox Event";
            ev.unique_id = "preload-" + std::to_string(i);
            ev.properties = json::object{{"n", i}};
            record_event(pid, ev, v);
        }
    }

    // ------------------------------------------------------------ subscriptions

    reply subscribe(const request_view& r, bool subscribe) {
        check_query(spec_of(subscribe ? "bulk_subscribe_profiles" : "bulk_unsubscribe_profiles"), r);
        const auto& data =
            body_data(r, subscribe ? "profile-subscription-bulk-create-job" : "profile-subscription-bulk-delete-job");
        const auto* items = path(data, {"attributes", "profiles", "data"});
        if (!items || !items->is_array() || items->get_array().empty())
            throw bad_request("'profiles.data' is required", "/data/attributes/profiles/data");
        std::size_t max = subscribe ? 1000 : 100;
        if (items->get_array().size() > max)
            throw bad_request("A maximum of " + std::to_string(max) + " profiles can be sent per call",
                              "/data/attributes/profiles/data");
        std::string list_id;
        if (const auto* l = path(data, {"relationships", "list", "data", "id"}); l && l->is_string()) {
            list_id = std::string(l->get_string());
            lists_.get_or_404(list_id);
        }
        bool historical = false;
        if (const auto* h = path(data, {"attributes", "historical_import"}); h && h->is_bool())
            historical = h->get_bool();
        const std::string wanted = subscribe ? "SUBSCRIBED" : "UNSUBSCRIBED";
        struct change {
            json::object profile;
            std::vector<std::string> channels;
        };
        std::vector<change> changes;
        for (std::size_t i = 0; i < items->get_array().size(); ++i) {
            std::string pointer = "/data/attributes/profiles/data/" + std::to_string(i);
            const auto* p = items->get_array()[i].if_object();
            if (!p || !p->contains("type") || p->at("type") != "profile")
                throw bad_request("Each profile must have type 'profile'", pointer + "/type");
            const auto* subs = path(*p, {"attributes", "subscriptions"});
            if (!subs || !subs->is_object() || subs->get_object().empty())
                throw bad_request("'subscriptions' is required", pointer + "/attributes/subscriptions");
            change c;
            c.profile = *p;
            for (const auto& [channel, v] : subs->get_object()) {
                // Each message type given (marketing; transactional for SMS) carries the consent.
                bool any = false;
                for (const char* kind : {"marketing", "transactional"}) {
                    if (!v.as_object().contains(kind)) continue;
                    any = true;
                    const auto* consent = path(v.as_object(), {kind, "consent"});
                    auto where = pointer + "/attributes/subscriptions/" + std::string(channel) + "/" + kind;
                    if (!consent || !consent->is_string() || consent->get_string() != wanted)
                        throw bad_request("'consent' must be '" + wanted + "'", where);
                    if (historical) {
                        const auto* at = path(v.as_object(), {kind, "consented_at"});
                        if (!at || !at->is_string() || std::string(at->get_string()) > iso_now())
                            throw bad_request(
                                "'consented_at' is required and must be in the past for a historical import", where);
                    }
                }
                if (!any)
                    throw bad_request("a consent (marketing) is required",
                                      pointer + "/attributes/subscriptions/" + std::string(channel));
                if (v.as_object().contains("marketing")) c.channels.emplace_back(channel);
            }
            changes.push_back(std::move(c));
        }
        for (auto& c : changes) {
            auto pid = profiles_.resolve(c.profile, subscribe, "/data/attributes/profiles/data");
            bool in_list = !list_id.empty() && members_[list_id].count(pid);
            if (!subscribe && in_list) { // unsubscribing from a list the profile is in: leaves the list
                members_[list_id].erase(pid);
                continue;
            }
            for (const auto& ch : c.channels) profiles_.set_consent(pid, ch, wanted, "API");
            if (subscribe && !list_id.empty()) members_[list_id].emplace(pid, iso_now());
        }
        return {202, {}};
    }

private:
    static constexpr const char* account_id = "SbXCmp";

    static api_failure not_found(const std::string& type, const std::string& id) {
        return {404,
                "not_found",
                "Not found.",
                "A " + type + " with id " + id + " does not exist.",
                {{"pointer", "/data/id"}}};
    }

    static json::object account(const request_view& r) {
        return json::object{{"type", "account"},
                            {"id", account_id},
                            {"attributes", json::object{{"test_account", true},
                                                        {"contact_information",
                                                         json::object{{"default_sender_name", "Sandbox"},
                                                                      {"default_sender_email", "sandbox@example.com"},
                                                                      {"website_url", "https://example.com"},
                                                                      {"organization_name", "Sandbox Inc."},
                                                                      {"street_address", json::object{}}}},
                                                        {"industry", nullptr},
                                                        {"timezone", "UTC"},
                                                        {"preferred_currency", "USD"},
                                                        {"public_api_key", account_id},
                                                        {"locale", "en-US"}}},
                            {"links", json::object{{"self", r.base_url + "/api/accounts/" + account_id + "/"}}}};
    }

    static const json::value* path(const json::object& o, std::initializer_list<std::string_view> keys) {
        const json::object* cur = &o;
        const json::value* v = nullptr;
        for (auto k : keys) {
            if (!cur) return nullptr;
            v = cur->if_contains(k);
            if (!v) return nullptr;
            cur = v->if_object();
        }
        return v;
    }

    static bool mentions(const filter_node& n, std::string_view field) {
        if (n.field == field) return true;
        for (const auto& c : n.children)
            if (mentions(c, field)) return true;
        return false;
    }

    static void check_string_sizes(const json::value& v, const std::string& pointer) {
        if (v.is_string() && v.get_string().size() > 100 * 1024)
            throw bad_request("A single string cannot exceed 100KB", pointer);
        if (v.is_object())
            for (const auto& [k, x] : v.get_object()) check_string_sizes(x, pointer + std::string(k) + "/");
        if (v.is_array())
            for (std::size_t i = 0; i < v.get_array().size(); ++i)
                check_string_sizes(v.get_array()[i], pointer + std::to_string(i) + "/");
    }

    void add_counts(collection& c, json::object& data, const request_view& r) {
        auto* extra = r.param("additional-fields[" + c.schema().type + "]");
        if (extra && extra->find("profile_count") != std::string::npos)
            data["attributes"].as_object()["profile_count"] =
                &c == &lists_ ? list_size(std::string(data["id"].as_string())) : 0;
    }

    void include_messages(json::object& doc, const request_view& r) {
        auto* inc = r.param("include");
        if (!inc || inc->find("campaign-messages") == std::string::npos) return;
        json::array included;
        auto add = [&](const json::value& c) {
            if (const auto* rel = c.as_object().at("relationships").as_object().if_contains("campaign-messages"))
                for (const auto& m : rel->at("data").as_array())
                    included.push_back(messages_.render(messages_.get_or_404(std::string(m.at("id").as_string())), r));
        };
        if (doc["data"].is_array())
            for (const auto& c : doc["data"].as_array()) add(c);
        else
            add(doc["data"]);
        doc["included"] = std::move(included);
    }

    void include_event_relations(json::object& doc, const request_view& r) {
        auto* inc = r.param("include");
        if (!inc) return;
        bool want_metric = inc->find("metric") != std::string::npos,
             want_profile = inc->find("profile") != std::string::npos;
        json::array included;
        std::set<std::string> seen;
        auto add = [&](const json::value& e) {
            const auto& rel = e.as_object().at("relationships").as_object();
            auto mid = std::string(rel.at("metric").at("data").at("id").as_string());
            auto pid = std::string(rel.at("profile").at("data").at("id").as_string());
            if (want_metric && seen.insert("m" + mid).second)
                included.push_back(metrics_.render(metrics_.get_or_404(mid), r));
            if (want_profile && seen.insert("p" + pid).second && profiles_.contains(pid))
                included.push_back(profiles_.render_one(pid, r.base_url));
        };
        if (doc["data"].is_array())
            for (const auto& e : doc["data"].as_array()) add(e);
        else
            add(doc["data"]);
        doc["included"] = std::move(included);
    }

    struct parsed_event {
        std::string metric, unique_id;
        json::object properties;
        json::value time, value, value_currency;
    };

    static json::object profile_data(const json::object& attrs, const std::string& pointer) {
        const auto* d = path(attrs, {"profile", "data"});
        if (!d || !d->is_object()) throw bad_request("'profile' is required", pointer);
        if (!d->get_object().contains("type") || d->get_object().at("type") != "profile")
            throw bad_request("The profile must have type 'profile'", pointer + "/data/type");
        return d->get_object();
    }

    static parsed_event parse_event(const json::object& a, const std::string& pointer) {
        parsed_event ev;
        const auto* props = a.if_contains("properties");
        if (!props || !props->is_object()) throw bad_request("'properties' is required", pointer + "/properties");
        if (props->get_object().size() > 400)
            throw bad_request("An event can have at most 400 properties", pointer + "/properties");
        ev.properties = props->get_object();
        const auto* name = path(a, {"metric", "data", "attributes", "name"});
        if (!name || !name->is_string() || name->get_string().empty())
            throw bad_request("'metric.data.attributes.name' is required", pointer + "/metric");
        ev.metric = std::string(name->get_string());
        if (const auto* u = a.if_contains("unique_id"); u && u->is_string())
            ev.unique_id = std::string(u->get_string());
        if (const auto* t = a.if_contains("time")) {
            if (!t->is_string() || t->get_string().size() < 19 || t->get_string()[10] != 'T')
                throw bad_request("'time' must be an ISO 8601 date-time", pointer + "/time");
            ev.time = *t;
        }
        if (const auto* v = a.if_contains("value")) {
            if (!v->is_number()) throw bad_request("'value' must be a number", pointer + "/value");
            ev.value = *v;
        }
        if (const auto* c = a.if_contains("value_currency")) {
            if (!c->is_string() || c->get_string().size() != 3)
                throw bad_request("'value_currency' must be an ISO 4217 code", pointer + "/value_currency");
            ev.value_currency = *c;
        }
        return ev;
    }

    std::string metric_id(const std::string& name) {
        std::string found;
        metrics_.for_each([&](record& m) {
            if (found.empty() && m.attributes.at("name") == name.c_str()) found = m.id;
        });
        if (!found.empty()) return found;
        json::object data{
            {"type", "metric"},
            {"attributes",
             json::object{{"name", name}, {"integration", json::object{{"name", "API"}, {"category", "API"}}}}}};
        return metrics_.create(data).id;
    }

    void record_event(const std::string& pid, parsed_event& ev, const request_view& r) {
        (void)r;
        auto mid = metric_id(ev.metric);
        std::string when = ev.time.is_string() ? std::string(ev.time.get_string()) : iso_now();
        // Without a unique_id Klaviyo keys events by the second they happened at.
        std::string key =
            pid + "|" + mid + "|" + (ev.unique_id.empty() ? "t:" + when.substr(0, 19) : "u:" + ev.unique_id);
        if (!event_keys_.insert(key).second) return; // a duplicate: accepted, not recorded
        json::object props = ev.properties;
        if (ev.value.is_number()) props["$value"] = ev.value;
        if (ev.value_currency.is_string()) props["$value_currency"] = ev.value_currency;
        if (!ev.unique_id.empty()) props["$event_id"] = ev.unique_id;
        json::object data{{"type", "event"},
                          {"attributes", json::object{{"datetime", when},
                                                      {"timestamp", epoch_of(when)},
                                                      {"event_properties", std::move(props)},
                                                      {"uuid", new_ulid(rng_for_uuid_)}}}};
        auto& rec = events_.create(data);
        rec.hidden["metric_id"] = mid;
        rec.hidden["profile_id"] = pid;
        rec.hidden["metric"] = mid;
        rec.hidden["profile"] = pid;
        rec.relationships["metric"] = json::object{{"data", json::object{{"type", "metric"}, {"id", mid}}}};
        rec.relationships["profile"] = json::object{{"data", json::object{{"type", "profile"}, {"id", pid}}}};
    }

    static std::int64_t epoch_of(const std::string& iso) {
        std::tm tm{};
        if (!strptime(iso.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return 0;
        return static_cast<std::int64_t>(timegm(&tm));
    }

    void finish_image(record& rec, const std::string& format, std::size_t size, const request_view& r) {
        rec.attributes["format"] = format;
        rec.attributes["size"] = size;
        rec.attributes["image_url"] = r.base_url + "/images/" + rec.id + "." + format;
        if (!rec.attributes.contains("hidden") || rec.attributes["hidden"].is_null()) rec.attributes["hidden"] = false;
    }

    static std::string image_format(const std::string& bytes) {
        if (bytes.rfind("\x89PNG", 0) == 0) return "png";
        if (bytes.rfind("\xFF\xD8\xFF", 0) == 0) return "jpeg";
        if (bytes.rfind("GIF8", 0) == 0) return "gif";
        return {};
    }

    /// name -> (filename, bytes) of a multipart/form-data body.
    static std::map<std::string, std::pair<std::string, std::string>> multipart(std::string_view content_type,
                                                                                const std::string& body) {
        std::map<std::string, std::pair<std::string, std::string>> out;
        auto b = content_type.find("boundary=");
        if (content_type.substr(0, 19) != "multipart/form-data" || b == std::string_view::npos)
            throw api_failure{415,
                              "unsupported_media_type",
                              "Unsupported media type.",
                              "This endpoint takes multipart/form-data.",
                              {{"header", "content-type"}}};
        std::string boundary = "--" + std::string(content_type.substr(b + 9));
        if (boundary.size() > 2 && boundary[2] == '"') boundary = "--" + boundary.substr(3, boundary.size() - 4);
        std::size_t pos = body.find(boundary);
        while (pos != std::string::npos) {
            pos += boundary.size();
            if (body.compare(pos, 2, "--") == 0) break;
            auto head_end = body.find("\r\n\r\n", pos);
            if (head_end == std::string::npos) break;
            std::string head = body.substr(pos, head_end - pos);
            auto next = body.find("\r\n" + boundary, head_end + 4);
            if (next == std::string::npos) throw bad_request("Malformed multipart body", "/");
            auto field = [&](const std::string& key) -> std::string {
                auto k = head.find(key + "=\"");
                if (k == std::string::npos) return {};
                auto s = k + key.size() + 2;
                return head.substr(s, head.find('"', s) - s);
            };
            out[field("name")] = {field("filename"), body.substr(head_end + 4, next - head_end - 4)};
            pos = body.find(boundary, next);
        }
        return out;
    }

    // ------------------------------------------------------------ schemas

    static resource_schema list_schema() {
        return {
            "list",
            "/api/lists/",
            {{"name", kind::string, true}, {"opt_in_process", kind::string, false, {"double_opt_in", "single_opt_in"}}},
            {},
            true,
            "created",
            "updated",
            [](record& r) {
                if (!r.attributes.contains("opt_in_process") || r.attributes["opt_in_process"].is_null())
                    r.attributes["opt_in_process"] = "double_opt_in";
            }};
    }
    static resource_schema segment_schema() {
        return {"segment",
                "/api/segments/",
                {{"name", kind::string, true},
                 {"definition", kind::object, true},
                 {"is_starred", kind::boolean},
                 {"is_active", kind::boolean}},
                {},
                true,
                "created",
                "updated",
                [](record& r) {
                    if (!r.attributes.contains("is_starred") || r.attributes["is_starred"].is_null())
                        r.attributes["is_starred"] = false;
                    r.attributes["is_active"] = true;
                    r.attributes["is_processing"] = false;
                },
                [](const json::object& a, bool) {
                    if (const auto* d = a.if_contains("definition"); d && d->is_object()) {
                        const auto* g = d->get_object().if_contains("condition_groups");
                        if (!g || !g->is_array() || g->get_array().empty())
                            throw bad_request("'definition.condition_groups' is required",
                                              "/data/attributes/definition/condition_groups");
                    }
                }};
    }
    static resource_schema template_schema() {
        return {"template",
                "/api/templates/",
                {{"name", kind::string, true},
                 {"editor_type", kind::string, true, {"CODE", "USER_DRAGGABLE", "SYSTEM_DRAGGABLE"}, false},
                 {"html", kind::string},
                 {"text", kind::string},
                 {"amp", kind::string},
                 {"definition", kind::object}},
                {"html", "text", "amp"},
                true,
                "created",
                "updated",
                nullptr,
                [](const json::object& a, bool creating) {
                    if (!creating) return;
                    auto type = std::string(a.at("editor_type").as_string());
                    bool has_html = a.contains("html") && a.at("html").is_string();
                    if (type == "SYSTEM_DRAGGABLE" && has_html)
                        throw bad_request("'html' is not allowed for SYSTEM_DRAGGABLE templates",
                                          "/data/attributes/html");
                    if (type != "SYSTEM_DRAGGABLE" && !has_html)
                        throw bad_request("'html' is required for " + type + " templates", "/data/attributes/html");
                }};
    }
    static resource_schema campaign_schema() {
        return {"campaign",
                "/api/campaigns/",
                {{"name", kind::string, true},
                 {"audiences", kind::object, true},
                 {"send_strategy", kind::object},
                 {"send_options", kind::object},
                 {"tracking_options", kind::object}},
                {"send_strategy", "send_options", "tracking_options"},
                true,
                "created_at",
                "updated_at",
                [](record& r) {
                    r.attributes["status"] = "Draft";
                    r.attributes["archived"] = false;
                    r.attributes["scheduled_at"] = nullptr;
                    r.attributes["send_time"] = nullptr;
                    r.hidden["status"] = "Draft";
                    r.hidden["archived"] = false;
                },
                [](const json::object& a, bool) {
                    if (const auto* au = a.if_contains("audiences"); au && au->is_object()) {
                        const auto* inc = au->get_object().if_contains("included");
                        if (!inc || !inc->is_array() || inc->get_array().empty())
                            throw bad_request("'audiences.included' is required",
                                              "/data/attributes/audiences/included");
                    }
                }};
    }
    static resource_schema message_schema() {
        return {"campaign-message",
                "/api/campaign-messages/",
                {{"definition", kind::object, true}, {"campaign_id", kind::string}},
                {},
                true,
                "created_at",
                "updated_at"};
    }
    static resource_schema image_schema() {
        return {"image",
                "/api/images/",
                {{"name", kind::string},
                 {"hidden", kind::boolean},
                 {"format", kind::string},
                 {"size", kind::number},
                 {"image_url", kind::string}},
                {},
                true,
                "updated_at",
                "updated_at"};
    }
    static resource_schema metric_schema() {
        return {"metric", "/api/metrics/", {{"name", kind::string, true}, {"integration", kind::object}}, {}, true};
    }
    static resource_schema event_schema() {
        return {"event",
                "/api/events/",
                {{"datetime", kind::string},
                 {"timestamp", kind::number},
                 {"event_properties", kind::object},
                 {"uuid", kind::string}},
                {},
                false};
    }

    profile_store& profiles_;
    collection lists_, segments_, templates_, campaigns_, messages_, images_, metrics_, events_;
    std::map<std::string, std::map<std::string, std::string>> members_; // list -> profile -> joined_group_at
    std::set<std::string> event_keys_;
    std::mt19937 rng_for_uuid_{12345};
};

} // namespace sandbox
