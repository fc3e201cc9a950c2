// klaviyo-cpp: the HTTP/1.1 transport over Boost.Beast, with a keep-alive pool.
//
// HTTPS verifies the peer's chain (system store, or a CA the caller gives)
// and host name, and sends SNI. Plain HTTP is for loopback (tests, sandbox).
// Each origin has its own pool, bounded by max_connections_per_host; callers
// beyond it wait in FIFO order, bounded by their deadline and by
// max_waiting_per_host.
#pragma once

#include <klaviyo/completion.hpp>
#include <klaviyo/error.hpp>
#include <klaviyo/http.hpp>
#include <klaviyo/options.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <sys/socket.h>

namespace klaviyo {

namespace detail {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

/// Thrown inside the transport's coroutine, turned into an error_code (and
/// the answer's `failure` and `unsent`) at its edge.
struct transport_failure {
    error_code ec;
    std::string what{};  ///< which step failed, against which host, and the system's reason
    bool unsent = false; ///< no complete request left
};

/// "host:port", as failure texts name a peer.
inline std::string peer_name(const origin& o) { return o.host + ":" + std::to_string(o.port); }

/// What failed: "<step> timed out" or "<step>: <reason>".
inline std::string failure_text(std::string step, const error_code& ec) {
    if (ec == boost::beast::error::timeout || ec == errc::timeout) return step + " timed out";
    return step + ": " + ec.message();
}

/// Writes the request line and headers into `out` (its capacity is reused
/// from request to request). A fixed-format request needs none of a general
/// serializer's machinery, which cost more than parsing the answer. False if
/// a CR, LF or NUL would let a value start a header of its own.
inline bool write_head(std::string& out, const http_request& r) {
    auto clean = [](std::string_view v) { return v.find_first_of(std::string_view("\r\n\0", 3)) == v.npos; };
    out.clear();
    out.append(to_string(r.method)).append(" ").append(r.target).append(" HTTP/1.1\r\nHost: ").append(r.origin.host);
    if (r.origin.port != (r.origin.tls ? 443 : 80)) out.append(":").append(std::to_string(r.origin.port));
    out.append("\r\n");
    bool ok = clean(r.target) && clean(r.origin.host);
    for (const auto& [k, v] : r.headers) {
        ok = ok && clean(k) && clean(v) && k.find(':') == std::string::npos;
        out.append(k).append(": ").append(v).append("\r\n");
    }
    // As Beast's prepare_payload: a length for any body, and for the methods
    // that carry one even when it is empty.
    if (!r.body.empty() || r.method == http_method::post || r.method == http_method::put ||
        r.method == http_method::patch)
        out.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n");
    out.append("\r\n");
    return ok;
}

/// One kept-alive connection, plain or TLS.
struct pooled_connection {
    // Room for a typical answer from the start: Beast reads what the buffer
    // has room for, and growing from nothing costs a read per doubling. A
    // single resource fits; a page of 100 profiles grows it once.
    explicit pooled_connection(const asio::any_io_executor& ex) : tcp(ex) { buffer.reserve(2048); }
    pooled_connection(const asio::any_io_executor& ex, asio::ssl::context& ctx) : tcp(ex), tls(std::in_place, ex, ctx) {
        buffer.reserve(2048);
    }

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : tcp; }

    /// True when the peer has neither closed nor written anything since the
    /// last response: a non-blocking peek must find nothing to read.
    /// One system call per reuse: MSG_DONTWAIT instead of switching the
    /// socket's non-blocking mode back and forth (two more).
    bool looks_alive() {
        char c;
        const auto n = ::recv(lowest().socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }

    beast::tcp_stream tcp;                                   // used when plain
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls; // used when TLS
    beast::flat_buffer buffer;
    std::string head; ///< the request line and headers of the request being sent; capacity kept
    clock::time_point idle_since{};
    bool reused = false;
};

} // namespace detail

/// Sends HTTP requests over a per-origin keep-alive pool.
///
/// @par Thread safety
/// Not thread safe: use it (through its client) from one thread or strand.
template <class Executor = asio::any_io_executor>
class beast_transport {
public:
    using executor_type = Executor; ///< the executor the connections' I/O runs on

    /// Sets up TLS from `opts`: trusts `ca_pem` or `ca_file` if given, else the system store (loaded at the first TLS
    /// connection). Opens no connection. Throws std::invalid_argument when max_connections_per_host is 0.
    beast_transport(const executor_type& ex, transport_options opts = {})
        : ex_(ex), opts_(std::move(opts)), ssl_(asio::ssl::context::tls_client) {
        if (opts_.max_connections_per_host == 0)
            throw std::invalid_argument("klaviyo: max_connections_per_host must be at least 1");
        ssl_.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        if (!opts_.ca_pem.empty())
            ssl_.add_certificate_authority(asio::buffer(opts_.ca_pem));
        else if (!opts_.ca_file.empty())
            ssl_.load_verify_file(opts_.ca_file);
        else
            system_trust_pending_ = true; // loaded on the first TLS connection: it costs ~60 ms of CPU
        ssl_.set_verify_mode(opts_.verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none);
    }

    beast_transport(const beast_transport&) = delete;
    beast_transport& operator=(const beast_transport&) = delete;

    executor_type get_executor() const noexcept { return ex_; } ///< the executor given at construction

    /// Connections opened since construction (for tests and metrics).
    std::size_t connections_opened() const noexcept { return opened_; }
    /// Connections open now to `o`, busy or idle.
    std::size_t open_connections(const origin& o) const {
        auto it = pools_.find(o);
        return it == pools_.end() ? 0 : it->second.open;
    }
    /// Most connections ever open at once to one origin.
    std::size_t peak_connections() const noexcept { return peak_; }

    /// Sends `req` and reads the response, within `timeout`.
    ///
    /// Completes with `void(error_code, http_response)`. Errors:
    /// errc::connect_failed (the request was not sent), errc::connection_lost
    /// (it was sent, the response did not arrive whole), errc::timeout,
    /// errc::pool_full, asio::error::operation_aborted (cancelled). On an
    /// error, the response's `failure` says which step failed against which
    /// host and why, and `unsent` whether the request cannot have left.
    /// `req` must stay valid until completion.
    template <class Token>
    auto async_send(const http_request& req, std::chrono::milliseconds timeout, Token&& token) {
        return asio::async_initiate<Token, void(error_code, http_response)>(
            [this](auto handler, const http_request* r, std::chrono::milliseconds t) {
                auto slot = asio::get_associated_cancellation_slot(handler);
                auto hex = asio::get_associated_executor(handler, ex_);
                asio::co_spawn(ex_, exchange(r, detail::clock::now() + t),
                               asio::bind_cancellation_slot(
                                   slot, asio::bind_executor(hex, [h = std::move(handler), slot](
                                                                      std::exception_ptr ep, http_response resp) mutable {
                                       if (slot.is_connected()) slot.clear(); // as in detail::launch_parsed
                                       error_code ec;
                                       if (ep) {
                                           try {
                                               std::rethrow_exception(ep);
                                           } catch (const detail::transport_failure& f) {
                                               ec = f.ec;
                                               resp.failure = f.what;
                                               resp.unsent = f.unsent;
                                           } catch (const boost::system::system_error& e) {
                                               ec = e.code();
                                           } catch (...) {
                                               ec = make_error_code(errc::connection_lost);
                                           }
                                       }
                                       std::move(h)(ec, std::move(resp));
                                   })));
            },
            token, &req, timeout);
    }

private:
    using conn_ptr = std::unique_ptr<detail::pooled_connection>;

    struct waiter {
        asio::steady_timer timer;
        conn_ptr conn;        // a released connection handed over, or
        bool granted = false; // a free slot to open a new one
    };

    struct host_pool {
        std::vector<conn_ptr> idle; // LIFO: the warmest connection first
        std::size_t open = 0;
        std::deque<waiter*> waiters;
    };

    /// Orders pools by origin: no key string to build for each request.
    struct origin_less {
        bool operator()(const origin& a, const origin& b) const noexcept {
            return std::tie(a.tls, a.port, a.host) < std::tie(b.tls, b.port, b.host);
        }
    };

    /// The error the caller's fault injector gives `step`, if any (see transport_options::inject_fault).
    error_code fault(transport_step step) const { return opts_.inject_fault ? opts_.inject_fault(step) : error_code{}; }

    /// How one round trip ended: the error and the step it struck in.
    struct trip {
        error_code ec;
        transport_step step = transport_step::write;
        bool sent = false;         ///< the whole request was written
        std::size_t received = 0;  ///< bytes of the answer read
        bool keep_alive = false;
    };

    static error_code classify(error_code ec, error_code otherwise) {
        if (ec == boost::beast::error::timeout) return make_error_code(errc::timeout);
        if (ec == asio::error::operation_aborted) return ec;
        return otherwise;
    }

    /// A connection taken from a pool, given back (or discarded) exactly once.
    /// An exception between two awaits (a cancellation, say) must not leak
    /// the pool slot the connection stands for.
    struct lease {
        beast_transport* self;
        host_pool* pool;
        conn_ptr conn;
        lease(beast_transport* s, host_pool* p, conn_ptr c) : self(s), pool(p), conn(std::move(c)) {}
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;
        ~lease() {
            if (conn) self->discard(*pool, std::move(conn));
        }
    };

    /// One request on a pooled connection. Defined below the class, not in
    /// it, so that <klaviyo/src.hpp> can compile it once (see client.hpp).
    asio::awaitable<http_response> exchange(const http_request* req, detail::clock::time_point deadline);

    template <class Stream>
    asio::awaitable<trip> round_trip(Stream& stream, detail::pooled_connection& c, const http_request& r,
                                     detail::clock::time_point deadline, http_response& out) {
        namespace http = boost::beast::http;
        trip t;
        if (!detail::write_head(c.head, r)) {
            t.ec = make_error_code(errc::invalid_argument);
            co_return t;
        }
        const std::array<asio::const_buffer, 2> out_buffers{asio::buffer(c.head), asio::buffer(r.body)};
        c.lowest().expires_at(deadline);
        if ((t.ec = fault(transport_step::write))) co_return t;
        std::tie(t.ec, std::ignore) =
            co_await asio::async_write(stream, out_buffers, asio::as_tuple(asio::use_awaitable));
        if (t.ec) co_return t;
        t.sent = true;

        // The header and the body are read in two steps so that a failure
        // says which it struck (and the failure matrix can reach each).
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        parser.header_limit(64 * 1024);
        c.lowest().expires_at(deadline);
        t.step = transport_step::read_header;
        if ((t.ec = fault(t.step))) co_return t;
        std::size_t n = 0;
        std::tie(t.ec, n) =
            co_await http::async_read_header(stream, c.buffer, parser, asio::as_tuple(asio::use_awaitable));
        t.received += n;
        if (t.ec) co_return t;
        if (!parser.is_done()) {
            t.step = transport_step::read_body;
            if ((t.ec = fault(t.step))) co_return t;
            std::tie(t.ec, n) = co_await http::async_read(stream, c.buffer, parser, asio::as_tuple(asio::use_awaitable));
            t.received += n;
            if (t.ec) co_return t;
        }
        auto& res = parser.get();
        out.status = res.result_int();
        out.headers.reserve(8);
        for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        out.body = std::move(res.body());
        c.lowest().expires_never();
        t.keep_alive = res.keep_alive();
        co_return t;
    }

    asio::awaitable<conn_ptr> acquire(host_pool& pool, const origin& o, detail::clock::time_point deadline,
                                      bool look_first) {
        auto now = detail::clock::now();
        while (!pool.idle.empty()) {
            conn_ptr c = std::move(pool.idle.back());
            pool.idle.pop_back();
            if (now - c->idle_since < opts_.idle_timeout && (!look_first || c->looks_alive())) {
                c->reused = true;
                co_return c;
            }
            discard(pool, std::move(c));
        }
        if (pool.open < opts_.max_connections_per_host) {
            ++pool.open;
            peak_ = std::max(peak_, pool.open);
            co_return co_await open_slot(pool, o, deadline);
        }
        if (pool.waiters.size() >= opts_.max_waiting_per_host)
            throw detail::transport_failure{make_error_code(errc::pool_full),
                                            std::to_string(pool.waiters.size()) +
                                                " calls already wait for a connection to " + detail::peer_name(o),
                                            true};
        waiter w{asio::steady_timer(ex_, deadline), nullptr, false};
        pool.waiters.push_back(&w);
        // Leaves the queue however this frame is left: an await can throw
        // (already cancelled) before the wait even starts.
        struct dequeue {
            host_pool& pool;
            waiter& w;
            ~dequeue() {
                if (auto it = std::find(pool.waiters.begin(), pool.waiters.end(), &w); it != pool.waiters.end())
                    pool.waiters.erase(it);
            }
        } guard{pool, w};
        auto [ec] = co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!w.granted) {
            if (ec == asio::error::operation_aborted) throw detail::transport_failure{ec, {}, true};
            throw detail::transport_failure{make_error_code(errc::timeout),
                                            "waiting for a free connection to " + detail::peer_name(o) + " timed out",
                                            true};
        }
        if (w.conn) {
            w.conn->reused = true;
            co_return std::move(w.conn);
        }
        co_return co_await open_slot(pool, o, deadline); // a slot was handed over
    }

    /// Opens a connection in a slot already counted in pool.open.
    asio::awaitable<conn_ptr> open_slot(host_pool& pool, const origin& o, detail::clock::time_point deadline) {
        try {
            co_return co_await connect(o, deadline);
        } catch (...) {
            free_slot(pool);
            throw;
        }
    }

    asio::awaitable<conn_ptr> connect(const origin& o, detail::clock::time_point deadline) {
        auto ex = co_await asio::this_coro::executor;
        detail::tcp::resolver resolver(ex);
        // Resolvers have no deadline of their own: cancel it from a timer.
        asio::steady_timer guard(ex, deadline);
        guard.async_wait([&resolver](error_code ec) {
            if (!ec) resolver.cancel();
        });
        detail::tcp::resolver::results_type endpoints;
        error_code rec = fault(transport_step::resolve);
        if (!rec)
            std::tie(rec, endpoints) =
                co_await resolver.async_resolve(o.host, std::to_string(o.port), asio::as_tuple(asio::use_awaitable));
        // The resolver reports its deadline as a cancellation (the guard's);
        // an injected fault reports it as Beast's timeout.
        bool expired = detail::clock::now() >= deadline || rec == boost::beast::error::timeout;
        guard.cancel();
        if (rec) {
            if (rec == asio::error::operation_aborted && !expired) throw detail::transport_failure{rec, {}, true};
            throw detail::transport_failure{make_error_code(expired ? errc::timeout : errc::connect_failed),
                                            expired ? "resolving " + o.host + " timed out"
                                                    : detail::failure_text("resolving " + o.host, rec),
                                            true};
        }

        if (o.tls && system_trust_pending_) {
            ssl_.set_default_verify_paths();
            system_trust_pending_ = false;
        }
        auto c = o.tls ? std::make_unique<detail::pooled_connection>(ex, ssl_)
                       : std::make_unique<detail::pooled_connection>(ex);
        auto& tcp = c->lowest();
        tcp.expires_at(deadline);
        error_code cec = fault(transport_step::connect);
        if (!cec) std::tie(cec, std::ignore) = co_await tcp.async_connect(endpoints, asio::as_tuple(asio::use_awaitable));
        if (cec)
            throw detail::transport_failure{classify(cec, make_error_code(errc::connect_failed)),
                                            detail::failure_text("connect to " + detail::peer_name(o), cec), true};
        error_code ignored;
        tcp.socket().set_option(detail::tcp::no_delay(true), ignored);
        ++opened_;
        if (c->tls) {
            if (!SSL_set_tlsext_host_name(c->tls->native_handle(), o.host.c_str()))
                throw detail::transport_failure{make_error_code(errc::connect_failed),
                                                "TLS: the host name " + o.host + " cannot be sent as SNI", true};
            if (opts_.verify_peer) c->tls->set_verify_callback(asio::ssl::host_name_verification(o.host));
            error_code hec = fault(transport_step::handshake);
            if (!hec)
                std::tie(hec) = co_await c->tls->async_handshake(asio::ssl::stream_base::client,
                                                                 asio::as_tuple(asio::use_awaitable));
            if (hec) {
                // OpenSSL's reason names the verification failure (an
                // unknown CA, an expired or self-signed certificate, a
                // host name mismatch); the error code alone does not.
                auto what = detail::failure_text("TLS handshake with " + detail::peer_name(o), hec);
                if (const long v = SSL_get_verify_result(c->tls->native_handle()); v != X509_V_OK && hec != boost::beast::error::timeout)
                    what += std::string(" (") + X509_verify_cert_error_string(v) + ")";
                throw detail::transport_failure{classify(hec, make_error_code(errc::connect_failed)), std::move(what),
                                                true};
            }
        }
        tcp.expires_never();
        co_return c;
    }

    void release(host_pool& pool, conn_ptr c) {
        if (!pool.waiters.empty()) { // hand it straight to the longest waiter
            waiter* w = pool.waiters.front();
            pool.waiters.pop_front();
            w->conn = std::move(c);
            w->granted = true;
            w->timer.cancel();
            return;
        }
        c->idle_since = detail::clock::now();
        c->reused = false;
        pool.idle.push_back(std::move(c));
    }

    void discard(host_pool& pool, conn_ptr c) {
        error_code ignored;
        c->lowest().socket().close(ignored);
        c.reset();
        free_slot(pool);
    }

    void free_slot(host_pool& pool) {
        if (!pool.waiters.empty()) { // the slot goes to the longest waiter
            waiter* w = pool.waiters.front();
            pool.waiters.pop_front();
            w->granted = true;
            w->timer.cancel();
            return;
        }
        --pool.open;
    }

    executor_type ex_;
    transport_options opts_;
    asio::ssl::context ssl_;
    std::map<origin, host_pool, origin_less> pools_;
    bool system_trust_pending_ = false; ///< the system CA store is yet to be loaded
    std::size_t opened_ = 0;
    std::size_t peak_ = 0;
};

template <class Executor>
asio::awaitable<http_response> beast_transport<Executor>::exchange(const http_request* req,
                                                                   detail::clock::time_point deadline) {
    auto& pool = pools_[req->origin];
    for (int attempt = 0;; ++attempt) {
        // A request that may be replayed finds out a reused connection
        // was closed by trying it (see below); one that must not be
        // replayed, or a replay, pays a system call to look first.
        const bool look_first = !req->idempotent || attempt > 0;
        lease l(this, &pool, co_await acquire(pool, req->origin, deadline, look_first));
        auto& c = *l.conn;
        bool reused = c.reused;
        http_response resp;
        trip t = c.tls ? co_await round_trip(*c.tls, c, *req, deadline, resp)
                       : co_await round_trip(c.tcp, c, *req, deadline, resp);
        if (!t.ec) {
            if (t.keep_alive) release(pool, std::move(l.conn));
            co_return resp; // otherwise the lease discards it
        }
        discard(pool, std::move(l.conn));
        if (t.ec == errc::invalid_argument)
            throw detail::transport_failure{t.ec, "a header, the target or the host holds a CR, LF or NUL", true};
        if (t.ec == asio::error::operation_aborted) throw detail::transport_failure{t.ec, {}, !t.sent};
        // A kept-alive connection the server had already closed: replay
        // once on a fresh one when nothing came back and either the
        // request never left or repeating it is harmless.
        if (reused && attempt == 0 && t.received == 0 && t.ec != boost::beast::error::timeout &&
            (!t.sent || req->idempotent))
            continue;
        const auto peer = detail::peer_name(req->origin);
        const auto step = t.step == transport_step::write         ? "sending the request to " + peer
                          : t.step == transport_step::read_header ? "reading the answer's header from " + peer
                                                                  : "reading the answer's body from " + peer;
        throw detail::transport_failure{
            classify(t.ec, make_error_code(t.sent ? errc::connection_lost : errc::connect_failed)),
            detail::failure_text(step, t.ec), !t.sent};
    }
}

} // namespace klaviyo
