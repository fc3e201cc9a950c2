// A scriptable HTTP/1.1 server on 127.0.0.1 for transport tests: counts
// connections and requests, and can misbehave on purpose.
#pragma once

#include <sandbox/self_signed.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace ktest {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

struct server_options {
    bool tls = false;
    std::chrono::milliseconds delay{0}; ///< before each response
    bool never_answer = false;          ///< read requests, answer none
    bool close_after_response = false;  ///< close the connection right after answering, keep-alive header or not
};

class test_server {
public:
    explicit test_server(server_options o = {})
        : opts_(o), ssl_(asio::ssl::context::tls_server), acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}) {
        if (o.tls) {
            cert_ = sandbox::make_self_signed();
            ssl_.use_certificate_chain(asio::buffer(cert_.cert_pem));
            ssl_.use_private_key(asio::buffer(cert_.key_pem), asio::ssl::context::pem);
        }
        asio::co_spawn(ioc_, accept_loop(), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~test_server() {
        ioc_.stop();
        thread_.join();
    }

    std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
    std::string base_url() const {
        return std::string(opts_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
    }
    const std::string& ca_pem() const { return cert_.cert_pem; }

    std::atomic<int> connections{0};
    std::atomic<int> requests{0};
    std::atomic<int> active{0};
    std::atomic<int> peak_active{0};

private:
    asio::awaitable<void> accept_loop() {
        for (;;) {
            auto [ec, sock] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            ++connections;
            if (opts_.tls)
                asio::co_spawn(ioc_, tls_session(std::move(sock)), asio::detached);
            else
                asio::co_spawn(ioc_, session(beast::tcp_stream(std::move(sock))), asio::detached);
        }
    }

    asio::awaitable<void> tls_session(asio::ip::tcp::socket sock) {
        beast::ssl_stream<beast::tcp_stream> s(beast::tcp_stream(std::move(sock)), ssl_);
        auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        co_await serve(s);
    }

    asio::awaitable<void> session(beast::tcp_stream s) { co_await serve(s); }

    template <class Stream>
    asio::awaitable<void> serve(Stream& s) {
        beast::flat_buffer buf;
        for (;;) {
            http::request<http::string_body> req;
            auto [ec, n] = co_await http::async_read(s, buf, req, asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            ++requests;
            int now = ++active;
            for (int p = peak_active.load(); now > p && !peak_active.compare_exchange_weak(p, now);) {
            }
            if (opts_.never_answer) {
                asio::steady_timer t(ioc_, std::chrono::hours(1));
                co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
                co_return;
            }
            if (opts_.delay.count() > 0) {
                asio::steady_timer t(ioc_, opts_.delay);
                co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
            }
            http::response<http::string_body> res{http::status::ok, 11};
            res.set(http::field::content_type, "application/vnd.api+json");
            res.body() = R"({"data":{"type":"profile","id":")" + std::to_string(requests.load()) +
                         R"(","attributes":{"email":"t@example.com"}},"echo":{"method":")" +
                         std::string(req.method_string()) + R"(","target":")" + std::string(req.target()) +
                         R"(","host":")" + std::string(req[http::field::host]) + R"(","content_length":")" +
                         std::string(req[http::field::content_length]) + R"(","body":")" + req.body() + R"("}})";
            res.keep_alive(req.keep_alive());
            res.prepare_payload();
            --active;
            auto [wec, wn] = co_await http::async_write(s, res, asio::as_tuple(asio::use_awaitable));
            if (wec || !req.keep_alive() || opts_.close_after_response) {
                beast::get_lowest_layer(s).socket().close();
                co_return;
            }
        }
    }

    server_options opts_;
    asio::io_context ioc_;
    asio::ssl::context ssl_;
    asio::ip::tcp::acceptor acceptor_;
    sandbox::certificate cert_;
    std::thread thread_;
};

} // namespace ktest
