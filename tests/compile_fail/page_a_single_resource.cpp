// Must NOT compile: a resource without a list operation cannot be paged.
#include <klaviyo/client.hpp>
#include <klaviyo/transport/mock.hpp>

struct only_gettable {
    using attributes_type = klaviyo::profile_attributes;
    using get_operation = klaviyo::ops::get_profile;
    using list_operation = void;
};

void f(klaviyo::basic_client<boost::asio::any_io_executor, klaviyo::mock_transport<>>& c) {
    c.async_list<only_gettable>(klaviyo::list_options{}, [](klaviyo::error_code, auto) {});
}
