// klaviyo-cpp: watching Klaviyo for new, updated and deleted records, each
// delivered once to the consumer, resumable from a stored checkpoint.
// Not part of <klaviyo/klaviyo.hpp>: it pulls in the tag headers of every
// watchable resource, which a TU that does not watch should not pay for.
#pragma once

#include <klaviyo/watch/checkpoint.hpp>
#include <klaviyo/watch/checkpoint_store.hpp>
#include <klaviyo/watch/file_checkpoint_store.hpp>
#include <klaviyo/watch/resources.hpp>
#include <klaviyo/watch/scan.hpp>
#include <klaviyo/watch/watcher.hpp>
