// klaviyo-cpp: marketing consent: subscribing and unsubscribing profiles in
// bulk jobs, split at Klaviyo's per-request caps (1,000 and 100).
#pragma once

#include <klaviyo/api/profiles.hpp>
#include <klaviyo/accepted.hpp>
#include <klaviyo/bulk.hpp>
#include <klaviyo/detail/bulk_plan.hpp>
#include <klaviyo/operation.hpp>
#include <klaviyo/validate.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace klaviyo {

/// One profile and the channels whose consent changes.
struct subscriber {
    std::optional<std::string> profile_id{};   ///< subscribe only: look the profile up by id
    std::optional<std::string> email{};        ///< required for email_marketing
    std::optional<std::string> phone_number{}; ///< E.164; required for the sms channels
    bool email_marketing = false; ///< change consent to email marketing (needs `email`)
    bool sms_marketing = false; ///< change consent to SMS marketing (needs `phone_number`)
    bool sms_transactional = false; ///< consent to transactional SMS (needs `phone_number`; subscribing only)
    /// Subscribe with historical_import only (then required): when consent
    /// was given, ISO 8601, in the past.
    std::optional<std::string> consented_at{};
    std::optional<std::string> age_gated_date_of_birth{}; ///< YYYY-MM-DD, for age-gated SMS accounts

    /// Email marketing for this address.
    static subscriber to_email(std::string address) {
        subscriber s;
        s.email = std::move(address);
        s.email_marketing = true;
        return s;
    }
    /// SMS marketing for this E.164 number.
    static subscriber to_sms(std::string phone_number) {
        subscriber s;
        s.phone_number = std::move(phone_number);
        s.sms_marketing = true;
        return s;
    }
};

/// Input of subscribe_profiles. With a `list_id` the profiles are also added
/// to that list (double opt-in lists send a confirmation first).
struct subscription_request {
    std::vector<subscriber> profiles{}; ///< at least one; sent 1,000 a request
    std::optional<std::string> list_id{}; ///< also add the profiles to this list
    std::optional<std::string> custom_source{}; ///< stored on the consent records
    /// Consent gathered earlier elsewhere: skips double opt-in and "added to
    /// list" flows; every profile needs consented_at.
    bool historical_import = false;
};

/// Input of unsubscribe_profiles. Without `list_id`, or for a profile that is
/// not in that list, the unsubscribe is global: the profile stops receiving
/// all marketing on that channel.
struct unsubscription_request {
    std::vector<subscriber> profiles{}; ///< at least one, by email or phone number (not by id); sent 100 a request
    std::optional<std::string> list_id{}; ///< unsubscribe from this list only (see above)
};

namespace ops {

namespace subscription_vocab {
inline constexpr std::size_t max_subscribe = 1000;
inline constexpr std::size_t max_unsubscribe = 100;
} // namespace subscription_vocab

namespace detail {

/// Checks one subscriber and builds its profile resource object.
inline std::string subscriber_json(const subscriber& s, const std::string& where, bool subscribe,
                                   bool historical_import, json::object& out) {
    if (!s.email_marketing && !s.sms_marketing && !s.sms_transactional)
        return where + ".subscriptions: choose at least one of email_marketing, sms_marketing, sms_transactional";
    if (s.email && !is_valid_email(*s.email)) return where + ".email: not a valid email address";
    if (s.phone_number && !is_e164_phone(*s.phone_number))
        return where + ".phone_number: not an E.164 number (e.g. +15005550006)";
    if (s.email_marketing && !s.email) return where + ".email: is required for email_marketing";
    if ((s.sms_marketing || s.sms_transactional) && !s.phone_number)
        return where + ".phone_number: is required for the sms channels";
    if (!subscribe && s.profile_id) return where + ".id: unsubscribing identifies profiles by email or phone only";
    if (s.profile_id && s.profile_id->empty()) return where + ".id: must not be empty";
    if (!subscribe && s.sms_transactional) return where + ".sms_transactional: only subscribing takes it";
    if (s.consented_at) {
        if (!historical_import) return where + ".consented_at: only with historical_import";
        auto t = parse_iso8601(*s.consented_at);
        if (!t) return where + ".consented_at: not an ISO 8601 date-time";
        // Compared in seconds: system_clock's nanoseconds overflow after 2262.
        if (*t > std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()))
            return where + ".consented_at: must be in the past";
    } else if (historical_import) {
        return where + ".consented_at: is required with historical_import";
    }
    if (s.age_gated_date_of_birth && !subscribe) return where + ".age_gated_date_of_birth: only subscribing takes it";
    if (s.age_gated_date_of_birth && !is_iso8601_date(*s.age_gated_date_of_birth))
        return where + ".age_gated_date_of_birth: not a YYYY-MM-DD date";
    auto consent = [&] {
        json::object c{{"consent", subscribe ? "SUBSCRIBED" : "UNSUBSCRIBED"}};
        if (s.consented_at) c["consented_at"] = *s.consented_at;
        return c;
    };
    json::object subs;
    if (s.email_marketing) subs["email"] = json::object{{"marketing", consent()}};
    if (s.sms_marketing || s.sms_transactional) {
        json::object sms;
        if (s.sms_marketing) sms["marketing"] = consent();
        if (s.sms_transactional) sms["transactional"] = consent();
        subs["sms"] = std::move(sms);
    }
    json::object attrs;
    if (s.email) attrs["email"] = *s.email;
    if (s.phone_number) attrs["phone_number"] = *s.phone_number;
    attrs["subscriptions"] = std::move(subs);
    if (s.age_gated_date_of_birth) attrs["age_gated_date_of_birth"] = *s.age_gated_date_of_birth;
    out = json::object{{"type", "profile"}};
    if (s.profile_id) out["id"] = *s.profile_id;
    out["attributes"] = std::move(attrs);
    return {};
}

template <class Op>
klaviyo::detail::bulk_plan plan_subscriptions(const std::vector<subscriber>& profiles,
                                              const std::optional<std::string>& list_id, json::object extra_attrs,
                                              bool subscribe, bool historical_import, std::size_t per_request) {
    using klaviyo::detail::invalid_bulk;
    if (profiles.empty()) return invalid_bulk(Op::operation_id, "profiles: at least one profile is required");
    if (list_id && list_id->empty()) return invalid_bulk(Op::operation_id, "list_id: must not be empty");
    std::vector<json::object> items(profiles.size());
    for (std::size_t i = 0; i < profiles.size(); ++i) {
        auto where = "data.attributes.profiles.data[" + std::to_string(i) + "]";
        if (auto e = subscriber_json(profiles[i], where, subscribe, historical_import, items[i]); !e.empty())
            return invalid_bulk(Op::operation_id, e);
    }
    return klaviyo::detail::split_by_count<Op>(
        items.size(), per_request, std::string(Op::path), [&](std::size_t first, std::size_t last) {
            json::array data;
            for (std::size_t i = first; i < last; ++i) data.push_back(std::move(items[i]));
            json::object attrs = extra_attrs;
            attrs["profiles"] = json::object{{"data", std::move(data)}};
            json::object job{{"type", Op::job_type}, {"attributes", std::move(attrs)}};
            if (list_id)
                job["relationships"] =
                    json::object{{"list", json::object{{"data", json::object{{"type", "list"}, {"id", *list_id}}}}}};
            return json::serialize(json::object{{"data", std::move(job)}});
        });
}

} // namespace detail

/// POST /api/profile-subscription-bulk-create-jobs: 202, up to 1,000
/// profiles a request. Consenting twice leaves one consent: safe to repeat.
struct subscribe_profiles : from_spec<api::bulk_subscribe_profiles, accepted> {
    /// The `type` of the job resource the body creates.
    static constexpr std::string_view job_type = "profile-subscription-bulk-create-job";
    /// Checks `in` (each profile: a channel chosen, a valid email and E.164 phone number where its channels need them,
    /// consented_at only and always with historical_import) and splits it into requests of 1,000 profiles.
    static klaviyo::detail::bulk_plan plan(const subscription_request& in) {
        json::object attrs;
        if (in.custom_source) {
            if (in.custom_source->empty())
                return klaviyo::detail::invalid_bulk(operation_id, "data.attributes.custom_source: must not be empty");
            attrs["custom_source"] = *in.custom_source;
        }
        if (in.historical_import) attrs["historical_import"] = true;
        return detail::plan_subscriptions<subscribe_profiles>(in.profiles, in.list_id, std::move(attrs), true,
                                                              in.historical_import, subscription_vocab::max_subscribe);
    }
};

/// POST /api/profile-subscription-bulk-delete-jobs: 202, up to 100 profiles
/// a request. Withdrawing consent twice is the same as once: safe to repeat.
struct unsubscribe_profiles : from_spec<api::bulk_unsubscribe_profiles, accepted> {
    /// The `type` of the job resource the body creates.
    static constexpr std::string_view job_type = "profile-subscription-bulk-delete-job";
    /// Checks `in` (each profile: a channel chosen, identified by email or phone number, no sms_transactional) and
    /// splits it into requests of 100 profiles.
    static klaviyo::detail::bulk_plan plan(const unsubscription_request& in) {
        return detail::plan_subscriptions<unsubscribe_profiles>(in.profiles, in.list_id, {}, false, false,
                                                                subscription_vocab::max_unsubscribe);
    }
};

} // namespace ops
} // namespace klaviyo
