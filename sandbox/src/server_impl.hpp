// The sandbox server behind sandbox::server (include/sandbox/server.hpp):
// routes, authentication, revision and content checks, rate-limit windows,
// faults, the request log and the HTTP sessions. Included by server.cpp only.
#pragma once

#include <sandbox/self_signed.hpp>
#include <sandbox/server.hpp>
#include "generic.hpp"
#include "oauth.hpp"
#include "profiles.hpp"
#include "resources.hpp"
#include "spec.hpp"
#include "wire.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

#include <atomic>
#include <future>
#include <sstream>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace sandbox {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

/// Burst (per second) and steady (per minute) limits of one operation.
struct limits {
    unsigned burst, steady, daily = 0;
};

struct fault_spec {
    std::vector<std::pair<std::string, double>> p; // name → probability, in the order given
    unsigned delay_ms = 0;

    static fault_spec parse(std::string_view s) {
        fault_spec f;
        for (auto& item : split_csv(s)) {
            auto eq = item.find('=');
            if (eq == std::string::npos) throw std::invalid_argument("bad fault '" + item + "'");
            std::string name = item.substr(0, eq), value = item.substr(eq + 1);
            if (name == "delay") {
                auto colon = value.find(':');
                if (colon == std::string::npos) throw std::invalid_argument("delay needs P:MS");
                f.delay_ms = static_cast<unsigned>(std::stoul(value.substr(colon + 1)));
                value = value.substr(0, colon);
            } else if (name != "reset" && name != "truncate" &&
                       (name.size() != 3 || std::strtoul(name.c_str(), nullptr, 10) < 400)) {
                throw std::invalid_argument("unknown fault '" + name + "'");
            }
            f.p.emplace_back(name, std::stod(value));
        }
        return f;
    }
};

class server::impl {
public:
    explicit impl(options o)
        : opts_(std::move(o)), ssl_(asio::ssl::context::tls_server), acceptor_(ioc_), store_(opts_.seed),
          world_rng_(opts_.seed + 1), world_(store_, world_rng_), rng_(opts_.seed),
          faults_(fault_spec::parse(opts_.faults)) {
        auto addr = asio::ip::make_address(opts_.host);
        if (!addr.is_loopback()) throw std::invalid_argument("the sandbox binds loopback addresses only");
        if (opts_.time_scale <= 0) throw std::invalid_argument("time_scale must be positive");
        if (opts_.tls) {
            cert_ = make_self_signed();
            ssl_.use_certificate_chain(asio::buffer(cert_.cert_pem));
            ssl_.use_private_key(asio::buffer(cert_.key_pem), asio::ssl::context::pem);
            if (!opts_.ca_out.empty()) std::ofstream(opts_.ca_out) << cert_.cert_pem;
        }
        std::string log = opts_.request_log;
        if (log.empty())
            if (const char* env = std::getenv("KLAVIYO_SANDBOX_REQUEST_LOG")) log = env;
        if (!log.empty()) log_.open(log, std::ios::app);
        store_.preload(opts_.profiles);
        asio::ip::tcp::endpoint ep(addr, opts_.port);
        acceptor_.open(ep.protocol());
        acceptor_.set_option(asio::socket_base::reuse_address(true));
        acceptor_.bind(ep);
        acceptor_.listen();
        base_url_ = std::string(opts_.tls ? "https" : "http") + "://" + opts_.host + ":" +
                    std::to_string(acceptor_.local_endpoint().port());
        world_.preload_events(opts_.events, base_url_);
        asio::co_spawn(ioc_, accept_loop(), asio::detached);
    }

    ~impl() { stop(); }

    const std::string& base_url() const noexcept { return base_url_; }
    const std::string& ca_pem() const noexcept { return cert_.cert_pem; }
    const std::string& api_key() const { return opts_.api_keys.at(0); }
    counters& stats() noexcept { return stats_; }
    /// Token endpoint requests so far (exchanges and refreshes); thread-safe.
    std::size_t oauth_token_requests() {
        return on_server_thread([this] { return oauth_.token_requests(); });
    }
    std::size_t oauth_refreshes() {
        return on_server_thread([this] { return oauth_.refreshes(); });
    }
    std::size_t oauth_invalid_grants() {
        return on_server_thread([this] { return oauth_.invalid_grants(); });
    }
    std::size_t oauth_revoked_grants() {
        return on_server_thread([this] { return oauth_.revoked_grants(); });
    }
    void set_oauth_token_delay(std::chrono::milliseconds d) {
        on_server_thread([this, d] {
            oauth_.options().token_delay = d;
            return 0;
        });
    }
    void set_oauth_revoke_on_reuse(bool on) {
        on_server_thread([this, on] {
            oauth_.options().revoke_grant_on_reuse = on;
            return 0;
        });
    }
    /// Shortens or lengthens the lifetime of access tokens issued from now on.
    void set_oauth_token_ttl(std::chrono::seconds ttl) {
        on_server_thread([this, ttl] {
            oauth_.options().token_ttl = ttl;
            return 0;
        });
    }

    template <class F>
    std::invoke_result_t<F> on_server_thread(F f) {
        std::promise<std::invoke_result_t<F>> p;
        asio::post(ioc_, [&] { p.set_value(f()); });
        return p.get_future().get();
    }

    /// Serves on the calling thread until stop().
    void run() { ioc_.run(); }
    /// Serves on a thread of its own.
    void start() {
        thread_ = std::thread([this] { ioc_.run(); });
    }
    void stop() {
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
    }

    /// Runs `f` on the server's thread and waits: the store is not thread safe.
    template <class F>
    auto with_store(F f) {
        std::promise<decltype(f(store_))> p;
        asio::post(ioc_, [&] { p.set_value(f(store_)); });
        return p.get_future().get();
    }

private:
    struct window {
        std::chrono::steady_clock::time_point burst_start{}, steady_start{}, daily_start{};
        unsigned burst_count = 0, steady_count = 0, daily_count = 0;
    };

    struct route {
        std::string_view method, pattern, operation_id;
        std::function<reply(impl&, const request_view&, const std::string& id)> handle;
        /// A slower class some options trigger (profile_count, include lists, predictive analytics).
        std::function<std::optional<limits>(const request_view&)> slower = nullptr;
    };

    static std::optional<limits> when_param_has(const request_view& r, const std::string& key, std::string_view value,
                                                limits lim) {
        auto* p = r.param(key);
        return p && p->find(value) != std::string::npos ? std::optional<limits>(lim) : std::nullopt;
    }

    static const std::vector<route>& routes() {
        using R = const request_view&;
        using I = const std::string&;
        static const std::vector<route> table = {
            // profiles
            {"GET", "/api/profiles", "get_profiles", [](impl& s, R r, I) { return s.store_.get_profiles(r); },
             [](R r) {
                 return when_param_has(r, "additional-fields[profile]", "predictive_analytics", {10, 150});
             }},
            {"POST", "/api/profiles", "create_profile", [](impl& s, R r, I) { return s.store_.create_profile(r); }},
            {"GET", "/api/profiles/{id}", "get_profile",
             [](impl& s, R r, I id) { return s.world_.with_profile_lists(s.store_.get_profile(r, id), r, id); },
             [](R r) {
                 auto lists = when_param_has(r, "include", "lists", {1, 15});
                 return lists ? lists : when_param_has(r, "include", "segments", {1, 15});
             }},
            {"PATCH", "/api/profiles/{id}", "update_profile",
             [](impl& s, R r, I id) { return s.store_.update_profile(r, id); }},
            {"POST", "/api/profile-import", "create_or_update_profile",
             [](impl& s, R r, I) { return s.store_.import_profile(r); }},
            // accounts
            {"GET", "/api/accounts", "get_accounts", [](impl& s, R r, I) { return s.world_.get_accounts(r); }},
            {"GET", "/api/accounts/{id}", "get_account",
             [](impl& s, R r, I id) { return s.world_.get_account(r, id); }},
            // lists
            {"GET", "/api/lists", "get_lists",
             [](impl& s, R r, I) { return s.world_.list(s.world_.lists(), "get_lists", r); }},
            {"POST", "/api/lists", "create_list",
             [](impl& s, R r, I) { return s.world_.create(s.world_.lists(), "create_list", r); }},
            {"GET", "/api/lists/{id}", "get_list",
             [](impl& s, R r, I id) { return s.world_.get(s.world_.lists(), "get_list", r, id); },
             [](R r) {
                 return when_param_has(r, "additional-fields[list]", "profile_count", {1, 15});
             }},
            {"PATCH", "/api/lists/{id}", "update_list",
             [](impl& s, R r, I id) { return s.world_.update(s.world_.lists(), "update_list", r, id); }},
            {"DELETE", "/api/lists/{id}", "delete_list",
             [](impl& s, R r, I id) { return s.world_.remove(s.world_.lists(), "delete_list", r, id); }},
            {"GET", "/api/lists/{id}/profiles", "get_profiles_for_list",
             [](impl& s, R r, I id) { return s.world_.list_profiles(r, id); },
             [](R r) {
                 return when_param_has(r, "additional-fields[profile]", "predictive_analytics", {10, 150});
             }},
            {"POST", "/api/lists/{id}/relationships/profiles", "add_profiles_to_list",
             [](impl& s, R r, I id) { return s.world_.change_membership(r, id, true); }},
            {"DELETE", "/api/lists/{id}/relationships/profiles", "remove_profiles_from_list",
             [](impl& s, R r, I id) { return s.world_.change_membership(r, id, false); }},
            // segments
            {"GET", "/api/segments", "get_segments",
             [](impl& s, R r, I) { return s.world_.list(s.world_.segments(), "get_segments", r); }},
            {"POST", "/api/segments", "create_segment",
             [](impl& s, R r, I) { return s.world_.create(s.world_.segments(), "create_segment", r); }},
            {"GET", "/api/segments/{id}", "get_segment",
             [](impl& s, R r, I id) { return s.world_.get(s.world_.segments(), "get_segment", r, id); },
             [](R r) {
                 return when_param_has(r, "additional-fields[segment]", "profile_count", {1, 15});
             }},
            {"PATCH", "/api/segments/{id}", "update_segment",
             [](impl& s, R r, I id) { return s.world_.update(s.world_.segments(), "update_segment", r, id); }},
            {"DELETE", "/api/segments/{id}", "delete_segment",
             [](impl& s, R r, I id) { return s.world_.remove(s.world_.segments(), "delete_segment", r, id); }},
            // templates
            {"GET", "/api/templates", "get_templates",
             [](impl& s, R r, I) { return s.world_.list(s.world_.templates(), "get_templates", r); }},
            {"POST", "/api/templates", "create_template",
             [](impl& s, R r, I) { return s.world_.create(s.world_.templates(), "create_template", r); }},
            {"GET", "/api/templates/{id}", "get_template",
             [](impl& s, R r, I id) { return s.world_.get(s.world_.templates(), "get_template", r, id); }},
            {"PATCH", "/api/templates/{id}", "update_template",
             [](impl& s, R r, I id) { return s.world_.update(s.world_.templates(), "update_template", r, id); }},
            {"DELETE", "/api/templates/{id}", "delete_template",
             [](impl& s, R r, I id) { return s.world_.remove(s.world_.templates(), "delete_template", r, id); }},
            // campaigns
            {"GET", "/api/campaigns", "get_campaigns", [](impl& s, R r, I) { return s.world_.list_campaigns(r); }},
            {"POST", "/api/campaigns", "create_campaign",
             [](impl& s, R r, I) { return s.world_.create_campaign(r); }},
            {"GET", "/api/campaigns/{id}", "get_campaign",
             [](impl& s, R r, I id) { return s.world_.get_campaign(r, id); }},
            {"PATCH", "/api/campaigns/{id}", "update_campaign",
             [](impl& s, R r, I id) { return s.world_.update(s.world_.campaigns(), "update_campaign", r, id); }},
            {"DELETE", "/api/campaigns/{id}", "delete_campaign",
             [](impl& s, R r, I id) { return s.world_.delete_campaign(r, id); }},
            // images
            {"GET", "/api/images", "get_images",
             [](impl& s, R r, I) { return s.world_.list(s.world_.images(), "get_images", r); }},
            {"GET", "/api/images/{id}", "get_image",
             [](impl& s, R r, I id) { return s.world_.get(s.world_.images(), "get_image", r, id); }},
            {"PATCH", "/api/images/{id}", "update_image",
             [](impl& s, R r, I id) { return s.world_.update(s.world_.images(), "update_image", r, id); }},
            {"POST", "/api/images", "upload_image_from_url",
             [](impl& s, R r, I) { return s.world_.upload_image_url(r); }},
            {"POST", "/api/image-upload", "upload_image_from_file",
             [](impl& s, R r, I) { return s.world_.upload_image_file(r, r.content_type, *r.raw_body); }},
            // metrics and events
            {"GET", "/api/metrics", "get_metrics",
             [](impl& s, R r, I) { return s.world_.list(s.world_.metrics(), "get_metrics", r); }},
            {"GET", "/api/metrics/{id}", "get_metric",
             [](impl& s, R r, I id) { return s.world_.get(s.world_.metrics(), "get_metric", r, id); }},
            {"GET", "/api/events", "get_events", [](impl& s, R r, I) { return s.world_.list_events(r); }},
            {"POST", "/api/events", "create_event", [](impl& s, R r, I) { return s.world_.create_event(r); }},
            {"GET", "/api/events/{id}", "get_event", [](impl& s, R r, I id) { return s.world_.get_event(r, id); }},
            {"POST", "/api/event-bulk-create-jobs", "bulk_create_events",
             [](impl& s, R r, I) { return s.world_.bulk_create_events(r); }},
            // subscriptions
            {"POST", "/api/profile-subscription-bulk-create-jobs", "bulk_subscribe_profiles",
             [](impl& s, R r, I) { return s.world_.subscribe(r, true); }},
            {"POST", "/api/profile-subscription-bulk-delete-jobs", "bulk_unsubscribe_profiles",
             [](impl& s, R r, I) { return s.world_.subscribe(r, false); }},
        };
        return table;
    }

    static bool match(std::string_view pattern, std::string_view path, std::string& id) {
        if (path.size() > 1 && path.back() == '/') path.remove_suffix(1); // Klaviyo's self links end in '/'
        auto brace = pattern.find('{'); // {id} or {job_id}
        if (brace == std::string_view::npos) return pattern == path;
        if (path.substr(0, brace) != pattern.substr(0, brace)) return false;
        auto rest = path.substr(brace);
        auto tail = pattern.substr(pattern.find('}', brace) + 1);
        auto slash = rest.find('/');
        auto seg = rest.substr(0, slash);
        if (seg.empty() || rest.substr(seg.size()) != tail) return false;
        id = std::string(seg);
        return true;
    }

    /// The target with every '[' and ']' of its query percent-encoded.
    static std::string encode_query_brackets(std::string_view target) {
        std::string out;
        out.reserve(target.size() + 16);
        const auto query = target.find('?');
        for (std::size_t i = 0; i < target.size(); ++i) {
            const char c = target[i];
            if (query != std::string_view::npos && i > query && (c == '[' || c == ']'))
                out += c == '[' ? "%5B" : "%5D";
            else
                out += c;
        }
        return out;
    }

    static bool valid_revision(std::string_view r) {
        auto date = r.substr(0, r.find('.'));
        if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
        for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
            if (date[i] < '0' || date[i] > '9') return false;
        // Stable revisions run from 2023-02-22 to the spec's 2026-07-15.
        return date >= "2023-02-22" && date <= "2026-07-15";
    }

    /// The whole request pipeline but for I/O. `truncate` is set when a
    /// fault says to cut the response after the write was applied.
    http::response<http::string_body> handle(const http::request<http::string_body>& req, bool& reset, bool& truncate,
                                             std::chrono::milliseconds& delay) {
        ++stats_.requests;
        http::response<http::string_body> res{http::status::ok, 11};
        res.set(http::field::content_type, "application/vnd.api+json");
        auto fail = [&](const api_failure& f) {
            res.result(f.status);
            res.body() = error_body(f, request_id());
        };
        try {
            // Klaviyo takes '[' and ']' in a query unencoded (its reference
            // writes ?page[size]=25, curl -g sends it so), though RFC 3986
            // reserves them; encode them before the strict parse.
            const std::string lenient = encode_query_brackets(req.target());
            auto target = boost::urls::parse_origin_form(lenient);
            if (!target) throw bad_request("Malformed request target", "/");
            request_view view;
            view.method = req.method_string();
            view.base_url = base_url_;
            for (auto p : target->params()) view.params.emplace_back(p.key, p.value);
            std::string path(target->path());
            view.path = path;
            // Decoded, the target may hold any byte; handlers echo it into
            // JSON (self links, details), which must stay UTF-8 (found by fuzzing).
            bool utf8 = valid_utf8(path);
            for (const auto& [k, v] : view.params) utf8 = utf8 && valid_utf8(k) && valid_utf8(v);
            if (!utf8) throw api_failure{400, "invalid", "Invalid input.", "The request target is not UTF-8.", {}};

            // OAuth endpoints: form bodies and plain JSON, no revision.
            if (path.rfind("/oauth/", 0) == 0) {
                view.raw_body = &req.body();
                auto o = oauth_.handle(req.method_string(), path, view, req[http::field::authorization],
                                       req[http::field::content_type]);
                res.result(o.status);
                res.set(http::field::content_type, "application/json");
                if (!o.location.empty()) res.set(http::field::location, o.location);
                res.body() = std::move(o.body);
                // Answered late, applied now: what a client that gives up
                // meanwhile has done is done (its refresh token is spent).
                if (path == "/oauth/token" && req.method() == http::verb::post) delay = oauth_.options().token_delay;
                return res;
            }

            // Authentication first, as Klaviyo does. The public /client/
            // endpoints take no key: the account is the company_id.
            auto auth = req[http::field::authorization];
            std::string credential;
            const bool client_api = path.rfind("/client/", 0) == 0;
            const oauth_provider::grant* bearer = nullptr;
            if (client_api) {
                const auto* company = view.param("company_id");
                if (!company || company->empty())
                    throw bad_parameter("The 'company_id' query parameter is required", "company_id");
                credential = "client:" + *company;
            } else if (auth.empty())
                throw api_failure{401,
                                  "not_authenticated",
                                  "Authentication credentials were not provided.",
                                  "Missing or invalid authorization scheme. Please use Klaviyo-API-Key.",
                                  {}};
            else if (auth.substr(0, 7) == "Bearer ") {
                bearer = &oauth_.check_bearer(std::string(auth.substr(7)));
                // An app's calls count per app per account; the sandbox is one account.
                credential = "oauth:" + bearer->client_id;
            } else if (auth.substr(0, 16) == "Klaviyo-API-Key ") {
                const auto key = auth.substr(16);
                if (std::find(opts_.api_keys.begin(), opts_.api_keys.end(), key) == opts_.api_keys.end())
                    throw api_failure{401,
                                      "not_authenticated",
                                      "Incorrect authentication credentials.",
                                      "Incorrect authentication credentials.",
                                      {}};
                // Klaviyo limits per account, not per key: every private key
                // of the account draws from one set of windows, so a second
                // key buys no extra quota. The sandbox is one account.
                credential = "account";
            } else {
                throw api_failure{401,
                                  "not_authenticated",
                                  "Incorrect authentication credentials.",
                                  "Missing or invalid authorization scheme. Please use Klaviyo-API-Key.",
                                  {}};
            }
            // Not Klaviyo's: what a benchmark run needs to know afterwards
            // (requests seen, 429s sent, what was stored), for a valid key.
            if (path == "/sandbox/stats" && req.method() == http::verb::get) {
                res.set(http::field::content_type, "application/json");
                res.body() = json::serialize(json::object{{"requests", stats_.requests.load()},
                                                          {"throttled", stats_.throttled.load()},
                                                          {"faults", stats_.faults.load()},
                                                          {"connections", stats_.connections.load()},
                                                          {"profiles", store_.size()},
                                                          {"events", world_.events().size()},
                                                          {"types", stored_types()},
                                                          {"oauth", json::object{
                                                                        {"token_requests", oauth_.token_requests()},
                                                                        {"refreshes", oauth_.refreshes()},
                                                                        {"invalid_grants", oauth_.invalid_grants()},
                                                                        {"revoked_grants", oauth_.revoked_grants()},
                                                                    }}});
                return res;
            }
            auto rev = req["revision"];
            if (rev.empty())
                throw api_failure{400,
                                  "missing_revision",
                                  "Missing revision header.",
                                  "The 'revision' header is required.",
                                  {{"header", "revision"}}};
            if (!valid_revision(rev))
                throw api_failure{400,
                                  "invalid_revision",
                                  "Invalid revision.",
                                  "'" + std::string(rev) + "' is not a valid revision.",
                                  {{"header", "revision"}}};
            auto accept = req[http::field::accept];
            if (!accept.empty() && accept.find("application/vnd.api+json") == std::string_view::npos &&
                accept.find("application/json") == std::string_view::npos &&
                accept.find("*/*") == std::string_view::npos)
                throw api_failure{406,
                                  "not_acceptable",
                                  "Not acceptable.",
                                  "Accept must allow application/vnd.api+json.",
                                  {{"header", "accept"}}};
            view.content_type = req[http::field::content_type];
            view.raw_body = &req.body();
            view.body_size = req.body().size();
            if (!req.body().empty()) {
                auto ct = view.content_type;
                bool upload = path == "/api/image-upload";
                bool multipart = ct.substr(0, 19) == "multipart/form-data";
                bool json_type =
                    ct.substr(0, 24) == "application/vnd.api+json" || ct.substr(0, 16) == "application/json";
                if (upload ? !multipart : !json_type)
                    throw api_failure{415,
                                      "unsupported_media_type",
                                      "Unsupported media type.",
                                      upload ? "Content-Type must be multipart/form-data."
                                             : "Content-Type must be application/vnd.api+json.",
                                      {{"header", "content-type"}}};
                if (!upload) {
                    boost::system::error_code ec;
                    view.body = json::parse(req.body(), ec);
                    if (ec) throw bad_request("The request body is not valid JSON", "/");
                }
            }

            const route* rt = nullptr;
            std::string id;
            bool path_known = false;
            for (const auto& r : routes())
                if (match(r.pattern, path, id)) {
                    path_known = true;
                    if (r.method == req.method_string()) {
                        rt = &r;
                        break;
                    }
                }
            // Every other operation of the spec: the generic store.
            route generic_route;
            // Literal paths first: /api/x/literal before /api/x/{id}.
            for (int pass = 0; pass < 2 && !rt; ++pass)
                for (const auto& [op_id, spec] : spec_index())
                    if ((spec.path.find('{') == std::string::npos) == (pass == 0) && match(spec.path, path, id)) {
                        path_known = true;
                        if (spec.method == req.method_string()) {
                            generic_route = route{spec.method, spec.path, spec.id,
                                                  [](impl& s, const request_view& r, const std::string& i) {
                                                      const auto& op = spec_of(std::string(r.operation_id));
                                                      auto filter = check_query(op, r);
                                                      return s.generic_.handle(op, r, i, filter);
                                                  }};
                            rt = &generic_route;
                            break;
                        }
                    }
            if (client_api && rt && !spec_of(std::string(rt->operation_id)).path.starts_with("/client/")) rt = nullptr;
            if (rt) view.operation_id = rt->operation_id;
            // Every body is checked against the operation's schema, as
            // Klaviyo checks it, before any handler sees it.
            if (rt && !view.body.is_null())
                if (auto v = schema::check(schemas_of(rt->operation_id).request, view.body)) {
                    // JSON:API: a resource of another type is a conflict, not bad input.
                    if (v->pointer == "/data/type")
                        throw api_failure{409,
                                          "conflict",
                                          "Conflict.",
                                          "The type in the body is not one this endpoint accepts: " + v->message + ".",
                                          {{"pointer", "/data/type"}}};
                    throw bad_request((v->pointer.empty() ? std::string("The body") : "'" + v->pointer + "'") + " " +
                                          v->message,
                                      v->pointer.empty() ? "/" : v->pointer);
                }
            if (!rt)
                throw api_failure{path_known ? 405u : 404u,
                                  path_known ? "method_not_allowed" : "not_found",
                                  path_known ? "Method not allowed." : "Not found.",
                                  std::string(req.method_string()) + " " + path + " does not exist.",
                                  {}};

            if (bearer)
                for (const auto& scope : spec_of(std::string(rt->operation_id)).scopes)
                    if (!bearer->scopes.count(scope))
                        throw api_failure{403,
                                          "permission_denied",
                                          "You do not have permission to perform this action.",
                                          "The access token lacks the '" + scope + "' scope.",
                                          {}};
            if (opts_.rate_limits) {
                const auto& spec = spec_of(std::string(rt->operation_id));
                limits lim{spec.burst, spec.steady, spec.daily};
                if (rt->slower)
                    if (auto slow = rt->slower(view)) lim = *slow;
                if (auto retry = admit(credential, rt->operation_id, lim, res)) {
                    ++stats_.throttled;
                    res.set(http::field::retry_after, std::to_string(*retry));
                    throw api_failure{429,
                                      "throttled",
                                      "Request was throttled.",
                                      "Request was throttled. Expected available in " + std::to_string(*retry) +
                                          " second" + (*retry == 1 ? "" : "s") + ".",
                                      {{"pointer", "/data"}}};
                }
            }

            // Faults that strike before the request is applied.
            if (auto f = roll_fault()) {
                ++stats_.faults;
                if (*f == "reset") {
                    reset = true;
                    return res;
                }
                if (*f == "delay")
                    delay = std::chrono::milliseconds(faults_.delay_ms);
                else if (*f == "truncate")
                    truncate = true;
                else {
                    unsigned status = static_cast<unsigned>(std::stoul(*f));
                    throw api_failure{status,
                                      status == 429 ? "throttled" : "error",
                                      status == 429 ? "Request was throttled." : "A server error occurred.",
                                      "Injected fault.",
                                      {}};
                }
            }
            reply out = rt->handle(*this, view, id);
            res.result(out.status);
            res.body() = std::move(out.body);
        } catch (const api_failure& f) {
            fail(f);
        }
        return res;
    }

public:
    /// handle() for one request, outside any session (server::answer_raw:
    /// fuzzing and tests). `reset` and `truncate` as handle() sets them; a
    /// fault's delay is not waited for.
    http::response<http::string_body> answer(const http::request<http::string_body>& req, bool& reset, bool& truncate) {
        std::chrono::milliseconds delay{0};
        return handle(req, reset, truncate, delay);
    }

private:
    /// What /sandbox/stats reports per JSON:API type: the hand-written
    /// resources and the generic store.
    json::object stored_types() {
        json::object t;
        t["profile"] = store_.size();
        t["event"] = world_.events().size();
        t["list"] = world_.lists().size();
        t["segment"] = world_.segments().size();
        t["template"] = world_.templates().size();
        t["campaign"] = world_.campaigns().size();
        t["image"] = world_.images().size();
        t["metric"] = world_.metrics().size();
        for (const auto& [type, n] : generic_.counts()) t[type] = n;
        return t;
    }

    /// Counts the request against its windows; returns Retry-After seconds when over.
    /// Windows are per credential and operation: "account" (every private
    /// key), "oauth:<client_id>" (an app in this account), "client:<company_id>"
    /// (the public endpoints). One map for the whole server: every connection
    /// of a credential draws from the same windows.
    std::optional<unsigned> admit(const std::string& credential, std::string_view op, limits lim,
                                  http::response<http::string_body>& res) {
        using namespace std::chrono;
        auto now = steady_clock::now();
        auto burst_len = duration_cast<steady_clock::duration>(duration<double>(1.0 / opts_.time_scale));
        auto steady_len = duration_cast<steady_clock::duration>(duration<double>(60.0 / opts_.time_scale));
        auto& w = windows_[credential + "|" + std::string(op)];
        if (now - w.burst_start >= burst_len) w.burst_start = now, w.burst_count = 0;
        if (now - w.steady_start >= steady_len) w.steady_start = now, w.steady_count = 0;
        auto daily_len = duration_cast<steady_clock::duration>(duration<double>(86400.0 / opts_.time_scale));
        if (now - w.daily_start >= daily_len) w.daily_start = now, w.daily_count = 0;
        auto seconds_until = [&](steady_clock::time_point end) {
            double s = duration<double>(end - now).count();
            return static_cast<unsigned>(std::max(1.0, std::ceil(s)));
        };
        if (lim.daily && w.daily_count >= lim.daily) return seconds_until(w.daily_start + daily_len);
        if (w.steady_count >= lim.steady) return seconds_until(w.steady_start + steady_len);
        if (w.burst_count >= lim.burst) return seconds_until(w.burst_start + burst_len);
        ++w.burst_count;
        ++w.steady_count;
        ++w.daily_count;
        res.set("RateLimit-Limit", std::to_string(lim.steady));
        res.set("RateLimit-Remaining", std::to_string(lim.steady - w.steady_count));
        res.set("RateLimit-Reset", std::to_string(seconds_until(w.steady_start + steady_len)));
        return std::nullopt;
    }

    std::optional<std::string> roll_fault() {
        if (faults_.p.empty()) return std::nullopt;
        std::uniform_real_distribution<double> d(0.0, 1.0);
        double x = d(rng_), acc = 0;
        for (const auto& [name, p] : faults_.p) {
            acc += p;
            if (x < acc) return name;
        }
        return std::nullopt;
    }

    std::string request_id() {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-a%03x-%012llx", static_cast<unsigned>(rng_()),
                      static_cast<unsigned>(rng_() & 0xffff), static_cast<unsigned>(rng_() & 0xfff),
                      static_cast<unsigned>(rng_() & 0xfff),
                      static_cast<unsigned long long>(rng_()) & 0xffffffffffffULL);
        return buf;
    }

    void log(const http::request<http::string_body>& req, unsigned status) {
        if (!log_.is_open()) return;
        json::object headers;
        for (const auto& f : req) {
            std::string v(f.value());
            if (f.name() == http::field::authorization) v = v.substr(0, v.find(' ')); // scheme only
            headers[std::string(f.name_string())] = v;
        }
        auto target = std::string(req.target());
        auto q = target.find('?');
        json::object line{{"method", std::string(req.method_string())},
                          {"path", target.substr(0, q)},
                          {"query", q == std::string::npos ? std::string() : target.substr(q + 1)},
                          {"headers", std::move(headers)},
                          // OAuth bodies carry codes, verifiers and tokens: never logged.
                          {"body", target.rfind("/oauth/", 0) == 0 ? std::string("(redacted)") : req.body()},
                          {"status", status},
                          // steady clock, µs: for tests that look at when calls came
                          {"at_us", std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count()}};
        log_ << json::serialize(line) << '\n';
        log_.flush();
    }

    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, sock] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            ++stats_.connections;
            sock.set_option(asio::ip::tcp::no_delay(true));
            if (opts_.tls)
                asio::co_spawn(ioc_, tls_session(std::move(sock)), asio::detached);
            else
                asio::co_spawn(ioc_, plain_session(beast::tcp_stream(std::move(sock))), asio::detached);
        }
    }

    asio::awaitable<void> tls_session(asio::ip::tcp::socket sock) {
        beast::ssl_stream<beast::tcp_stream> s(beast::tcp_stream(std::move(sock)), ssl_);
        auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
        if (!ec) co_await serve(s);
    }

    asio::awaitable<void> plain_session(beast::tcp_stream s) { co_await serve(s); }

    template <class Stream>
    asio::awaitable<void> serve(Stream& s) {
        beast::flat_buffer buf;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.body_limit(10 * 1024 * 1024);
            auto [ec, n] = co_await http::async_read(s, buf, parser, asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            auto& req = parser.get();
            bool reset = false, truncate = false;
            std::chrono::milliseconds delay{0};
            auto res = handle(req, reset, truncate, delay);
            if (reset) {
                log(req, 0);
                beast::get_lowest_layer(s).socket().close();
                co_return;
            }
            if (delay.count() > 0) {
                asio::steady_timer t(ioc_, delay);
                co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
            }
            log(req, res.result_int());
            // Klaviyo dates every answer; a client's cursor must follow
            // that clock, not its own (klaviyo/watch).
            res.set(http::field::date, http_date_now());
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            if (truncate) { // the write is applied; the answer is cut off mid-body
                std::ostringstream os;
                os << res.base();
                std::string wire = os.str() + res.body().substr(0, res.body().size() / 2);
                co_await asio::async_write(s, asio::buffer(wire), asio::as_tuple(asio::use_awaitable));
                beast::get_lowest_layer(s).socket().close();
                co_return;
            }
            auto [wec, wn] = co_await http::async_write(s, res, asio::as_tuple(asio::use_awaitable));
            if (wec || !req.keep_alive()) co_return;
        }
    }

    options opts_;
    asio::io_context ioc_{1};
    asio::ssl::context ssl_;
    asio::ip::tcp::acceptor acceptor_;
    certificate cert_;
    std::string base_url_;
    profile_store store_;
    std::mt19937 world_rng_;
    world world_;
    std::mt19937 generic_rng_{opts_.seed + 2};
    generic_store generic_{generic_rng_};
    std::mt19937_64 rng_;
    fault_spec faults_;
    std::map<std::string, window> windows_;
    std::ofstream log_;
    counters stats_;
    oauth_provider oauth_{opts_.oauth}; // declared after opts_
    std::thread thread_;
};

} // namespace sandbox
