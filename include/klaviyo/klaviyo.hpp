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

} // namespace klaviyo
