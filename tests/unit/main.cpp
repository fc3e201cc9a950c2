#define BOOST_TEST_MODULE klaviyo_unit
#include <boost/test/unit_test.hpp>
