// Compile-time benchmark baseline: a minimal Beast HTTPS GET, what a user
// hand-rolls today. Synchronous on purpose: the smallest honest client.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <iostream>

int main() {
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    asio::io_context ioc;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.set_default_verify_paths();
    ctx.set_verify_mode(asio::ssl::verify_peer);
    boost::beast::ssl_stream<boost::beast::tcp_stream> stream(ioc, ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), "a.klaviyo.com");
    asio::ip::tcp::resolver resolver(ioc);
    boost::beast::get_lowest_layer(stream).connect(resolver.resolve("a.klaviyo.com", "443"));
    stream.handshake(asio::ssl::stream_base::client);
    http::request<http::empty_body> req{http::verb::get, "/api/profiles/01ID", 11};
    req.set(http::field::host, "a.klaviyo.com");
    req.set(http::field::authorization, "Klaviyo-API-Key pk_compile_only");
    req.set("revision", "2026-07-15");
    http::write(stream, req);
    boost::beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    std::cout << res.body() << "\n";
}
