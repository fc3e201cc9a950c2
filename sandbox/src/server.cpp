// sandbox::server: the public face of the sandbox, compiled once into the
// sandbox library. Everything heavy (Beast, Boost.JSON, the store) is behind
// server::impl, so that a TU including <sandbox/server.hpp> does not pay for it.
#include "server_impl.hpp"

namespace sandbox {

server::server(options o) : impl_(std::make_unique<impl>(std::move(o))) {}
server::~server() = default;

const std::string& server::base_url() const noexcept { return impl_->base_url(); }
const std::string& server::ca_pem() const noexcept { return impl_->ca_pem(); }
const std::string& server::api_key() const { return impl_->api_key(); }
counters& server::stats() noexcept { return impl_->stats(); }
std::size_t server::oauth_token_requests() { return impl_->oauth_token_requests(); }
std::size_t server::oauth_refreshes() { return impl_->oauth_refreshes(); }
void server::set_oauth_token_ttl(std::chrono::seconds ttl) { impl_->set_oauth_token_ttl(ttl); }
std::size_t server::profile_count() {
    return impl_->with_store([](const profile_store& s) { return s.size(); });
}
void server::run() { impl_->run(); }
void server::start() { impl_->start(); }
void server::stop() { impl_->stop(); }

} // namespace sandbox
