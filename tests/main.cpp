// Boost.Test's main() for every test executable (the static library test_main).
#define BOOST_TEST_MODULE klaviyo_tests
#include <boost/test/unit_test.hpp>
