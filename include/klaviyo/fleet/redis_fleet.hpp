// klaviyo-cpp fleet mode: many processes, one Klaviyo account. Their calls
// are paced against the account's windows kept in Redis, and their OAuth
// refreshes happen once per expiry for all of them.
//
// Pacing: one script call books each call's start on the Redis server
// (fleet/scripts.hpp). Bookings are handed out in the order they reach the
// server, so the fleet is first come, first served, with no process polling:
// each sleeps until its booked start. No booking lies further ahead than
// `booking_horizon`; a call that would is told when to ask again.
//
// Never fail open: when Redis does not answer within its deadline, the
// process paces itself (the in-process windows at a conservative share of
// each limit), keeps honouring Retry-After, and asks Redis again after
// `rejoin_interval`. Back in, it hands the fleet the calls it made meanwhile.
// When the fleet's state is gone (Redis restarted without persistence,
// flushed, or keys evicted: the epoch key changes), every process paces
// itself as well as through Redis for one steady window, until the calls the
// new state does not know have aged out of every window.
//
// OAuth: the token lives in a record in Redis with a version. A process
// whose token comes within the refresh margin re-reads the record; if no
// newer token is there, it takes a lease (SET NX PX), reads again, refreshes
// with the record's refresh token, and writes the new token only if the
// version is still the one it read (compare and set), announcing it on a
// channel. The others wait for the record to move (re-reading it every
// `refresh_poll`) or for the lease to lapse.
#pragma once

#include <klaviyo/auth/oauth.hpp>
#include <klaviyo/error.hpp>
#include <klaviyo/fleet/redis.hpp>
#include <klaviyo/fleet/scripts.hpp>
#include <klaviyo/http.hpp>
#include <klaviyo/policy/pacing.hpp>
#include <klaviyo/policy/pacing_backend.hpp>
#include <klaviyo/policy/retry.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace klaviyo::fleet {

/// How a process joins its fleet (basic_redis_fleet).
struct fleet_options {
    /// Where the fleet's state lives.
    redis_options redis{};
    /// The fleet: every process that uses one Klaviyo account (or one OAuth
    /// grant) must give the same name, and no other process that name.
    /// Required. Keys are "klaviyo:{<name>}:…" (one Redis Cluster slot).
    std::string name{};
    /// The fleet's part of each limit, when processes outside the fleet use
    /// the same account at a rate known in advance (0.8 beside one that
    /// takes 0.2). Spending nobody planned for is seen in Klaviyo's
    /// RateLimit-Remaining (steady window) and held back; a burst of it may
    /// still meet a 429, whose Retry-After then pauses the whole fleet.
    double share = 1.0;
    /// Divides the windows, as pacing_options::time_scale: for a sandbox
    /// that compresses time. Always 1 against Klaviyo.
    double time_scale = 1.0;
    /// How long a call may take between its start and Klaviyo seeing it,
    /// counted until its end is known. A call that takes longer is counted
    /// from its real end once it ends.
    std::chrono::milliseconds latency_allowance{1000};
    /// How far ahead a start may be booked; a call that would wait longer
    /// asks again later. Bounds how far ahead one process can take the
    /// others' turns. 0: one steady window (60 s / time_scale). A horizon
    /// shorter than the fleet's queue makes every return after a refusal a
    /// race, which is less fair than first come, first served.
    std::chrono::milliseconds booking_horizon{0};
    /// The part of each limit a process takes while it paces itself (Redis
    /// unreachable, or its state just lost). 0: one over the number of
    /// processes seen in the fleet's last steady window.
    double fallback_share = 0;
    /// Of each steady limit, the part the fleet leaves unbooked once Klaviyo's
    /// RateLimit-Remaining says the window is nearly spent: calls made outside
    /// the fleet between two answers land there instead of on a 429.
    double outside_reserve = 0.05;
    /// After Redis failed, how long a process paces itself before it asks Redis again.
    std::chrono::milliseconds rejoin_interval{1000};
    /// How long the refresh lease lasts: longer than a refresh takes
    /// (client_options::timeout and the token call's retries).
    std::chrono::milliseconds refresh_lease{30000};
    /// While another process refreshes, how often the token record is read again.
    std::chrono::milliseconds refresh_poll{50};
    /// Warnings (Redis unreachable, state lost, eviction policy). Empty:
    /// written to std::clog. Never given a key or token.
    std::function<void(std::string_view)> on_warning{};
};

/// What a process's fleet has done so far (basic_redis_fleet::status()).
struct fleet_status {
    bool joined = false;               ///< the last Redis call succeeded
    std::size_t members = 0;           ///< processes seen in the fleet's last steady window
    std::uint64_t shared_admissions = 0; ///< calls admitted by a booking in Redis
    std::uint64_t local_admissions = 0;  ///< calls admitted by this process alone (Redis unreachable)
    std::uint64_t outages = 0;         ///< times Redis failed and the process paced itself
    std::uint64_t state_losses = 0;    ///< times the fleet's state in Redis was found gone
    std::uint64_t held_back = 0;       ///< answers whose RateLimit-Remaining left the fleet nothing until the reset
    std::uint64_t refreshes = 0;       ///< token refreshes this process made for the fleet
    std::uint64_t adopted = 0;         ///< newer tokens this process took from the record
    std::uint64_t warnings = 0;        ///< warnings given
};

/// One process's membership of a fleet: a pacing_backend for
/// client_options::pacing.backend and a refresh_coordinator for
/// oauth_connection::coordinator. Create it with make_redis_fleet(); use it
/// from one executor (the clients' strand or thread), as the clients.
template <class Executor = asio::any_io_executor>
class basic_redis_fleet final : public pacing_backend,
                                public refresh_coordinator,
                                public std::enable_shared_from_this<basic_redis_fleet<Executor>> {
    using clock = std::chrono::steady_clock;
    using usec = std::chrono::microseconds;

    struct rate_class {
        rate_class(std::string prefix, rate_limit r, const pacing_options& local_opts)
            : calls_key(prefix + ":calls"), state_key(prefix + ":state"), rate(r), local(r, local_opts) {}
        std::string calls_key, state_key;
        rate_limit rate;
        rate_window_state local;     ///< this process's own calls, and its pacing while alone
        clock::time_point paused_until{};
        std::optional<clock::time_point> unregistered_since; ///< calls since then the fleet did not see
    };

public:
    /// Use make_redis_fleet().
    basic_redis_fleet(const Executor& ex, fleet_options o) : ex_(ex), opts_(std::move(o)), redis_(ex, opts_.redis) {
        if (opts_.name.empty()) throw std::invalid_argument("klaviyo: fleet_options::name is empty");
        if (!(opts_.time_scale > 0)) throw std::invalid_argument("klaviyo: fleet_options::time_scale must be positive");
        if (!(opts_.share > 0 && opts_.share <= 1))
            throw std::invalid_argument("klaviyo: fleet_options::share must be in (0, 1]");
        if (opts_.outside_reserve < 0 || opts_.outside_reserve >= 1)
            throw std::invalid_argument("klaviyo: fleet_options::outside_reserve must be in [0, 1)");
        if (opts_.fallback_share < 0 || opts_.fallback_share > 1)
            throw std::invalid_argument("klaviyo: fleet_options::fallback_share must be in [0, 1]");
        prefix_ = "klaviyo:{" + opts_.name + "}:";
        std::random_device rd;
        process_ = std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000);
        burst_len_ = scaled(std::chrono::seconds(1));
        steady_len_ = scaled(std::chrono::seconds(60));
    }

    /// What this process's membership has done so far.
    fleet_status status() const { return status_; }
    /// Closes the connection to Redis (a later call opens it again): lets an
    /// io_context with nothing else to do return from run().
    void close() { redis_.close(); }

    /// This process's name in the fleet (the lease holder's, in Redis).
    const std::string& process_name() const noexcept { return process_; }

    // ------------------------------------------------------------ pacing

    /// Books a start for one call of the class in Redis and waits for it (pacing_backend).
    asio::awaitable<admission> async_admit(std::string_view operation_id, rate_limit rate, bool) override {
        auto keep = this->shared_from_this(); // the fleet outlives this call
        auto& c = class_of(operation_id, rate);
        co_await check_eviction_policy();
        bool local_started = false;
        for (;;) {
            const auto now = clock::now();
            const bool alone = now < down_until_;
            if ((alone || now < careful_until_) && !local_started) {
                co_await wait_local(c);
                c.local.start();
                local_started = true;
            }
            if (alone) {
                ++status_.local_admissions;
                co_return admission{0, &c};
            }
            const auto id = ++last_id_;
            std::vector<std::string> keys{c.calls_key, c.state_key, prefix_ + "epoch", prefix_ + "members"};
            std::vector<std::string> args{member(id),
                                          std::to_string(fleet_limit(c.rate.burst_per_second)),
                                          std::to_string(fleet_limit(c.rate.steady_per_minute)),
                                          std::to_string(burst_len_.count()),
                                          std::to_string(steady_len_.count()),
                                          std::to_string(usec(opts_.latency_allowance).count()),
                                          std::to_string(horizon().count()),
                                          process_};
            std::optional<redis_reply> reply;
            try {
                reply = co_await redis_.async_eval(book_, std::move(keys), std::move(args));
            } catch (const boost::system::system_error& e) {
                if (e.code() == asio::error::operation_aborted) throw;
                went_down(e.code().message());
                continue; // pace alone
            }
            if (!reply || reply->is_error() || reply->elements.size() != 5) {
                went_down(reply && reply->is_error() ? "the booking script failed" : "the booking script's answer is malformed");
                continue;
            }
            const auto& r = reply->elements;
            came_back();
            // State lost since this process last booked: its own recent calls
            // are not in Redis; this booking stays counted (conservative) and
            // the call waits for its own windows too.
            const bool knew_another = epoch_ != 0;
            if (note_epoch(r[2].integer, r[4].integer) && knew_another && !local_started) continue;
            status_.members = static_cast<std::size_t>(std::max<long long>(1, r[3].integer));
            members_seen_ = std::max(members_seen_, status_.members);
            const auto wait = usec(std::max<long long>(0, r[1].integer));
            if (r[0].integer != 1) { // too far ahead: ask again when it is not
                co_await sleep_for(wait);
                continue;
            }
            if (c.unregistered_since) co_await register_missed(c);
            if (wait.count() > 0) co_await sleep_for(wait);
            if (!local_started) c.local.start();
            ++status_.shared_admissions;
            co_return admission{id, &c};
        }
    }

    /// Tells the fleet, in the background, that the call ended and what its answer said (pacing_backend).
    void finish(const admission& a, const http_response* r) noexcept override {
        try {
            auto& c = *static_cast<rate_class*>(a.rate_class);
            const auto now = clock::now();
            c.local.finish(now);
            std::string mode = "0", value = "0", reset = "0";
            if (r && r->status == 429) {
                if (auto ra = parse_retry_after(r->header("Retry-After"))) {
                    c.paused_until = std::max(c.paused_until, now + *ra);
                    c.local.pause_until(now + *ra);
                    mode = "2";
                    value = std::to_string(usec(*ra).count());
                }
            } else if (r) {
                auto remaining = parse_header_count(r->header("RateLimit-Remaining"));
                auto rs = parse_header_count(r->header("RateLimit-Reset"));
                if (remaining && rs) {
                    c.local.observe(now, *remaining, std::chrono::seconds(*rs));
                    mode = "1";
                    value = std::to_string(*remaining);
                    reset = std::to_string(usec(std::chrono::seconds(*rs)).count());
                }
            }
            if (a.id == 0 && mode == "0") return; // nothing the fleet must know
            if (now < down_until_) return;        // it is told after the outage (register_missed)
            std::vector<std::string> keys{c.calls_key, c.state_key};
            const auto reserve = static_cast<unsigned>(opts_.outside_reserve * c.rate.steady_per_minute + 0.999);
            std::vector<std::string> args{a.id ? member(a.id) : std::string(),
                                          mode,
                                          value,
                                          reset,
                                          std::to_string(reserve)};
            asio::co_spawn(ex_, tell(this->shared_from_this(), std::move(keys), std::move(args)), asio::detached);
        } catch (...) {
            // Out of memory: the call still counts locally, and the fleet's
            // estimate of its end holds.
        }
    }

    /// The call was never sent: its booking is removed (pacing_backend).
    void give_back(const admission& a) noexcept override {
        try {
            auto& c = *static_cast<rate_class*>(a.rate_class);
            c.local.unstart();
            if (a.id == 0 || clock::now() < down_until_) return;
            std::vector<std::string> keys{c.calls_key, c.state_key};
            std::vector<std::string> args{member(a.id), "3", "0", "0", "0"};
            asio::co_spawn(ex_, tell(this->shared_from_this(), std::move(keys), std::move(args)), asio::detached);
        } catch (...) {
            // Out of memory: the booking stays counted, which is safe.
        }
    }

    // ------------------------------------------------------------- OAuth

    /// The token record's token; `seed` becomes it when there is none (refresh_coordinator).
    asio::awaitable<std::optional<oauth_token>> async_current(std::optional<oauth_token> seed) override {
        auto keep = this->shared_from_this();
        std::vector<std::string> keys{token_key()};
        std::vector<std::string> args = seed ? token_fields(*seed) : std::vector<std::string>{"", "", "0", ""};
        args.push_back("0");
        auto reply = co_await redis_.async_eval(current_, std::move(keys), std::move(args));
        throw_if_error(reply, "reading the fleet's token");
        auto t = record_token(reply);
        if (t) last_token_ = *t;
        co_return t;
    }

    /// Writes the token of a new authorization to the record (refresh_coordinator).
    asio::awaitable<void> async_publish(oauth_token fresh) override {
        auto keep = this->shared_from_this();
        auto args = token_fields(fresh);
        args.insert(args.begin(), "0");
        args.push_back(prefix_ + "oauth:announce");
        args.push_back(process_);
        std::vector<std::string> keys{token_key(), lease_key()};
        auto reply = co_await redis_.async_eval(write_, std::move(keys), std::move(args));
        throw_if_error(reply, "publishing the fleet's token");
        last_token_ = std::move(fresh);
    }

    /// A newer token from the record, or one refresh under the fleet's lease (refresh_coordinator).
    asio::awaitable<oauth_token> async_refresh(oauth_token stale, refresh_function refresh) override {
        auto keep = this->shared_from_this();
        auto t = co_await refresh_once(std::move(stale), std::move(refresh));
        last_token_ = t;
        co_return t;
    }

private:
    asio::awaitable<oauth_token> refresh_once(oauth_token stale, refresh_function refresh) {
        const auto give_up = clock::now() + 2 * opts_.refresh_lease + opts_.refresh_poll;
        for (;;) {
            std::string redis_failed;
            try {
                if (auto t = co_await try_refresh(stale, refresh)) co_return *t;
            } catch (const boost::system::system_error& e) {
                if (e.code() == asio::error::operation_aborted) throw;
                redis_failed = e.code().message();
            }
            // Another process refreshes, or Redis cannot say: never refresh
            // alone. The token in hand serves until it expires; after that,
            // wait (within the bound of two leases).
            if (stale.expires_at - std::chrono::system_clock::now() > 2 * opts_.refresh_poll) co_return stale;
            if (clock::now() >= give_up)
                fail_oauth(redis_failed.empty()
                               ? "oauth: another process of the fleet holds the refresh lease and no new token appeared"
                               : "oauth: the fleet's Redis is unreachable (" + redis_failed +
                                     ") and the token has expired; not refreshing outside the fleet");
            co_await sleep_for(usec(opts_.refresh_poll));
        }
    }

    /// One round: a newer token from the record, or one refresh under the
    /// lease; nullopt when another process holds the lease. Throws
    /// system_error when Redis fails before the refresh token was spent.
    asio::awaitable<std::optional<oauth_token>> try_refresh(const oauth_token& stale, refresh_function& refresh) {
        auto current = co_await read_record();
        if (current && current->access_token != stale.access_token) {
            ++status_.adopted;
            co_return current;
        }
        if (!co_await take_lease()) co_return std::nullopt;
        // Read once more under the lease: a refresh may have ended between
        // the first read and the lease.
        auto under_lease = co_await read_record();
        if (!under_lease) {
            // The record is gone (Redis restarted without persistence, or
            // flushed): this process's token may be older than another's,
            // whose refresh token is the only one not spent yet. Every
            // process offers its token (reseed(), after it sees the state
            // lost) and the one that expires last stays: wait for the offers
            // before spending any.
            co_await offer(stale);
            co_await sleep_for(usec(opts_.rejoin_interval + 4 * opts_.refresh_poll));
            under_lease = co_await read_record();
        }
        const auto version = record_version_;
        if (under_lease && under_lease->access_token != stale.access_token) {
            co_await give_back_lease();
            ++status_.adopted;
            co_return under_lease;
        }
        auto base = under_lease ? *under_lease : stale;
        std::optional<oauth_token> fresh;
        error_code failed;
        diagnostics why;
        try {
            auto rt = base.refresh_token;
            fresh = co_await refresh(std::move(rt));
        } catch (const api_error& e) {
            failed = e.code();
            why = e.diagnostics();
        }
        if (!fresh) {
            co_await give_back_lease();
            // invalid_grant: another process may have refreshed after all
            // (its lease lapsed mid-refresh): read the record before failing.
            std::optional<oauth_token> after;
            try {
                after = co_await read_record();
            } catch (const boost::system::system_error& e) {
                if (e.code() == asio::error::operation_aborted) throw;
            }
            if (after && after->access_token != base.access_token) {
                ++status_.adopted;
                co_return after;
            }
            throw api_error(failed, std::move(why));
        }
        ++status_.refreshes;
        co_await write_refreshed(*fresh, version);
        co_return fresh;
    }

    /// Writes a token this process just obtained: until it lands, the new
    /// refresh token exists only here, so Redis is asked again a few times.
    asio::awaitable<void> write_refreshed(const oauth_token& fresh, long long version) {
        auto args = token_fields(fresh);
        args.insert(args.begin(), std::to_string(version));
        args.push_back(prefix_ + "oauth:announce");
        args.push_back(process_);
        for (int tries = 0;; ++tries) {
            bool failed = false;
            try {
                std::vector<std::string> keys{token_key(), lease_key()};
                auto a = args;
                auto reply = co_await redis_.async_eval(write_, std::move(keys), std::move(a));
                throw_if_error(reply, "writing the fleet's token");
                if (reply.elements.size() == 2 && reply.elements[0].integer != 1)
                    warn("oauth: another process refreshed the grant at the same time (its lease lapsed)");
            } catch (const api_error&) { // Redis refused the script
                failed = true;
            } catch (const boost::system::system_error& e) {
                if (e.code() == asio::error::operation_aborted) throw;
                failed = true;
            }
            if (!failed) co_return;
            if (tries >= 5) {
                warn("oauth: could not write the refreshed token to Redis; only this process and its token_store "
                     "hold it");
                co_return;
            }
            co_await sleep_for(usec(opts_.refresh_poll));
        }
    }

    std::chrono::microseconds scaled(std::chrono::seconds s) const {
        return std::chrono::duration_cast<usec>(std::chrono::duration<double>(s) / opts_.time_scale);
    }

    std::string member(std::uint64_t id) const { return process_ + ":" + std::to_string(id); }
    std::string token_key() const { return prefix_ + "oauth:token"; }
    std::string lease_key() const { return prefix_ + "oauth:lease"; }

    rate_class& class_of(std::string_view op, rate_limit r) {
        auto key = std::string(op) + ":" + std::to_string(r.burst_per_second) + ":" + std::to_string(r.steady_per_minute);
        auto it = classes_.find(key);
        if (it == classes_.end()) {
            pacing_options local;
            local.share = share();
            local.time_scale = opts_.time_scale;
            it = classes_.emplace(key, std::make_unique<rate_class>(prefix_ + "pace:" + key, r, local)).first;
        }
        return *it->second;
    }

    usec horizon() const {
        return opts_.booking_horizon.count() > 0 ? usec(opts_.booking_horizon) : steady_len_;
    }

    /// The fleet's part of a limit (fleet_options::share), never below 1.
    unsigned fleet_limit(unsigned limit) const {
        if (limit == 0) return 0;
        return std::max(1u, static_cast<unsigned>(limit * opts_.share));
    }

    double share() const {
        if (opts_.fallback_share > 0) return opts_.fallback_share;
        return opts_.share / static_cast<double>(std::max<std::size_t>(1, members_seen_));
    }

    /// Pacing alone: waits until this process's own windows, at its share, allow a start.
    asio::awaitable<void> wait_local(rate_class& c) {
        for (;;) {
            const auto now = clock::now();
            auto at = std::max(c.local.next_start(now), c.paused_until);
            if (at <= now) co_return;
            if (at == clock::time_point::max()) at = now + std::max<clock::duration>(burst_len_ / 4, std::chrono::milliseconds(1));
            co_await sleep_for(std::chrono::duration_cast<usec>(at - now));
        }
    }

    /// Tells the fleet the calls of `c` it missed while this process was alone.
    asio::awaitable<void> register_missed(rate_class& c) {
        const auto since = *c.unregistered_since;
        c.unregistered_since.reset();
        const auto now = clock::now();
        std::vector<std::string> args{"r:" + process_ + ":", std::to_string(steady_len_.count())};
        c.local.for_each_end_after(std::max(since, now - steady_len_), [&](clock::time_point end) {
            args.push_back(std::to_string(std::chrono::duration_cast<usec>(now - end).count()));
        });
        if (args.size() == 2) co_return;
        std::vector<std::string> keys{c.calls_key};
        try {
            co_await redis_.async_eval(register_, std::move(keys), std::move(args));
        } catch (const boost::system::system_error& e) {
            if (e.code() == asio::error::operation_aborted) throw;
            went_down(e.code().message());
        }
    }

    static asio::awaitable<void> tell(std::shared_ptr<basic_redis_fleet> self, std::vector<std::string> keys,
                                      std::vector<std::string> args) {
        try {
            const bool observed = args[1] == "1";
            auto reply = co_await self->redis_.async_eval(self->finish_, std::move(keys), std::move(args));
            if (observed && !reply.is_error() && reply.integer <= 0) ++self->status_.held_back;
        } catch (const boost::system::system_error& e) {
            if (e.code() != asio::error::operation_aborted) self->went_down(e.code().message());
        }
    }

    static asio::awaitable<void> reseed(std::shared_ptr<basic_redis_fleet> self, oauth_token t) {
        try {
            co_await self->offer(t);
        } catch (const boost::system::system_error&) {
            // Unreachable again: the next state loss offers it again.
        }
    }

    /// Offers `t` to the token record: taken if there is none, or if it
    /// expires later than the record's.
    asio::awaitable<void> offer(const oauth_token& t) {
        std::vector<std::string> keys{token_key()};
        auto args = token_fields(t);
        args.push_back("1");
        co_await redis_.async_eval(current_, std::move(keys), std::move(args));
    }

    /// Redis failed: pace alone until rejoin_interval has passed.
    void went_down(const std::string& why) {
        const auto now = clock::now();
        if (now < down_until_) return;
        down_until_ = now + opts_.rejoin_interval;
        if (!status_.joined && status_.outages > 0) return; // still out: warned already
        status_.joined = false;
        ++status_.outages;
        for (auto& [k, c] : classes_) {
            if (!c->unregistered_since) c->unregistered_since = now;
            rebuild_local(*c);
        }
        warn("fleet " + opts_.name + ": Redis failed (" + why + "); pacing this process alone at " +
             std::to_string(static_cast<int>(share() * 100)) + "% of each limit");
    }

    void came_back() {
        if (status_.joined) return;
        status_.joined = true;
        // Calls of other processes made while they were alone are not all
        // in Redis yet: one steady window of caution.
        if (status_.outages > 0) careful_until_ = std::max(careful_until_, clock::now() + steady_len_);
    }

    /// The local windows at the current share, keeping what they counted.
    void rebuild_local(rate_class& c) {
        pacing_options o;
        o.share = share();
        o.time_scale = opts_.time_scale;
        rate_window_state fresh(c.rate, o);
        const auto now = clock::now();
        c.local.for_each_end_after(now - steady_len_, [&](clock::time_point end) {
            fresh.start();
            fresh.finish(end);
        });
        for (unsigned i = 0; i < c.local.in_flight(); ++i) fresh.start();
        c.local = std::move(fresh);
    }

    /// `epoch` is when the fleet's state was created, `server_now` the
    /// server's now. True when the state is new to this process and young.
    bool note_epoch(long long epoch, long long server_now) {
        const bool young = server_now - epoch < steady_len_.count();
        if (epoch_ != 0 && epoch != epoch_) {
            ++status_.state_losses;
            // The token record may be gone with the rest: offer this
            // process's token; the one that expires last stays.
            if (last_token_)
                asio::co_spawn(ex_, reseed(this->shared_from_this(), *last_token_), asio::detached);
            warn("fleet " + opts_.name +
                 ": its state in Redis was lost (restart without persistence, flush or eviction); pacing "
                 "this process alone as well for one steady window");
        }
        const bool fresh = young && epoch != epoch_;
        if (fresh) {
            careful_until_ = std::max(careful_until_, clock::now() + usec(steady_len_.count() - (server_now - epoch)));
            for (auto& [k, c] : classes_) rebuild_local(*c);
        }
        epoch_ = epoch;
        return fresh;
    }

    /// Once per connection: Redis that may evict the fleet's keys would
    /// silently reset the windows.
    asio::awaitable<void> check_eviction_policy() {
        if (policy_checked_) co_return;
        policy_checked_ = true;
        try {
            std::vector<std::string> cmd{"CONFIG", "GET", "maxmemory-policy"};
            auto r = co_await redis_.async_command(std::move(cmd));
            if (r.elements.size() == 2 && r.elements[1].text != "noeviction")
                warn("fleet " + opts_.name + ": Redis's maxmemory-policy is " + r.elements[1].text +
                     ": it may evict the fleet's windows and reset them; use noeviction");
        } catch (const boost::system::system_error& e) {
            if (e.code() == asio::error::operation_aborted) throw;
            policy_checked_ = false; // unreachable: ask again when it is back
        }
    }

    void warn(const std::string& text) {
        ++status_.warnings;
        if (opts_.on_warning)
            opts_.on_warning(text);
        else
            std::clog << "klaviyo: " << text << std::endl;
    }

    asio::awaitable<void> sleep_for(usec d) {
        asio::steady_timer t(ex_, d);
        co_await t.async_wait(asio::use_awaitable);
    }

    // OAuth helpers

    static std::vector<std::string> token_fields(const oauth_token& t) {
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(t.expires_at.time_since_epoch()).count();
        return {t.access_token, t.refresh_token, std::to_string(ms), t.scope};
    }

    /// The token of a record as current_token_script returns it; notes its version.
    std::optional<oauth_token> record_token(const redis_reply& r) {
        if (r.type != redis_reply::kind::array || r.elements.size() != 5 ||
            r.elements[1].type != redis_reply::kind::string)
            return std::nullopt;
        record_version_ = std::stoll(r.elements[0].text);
        oauth_token t;
        t.access_token = r.elements[1].text;
        t.refresh_token = r.elements[2].text;
        t.expires_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(std::stoll(r.elements[3].text)));
        t.scope = r.elements[4].text;
        return t;
    }

    asio::awaitable<std::optional<oauth_token>> read_record() {
        std::vector<std::string> keys{token_key()};
        std::vector<std::string> args{"", "", "0", "", "0"};
        auto reply = co_await redis_.async_eval(current_, std::move(keys), std::move(args));
        throw_if_error(reply, "reading the fleet's token");
        auto t = record_token(reply);
        if (!t) record_version_ = 0; // gone: the next write is unconditional
        co_return t;
    }

    asio::awaitable<bool> take_lease() {
        std::vector<std::string> cmd{"SET", lease_key(), process_, "NX", "PX", std::to_string(opts_.refresh_lease.count())};
        auto r = co_await redis_.async_command(std::move(cmd));
        throw_if_error(r, "taking the refresh lease");
        co_return r.type == redis_reply::kind::status;
    }

    asio::awaitable<void> give_back_lease() {
        std::vector<std::string> keys{lease_key()};
        std::vector<std::string> args{process_};
        try {
            co_await redis_.async_eval(release_, std::move(keys), std::move(args));
        } catch (const boost::system::system_error& e) {
            if (e.code() == asio::error::operation_aborted) throw;
            // It lapses by itself.
        }
    }

    [[noreturn]] static void fail_oauth(std::string message) {
        diagnostics d;
        d.message = std::move(message);
        throw api_error(errc::oauth_error, std::move(d));
    }

    static void throw_if_error(const redis_reply& r, const char* what) {
        if (!r.is_error()) return;
        diagnostics d;
        d.message = std::string("fleet: Redis refused ") + what + ": " + r.text;
        throw api_error(errc::oauth_error, std::move(d));
    }

    Executor ex_;
    fleet_options opts_;
    redis_connection<Executor> redis_;
    std::string prefix_, process_;
    usec burst_len_{}, steady_len_{};
    std::map<std::string, std::unique_ptr<rate_class>, std::less<>> classes_;
    std::uint64_t last_id_ = 0;
    clock::time_point down_until_{}, careful_until_{};
    long long epoch_ = 0;
    long long record_version_ = 0;
    std::optional<oauth_token> last_token_; ///< the token this process uses, offered again after a state loss
    std::size_t members_seen_ = 1;
    bool policy_checked_ = false;
    fleet_status status_{};
    const redis_script book_{std::string(detail::book_script)}, finish_{std::string(detail::finish_script)},
        register_{std::string(detail::register_script)}, current_{std::string(detail::current_token_script)},
        write_{std::string(detail::write_token_script)}, release_{std::string(detail::release_lease_script)};
};

/// The fleet membership most programs use: on any executor.
using redis_fleet = basic_redis_fleet<>;

/// Joins the fleet `o.name` through the Redis of `o.redis`. Connects on
/// first use; give the result to client_options::pacing.backend and to
/// oauth_connection::coordinator of this process's client.
template <class Executor>
std::shared_ptr<basic_redis_fleet<Executor>> make_redis_fleet(const Executor& ex, fleet_options o) {
    return std::make_shared<basic_redis_fleet<Executor>>(ex, std::move(o));
}

} // namespace klaviyo::fleet
