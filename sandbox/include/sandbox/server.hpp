// klaviyo-sandbox: a local Klaviyo look-alike on loopback.
//
// It speaks the wire format of the 2026-07-15 spec: auth, revision, content
// negotiation, JSON:API documents and errors, cursor pagination, per-operation
// rate limits (burst and steady windows, shrunk by time_scale), and injected
// faults. A test bed, not a product: everything lives in memory.
//
// This header is all a test, example or benchmark sees of it. The server is
// compiled once, into the sandbox library (meson: sandbox_dep); nothing here
// pulls in Beast, Boost.JSON or the store, so including it costs a program
// almost nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox {

/// The one OAuth app the sandbox knows, and how it answers.
struct oauth_options {
    std::string client_id = "sandbox-app";
    std::string client_secret = "sandbox-app-secret";
    std::chrono::seconds token_ttl{3600}; ///< access token lifetime; short in tests
    /// Scopes the (simulated) user grants; empty: whatever the app asked for.
    std::vector<std::string> granted_scopes{};
    /// A spent refresh token (rotated away by an earlier refresh) presented
    /// again revokes its whole grant: every access and refresh token issued
    /// since the authorization-code exchange (RFC 9700 §4.14.2). Off: it
    /// gets invalid_grant only. On, a fleet that refreshes twice loses its grant.
    bool revoke_grant_on_reuse = false;
    /// /oauth/token answers after this long. The request is applied first:
    /// a client that gives up or dies meanwhile has spent its refresh token,
    /// as with a real server. Other connections are served meanwhile.
    std::chrono::milliseconds token_delay{0};
};

struct options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    bool tls = false;
    std::string ca_out{};                            ///< where to write the generated certificate (PEM)
    /// Accepted private keys, all of the one account the sandbox is: they
    /// share one set of rate-limit windows, as Klaviyo counts per account.
    std::vector<std::string> api_keys{"pk_sandbox"};
    std::string request_log{};                       ///< JSON lines; else env KLAVIYO_SANDBOX_REQUEST_LOG
    bool rate_limits = true;
    double time_scale = 1.0; ///< F > 1 shrinks the windows F times
    std::string faults{};    ///< e.g. "503=0.05,reset=0.02,delay=0.01:3000"
    unsigned seed = 1;
    std::size_t profiles = 0; ///< preload this many
    std::size_t events = 0;   ///< and this many events
    oauth_options oauth{};    ///< the one OAuth app the sandbox knows
};

/// What reached the server, for tests that count it. Thread-safe.
struct counters {
    std::atomic<std::size_t> requests{0}, throttled{0}, connections{0}, faults{0};
};

/// The sandbox: listens when constructed, serves on its own thread after
/// start() (or on the caller's in run()), stops in stop() or the destructor.
/// Throws std::invalid_argument for a non-loopback host or bad options.
class server {
public:
    explicit server(options o);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// `http://127.0.0.1:<port>` (or https with options::tls).
    const std::string& base_url() const noexcept;
    /// The self-signed certificate of a TLS sandbox: the CA a client must trust.
    const std::string& ca_pem() const noexcept;
    /// The first accepted private key.
    const std::string& api_key() const;
    counters& stats() noexcept;

    /// Token endpoint requests so far (exchanges and refreshes).
    std::size_t oauth_token_requests();
    std::size_t oauth_refreshes();
    /// invalid_grant answers to refresh requests (spent, revoked or unknown tokens).
    std::size_t oauth_invalid_grants();
    /// Grants revoked because a spent refresh token came back (oauth_options::revoke_grant_on_reuse).
    std::size_t oauth_revoked_grants();
    /// Shortens or lengthens the lifetime of access tokens issued from now on.
    void set_oauth_token_ttl(std::chrono::seconds ttl);
    /// oauth_options::token_delay, for the token requests that arrive from now on.
    void set_oauth_token_delay(std::chrono::milliseconds delay);
    /// oauth_options::revoke_grant_on_reuse, from now on.
    void set_oauth_revoke_on_reuse(bool on);
    /// Profiles stored now.
    std::size_t profile_count();

    /// For fuzzing and tests: the request pipeline without I/O. `request_bytes`
    /// is what a client wrote on one connection; returns what a session would
    /// write back: the answer (head and body) to each complete request in
    /// turn, until the bytes end, a request does not keep the connection
    /// alive, or an injected reset or truncation ends the session. Call it
    /// only while the server does not serve (before start(), or after
    /// stop()): the store is not thread safe.
    std::string answer_raw(std::string_view request_bytes);

    /// The sandbox's clock (record timestamps and the Date header): stops
    /// it at `t`; from then on it moves only by advance_clock() or another
    /// set_clock(), back in time too (a record written then is stamped in
    /// the future of what follows). One clock per process, shared by every
    /// sandbox in it. Thread-safe.
    static void set_clock(std::chrono::system_clock::time_point t);
    /// Moves the clock by `d`; a clock that was running stops at now + d.
    static void advance_clock(std::chrono::system_clock::duration d);
    /// What the clock reads now.
    static std::chrono::system_clock::time_point clock_now();
    /// Back to the system clock.
    static void reset_clock();

    /// Serves on the calling thread until stop().
    void run();
    /// Serves on a thread of its own.
    void start();
    /// Stops serving and joins the server's thread; idempotent.
    void stop();

private:
    class impl;
    std::unique_ptr<impl> impl_;
};

} // namespace sandbox
