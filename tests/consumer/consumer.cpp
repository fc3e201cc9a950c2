// Builds against klaviyo-cpp pulled in as a subproject, and checks that what
// it gets is usable: a client can be made and a request planned, offline.
#include <klaviyo/klaviyo.hpp>

#include <boost/asio/io_context.hpp>

#include <iostream>

int main() {
    boost::asio::io_context ioc;
    klaviyo::client client(ioc.get_executor(), klaviyo::api_key("pk_consumer_check"));
    auto plan = klaviyo::ops::get_profiles::plan(klaviyo::list_options{.page_size = 10});
    auto req = client.make_request(plan);
    if (req.target != "/api/profiles?page%5Bsize%5D=10" || req.header("revision") != klaviyo::default_revision) {
        std::cerr << "unexpected request: " << req.target << "\n";
        return 1;
    }
    std::cout << "consumer ok: " << klaviyo::to_string(req.method) << " " << req.target << "\n";
    return 0;
}
