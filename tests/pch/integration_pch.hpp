// Precompiled for every TU of the integration suites: Boost.Test and the
// whole library with the Beast transport. Only parsing is saved; each TU
// still includes what it uses.
#include <klaviyo/klaviyo.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
