// klaviyo-cpp fleet mode: many processes of a service on one Klaviyo
// account share its rate limits and its OAuth refreshes through Redis.
//
//     auto fleet = klaviyo::fleet::make_redis_fleet(ex, {.redis = {.host = "10.0.0.5"}, .name = "acct-123"});
//     klaviyo::client_options o;
//     o.pacing.backend = fleet;                       // shared windows
//     klaviyo::oauth_connection conn{config, store};
//     conn.coordinator = fleet;                       // one refresh per expiry
//     klaviyo::client client(ex, std::move(conn), o);
//
// Not included by <klaviyo/klaviyo.hpp>: it needs hiredis (Debian's
// libhiredis-dev; link -lhiredis, or the Meson dependency klaviyo-cpp-fleet).
// See the README's "Fleet mode".
#pragma once

#include <klaviyo/fleet/redis.hpp>
#include <klaviyo/fleet/redis_fleet.hpp>
