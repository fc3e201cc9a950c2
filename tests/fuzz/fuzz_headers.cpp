// Fuzz target: the response headers the client acts on. The input is split
// at '\n' into the values of Retry-After, RateLimit-Remaining and
// RateLimit-Reset (a first byte chooses the status: 429 or 200), then read
// the way the client reads them:
//   - parse_header_count / parse_retry_after (policy/retry.hpp);
//   - next_retry_delay with the Retry-After (how the retry policy uses it);
//   - detail::pacer's ticket release (detail/pacer.hpp), which reads the
//     three headers from the response and feeds rate_window_state;
//   - rate_window_state::pause_until / observe / next_start on a fixed
//     clock (policy/pacing.hpp), which is what that release does, with
//     times the test controls.
// None of this may throw (the parsers are noexcept), crash, or overflow.
#include <klaviyo/detail/pacer.hpp>
#include <klaviyo/policy/pacing.hpp>
#include <klaviyo/policy/retry.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

[[noreturn]] void violated(const char* what) {
    std::fprintf(stderr, "fuzz_headers: invariant violated: %s\n", what);
    std::abort();
}

/// What parse_header_count must accept: 1 to 9 decimal digits between spaces.
bool plain_count(std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    if (v.empty() || v.size() > 9) return false;
    for (char c : v)
        if (c < '0' || c > '9') return false;
    return true;
}

void check_count(std::string_view v) {
    auto n = klaviyo::parse_header_count(v);
    if (n.has_value() != plain_count(v)) violated("parse_header_count accepts exactly 1-9 digits");
    if (n && *n > 999'999'999u) violated("parse_header_count stays below 10^9");
    auto ra = klaviyo::parse_retry_after(v);
    if (ra.has_value() != n.has_value() || (ra && ra->count() != static_cast<long long>(*n)))
        violated("parse_retry_after is parse_header_count in seconds");
}

/// The pure side of detail::pacer's ticket release, on a clock we hold.
void pace(const klaviyo::http_response& r) {
    using state = klaviyo::rate_window_state;
    klaviyo::pacing_options o;
    state st(klaviyo::rate_limit{3, 60, 0}, o);
    // Far from the clock's epoch, so that `now - window` is an ordinary time.
    const state::time_point now = state::time_point{} + 1000h;
    st.start();
    st.finish(now);
    if (r.status == 429) {
        if (auto ra = klaviyo::parse_retry_after(r.header("Retry-After"))) {
            st.pause_until(now + *ra);
            if (st.next_start(now) < now + *ra) violated("a Retry-After pauses the class");
        }
    } else {
        auto remaining = klaviyo::parse_header_count(r.header("RateLimit-Remaining"));
        auto reset = klaviyo::parse_header_count(r.header("RateLimit-Reset"));
        if (remaining && reset) st.observe(now, *remaining, std::chrono::seconds(*reset));
    }
    auto next = st.next_start(now);
    if (next < now) violated("next_start is never in the past");
    st.start();
    st.finish(now + 1s);
    (void)st.next_start(now + 2s);
}

/// The real ticket release: acquire a ticket (no wait: the class is empty),
/// release it with the response. Only that one acquire, so that no timer
/// waits for what the headers said.
void pace_with_pacer(const klaviyo::http_response& r) {
    static asio::io_context ioc;
    ioc.restart();
    klaviyo::detail::pacer<asio::io_context::executor_type> p(ioc.get_executor(), klaviyo::pacing_options{});
    klaviyo::detail::request_plan plan;
    plan.operation_id = "fuzz_headers";
    plan.rate = klaviyo::rate_limit{3, 60, 0};
    bool released = false;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            auto t = co_await p.acquire(plan, false);
            t.release(&r);
            released = true;
        },
        asio::detached);
    ioc.run();
    if (!released) violated("the pacer admits the first call of an empty class at once");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::string_view values[3];
    for (auto& v : values) {
        auto nl = in.find('\n');
        v = in.substr(0, nl);
        in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    }
    for (auto v : values) check_count(v);

    klaviyo::http_response r;
    r.status = (data[0] & 1) ? 429 : 200;
    r.headers = {{"Retry-After", std::string(values[0])},
                 {"RateLimit-Remaining", std::string(values[1])},
                 {"RateLimit-Reset", std::string(values[2])}};

    // How the retry policy uses Retry-After (client.hpp reads it the same way).
    klaviyo::attempt_outcome outcome;
    outcome.http_status = r.status;
    outcome.retry_after = klaviyo::parse_retry_after(r.header("Retry-After"));
    klaviyo::retry_options retry;
    std::minstd_rand rng(1);
    auto delay = klaviyo::next_retry_delay(retry, outcome, true, 1, 0ms, rng);
    if (r.status == 429 && outcome.retry_after && *outcome.retry_after <= retry.max_retry_after &&
        (!delay || *delay != *outcome.retry_after))
        violated("a short Retry-After is the delay of a 429's retry");
    if (delay && *delay > retry.max_elapsed) violated("no retry starts after max_elapsed");

    pace(r);
    pace_with_pacer(r);
    return 0;
}
