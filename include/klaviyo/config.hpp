// klaviyo-cpp: configuration shared by every header.
#pragma once

#include <string_view>

namespace boost::asio {}
namespace boost::json {}

/// A client for the Klaviyo REST API on Boost.Asio coroutines and
/// Boost.Beast. klaviyo::client (<klaviyo/klaviyo.hpp>) is the entry point;
/// the resource types (profile, list, event, ...) name what its typed calls
/// read and write; errc, diagnostics and api_error say what went wrong.
namespace klaviyo {

namespace asio = boost::asio;
namespace json = boost::json;

/// The Klaviyo API revision this release is written against. Sent as the
/// `revision` header unless client_options::revision says otherwise.
inline constexpr std::string_view default_revision = "2026-07-15";

/// Production base URL (the spec's only server).
inline constexpr std::string_view default_base_url = "https://a.klaviyo.com";

/// This release of klaviyo-cpp (meson.build, the pkg-config and CMake
/// packages carry the same; the build checks that they agree).
inline constexpr std::string_view version = "0.1.0";
inline constexpr std::string_view version_string = version; ///< the same, by its first name

} // namespace klaviyo
