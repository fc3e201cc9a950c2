// The same, in separate-compilation mode: the request path comes from the
// subproject's static library. One call that cannot connect runs through it
// (pacing, retries, the transport) and must fail the way the API says.
#include <klaviyo/klaviyo.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

#ifndef KLAVIYO_SEPARATE_COMPILATION
#error "klaviyo-cpp-separate must define KLAVIYO_SEPARATE_COMPILATION"
#endif

int main() {
    boost::asio::io_context ioc;
    klaviyo::client_options opts;
    opts.base_url = "http://127.0.0.1:1"; // nothing listens on port 1
    opts.retry.max_attempts = 1;
    klaviyo::client client(ioc.get_executor(), klaviyo::api_key("pk_consumer_check"), opts);
    klaviyo::error_code got;
    bool done = false;
    client.async_get<klaviyo::profile>("01ID", klaviyo::get_options{}, [&](klaviyo::error_code ec, auto) {
        got = ec;
        done = true;
    });
    ioc.run();
    if (!done || got != klaviyo::errc::connect_failed) {
        std::cerr << "unexpected: " << (done ? got.message() : std::string("not completed")) << "\n";
        return 1;
    }
    std::cout << "consumer (separate compilation) ok: " << got.message() << "\n";
    return 0;
}
