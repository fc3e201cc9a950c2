// Must NOT compile: Klaviyo has no DELETE /api/profiles/{id}.
#include <klaviyo/client.hpp>
#include <klaviyo/transport/mock.hpp>

void f(klaviyo::basic_client<boost::asio::any_io_executor, klaviyo::mock_transport<>>& c) {
    c.async_delete<klaviyo::profile>("01H", [](klaviyo::error_code, klaviyo::accepted) {});
}
