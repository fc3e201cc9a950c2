// klaviyo-cpp fleet mode: where the shared Redis is and how to reach it.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace klaviyo::fleet {

/// Where a fleet's Redis is and how to reach it (fleet_options::redis).
struct redis_options {
    std::string host = "127.0.0.1"; ///< a name or an address
    std::uint16_t port = 6379;       ///< TCP port (the TLS port with `tls`)
    /// ACL user (Redis 6+); used only with a password.
    std::string username{};
    /// Sent with AUTH when non-empty. A secret: it appears in no message.
    std::string password{};
    /// SELECTed after connecting when not 0.
    unsigned database = 0;
    bool tls = false; ///< TLS, with the peer's certificate and name verified
    /// Null: a client context that verifies the peer against the system's CAs.
    /// Either way the peer's certificate and its name are always verified.
    std::shared_ptr<boost::asio::ssl::context> tls_context{};
    /// Sent as SNI (unless it is an IP address) and checked against the
    /// certificate; empty: host.
    std::string tls_server_name{};
    /// Bounds connecting as a whole: resolve, TCP, TLS, AUTH and SELECT.
    std::chrono::milliseconds connect_timeout{500};
    /// Bounds every command from the moment it is issued (from the end of
    /// connect_timeout when issued while connecting). A server that misses it
    /// is taken for gone: the connection is closed.
    std::chrono::milliseconds command_timeout{100};
};

} // namespace klaviyo::fleet
