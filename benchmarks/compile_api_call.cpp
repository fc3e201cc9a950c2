// Compile-time benchmark: a user's TU that includes one generated tag header
// of the whole API and makes one call through api::async_call.
#include <klaviyo/api/call.hpp>
#include <klaviyo/api/catalogs.hpp>
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
            klaviyo::api::call_options o;
            o.filter = "equals(published,true)";
            auto items = co_await klaviyo::api::async_call<klaviyo::api::get_catalog_items>(client, o);
            (void)items;
        },
        boost::asio::detached);
    ioc.run();
}
