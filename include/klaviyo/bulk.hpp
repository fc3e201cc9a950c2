// klaviyo-cpp: calls that Klaviyo caps per request (bulk events,
// subscriptions, list membership) and that klaviyo-cpp therefore splits.
#pragma once

#include <cstddef>

namespace klaviyo {

/// Every chunk of a split call was accepted.
///
/// When a chunk fails (after its own retries), the call stops there and fails
/// with that chunk's error; its diagnostics list, in `not_accepted`, the
/// positions (in the caller's input) of every item of that chunk and of the
/// chunks after it. The chunks before it were accepted: send only the items
/// `not_accepted` names again, never the whole input.
struct bulk_accepted {
    std::size_t requests = 0; ///< requests Klaviyo accepted
    std::size_t items = 0;    ///< input items they carried
};

} // namespace klaviyo
