// Compile-time benchmark: what a user's TU costs with klaviyo-cpp, one call.
#include <klaviyo/klaviyo.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

int main() {
    boost::asio::io_context ioc;
    klaviyo::client client(ioc.get_executor(), klaviyo::api_key("pk_compile_only"));
    boost::asio::co_spawn(
        ioc,
        [&]() -> boost::asio::awaitable<void> {
            auto p = co_await client.async_get<klaviyo::profile>("01ID");
            (void)p;
        },
        boost::asio::detached);
    ioc.run();
}
