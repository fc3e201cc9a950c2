// klaviyo-cpp: a split call as the pure core plans it: one request per chunk,
// and which input items each chunk carries.
#pragma once

#include <klaviyo/detail/request_plan.hpp>

#include <string>
#include <vector>

namespace klaviyo::detail {

struct bulk_chunk {
    request_plan plan;
    std::vector<std::size_t> items; ///< positions in the caller's input
};

struct bulk_plan {
    std::string_view operation_id;
    std::vector<bulk_chunk> chunks;
    std::string invalid; ///< non-empty: bad input, named by field; nothing is sent

    bool ok() const noexcept { return invalid.empty(); }
};

inline bulk_plan invalid_bulk(std::string_view operation_id, std::string message) {
    bulk_plan b;
    b.operation_id = operation_id;
    b.invalid = std::move(message);
    return b;
}

} // namespace klaviyo::detail
