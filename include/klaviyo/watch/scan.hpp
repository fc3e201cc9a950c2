// klaviyo-cpp watch: full-scan mode, for collections Klaviyo cannot filter
// by time (metrics, tags, coupons, catalog items, ...) and, for any
// collection, to find deletions, which a time filter never shows.
//
//     auto s = klaviyo::watch::full_scan<klaviyo::api::get_tags>(client, store, {});
//     auto d = co_await s.async_next(asio::use_awaitable);  // one whole scan
//     d->created, d->changed (api::resource<...>), d->deleted (ids)
//     s.acknowledge(*d);
//
// Each scan reads every page and compares each record (id and a
// fingerprint of its attributes) with the previous acknowledged scan,
// which the checkpoint keeps whole. The first scan finds every record
// "created". As with the time watcher, a diff not acknowledged is found
// again by the next scan.
#pragma once

#include <klaviyo/api/accounts.hpp>
#include <klaviyo/api/call.hpp>
#include <klaviyo/completion.hpp>
#include <klaviyo/watch/checkpoint.hpp>
#include <klaviyo/watch/checkpoint_store.hpp>
#include <klaviyo/watch/dated.hpp>
#include <klaviyo/watch/detail/cursor.hpp>
#include <klaviyo/watch/watcher.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/coro.hpp>
#include <boost/asio/this_coro.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace klaviyo::watch {

/// What one full scan found against the last acknowledged one.
template <class Attributes>
struct scan_batch {
    std::vector<api::resource<Attributes>> created{}; ///< not in the last scan
    std::vector<api::resource<Attributes>> changed{}; ///< in it, with other attributes
    std::vector<std::string> deleted{}; ///< ids in the last scan and not in this one
    checkpoint next{};                  ///< stored by scanner::acknowledge
    std::uint64_t base = 0;             ///< which acknowledged scan it was compared with
};

/// The inputs of a scan: the operation's own (a path id, fields, a filter
/// that does not involve time, a page size).
using scan_options = api::call_options;

namespace detail {

struct scan_state {
    checkpoint_store* store = nullptr;
    api::call_options options;
    std::optional<checkpoint> committed{};
    std::uint64_t version = 0;
};

template <class Op>
std::string scan_key(const api::call_options& o) {
    std::string k = "scan:" + std::string(Op::operation_id);
    if (!o.id.empty()) k += ":" + o.id;
    if (!o.filter.empty()) k += ":" + o.filter;
    return k;
}

template <class Op, class Client>
asio::experimental::generator<scan_batch<typename attributes_of_result<typename Op::result>::type>>
scan_generator(asio::any_io_executor, Client& client, std::shared_ptr<scan_state> st) {
    using A = typename attributes_of_result<typename Op::result>::type;
    co_await asio::this_coro::throw_if_cancelled(false); // several requests per resume: see watch_generator
    const std::string key = scan_key<Op>(st->options);
    {
        // Plans are built before the co_await: g++ 12 mis-destroys aggregate temporaries inside one.
        const api::call_options none;
        auto accounts_plan = api::detail::plan_call<api::get_accounts>(none);
        auto accounts = co_await client.template async_execute<dated<api::get_accounts::result>>(
            std::move(accounts_plan), with_diagnostics(asio::deferred));
        if (accounts.data.empty()) throw std::runtime_error("klaviyo watch: the key sees no account");
        const std::string account = accounts.data.front().id;
        if (auto stored = st->store->load()) {
            check_owner(*stored, key, account, true);
            st->committed = std::move(*stored);
        } else {
            checkpoint empty;
            empty.resource = key;
            empty.account = account;
            empty.full_scan = true;
            st->committed = std::move(empty);
        }
    }
    for (;;) {
        const checkpoint from = *st->committed;
        const std::uint64_t base = st->version;
        std::vector<api::resource<A>> records;
        std::vector<delivered> keys;
        auto pages = api::pages<Op>(client, st->options);
        while (auto page = co_await pages) {
            auto v = versions(page->body, {}, 0);
            for (std::size_t i = 0; i < v.size() && i < page->data.size(); ++i) {
                v[i].at = 0;
                keys.push_back(std::move(v[i]));
                records.push_back(std::move(page->data[i]));
            }
        }
        scan_diff d = diff(from, keys);
        scan_batch<A> b;
        for (auto i : d.created) b.created.push_back(std::move(records[i]));
        for (auto i : d.changed) b.changed.push_back(std::move(records[i]));
        b.deleted = std::move(d.deleted);
        b.next = from;
        b.next.seen = std::move(keys);
        b.base = base;
        co_yield std::move(b);
    }
}

} // namespace detail

/// Scans a cursor-paginated collection whole, each time, and reports the difference. Made by full_scan().
template <api::api_operation Op, class Client>
class scanner {
public:
    using attributes_type = typename detail::attributes_of_result<typename Op::result>::type; ///< the records'
    using batch_type = scan_batch<attributes_type>; ///< what async_next delivers

    /// Prefer full_scan(). Nothing is read before the first async_next.
    scanner(Client& client, checkpoint_store& store, scan_options options)
        : state_(std::make_shared<detail::scan_state>()), gen_(make(client, store, std::move(options))) {}

    /// One whole scan, compared. Completes with (std::exception_ptr, std::optional<batch_type>).
    template <class Token>
    auto async_next(Token&& token) {
        return gen_.async_resume(std::forward<Token>(token));
    }

    /// The consumer has what `b` reported: the scan becomes the one the next is compared with.
    void acknowledge(const batch_type& b) {
        detail::acknowledge(*state_, b.base, b.next, "scan");
    }

private:
    asio::experimental::generator<batch_type> make(Client& client, checkpoint_store& store, scan_options options) {
        state_->store = &store;
        state_->options = std::move(options);
        return detail::scan_generator<Op>(asio::any_io_executor(client.get_executor()), client, state_);
    }

    std::shared_ptr<detail::scan_state> state_;
    asio::experimental::generator<batch_type> gen_;
};

/// A full scanner of operation `Op` (any cursor-paginated list whose data
/// is a list of resources) whose last scan lives in `store`.
template <api::api_operation Op, class Client>
scanner<Op, Client> full_scan(Client& client, checkpoint_store& store, scan_options options) {
    static_assert(Op::cursor_paginated, "klaviyo: a full scan needs a cursor-paginated list operation");
    return scanner<Op, Client>(client, store, std::move(options));
}

} // namespace klaviyo::watch
