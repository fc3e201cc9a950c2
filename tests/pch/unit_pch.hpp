// Precompiled for every TU of the unit suite: the headers they all parse
// (Boost.Test, Asio's coroutine support, the client over the mock
// transport). A precompiled header only saves parsing; what each TU
// includes for itself stays written in it.
#include <klaviyo/client.hpp>
#include <klaviyo/resources/image.hpp>
#include <klaviyo/resources/metric.hpp>
#include <klaviyo/resources/segment.hpp>
#include <klaviyo/transport/mock.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
