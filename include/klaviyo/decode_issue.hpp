// klaviyo-cpp: a member of an answer that did not fit its C++ type.
#pragma once

#include <string>

namespace klaviyo {

/// A member of an answer that was left empty because its value did not fit the member's C++ type. The call still
/// succeeds; the value itself stays in the raw document.
struct decode_issue {
    std::string member; ///< where, relative to the resource object, e.g. "attributes.location.latitude"
    std::string value;  ///< what was there, as JSON text
};

} // namespace klaviyo
