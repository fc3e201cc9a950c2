// Fuzz target: the sandbox's request pipeline. The input is what a client
// writes on one connection (one or more pipelined HTTP/1.1 requests); a
// fresh sandbox answers it through server::answer_raw(), the same parser and
// handle() a session uses, without sockets.
//
// A fresh server per input keeps every finding reproducible from its input
// alone (a create and a read of it fit in one input). It preloads a few
// profiles and events, so that reads and updates of real ids are in reach.
//
// The contract: every request gets an answer and nothing escapes (an
// exception out of handle() would end the session without an answer); each
// answer is a well-formed HTTP response, and a JSON:API error answer carries
// at least one entry in errors[] (what the client reads, parse_errors).
#include <sandbox/server.hpp>

#include <klaviyo/jsonapi/document.hpp>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace http = boost::beast::http;

[[noreturn]] void violated(const char* what, std::string_view answer) {
    std::fprintf(stderr, "fuzz_sandbox_request: invariant violated: %s\nanswer:\n%.*s\n", what,
                 static_cast<int>(std::min<std::size_t>(answer.size(), 2000)), answer.data());
    std::abort();
}

/// Reads the answers back as a client would and checks each.
void check_answers(std::string_view out) {
    std::string_view rest = out;
    while (!rest.empty()) {
        http::response_parser<http::string_body> parser;
        parser.body_limit(64 * 1024 * 1024);
        parser.eager(true);
        boost::system::error_code ec;
        std::size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
        // A truncating fault cuts the last answer short; no fault is set here.
        if (ec || !parser.is_done()) violated("an answer is one well-formed HTTP response", out);
        rest.remove_prefix(used);
        const auto& res = parser.get();
        const unsigned status = res.result_int();
        if (status < 200 || status > 599) violated("a status is 2xx to 5xx", out);
        const auto type = res[http::field::content_type];
        const bool json_type = type.starts_with("application/vnd.api+json") || type.starts_with("application/json");
        if (json_type && !res.body().empty()) {
            boost::system::error_code jec;
            (void)boost::json::parse(res.body(), jec);
            if (jec) violated("a JSON answer is JSON", out);
        }
        if (status >= 400 && type.starts_with("application/vnd.api+json") &&
            klaviyo::jsonapi::parse_errors(res.body()).empty())
            violated("a JSON:API error answer has errors[]", out);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sandbox::options o;
    o.profiles = 3;
    o.events = 3;
    sandbox::server server(o);
    const std::string out = server.answer_raw(std::string_view(reinterpret_cast<const char*>(data), size));
    check_answers(out);
    return 0;
}
