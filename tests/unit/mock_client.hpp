// The client the unit tests drive: any executor, the scripted mock transport.
// Its request path (send, pacing, retries, OAuth) is compiled once, in
// mock_client.cpp, as klaviyo::client's is in <klaviyo/src.hpp>: the test
// TUs instantiate only the typed calls they make.
#pragma once

#include <klaviyo/client.hpp>
#include <klaviyo/transport/mock.hpp>

#include <boost/asio/any_io_executor.hpp>

namespace ktest {
using mock_client = klaviyo::basic_client<boost::asio::any_io_executor, klaviyo::mock_transport<>>;
} // namespace ktest

extern template class klaviyo::basic_client<boost::asio::any_io_executor, klaviyo::mock_transport<>>;
