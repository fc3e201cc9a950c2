// klaviyo-cpp: the data sources: every account, campaign, event, profile or template as
// {label, id} picklist items, across pages, up to a limit.
//
// basic_client derives from it (CRTP): these are members of every client;
// the engine (connection, auth, pacing, retries, the generic call) stays in
// client.hpp.
#pragma once

#include <klaviyo/completion.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/resources/account.hpp>
#include <klaviyo/resources/campaign.hpp>
#include <klaviyo/resources/event.hpp>
#include <klaviyo/resources/profile.hpp>
#include <klaviyo/resources/template.hpp>
#include <klaviyo/select.hpp>

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <vector>

namespace klaviyo {

/// The connector's data sources (picklists).
template <class Client>
class picklist_calls {
public:
    // ------------------------------------------------------------ data sources (picklists)

    /// Every account as {organization name, id}. Completes with `(error_code, std::vector<picklist_item>)`.
    template <class Token = default_token>
    auto async_select_accounts(select_options o, Token&& token = {}) {
        return async_select<ops::get_accounts>(
            {ops::get_accounts::plan(list_options{})}, o.limit,
            [](const auto&, const auto& r) { return detail::account_label(r); }, std::forward<Token>(token));
    }

    /// Every campaign of every channel (email, sms, mobile_push) as {name, id}.
    template <class Token = default_token>
    auto async_select_campaigns(select_options o, Token&& token = {}) {
        std::vector<detail::request_plan> plans;
        for (auto channel : campaign_channels)
            plans.push_back(ops::get_campaigns::plan(channel, list_options{.fields = {{"campaign", {"name"}}}}));
        return async_select<ops::get_campaigns>(
            std::move(plans), o.limit, [](const auto&, const auto& r) { return detail::campaign_label(r); },
            std::forward<Token>(token));
    }

    /// Events, newest first, as {"<metric name> <datetime>", event id}. An
    /// account can hold millions: set a limit.
    template <class Token = default_token>
    auto async_select_events(select_options o, Token&& token = {}) {
        auto plan = ops::get_events::plan(list_options{
            .fields = {{"event", {"datetime"}}, {"metric", {"name"}}}, .include = {"metric"}, .sort = "-datetime"});
        return async_select<ops::get_events>(
            {std::move(plan)}, o.limit,
            [](const auto& page, const auto& r) {
                return detail::event_label(r, detail::included_metric_names(page.included));
            },
            std::forward<Token>(token));
    }

    /// Profiles as {email (or phone, name, external id), id}.
    template <class Token = default_token>
    auto async_select_profiles(select_options o, Token&& token = {}) {
        auto plan = ops::get_profiles::plan(
            list_options{.fields = {{"profile", {"email", "phone_number", "first_name", "last_name", "external_id"}}}});
        return async_select<ops::get_profiles>(
            {std::move(plan)}, o.limit, [](const auto&, const auto& r) { return detail::profile_label(r); },
            std::forward<Token>(token));
    }

    /// Every template as {name, id} (Klaviyo pages these 10 at a time).
    template <class Token = default_token>
    auto async_select_templates(select_options o, Token&& token = {}) {
        auto plan = ops::get_templates::plan(list_options{.fields = {{"template", {"name"}}}});
        return async_select<ops::get_templates>(
            {std::move(plan)}, o.limit, [](const auto&, const auto& r) { return detail::template_label(r); },
            std::forward<Token>(token));
    }


private:
    Client& self() noexcept { return static_cast<Client&>(*this); }
    using picklists = std::vector<picklist_item>;

    /// A picklist: {label(page, item), id} of every item of every page each
    /// plan starts, in order, up to `limit` items in all.
    template <class Op, class Label, class Token>
    auto async_select(std::vector<detail::request_plan> plans, std::optional<std::size_t> limit, Label label,
                      Token&& token) {
        return detail::launch<picklists>(
            self().ex_,
            [this, plans = std::move(plans), limit, label]() mutable -> asio::awaitable<picklists> {
                using page_t = typename Op::result_type;
                picklists out;
                for (auto& plan : plans) {
                    for (;;) {
                        if (limit && out.size() >= *limit) co_return out;
                        page_t page = co_await self().template run<page_t>(std::move(plan));
                        for (const auto& r : page.data) {
                            if (limit && out.size() >= *limit) co_return out;
                            picklist_item item;
                            item.label = label(page, r);
                            item.key = r.id;
                            out.push_back(std::move(item));
                        }
                        if (page.next_link.empty()) break;
                        plan = self().template follow_plan<Op>(page.next_link);
                    }
                }
                co_return out;
            },
            std::forward<Token>(token));
    }

};

} // namespace klaviyo
