// klaviyo-cpp: separate compilation. Include this header in exactly one TU
// of a program that defines KLAVIYO_SEPARATE_COMPILATION in all of them; it
// compiles the request path of klaviyo::client there, once.
#pragma once

#ifndef KLAVIYO_SEPARATE_COMPILATION
#error "klaviyo/src.hpp is for separate compilation: define KLAVIYO_SEPARATE_COMPILATION in every TU"
#endif

#include <klaviyo/klaviyo.hpp>

namespace klaviyo {

template class beast_transport<asio::any_io_executor>;
template class basic_client<asio::any_io_executor, beast_transport<asio::any_io_executor>>;

} // namespace klaviyo
