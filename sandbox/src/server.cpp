// sandbox::server: the public face of the sandbox, compiled once into the
// sandbox library. Everything heavy (Beast, Boost.JSON, the store) is behind
// server::impl, so that a TU including <sandbox/server.hpp> does not pay for it.
#include "server_impl.hpp"

#include <boost/beast/http/parser.hpp>

#include <sstream>
#include <string_view>

namespace sandbox {

server::server(options o) : impl_(std::make_unique<impl>(std::move(o))) {}
server::~server() = default;

const std::string& server::base_url() const noexcept { return impl_->base_url(); }
const std::string& server::ca_pem() const noexcept { return impl_->ca_pem(); }
const std::string& server::api_key() const { return impl_->api_key(); }
counters& server::stats() noexcept { return impl_->stats(); }
std::size_t server::oauth_token_requests() { return impl_->oauth_token_requests(); }
std::size_t server::oauth_refreshes() { return impl_->oauth_refreshes(); }
std::size_t server::oauth_invalid_grants() { return impl_->oauth_invalid_grants(); }
std::size_t server::oauth_revoked_grants() { return impl_->oauth_revoked_grants(); }
void server::set_oauth_token_ttl(std::chrono::seconds ttl) { impl_->set_oauth_token_ttl(ttl); }
void server::set_oauth_token_delay(std::chrono::milliseconds delay) { impl_->set_oauth_token_delay(delay); }
void server::set_oauth_revoke_on_reuse(bool on) { impl_->set_oauth_revoke_on_reuse(on); }
std::size_t server::profile_count() {
    return impl_->with_store([](const profile_store& s) { return s.size(); });
}

std::string server::answer_raw(std::string_view request_bytes) {
    std::string out;
    for (;;) {
        // The parser a session reads with (serve() in server_impl.hpp), fed
        // from memory instead of a socket.
        http::request_parser<http::string_body> parser;
        parser.body_limit(10 * 1024 * 1024);
        parser.eager(true);
        boost::system::error_code ec;
        while (!parser.is_done() && !request_bytes.empty()) {
            std::size_t used = parser.put(asio::buffer(request_bytes.data(), request_bytes.size()), ec);
            if (ec || used == 0) break;
            request_bytes.remove_prefix(used);
        }
        if (!parser.is_done()) return out; // a bad or unfinished request: the session reads no further
        const auto& req = parser.get();
        bool reset = false, truncate = false;
        auto res = impl_->answer(req, reset, truncate);
        if (reset) return out;
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        std::ostringstream head;
        head << res.base();
        out += head.str();
        if (truncate) return out + res.body().substr(0, res.body().size() / 2); // as serve() cuts it
        out += res.body();
        if (!req.keep_alive()) return out;
    }
}

void server::set_clock(std::chrono::system_clock::time_point t) { test_clock::instance().set(t); }
void server::advance_clock(std::chrono::system_clock::duration d) { test_clock::instance().advance(d); }
std::chrono::system_clock::time_point server::clock_now() { return test_clock::instance().now(); }
void server::reset_clock() { test_clock::instance().reset(); }

void server::run() { impl_->run(); }
void server::start() { impl_->start(); }
void server::stop() { impl_->stop(); }

} // namespace sandbox
