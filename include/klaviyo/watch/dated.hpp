// klaviyo-cpp watch: a page together with the Date of the answer that
// brought it. A watcher's checkpoint follows Klaviyo's clock, never the
// local one, and api::document keeps no headers; this result type reads the
// Date beside the usual parse, so the shared result types stay as they are.
#pragma once

#include <klaviyo/api/call.hpp>
#include <klaviyo/detail/result_parser.hpp>

#include <string>

namespace klaviyo::watch::detail {

template <class Result>
struct dated : Result {
    std::string date; ///< the answer's Date header, as sent
};

} // namespace klaviyo::watch::detail

namespace klaviyo::detail {

template <class Result>
struct result_parser<watch::detail::dated<Result>> {
    static watch::detail::dated<Result> parse(const http_response& r) {
        watch::detail::dated<Result> d;
        static_cast<Result&>(d) = result_parser<Result>::parse(r);
        d.date = std::string(r.header("Date"));
        return d;
    }
};

} // namespace klaviyo::detail
