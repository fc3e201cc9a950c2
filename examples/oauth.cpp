// klaviyo-cpp OAuth example: authorize, take the redirect on 127.0.0.1,
// exchange the code, make one call with the token.
//
// With KLAVIYO_OAUTH_CLIENT_ID and KLAVIYO_OAUTH_CLIENT_SECRET set it uses
// your Klaviyo app: it prints the authorize URL, you open it in a browser,
// and the redirect must come to http://127.0.0.1:<KLAVIYO_OAUTH_PORT or
// 8765>/callback (register that redirect URI with the app). It waits 5
// minutes at most. Without them it runs against the local sandbox, where a
// built-in "browser" follows the redirect, so it completes unattended.
#include "local_stand_in.hpp"

#include <klaviyo/klaviyo.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <cstdlib>
#include <iostream>

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;

/// Accepts one HTTP request on `acceptor` (the browser coming back) and
/// returns its target ("/callback?code=...&state=...").
asio::awaitable<std::string> receive_redirect(tcp::acceptor& acceptor) {
    boost::beast::tcp_stream stream(co_await acceptor.async_accept(asio::use_awaitable));
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    co_await http::async_read(stream, buffer, req, asio::use_awaitable);
    http::response<http::string_body> res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain");
    res.body() = "klaviyo-cpp: authorized; you can close this window.\n";
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::use_awaitable);
    co_return std::string(req.target());
}

/// The sandbox's stand-in for a browser: open the authorize URL, follow the
/// redirect to our listener.
asio::awaitable<void> browse(klaviyo::client& c, std::string url) {
    auto u = boost::urls::parse_uri(url);
    klaviyo::http_request open;
    open.origin = c.origin();
    open.target = std::string(u->encoded_target());
    auto consent = co_await c.transport().async_send(open, std::chrono::seconds(10), asio::use_awaitable);
    auto back = boost::urls::parse_uri(consent.header("Location"));
    klaviyo::http_request follow;
    follow.origin =
        klaviyo::origin{false, std::string(back->encoded_host()), static_cast<std::uint16_t>(back->port_number())};
    follow.target = std::string(back->encoded_target());
    co_await c.transport().async_send(follow, std::chrono::seconds(10), asio::use_awaitable);
}

asio::awaitable<void> run(klaviyo::client& c, tcp::acceptor& acceptor, klaviyo::authorization_request req,
                          bool sandbox) {
    using namespace asio::experimental::awaitable_operators;
    std::cout << "open this URL to authorize:\n  " << req.url << "\n";
    if (sandbox) asio::co_spawn(co_await asio::this_coro::executor, browse(c, req.url), asio::detached);
    asio::steady_timer deadline(co_await asio::this_coro::executor, std::chrono::minutes(5));
    auto got = co_await (receive_redirect(acceptor) || deadline.async_wait(asio::use_awaitable));
    if (got.index() == 1) throw std::runtime_error("no redirect within 5 minutes");
    auto code = klaviyo::code_from_redirect(req, std::get<0>(got)); // checks the state
    auto token = co_await c.async_exchange_code(code, req.code_verifier);
    std::cout << "connected; granted scopes: " << token.scope << "\n";
    auto accounts = co_await c.async_list<klaviyo::account>();
    for (const auto& a : accounts.data)
        std::cout << "account " << a.id << "  "
                  << (a.attributes.contact_information
                          ? a.attributes.contact_information->organization_name.value_or("")
                          : std::string())
                  << "\n";
}

int main() {
    asio::io_context ioc;
    const char* id = std::getenv("KLAVIYO_OAUTH_CLIENT_ID");
    const char* secret = std::getenv("KLAVIYO_OAUTH_CLIENT_SECRET");
    const bool sandbox = !(id && *id && secret && *secret);
    examples::stand_in stand_in;
    std::uint16_t port = 0; // the sandbox run takes any free port
    if (!sandbox)
        port = static_cast<std::uint16_t>(
            std::atoi(std::getenv("KLAVIYO_OAUTH_PORT") ? std::getenv("KLAVIYO_OAUTH_PORT") : "8765"));
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));

    klaviyo::oauth_connection conn;
    conn.config.scopes = {"accounts:read", "profiles:read"};
    conn.config.redirect_uri = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/callback";
    klaviyo::client_options opts;
    if (sandbox) {
        stand_in = examples::start_local_stand_in();
        std::cout << "KLAVIYO_OAUTH_CLIENT_ID/SECRET are not set: using " << stand_in.description << "\n";
        conn.config.client_id = "sandbox-app";
        conn.config.client_secret = "sandbox-app-secret";
        conn.config.authorize_url = stand_in.base_url + "/oauth/authorize";
        conn.config.token_url = stand_in.base_url + "/oauth/token";
        conn.config.revoke_url = stand_in.base_url + "/oauth/revoke";
        opts.base_url = stand_in.base_url;
    } else {
        conn.config.client_id = id;
        conn.config.client_secret = secret;
    }
    auto req = klaviyo::make_authorization_request(conn.config);
    klaviyo::client c(ioc.get_executor(), std::move(conn), opts);
    std::exception_ptr failure;
    asio::co_spawn(ioc, run(c, acceptor, std::move(req), sandbox), [&](std::exception_ptr e) { failure = e; });
    ioc.run();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            std::cerr << "error: " << e.what() << "\n";
        }
        return 1;
    }
    return 0;
}
