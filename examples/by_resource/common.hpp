// What every example shares.
#pragma once

#include <klaviyo/klaviyo.hpp>

#include <boost/asio/as_tuple.hpp>

#include <iostream>
#include <string>
#include <vector>

namespace examples {

namespace asio = boost::asio;

inline void say(const std::string& what, const std::string& detail) {
    std::cout << "  " << what << ": " << detail << "\n";
}

} // namespace examples
