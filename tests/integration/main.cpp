#define BOOST_TEST_MODULE klaviyo_integration
#include <boost/test/unit_test.hpp>
