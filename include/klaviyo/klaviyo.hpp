// klaviyo-cpp: the umbrella header.
#pragma once

#include <klaviyo/accepted.hpp>
#include <klaviyo/auth/api_key.hpp>
#include <klaviyo/auth/oauth.hpp>
#include <klaviyo/auth/pkce.hpp>
#include <klaviyo/bulk.hpp>
#include <klaviyo/client.hpp>
#include <klaviyo/completion.hpp>
#include <klaviyo/error.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/nullable.hpp>
#include <klaviyo/operation.hpp>
#include <klaviyo/options.hpp>
#include <klaviyo/query.hpp>
#include <klaviyo/raw_request.hpp>
#include <klaviyo/resources/account.hpp>
#include <klaviyo/resources/campaign.hpp>
#include <klaviyo/resources/event.hpp>
#include <klaviyo/resources/event_bulk.hpp>
#include <klaviyo/resources/image.hpp>
#include <klaviyo/resources/list.hpp>
#include <klaviyo/resources/metric.hpp>
#include <klaviyo/resources/profile.hpp>
#include <klaviyo/resources/segment.hpp>
#include <klaviyo/resources/segment_conditions.hpp>
#include <klaviyo/resources/subscription.hpp>
#include <klaviyo/resources/template.hpp>
#include <klaviyo/select.hpp>
#include <klaviyo/transport/beast.hpp>

namespace klaviyo {

/// The client most programs want: any executor, HTTPS through Beast.
using client = basic_client<asio::any_io_executor, beast_transport<asio::any_io_executor>>;

#ifdef KLAVIYO_SEPARATE_COMPILATION
// Separate compilation: the request path of klaviyo::client (pacing,
// retries, OAuth, the transport) is compiled once, in the TU that includes
// <klaviyo/src.hpp>; every other TU only instantiates the typed calls it
// makes. Define the macro for every TU of the program (meson:
// klaviyo_separate_dep does).
extern template class beast_transport<asio::any_io_executor>;
extern template class basic_client<asio::any_io_executor, beast_transport<asio::any_io_executor>>;
#endif

} // namespace klaviyo
