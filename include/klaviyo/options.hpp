// klaviyo-cpp: client and transport options.
#pragma once

#include <klaviyo/config.hpp>
#include <klaviyo/policy/pacing.hpp>
#include <klaviyo/policy/retry.hpp>

#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace klaviyo {

/// The I/O steps of one exchange, in order, as transport_options::inject_fault sees them. A kept-alive connection
/// skips the first three; plain HTTP skips the handshake; an answer without a body skips read_body.
enum class transport_step {
    resolve,     ///< the host name lookup
    connect,     ///< the TCP connect
    handshake,   ///< the TLS handshake
    write,       ///< sending the request
    read_header, ///< reading the status line and headers
    read_body,   ///< reading the body
};

/// The step's name, as failure texts and tests print it.
constexpr std::string_view to_string(transport_step s) noexcept {
    constexpr std::string_view names[] = {"resolve", "connect", "handshake", "write", "read_header", "read_body"};
    return names[static_cast<int>(s)];
}

/// Options of the HTTP transport (used by beast_transport).
struct transport_options {
    /// Connections kept to one origin (at least 1); callers beyond them wait in FIFO order.
    std::size_t max_connections_per_host = 16;
    std::size_t max_waiting_per_host = 100'000;     ///< calls queued for a connection before pool_full
    std::chrono::milliseconds idle_timeout{50'000}; ///< drop pooled connections idle this long
    bool verify_peer = true;                        ///< TLS: verify the certificate chain and host name
    std::string ca_file{};                          ///< TLS: trust this PEM file instead of the system store
    std::string ca_pem{};                           ///< TLS: trust this PEM text instead of the system store
    /// For tests, the way Beast's test::fail_count drives a failure matrix: called before each I/O step of each
    /// exchange; an error it returns makes that step fail with it, as if the system had returned it. Leave it empty.
    std::function<boost::system::error_code(transport_step)> inject_fault{};
};

/// How a client reaches Klaviyo: base URL, API revision, the deadline of an attempt, and its retry, pacing and
/// transport policies. basic_client checks them when it is constructed and throws std::invalid_argument for a base_url
/// that is not https (or http to a loopback host), a timeout that is not positive, or a pacing share outside (0, 1].
struct client_options {
    /// Scheme, host and optional port. Plain http:// is accepted only for
    /// loopback hosts (tests, the sandbox).
    std::string base_url{default_base_url};
    /// The `revision` header of every request: the API version the answers follow.
    std::string revision{default_revision};
    /// The `User-Agent` header, on API and OAuth token requests alike.
    std::string user_agent = "klaviyo-cpp/" + std::string(version_string);
    /// Deadline of one attempt (connect, send, receive). Never infinite.
    std::chrono::milliseconds timeout{30'000};
    /// Which failed attempts are repeated, and after how long (policy/retry.hpp).
    retry_options retry{};
    /// Admits calls at the rate Klaviyo's limits allow instead of collecting
    /// 429s. Per client: clients sharing a credential set `share`.
    pacing_options pacing{};
    transport_options transport{}; ///< the connection pool and TLS settings of the transport
};

} // namespace klaviyo
