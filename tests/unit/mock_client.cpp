// The mock client's request path, compiled once for the whole unit suite.
#include "mock_client.hpp"

template class klaviyo::basic_client<boost::asio::any_io_executor, klaviyo::mock_transport<>>;
