// Must NOT compile: GET /api/accounts returns one account and has no cursor.
#include <klaviyo/client.hpp>
#include <klaviyo/resources/account.hpp>
#include <klaviyo/transport/mock.hpp>

void f(klaviyo::basic_client<boost::asio::any_io_executor, klaviyo::mock_transport<>>& c) {
    auto pages = c.pages<klaviyo::account>();
}
