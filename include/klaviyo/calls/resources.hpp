// klaviyo-cpp: the calls on the seed's resources: get, list, create, update, delete,
// pages and items, a list's members, profiles by email or phone, campaigns by channel.
//
// basic_client derives from it (CRTP): these are members of every client;
// the engine (connection, auth, pacing, retries, the generic call) stays in
// client.hpp.
#pragma once

#include <klaviyo/completion.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/query.hpp>
#include <klaviyo/resources/campaign.hpp>
#include <klaviyo/resources/list.hpp>
#include <klaviyo/resources/profile.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/experimental/coro.hpp>

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace klaviyo {

/// Typed calls on the resources (klaviyo::profile, klaviyo::list, ...) and their pages.
template <class Client>
class resource_calls {
public:
    // ------------------------------------------------------------ generic resource operations
    //
    // Options are never defaulted arguments: g++ 12 destroys a defaulted
    // non-trivial argument twice when the call is co_awaited. The short
    // overloads below build the defaults outside the caller's coroutine.

    /// Reads one resource by id: async_get with default get_options and the default token.
    template <class R>
    auto async_get(std::string id) {
        return async_get<R>(std::move(id), get_options{});
    }
    /// Reads the first page of a collection: async_list with default list_options and the default token.
    template <class R>
    auto async_list() {
        return async_list<R>(list_options{});
    }
    /// Creates a resource: async_create with default write_options and the default token.
    template <class R>
    auto async_create(typename R::create_type in) {
        return async_create<R>(std::move(in), write_options{});
    }
    /// Updates a resource: async_update with default write_options and the default token.
    template <class R>
    auto async_update(std::string id, typename R::update_type in) {
        return async_update<R>(std::move(id), std::move(in), write_options{});
    }
    /// Creates or updates a profile: async_create_or_update_profile with default write_options and the default token.
    auto async_create_or_update_profile(profile_upsert in) {
        return async_create_or_update_profile(std::move(in), write_options{});
    }
    /// Every page of a collection: pages with default list_options.
    template <class R>
    auto pages() {
        return pages<R>(list_options{});
    }
    /// Every item of a collection: items with default list_options.
    template <class R>
    auto items() {
        return items<R>(list_options{});
    }

    /// Reads one resource by id. Completes with `(error_code, document<R::attributes_type>)`.
    template <class R, class Token = default_token>
    auto async_get(std::string id, get_options opts, Token&& token = {}) {
        using op = typename R::get_operation;
        static_assert(!std::is_void_v<op>, "klaviyo: the Klaviyo API cannot get this resource by id");
        return self().template async_execute<typename op::result_type>(op::plan(id, opts), std::forward<Token>(token));
    }

    /// Reads one page of a collection. Completes with `(error_code, page<R::attributes_type>)`.
    template <class R, class Token = default_token>
    auto async_list(list_options opts, Token&& token = {}) {
        using op = typename R::list_operation;
        static_assert(!std::is_void_v<op>, "klaviyo: the Klaviyo API cannot list this resource");
        return self().template async_execute<typename op::result_type>(op::plan(opts), std::forward<Token>(token));
    }

    /// Reads the page a previous page's `next_link` (or `prev_link`) names.
    /// The link must point at the configured base host: the key never leaves for another.
    template <class R, class Token = default_token>
    auto async_get_page(std::string link, Token&& token = {}) {
        using op = typename R::list_operation;
        static_assert(!std::is_void_v<op>, "klaviyo: the Klaviyo API cannot list this resource");
        static_assert(paginated_operation<op>, "klaviyo: this collection is not cursor-paginated");
        return self().template async_execute<typename op::result_type>(self().template follow_plan<op>(link), std::forward<Token>(token));
    }

    /// Creates a resource. Completes with `(error_code, document<R::attributes_type>)`.
    template <class R, class Token = default_token>
    auto async_create(typename R::create_type in, write_options opts, Token&& token = {}) {
        using op = typename R::create_operation;
        static_assert(!std::is_void_v<op>, "klaviyo: the Klaviyo API cannot create this resource");
        return self().template async_execute<typename op::result_type>(op::plan(in, opts), std::forward<Token>(token));
    }

    /// Updates a resource (PATCH): absent members stay, klaviyo::null clears.
    template <class R, class Token = default_token>
    auto async_update(std::string id, typename R::update_type in, write_options opts, Token&& token = {}) {
        using op = typename R::update_operation;
        static_assert(!std::is_void_v<op>, "klaviyo: the Klaviyo API cannot update this resource");
        return self().template async_execute<typename op::result_type>(op::plan(id, in, opts), std::forward<Token>(token));
    }

    /// Deletes a resource. Completes with `(error_code, accepted)`.
    template <class R, class Token = default_token>
    auto async_delete(std::string id, Token&& token = {}) {
        using op = typename R::delete_operation;
        static_assert(!std::is_void_v<op>, "klaviyo: the Klaviyo API has no delete operation for this resource");
        return self().template async_execute<accepted>(op::plan(id), std::forward<Token>(token));
    }

    // ------------------------------------------------------------ profiles

    /// POST /api/profile-import: create the profile, or update the one its
    /// identifiers match. Completes with `(error_code, ops::upsert_result)`.
    template <class Token = default_token>
    auto async_create_or_update_profile(profile_upsert in, write_options opts, Token&& token = {}) {
        using op = ops::create_or_update_profile;
        return self().template async_execute<op::result_type>(op::plan(in, opts), std::forward<Token>(token));
    }

    // ------------------------------------------------------------ lists

    /// GET /api/lists/{id}/profiles: one page of a list's members (with joined_group_at).
    template <class Token = default_token>
    auto async_get_list_profiles(std::string list_id, list_options opts, Token&& token = {}) {
        using op = ops::get_profiles_for_list;
        return self().template async_execute<op::result_type>(op::plan(list_id, opts), std::forward<Token>(token));
    }

    /// Every page of a list's members, lazily, 100 at a time unless `opts` says otherwise.
    asio::experimental::generator<jsonapi::page<profile_attributes>> list_profile_pages(std::string list_id,
                                                                                        list_options opts) {
        using op = ops::get_profiles_for_list;
        return self().template page_generator<op>(asio::any_io_executor(self().ex_), op::plan(list_id, opts));
    }

    /// Adds profiles (by id) to a list, 1,000 a request, without changing
    /// their consent. Completes with `(error_code, bulk_accepted)`; see bulk.hpp.
    template <class Token = default_token>
    auto async_add_profiles_to_list(std::string list_id, std::vector<std::string> profile_ids, Token&& token = {}) {
        return self().async_execute_bulk(ops::add_profiles_to_list::plan(list_id, profile_ids), std::forward<Token>(token));
    }

    /// Removes profiles (by id) from a list, 1,000 a request. Consent is unchanged.
    template <class Token = default_token>
    auto async_remove_profiles_from_list(std::string list_id, std::vector<std::string> profile_ids,
                                         Token&& token = {}) {
        return self().async_execute_bulk(ops::remove_profiles_from_list::plan(list_id, profile_ids),
                                  std::forward<Token>(token));
    }

    // ------------------------------------------------------------ profiles by identifier

    /// The profile with this email, if any (GET /api/profiles with
    /// filter=equals(email,...)). Completes with `(error_code, std::optional<resource<profile_attributes>>)`.
    template <class Token = default_token>
    auto async_get_profile_by_email(std::string email, Token&& token = {}) {
        return async_find_profile(ops::plan_profile_lookup("email", email), std::forward<Token>(token));
    }

    /// The profile with this E.164 phone number, if any.
    template <class Token = default_token>
    auto async_get_profile_by_phone(std::string phone_number, Token&& token = {}) {
        return async_find_profile(ops::plan_profile_lookup("phone_number", phone_number), std::forward<Token>(token));
    }

    // ------------------------------------------------------------ campaigns

    /// One page of the campaigns of one channel (email, sms or mobile_push).
    /// async_list<campaign> lists email campaigns unless its filter names a channel.
    template <class Token = default_token>
    auto async_list_campaigns(std::string channel, list_options opts, Token&& token = {}) {
        using op = ops::get_campaigns;
        return self().template async_execute<op::result_type>(op::plan(channel, std::move(opts)), std::forward<Token>(token));
    }

    // ------------------------------------------------------------ pagination

    /// Every page of a collection, lazily: follows links.next until it is
    /// absent, at the endpoint's maximum page size unless `opts` says
    /// otherwise. One page is held at a time. Errors are thrown (api_error)
    /// out of async_resume.
    ///
    /// @code
    /// auto pages = client.pages<klaviyo::profile>();
    /// while (auto p = co_await pages.async_resume(asio::use_awaitable)) { ... }
    /// @endcode
    template <class R>
    asio::experimental::generator<typename R::list_operation::result_type> pages(list_options opts) {
        using op = typename R::list_operation;
        static_assert(!std::is_void_v<op>, "klaviyo: the Klaviyo API cannot list this resource");
        static_assert(paginated_operation<op>, "klaviyo: this collection is not cursor-paginated");
        return self().template page_generator<op>(asio::any_io_executor(self().ex_), op::plan(opts));
    }

    /// Every item of a collection, one at a time, on top of pages().
    template <class R>
    asio::experimental::generator<jsonapi::resource<typename R::attributes_type>> items(list_options opts) {
        return self().template item_generator<typename R::list_operation>(asio::any_io_executor(self().ex_), pages<R>(std::move(opts)));
    }


private:
    Client& self() noexcept { return static_cast<Client&>(*this); }
    template <class Token>
    auto async_find_profile(detail::request_plan plan, Token&& token) {
        using found = std::optional<jsonapi::resource<profile_attributes>>;
        return detail::launch_parsed<found, typename Client::answer>(
            self().ex_, [this](detail::request_plan p, typename Client::answer_handler h) { self().start_send(std::move(p), std::move(h)); },
            std::move(plan),
            [](typename Client::answer a) {
                auto page = Client::template parse_answer<jsonapi::page<profile_attributes>>(a);
                found f;
                if (!page.data.empty()) f = std::move(page.data.front());
                return f;
            },
            std::forward<Token>(token));
    }

};

} // namespace klaviyo
