// klaviyo-cpp fleet mode: one Redis connection's life, from connecting to
// closed. A connection that fails is never reused: redis_connection makes a
// new session for the next command, so a session needs no "reconnect" state.
//
// Commands are pipelined: their bytes go to one write buffer, their waiters
// to a FIFO queue, and one reader hands each reply to the queue's front.
// Nothing here locks: everything runs on the connection's executor.
#pragma once

#include <klaviyo/fleet/detail/hiredis.hpp>
#include <klaviyo/fleet/redis_options.hpp>
#include <klaviyo/fleet/redis_reply.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/system/errc.hpp>

#if !defined(_WIN32)
#include <sys/socket.h>
#endif

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace klaviyo::fleet::detail {

namespace asio = boost::asio;
using redis_clock = std::chrono::steady_clock;

/// One command, or one pipeline, waiting for its replies. Its caller sleeps on
/// `wake`, a timer set to the deadline: the reader cancels it when the last
/// reply is in, a failure of the connection cancels it too, and if it expires
/// on its own the deadline has passed.
template <class Executor>
struct redis_pending {
    using timer_type = asio::basic_waitable_timer<redis_clock, asio::wait_traits<redis_clock>, Executor>;

    redis_pending(const Executor& ex, std::size_t n, redis_clock::time_point deadline)
        : wake(ex, deadline), expected(n) {
        replies.reserve(n);
    }

    void finish() {
        done = true;
        wake.cancel();
    }

    timer_type wake;
    std::size_t expected;
    std::vector<redis_reply> replies;
    boost::system::error_code ec; // the connection's failure, when done without replies
    std::string what;
    bool done = false;
    /// Its caller was cancelled: the replies are still read (to keep the
    /// FIFO aligned) and then dropped.
    bool abandoned = false;
};

template <class Executor>
class redis_session : public std::enable_shared_from_this<redis_session<Executor>> {
public:
    using pending = redis_pending<Executor>;
    using socket_type = asio::basic_stream_socket<asio::ip::tcp, Executor>;
    using tls_stream_type = asio::ssl::stream<socket_type>;
    using resolver_type = asio::ip::basic_resolver<asio::ip::tcp, Executor>;
    using timer_type = typename pending::timer_type;

    /// `tls_context` is null for plain TCP. `where` ("redis host:port")
    /// starts every message; it holds nothing secret.
    redis_session(const Executor& ex, std::shared_ptr<const redis_options> opts,
                  std::shared_ptr<asio::ssl::context> tls_context, std::string where)
        : ex_(ex), opts_(std::move(opts)), tls_context_(std::move(tls_context)), where_(std::move(where)),
          resolver_(ex), plain_(ex), connect_timer_(ex) {
        if (tls_context_) tls_.emplace(ex, *tls_context_);
    }

    /// Starts connecting; commands submitted meanwhile wait in the queue.
    void start() {
        connect_deadline_ = redis_clock::now() + opts_->connect_timeout;
        connect_timer_.expires_at(connect_deadline_);
        connect_timer_.async_wait([self = this->shared_from_this()](const boost::system::error_code& ec) {
            if (!ec && self->phase_ == phase::connecting)
                self->fail(asio::error::timed_out, self->where_ + ": " + self->step_ + ": no answer within " +
                                                       std::to_string(self->opts_->connect_timeout.count()) + "ms");
        });
        spawn(&redis_session::run);
    }

    /// Queues commands (their bytes and one waiter for all their replies).
    /// The deadline counts from now, or from the end of connecting.
    std::shared_ptr<pending> submit(const std::vector<std::vector<std::string>>& commands,
                                    std::chrono::milliseconds timeout) {
        std::string bytes;
        for (const auto& c : commands) append_command(bytes, c);
        const auto from = phase_ == phase::connecting ? connect_deadline_ : redis_clock::now();
        auto p = std::make_shared<pending>(ex_, commands.size(), from + timeout);
        out_ += bytes;
        queue_.push_back(p);
        start_write();
        return p;
    }

    /// Closes the socket and completes every waiter with `ec` and `what`.
    /// The first failure wins; later ones (the reader seeing the closed
    /// socket, say) change nothing.
    void fail(boost::system::error_code ec, const std::string& what) {
        if (phase_ == phase::closed) return;
        // Without Asio's source location: messages name our step instead.
        ec = boost::system::error_code(ec.value(), ec.category());
        phase_ = phase::closed;
        boost::system::error_code ignored;
        resolver_.cancel();
        connect_timer_.cancel();
        socket().close(ignored);
        auto waiting = std::move(queue_);
        queue_.clear();
        out_.clear();
        for (auto& p : waiting) {
            if (p->done || p->abandoned) continue;
            p->ec = ec;
            p->what = what;
            p->finish();
        }
    }

    bool ready() const noexcept { return phase_ == phase::ready; }
    bool closed() const noexcept { return phase_ == phase::closed; }
    bool idle() const noexcept { return queue_.empty(); }
    const std::string& where() const noexcept { return where_; }

    /// Whether the server has closed an idle connection (it restarted, or
    /// timed us out) and the reader has not run since to notice. Checked
    /// before reusing the connection so that a command is not written into a
    /// socket known to be dead. One non-blocking peek, POSIX only.
    bool peer_closed() {
#if defined(_WIN32)
        return false;
#else
        char c = 0;
        return ::recv(socket().native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
#endif
    }

private:
    enum class phase { connecting, ready, closed };
    using loop = asio::awaitable<void> (*)(std::shared_ptr<redis_session>);

    socket_type& socket() noexcept { return tls_ ? tls_->next_layer() : plain_; }

    // Our loops hold the session alive; an exception (bad_alloc) in one of
    // them fails the connection rather than leaving its waiters asleep.
    void spawn(loop f) {
        auto self = this->shared_from_this();
        asio::co_spawn(ex_, f(self), [self](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                self->fail(boost::system::errc::make_error_code(boost::system::errc::io_error),
                           self->where_ + ": internal error: " + x.what());
            }
        });
    }

    void start_write() {
        if (phase_ != phase::ready || writing_ || out_.empty()) return;
        writing_ = true;
        spawn(&redis_session::write_loop);
    }

    // Fails the session with `ec` (if any) named after the current step.
    // True when the caller must stop: failed now, or closed meanwhile.
    bool failed(const boost::system::error_code& ec, const std::string& step) {
        if (phase_ == phase::closed) return true;
        if (!ec) return false;
        fail(ec, where_ + ": " + step);
        return true;
    }

    static asio::awaitable<void> run(std::shared_ptr<redis_session> self) {
        const redis_options& o = *self->opts_;
        boost::system::error_code ec;

        self->step_ = "resolve";
        auto endpoints = co_await self->resolver_.async_resolve(o.host, std::to_string(o.port),
                                                                asio::redirect_error(asio::use_awaitable, ec));
        if (self->failed(ec, self->step_)) co_return;

        self->step_ = "connect";
        co_await asio::async_connect(self->socket(), endpoints, asio::redirect_error(asio::use_awaitable, ec));
        if (self->failed(ec, self->step_)) co_return;
        // Small commands, answered at once: do not let Nagle hold them back.
        self->socket().set_option(asio::ip::tcp::no_delay(true), ec);

        if (self->tls_) {
            self->step_ = "TLS handshake";
            if (!self->prepare_tls()) co_return;
            co_await self->tls_->async_handshake(asio::ssl::stream_base::client,
                                                 asio::redirect_error(asio::use_awaitable, ec));
            if (ec && self->phase_ != phase::closed) {
                std::string what = self->where_ + ": TLS handshake";
                const long v = SSL_get_verify_result(self->tls_->native_handle());
                if (self->name_mismatch_)
                    what += " (the certificate is not for " + self->server_name() + ")";
                else if (v != X509_V_OK)
                    what += std::string(" (") + X509_verify_cert_error_string(v) + ")";
                self->fail(ec, what);
            }
            if (self->failed(ec, self->step_)) co_return;
        }

        // The reader runs from here on; it also reads AUTH's and SELECT's replies.
        self->spawn(&redis_session::read_loop);
        if (!co_await self->hello()) co_return;

        self->phase_ = phase::ready;
        self->connect_timer_.cancel();
        self->start_write();
    }

    const std::string& server_name() const noexcept {
        return opts_->tls_server_name.empty() ? opts_->host : opts_->tls_server_name;
    }

    bool prepare_tls() {
        const std::string& name = server_name();
        boost::system::error_code not_ip;
        asio::ip::make_address(name, not_ip);
        // SNI carries host names only (RFC 6066), never an address.
        if (not_ip && !SSL_set_tlsext_host_name(tls_->native_handle(), name.c_str())) {
            fail(asio::error::invalid_argument, where_ + ": TLS: the name " + name + " cannot be sent as SNI");
            return false;
        }
        boost::system::error_code ec;
        tls_->set_verify_mode(asio::ssl::verify_peer, ec);
        // Asio's name check, noting a mismatch: OpenSSL alone would only say
        // "unspecified certificate verification error".
        if (!ec)
            tls_->set_verify_callback(
                [check = asio::ssl::host_name_verification(name), this](bool preverified,
                                                                        asio::ssl::verify_context& ctx) mutable {
                    const bool ok = check(preverified, ctx);
                    if (preverified && !ok) name_mismatch_ = true;
                    return ok;
                },
                ec);
        return !failed(ec, "TLS setup");
    }

    // AUTH and SELECT, before any caller's command is written: a command
    // must never run unauthenticated or in database 0 by mistake.

    asio::awaitable<bool> hello() {
        const redis_options& o = *opts_;
        std::vector<std::vector<std::string>> commands;
        std::vector<std::string> steps;
        if (!o.password.empty()) {
            std::vector<std::string> auth{"AUTH"};
            if (!o.username.empty()) auth.push_back(o.username);
            auth.push_back(o.password);
            commands.push_back(std::move(auth));
            steps.push_back("AUTH");
        }
        if (o.database != 0) {
            std::vector<std::string> select{"SELECT", std::to_string(o.database)};
            commands.push_back(std::move(select));
            steps.push_back("SELECT");
        }
        if (commands.empty()) co_return true;

        step_ = steps.front();
        std::string bytes;
        for (const auto& c : commands) append_command(bytes, c);
        // Before anything a caller queued meanwhile; its end is the connect deadline.
        auto p = std::make_shared<pending>(ex_, commands.size(), redis_clock::time_point::max());
        queue_.push_front(p);

        boost::system::error_code ec;
        if (tls_)
            co_await asio::async_write(*tls_, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
        else
            co_await asio::async_write(plain_, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
        bytes.assign(bytes.size(), '\0'); // it held the password
        if (failed(ec, step_)) co_return false;

        co_await p->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        if (phase_ == phase::closed) co_return false;
        for (std::size_t i = 0; i < p->replies.size(); ++i) {
            const redis_reply& r = p->replies[i];
            if (!r.is_error()) continue;
            // Redis does not echo the password; scrub it anyway, should a
            // proxy in between do so.
            std::string text = r.text;
            if (!o.password.empty())
                for (auto at = text.find(o.password); at != std::string::npos; at = text.find(o.password))
                    text.replace(at, o.password.size(), "***");
            fail(steps[i] == "AUTH" ? asio::error::access_denied : asio::error::invalid_argument,
                 where_ + ": " + steps[i] + " refused: " + text);
            co_return false;
        }
        co_return true;
    }

    static asio::awaitable<void> read_loop(std::shared_ptr<redis_session> self) {
        boost::system::error_code ec;
        for (;;) {
            auto buffer = asio::buffer(self->in_);
            std::size_t n = 0;
            if (self->tls_)
                n = co_await self->tls_->async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec));
            else
                n = co_await self->plain_.async_read_some(buffer, asio::redirect_error(asio::use_awaitable, ec));
            if (self->failed(ec, self->phase_ == phase::connecting ? self->step_ : std::string("read"))) co_return;
            if (!self->parse(n)) co_return;
        }
    }

    // Hands every whole reply in the new bytes to the queue's front.
    bool parse(std::size_t n) {
        if (!reader_.feed(in_.data(), n)) return protocol_error();
        for (;;) {
            redis_reply r;
            const auto s = reader_.next(r);
            if (s == hiredis_reader::status::need_more) return true;
            if (s == hiredis_reader::status::protocol_error) return protocol_error();
            if (queue_.empty()) {
                fail(boost::system::errc::make_error_code(boost::system::errc::protocol_error),
                     where_ + ": a reply to no command (" + r.text.substr(0, 64) + ")");
                return false;
            }
            auto& p = queue_.front();
            p->replies.push_back(std::move(r));
            if (p->replies.size() == p->expected) {
                auto whole = std::move(p);
                queue_.pop_front();
                if (!whole->abandoned) whole->finish();
            }
        }
    }

    bool protocol_error() {
        fail(boost::system::errc::make_error_code(boost::system::errc::protocol_error),
             where_ + ": protocol error: " + reader_.error());
        return false;
    }

    // Writes everything queued, then ends; the next submit starts another.
    // Commands queued during a write go out together in the next one.
    static asio::awaitable<void> write_loop(std::shared_ptr<redis_session> self) {
        boost::system::error_code ec;
        while (self->phase_ == phase::ready && !self->out_.empty()) {
            self->sending_.clear();
            std::swap(self->sending_, self->out_);
            auto buffer = asio::buffer(self->sending_);
            if (self->tls_)
                co_await asio::async_write(*self->tls_, buffer, asio::redirect_error(asio::use_awaitable, ec));
            else
                co_await asio::async_write(self->plain_, buffer, asio::redirect_error(asio::use_awaitable, ec));
            if (self->failed(ec, "write")) co_return;
        }
        self->writing_ = false;
    }

    Executor ex_;
    std::shared_ptr<const redis_options> opts_;
    std::shared_ptr<asio::ssl::context> tls_context_;
    std::string where_;
    resolver_type resolver_;
    socket_type plain_;                   // the socket, without TLS
    std::optional<tls_stream_type> tls_;  // the socket and TLS, with TLS
    timer_type connect_timer_;
    redis_clock::time_point connect_deadline_{};
    phase phase_ = phase::connecting;
    std::string step_ = "resolve";
    std::deque<std::shared_ptr<pending>> queue_;
    std::string out_;     // encoded, not yet written
    std::string sending_; // being written
    bool writing_ = false;
    bool name_mismatch_ = false;
    hiredis_reader reader_;
    std::array<char, 16 * 1024> in_{};
};

} // namespace klaviyo::fleet::detail
