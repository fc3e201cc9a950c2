// A program built against an installed klaviyo-cpp (pkg-config or CMake),
// as a user outside Meson builds one: it lists the accounts of the Klaviyo
// (here: the sandbox) at BASE_URL with API_KEY, one real call.
#include <klaviyo/klaviyo.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

#ifndef CONSUMER_MODE
#define CONSUMER_MODE "?"
#endif

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: app BASE_URL API_KEY\n";
        return 2;
    }
    boost::asio::io_context ioc;
    klaviyo::client_options opts;
    opts.base_url = argv[1];
    klaviyo::client client(ioc.get_executor(), klaviyo::api_key(argv[2]), opts);
    klaviyo::error_code got;
    std::size_t accounts = 0;
    bool done = false;
    client.async_list<klaviyo::account>(klaviyo::list_options{}, [&](klaviyo::error_code ec, auto page) {
        got = ec;
        accounts = page.data.size();
        done = true;
    });
    ioc.run();
    if (!done || got || accounts != 1) {
        std::cerr << "consumer (" CONSUMER_MODE "): " << (done ? got.message() : "not completed") << ", " << accounts
                  << " accounts\n";
        return 1;
    }
    std::cout << "consumer (" CONSUMER_MODE ") ok: klaviyo-cpp " << klaviyo::version << ", one account listed\n";
    return 0;
}
