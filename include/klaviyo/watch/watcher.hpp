// klaviyo-cpp watch: new and updated records since a checkpoint, delivered
// once to the consumer.
//
//     klaviyo::watch::file_checkpoint_store store("profiles.checkpoint");
//     auto w = klaviyo::watch::changes<klaviyo::watch::profiles>(client, store, {});
//     for (;;) {
//         auto b = co_await w.async_next(asio::use_awaitable);   // std::optional<batch>, never empty
//         for (auto& p : b->records) handle(p);                   // api::resource<attributes::profile>
//         w.acknowledge(*b);                                      // the checkpoint moves here, and only here
//         if (b->records.empty()) co_await sleep(...);            // nothing new: poll again later
//     }
//
// How it works (README, "Watching for changes"): each poll asks for the
// records whose time member is at or after the checkpoint's `since`, oldest
// first, and hands over those the checkpoint does not list as delivered
// (same id, second and attributes), one page's worth per batch. Acknowledging
// a batch stores the checkpoint it carries: `since` moves up to the newest
// second the pages prove complete, never past Klaviyo's clock (the Date of
// its answer) minus the margin, and the versions delivered at or after it
// are listed so that the overlap is skipped. A batch not acknowledged is
// delivered again, by this watcher and by the next one to load the store.
#pragma once

#include <klaviyo/api/accounts.hpp>
#include <klaviyo/api/call.hpp>
#include <klaviyo/completion.hpp>
#include <klaviyo/watch/checkpoint.hpp>
#include <klaviyo/watch/checkpoint_store.hpp>
#include <klaviyo/watch/dated.hpp>
#include <klaviyo/watch/detail/cursor.hpp>
#include <klaviyo/watch/detail/time.hpp>
#include <klaviyo/watch/resources.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/coro.hpp>
#include <boost/asio/this_coro.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace klaviyo::watch {

/// How a watcher starts and polls.
struct watch_options {
    /// First run only (no checkpoint stored): deliver records from this
    /// time on. Empty: from now, by Klaviyo's clock (the Date of its answer).
    std::optional<std::chrono::system_clock::time_point> from{};
    /// How far behind Klaviyo's clock the checkpoint stays. Empty: the resource's.
    std::optional<std::chrono::seconds> margin{};
    /// Records per page (and at most per batch). Empty: the operation's maximum.
    std::optional<unsigned> page_size{};
};

/// New or updated records, oldest first, and the checkpoint that
/// acknowledging them stores. Empty `records`: nothing new this poll.
template <class Attributes>
struct batch {
    std::vector<api::resource<Attributes>> records{}; ///< new or updated since the checkpoint, oldest first
    checkpoint next{};          ///< stored by watcher::acknowledge
    std::uint64_t base = 0;     ///< which acknowledged checkpoint it was read from
};

namespace detail {
template <class Result>
struct attributes_of_result;
template <class A>
struct attributes_of_result<api::collection<A>> {
    using type = A;
};
} // namespace detail

/// The attributes type of a resource line's records (api::attributes::profile, ...).
template <class R>
using attributes_of = typename detail::attributes_of_result<typename R::operation::result>::type;

namespace detail {

template <class R>
struct watch_state {
    R resource;
    checkpoint_store* store = nullptr;
    watch_options options;
    std::optional<checkpoint> committed{};
    std::uint64_t version = 0;
};

inline seconds_t server_time(const std::string& date) {
    auto t = parse_http_date(date);
    if (!t) throw std::runtime_error("klaviyo watch: the answer has no valid Date header; the checkpoint follows "
                                     "Klaviyo's clock and cannot move without it");
    return *t;
}

/// The id, second and fingerprint of each record of a page, from the JSON as received.
inline std::vector<delivered> versions(const json::value& body, std::string_view member, seconds_t since) {
    std::vector<delivered> out;
    const json::object* doc = body.if_object();
    const json::value* data = doc ? doc->if_contains("data") : nullptr;
    if (!data || !data->is_array()) return out;
    for (const auto& r : data->get_array()) {
        delivered d;
        d.at = since; // a record without the member cannot match the filter; treat it as at the start
        if (const auto* o = r.if_object()) {
            if (const auto* id = o->if_contains("id"); id && id->is_string()) d.id = std::string(id->get_string());
            if (const auto* a = o->if_contains("attributes"); a && a->is_object()) {
                d.fingerprint = fingerprint(*a);
                if (const auto* t = a->get_object().if_contains(member); t && t->is_string())
                    if (auto s = parse_iso(t->get_string())) d.at = *s;
            }
        }
        out.push_back(std::move(d));
    }
    return out;
}

template <class R>
api::call_options poll_options(const R& r, const watch_options& w, seconds_t since) {
    using Op = typename R::operation;
    constexpr std::string_view op = later_operator<Op>(R::member);
    api::call_options o;
    o.id = r.path_id();
    // greater-than the second before is "at or after `since`" for whole-second times.
    std::string time = std::string(op) + "(" + std::string(R::member) + "," +
                       format_iso(op == "greater-than" ? since - 1 : since) + ")";
    std::string scope = r.scope_filter();
    o.filter = scope.empty() ? time : "and(" + scope + "," + time + ")";
    o.sort = std::string(R::member);
    if constexpr (Op::max_page_size > 0) o.page_size = w.page_size;
    return o;
}

template <class R, class Client>
asio::experimental::generator<batch<attributes_of<R>>> watch_generator(asio::any_io_executor, Client& client,
                                                                       std::shared_ptr<watch_state<R>> st) {
    using Op = typename R::operation;
    using page_type = dated<typename Op::result>;
    // A poll may make several requests in one resume. Awaited inside a
    // parallel group (awaitable_operators' &&), the coroutine's cancellation
    // state was found marked cancelled after the first of them completed,
    // though nobody cancelled, and the next request threw "coro-cancelled".
    // A real cancellation still reaches the request in flight through the
    // slot and ends it with operation_aborted.
    co_await asio::this_coro::throw_if_cancelled(false);
    const std::string key = st->resource.key();
    const auto margin = std::chrono::duration_cast<std::chrono::seconds>(st->options.margin.value_or(R::margin));
    {
        // The account the checkpoint must belong to, and Klaviyo's "now" for a first run.
        // Plans are built before the co_await: g++ 12 mis-destroys aggregate temporaries inside one.
        const api::call_options none;
        auto accounts_plan = api::detail::plan_call<api::get_accounts>(none);
        auto accounts = co_await client.template async_execute<dated<api::get_accounts::result>>(
            std::move(accounts_plan), with_diagnostics(asio::deferred));
        if (accounts.data.empty()) throw std::runtime_error("klaviyo watch: the key sees no account");
        const std::string account = accounts.data.front().id;
        auto stored = st->store->load();
        if (stored) {
            check_owner(*stored, key, account, false);
            st->committed = std::move(*stored);
        } else {
            checkpoint first;
            first.resource = key;
            first.account = account;
            first.since = st->options.from ? to_seconds(*st->options.from) : server_time(accounts.date);
            // Stored at once: a restart before the first acknowledgement starts from the same time.
            st->store->save(first);
            st->committed = std::move(first);
        }
    }
    for (;;) {
        const checkpoint from = *st->committed;
        const std::uint64_t base = st->version;
        delivered_set had(from);
        poll_bound bound;
        const api::call_options query = poll_options(st->resource, st->options, from.since);
        auto plan = api::detail::plan_call<Op>(query);
        page_type page =
            co_await client.template async_execute<page_type>(std::move(plan), with_diagnostics(asio::deferred));
        const seconds_t horizon = server_time(page.date) - margin.count();
        for (;;) {
            auto keys = versions(page.body, R::member, from.since);
            std::string next = page.next_link();
            bound.add_page(keys, next.empty(), from.since);
            auto positions = fresh(had, keys);
            if (!positions.empty() || next.empty()) {
                batch<attributes_of<R>> b;
                std::vector<delivered> given;
                for (auto i : positions) {
                    if (i < page.data.size()) b.records.push_back(std::move(page.data[i]));
                    given.push_back(std::move(keys[i]));
                }
                b.next = advance(from, given, bound.value(), horizon);
                b.base = base;
                co_yield std::move(b);
                break;
            }
            // A whole page the consumer already has (the overlap, or many
            // records in one second): read on in the same poll.
            auto follow = api::detail::follow_link<Op>(next, client.origin());
            page = co_await client.template async_execute<page_type>(std::move(follow), with_diagnostics(asio::deferred));
        }
    }
}

} // namespace detail

/// Follows one resource (a line of resources.hpp). Made by changes().
template <watchable R, class Client>
class watcher {
public:
    using attributes_type = attributes_of<R>;       ///< the records' attributes
    using batch_type = batch<attributes_type>;      ///< what async_next delivers

    /// Prefer changes(). Nothing is read before the first async_next.
    watcher(Client& client, checkpoint_store& store, watch_options options, R resource)
        : state_(std::make_shared<detail::watch_state<R>>()), gen_(make(client, store, std::move(options), resource)) {}

    /// The next batch (a poll: one request, more when whole pages were
    /// delivered already). Completes with (std::exception_ptr,
    /// std::optional<batch_type>); with use_awaitable, errors are thrown:
    /// api_error, checkpoint_error (a stored checkpoint of another resource
    /// or account, or corrupt). The first call loads the checkpoint.
    template <class Token>
    auto async_next(Token&& token) {
        return gen_.async_resume(std::forward<Token>(token));
    }

    /// The consumer has what `b` delivered: stores b.next and makes it the
    /// start of the next poll. Acknowledge each batch before asking for the
    /// next (a batch read from an older checkpoint is refused with
    /// std::logic_error); an unacknowledged batch is read again.
    void acknowledge(const batch_type& b) {
        detail::acknowledge(*state_, b.base, b.next, "batch");
    }

    /// The checkpoint the next poll starts from (empty before the first).
    const std::optional<checkpoint>& committed() const noexcept { return state_->committed; }

private:
    asio::experimental::generator<batch_type> make(Client& client, checkpoint_store& store, watch_options options,
                                                   R resource) {
        state_->resource = std::move(resource);
        state_->store = &store;
        state_->options = std::move(options);
        return detail::watch_generator<R>(asio::any_io_executor(client.get_executor()), client, state_);
    }

    std::shared_ptr<detail::watch_state<R>> state_;
    asio::experimental::generator<batch_type> gen_;
};

/// A watcher of `resource` (a line of resources.hpp: profiles, campaigns
/// {"sms"}, list_members{id}, ...) whose checkpoint lives in `store`.
template <watchable R, class Client>
watcher<R, Client> changes(Client& client, checkpoint_store& store, watch_options options, R resource = {}) {
    return watcher<R, Client>(client, store, std::move(options), std::move(resource));
}

} // namespace klaviyo::watch
