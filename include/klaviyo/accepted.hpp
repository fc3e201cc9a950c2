// klaviyo-cpp: the result of a write that Klaviyo answers without a body.
#pragma once

namespace klaviyo {

/// Klaviyo accepted the request (202 queued, or 204 done) and sent no
/// document back. Nothing is invented in its place.
struct accepted {
    unsigned status = 0; ///< 202 or 204 (or another 2xx without a body)
};

} // namespace klaviyo
