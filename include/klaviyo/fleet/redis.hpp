// klaviyo-cpp fleet mode: a small Redis client, for pacing and OAuth refresh
// shared by every process of a fleet.
//
// Why our own, and why hiredis inside it: Boost.Redis would fit, but it needs
// Boost >= 1.84 and we build on 1.81. hiredis's own I/O is blocking, or needs
// one of its event-loop adapters, neither of which gives us Asio deadlines,
// per-operation cancellation or our executor. So hiredis does the protocol
// only (encoding commands, parsing replies from the bytes we feed it) and all
// I/O is ours, on Asio: sockets, TLS, timeouts, cancellation, pipelining.
//
// Shape: one socket per redis_connection, opened on first use and again after
// any failure. Concurrent commands from coroutines on the connection's
// executor (or strand) are pipelined on it: written in arrival order, their
// replies matched in the same order by one reader. No thread, no lock.
#pragma once

#include <klaviyo/fleet/detail/redis_session.hpp>
#include <klaviyo/fleet/redis_options.hpp>
#include <klaviyo/fleet/redis_reply.hpp>
#include <klaviyo/fleet/redis_script.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/system_error.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace klaviyo::fleet {

/// A lazily connected, pipelining Redis connection.
///
/// Failures (connecting, a closed connection, a missed deadline) throw
/// boost::system::system_error whose message names host:port and the step,
/// never the password; a missed deadline is asio::error::timed_out and closes
/// the connection (every other pending command fails with it). A cancelled
/// command throws asio::error::operation_aborted and leaves the connection
/// usable: its reply is read and dropped when it comes. An error reply from
/// the server is returned, not thrown.
template <class Executor = boost::asio::any_io_executor>
class redis_connection {
public:
    using executor_type = Executor; ///< the executor type its I/O runs on

    /// Not connected yet: the first command connects.
    redis_connection(const Executor& ex, redis_options opts)
        : ex_(ex), where_(where_of(opts)), opts_(std::make_shared<const redis_options>(std::move(opts))) {
        if (opts_->tls) tls_context_ = opts_->tls_context ? opts_->tls_context : default_tls_context();
    }
    redis_connection(const redis_connection&) = delete;
    redis_connection& operator=(const redis_connection&) = delete;
    ~redis_connection() { close(); }

    executor_type get_executor() const noexcept { return ex_; } ///< the executor its I/O runs on
    /// "redis host:port", as messages start.
    const std::string& endpoint() const noexcept { return where_; }

    /// One command, e.g. {"SET", key, value}; its reply (an error reply too).
    boost::asio::awaitable<redis_reply> async_command(std::vector<std::string> args) {
        std::vector<std::vector<std::string>> one;
        one.push_back(std::move(args));
        auto op = async_pipeline(std::move(one));
        auto replies = co_await std::move(op);
        co_return std::move(replies.front());
    }

    /// Several commands written at once; their replies, in order. They share
    /// one deadline and fail or are cancelled together.
    boost::asio::awaitable<std::vector<redis_reply>> async_pipeline(std::vector<std::vector<std::string>> commands) {
        namespace asio = boost::asio;
        std::vector<redis_reply> none;
        if (commands.empty()) co_return none;

        auto s = session();
        auto p = s->submit(commands, opts_->command_timeout);
        const auto timeout = opts_->command_timeout;
        // From here on nothing of *this is touched: the session and the
        // waiter keep what they need alive.
        boost::system::error_code ec;
        try {
            co_await p->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        } catch (...) {
            // Cancelled before it could even wait (the coroutine was already
            // cancelled): drop the replies when they come.
            p->abandoned = true;
            throw;
        }
        if (!p->done) {
            if (ec == asio::error::operation_aborted) {
                p->abandoned = true;
                throw boost::system::system_error(asio::error::operation_aborted, s->where() + ": command cancelled");
            }
            // The deadline passed: a server that does not answer in time is
            // taken for gone, with every command still waiting on it.
            s->fail(asio::error::timed_out,
                    s->where() + ": no reply within " + std::to_string(timeout.count()) + "ms");
        }
        if (p->ec) throw boost::system::system_error(p->ec, p->what);
        co_return std::move(p->replies);
    }

    /// EVALSHA, and EVAL with the text when the server does not know the
    /// script (NOSCRIPT: it restarted, or SCRIPT FLUSH). `script` must live
    /// until the call completes.
    boost::asio::awaitable<redis_reply> async_eval(const redis_script& script, std::vector<std::string> keys,
                                                   std::vector<std::string> args) {
        auto by_sha = async_command(eval_command("EVALSHA", script.sha1, keys, args));
        redis_reply r = co_await std::move(by_sha);
        if (!r.is_error("NOSCRIPT")) co_return r;
        auto by_text = async_command(eval_command("EVAL", script.text, keys, args));
        co_return co_await std::move(by_text);
    }

    /// Closes the socket; commands waiting on it fail with operation_aborted.
    /// The next command connects again.
    void close() {
        if (!session_) return;
        session_->fail(boost::asio::error::operation_aborted, where_ + ": connection closed");
        session_.reset();
    }

    /// Connected and authenticated (not merely connecting).
    bool connected() const noexcept { return session_ && session_->ready(); }

private:
    using session_type = detail::redis_session<Executor>;

    static std::string where_of(const redis_options& o) {
        const bool v6 = o.host.find(':') != std::string::npos;
        return "redis " + (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port);
    }

    static std::shared_ptr<boost::asio::ssl::context> default_tls_context() {
        namespace ssl = boost::asio::ssl;
        auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
        SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
        ctx->set_default_verify_paths();
        ctx->set_verify_mode(ssl::verify_peer);
        return ctx;
    }

    static std::vector<std::string> eval_command(const char* verb, const std::string& script,
                                                 const std::vector<std::string>& keys,
                                                 const std::vector<std::string>& args) {
        std::vector<std::string> c;
        c.reserve(3 + keys.size() + args.size());
        c.emplace_back(verb);
        c.push_back(script);
        c.push_back(std::to_string(keys.size()));
        c.insert(c.end(), keys.begin(), keys.end());
        c.insert(c.end(), args.begin(), args.end());
        return c;
    }

    // The live session, or a new one (connecting) when there is none, it
    // failed, or the server closed it while it sat idle.
    std::shared_ptr<session_type> session() {
        if (session_ && !session_->closed() && session_->ready() && session_->idle() && session_->peer_closed())
            session_->fail(boost::asio::error::eof, where_ + ": the server closed the connection");
        if (!session_ || session_->closed()) {
            session_ = std::make_shared<session_type>(ex_, opts_, tls_context_, where_);
            session_->start();
        }
        return session_;
    }

    Executor ex_;
    std::string where_;
    std::shared_ptr<const redis_options> opts_;
    std::shared_ptr<boost::asio::ssl::context> tls_context_;
    std::shared_ptr<session_type> session_;
};

} // namespace klaviyo::fleet
