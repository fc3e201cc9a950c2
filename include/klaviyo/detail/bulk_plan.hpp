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

/// Splits items [0, n) into chunks of at most `per`, in order, one request
/// each to `target`; `body(first, last)` serializes one chunk.
template <operation_descriptor Op, class Body>
bulk_plan split_by_count(std::size_t n, std::size_t per, const std::string& target, Body body) {
    bulk_plan out;
    out.operation_id = Op::operation_id;
    for (std::size_t first = 0; first < n; first += per) {
        const std::size_t last = first + per < n ? first + per : n;
        bulk_chunk c;
        for (std::size_t i = first; i < last; ++i) c.items.push_back(i);
        c.plan = make_plan<Op>(target, body(first, last));
        out.chunks.push_back(std::move(c));
    }
    return out;
}

} // namespace klaviyo::detail
