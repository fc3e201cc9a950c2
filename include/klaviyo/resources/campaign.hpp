// klaviyo-cpp: the campaign resource: a message sent once to chosen lists
// and segments, with its send strategy and tracking.
#pragma once

#include <klaviyo/api/campaigns.hpp>
#include <klaviyo/accepted.hpp>
#include <klaviyo/detail/request_plan.hpp>
#include <klaviyo/detail/result_parser.hpp>
#include <klaviyo/jsonapi/document.hpp>
#include <klaviyo/operation.hpp>
#include <klaviyo/validate.hpp>

#include <boost/describe/class.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace klaviyo {

/// Lists and segments (by id) that receive the campaign, and those that do not.
struct campaign_audiences {
    std::vector<std::string> included{}; ///< ids of the lists and segments sent to; create_campaign needs one
    std::optional<std::vector<std::string>> excluded{}; ///< ids of lists and segments whose profiles are skipped
};
BOOST_DESCRIBE_STRUCT(campaign_audiences, (), (included, excluded))

/// A UTM-style parameter added to links: `type` "static" (any `value`) or
/// "dynamic" (`value` one of campaign_id, campaign_name, profile_id, ...).
struct tracking_param {
    std::string type = "static"; ///< "static" or "dynamic"
    std::string value{}; ///< the text (static), or which value Klaviyo fills in (dynamic)
    std::string name{}; ///< e.g. "utm_medium"
};
BOOST_DESCRIBE_STRUCT(tracking_param, (), (type, value, name))

/// How a campaign's links and opens are tracked. The plan checks `custom_tracking_params` (a name each; a dynamic value
/// from Klaviyo's list).
struct campaign_tracking_options {
    std::optional<bool> add_tracking_params{}; ///< false: no tracking parameters at all
    /// Parameters added to every link; an empty list with add_tracking_params means the account's defaults.
    std::optional<std::vector<tracking_param>> custom_tracking_params{};
    ///@{
    /// Click and open tracking (email only); Klaviyo's account defaults when absent.
    std::optional<bool> is_tracking_clicks{}, is_tracking_opens{};
    ///@}
};
BOOST_DESCRIBE_STRUCT(campaign_tracking_options, (),
                      (add_tracking_params, custom_tracking_params, is_tracking_clicks, is_tracking_opens))

/// Send options of a campaign: smart sending skips recipients Klaviyo messaged recently.
struct campaign_send_options {
    std::optional<bool> use_smart_sending{}; ///< Klaviyo's default: true
};
BOOST_DESCRIBE_STRUCT(campaign_send_options, (), (use_smart_sending))

/// Options of a static send: `is_local` sends at `datetime` in each
/// recipient's time zone (the time must then be given in UTC).
struct static_send_options {
    bool is_local = false; ///< send at `datetime` in each recipient's time zone
    std::optional<bool> send_past_recipients_immediately{}; ///< local sends only
};
BOOST_DESCRIBE_STRUCT(static_send_options, (), (is_local, send_past_recipients_immediately))

/// When the campaign goes out. Build one with the named constructors; the
/// members mirror the wire shape of the spec's four strategies.
struct campaign_send_strategy {
    std::string method = "immediate";         ///< static, throttled, immediate or smart_send_time
    std::optional<std::string> datetime{};    ///< static and throttled: ISO 8601
    std::optional<std::string> date{};        ///< smart_send_time: YYYY-MM-DD
    std::optional<int> throttle_percentage{}; ///< throttled: 1,2,5,10,11,13,14,17,20,25,33,50 per hour
    std::optional<static_send_options> options{}; ///< static sends only

    static campaign_send_strategy immediate() { return {}; } ///< as soon as the campaign is sent
    /// At `datetime` (ISO 8601); with `is_local`, at that time in each recipient's time zone (give the time in UTC).
    static campaign_send_strategy at(std::string datetime, bool is_local = false) {
        campaign_send_strategy s;
        s.method = "static";
        s.datetime = std::move(datetime);
        s.options = static_send_options{is_local, std::nullopt};
        return s;
    }
    /// From `datetime`, to `percent_per_hour` of the recipients an hour: 1, 2, 5, 10, 11, 13, 14, 17, 20, 25, 33 or 50.
    static campaign_send_strategy throttled(std::string datetime, int percent_per_hour) {
        campaign_send_strategy s;
        s.method = "throttled";
        s.datetime = std::move(datetime);
        s.throttle_percentage = percent_per_hour;
        return s;
    }
    /// On `date` (YYYY-MM-DD), at the time Klaviyo picks for each recipient.
    static campaign_send_strategy smart_send_time(std::string date) {
        campaign_send_strategy s;
        s.method = "smart_send_time";
        s.date = std::move(date);
        return s;
    }
};
BOOST_DESCRIBE_STRUCT(campaign_send_strategy, (), (method, datetime, date, throttle_percentage, options))

/// A campaign as Klaviyo returns it. Its messages are a relationship (include `campaign-messages`).
struct campaign_attributes {
    ///@{
    /// The name, and the status: "Draft", "Scheduled", "Sent", ...
    std::optional<std::string> name{}, status{};
    ///@}
    std::optional<bool> archived{}; ///< archived in Klaviyo
    std::optional<campaign_audiences> audiences{}; ///< who receives it, and who does not
    std::optional<campaign_send_options> send_options{}; ///< smart sending on or off
    std::optional<campaign_tracking_options> tracking_options{}; ///< link and open tracking
    std::optional<campaign_send_strategy> send_strategy{}; ///< when it goes out
    ///@{
    /// When it was created, scheduled and last updated, and when it is (or was) sent: ISO 8601.
    std::optional<std::string> created_at{}, scheduled_at{}, updated_at{}, send_time{};
    ///@}
};
BOOST_DESCRIBE_STRUCT(campaign_attributes, (),
                      (name, status, archived, audiences, send_options, tracking_options, send_strategy, created_at,
                       scheduled_at, updated_at, send_time))

/// The content of an email message. Every member is optional: a draft can be
/// completed later in Klaviyo.
struct email_content {
    ///@{
    /// Subject, preview text, sender address and label, Reply-To, CC and BCC. The plan checks the four addresses.
    std::optional<std::string> subject{}, preview_text{}, from_email{}, from_label{}, reply_to_email{}, cc_email{},
        bcc_email{};
    ///@}
};
BOOST_DESCRIBE_STRUCT(email_content, (),
                      (subject, preview_text, from_email, from_label, reply_to_email, cc_email, bcc_email))

/// How Klaviyo renders an SMS message (`render_options`).
struct sms_render_options {
    ///@{
    /// Shorten links, prefix the organization's name, add the info link, add opt-out language; Klaviyo's defaults when
    /// absent (true, true, true, false).
    std::optional<bool> shorten_links{}, add_org_prefix{}, add_info_link{}, add_opt_out_language{};
    ///@}
};
BOOST_DESCRIBE_STRUCT(sms_render_options, (), (shorten_links, add_org_prefix, add_info_link, add_opt_out_language))

/// One message of a new campaign: `channel` "email" (with `email`) or "sms"
/// (with `sms_body`). For anything else (mobile_push) set `definition` to the
/// spec's JSON; it is then sent as is.
struct new_campaign_message {
    std::string channel = "email"; ///< "email" or "sms"; ignored when `definition` is set
    std::optional<std::string> label{}; ///< the message's label in Klaviyo (email)
    std::optional<email_content> email{}; ///< the content of an email message
    std::optional<std::string> sms_body{}; ///< the text of an sms message
    std::optional<sms_render_options> render_options{}; ///< sms only
    std::optional<std::string> image_id{}; ///< sms / mobile_push image
    /// The spec's message definition, sent as is; its `channel` must be email, sms or mobile_push.
    std::optional<json::object> definition{};
};

/// Input of create_campaign.
struct new_campaign {
    std::string name{}; ///< required, not empty
    campaign_audiences audiences{}; ///< at least one included list or segment
    std::vector<new_campaign_message> messages{};          ///< at least one
    std::optional<campaign_send_strategy> send_strategy{}; ///< Klaviyo's default: immediate
    std::optional<campaign_send_options> send_options{}; ///< smart sending on or off
    std::optional<campaign_tracking_options> tracking_options{}; ///< link and open tracking
};

/// Input of update_campaign: absent members are left as they are. Messages
/// are not changed here (Klaviyo has update_campaign_message for that).
struct campaign_update {
    std::optional<std::string> name{}; ///< a new name; not empty
    std::optional<campaign_audiences> audiences{}; ///< replaces the audiences
    std::optional<campaign_send_options> send_options{}; ///< smart sending on or off
    std::optional<campaign_tracking_options> tracking_options{}; ///< link and open tracking
    std::optional<campaign_send_strategy> send_strategy{}; ///< when it goes out
};
BOOST_DESCRIBE_STRUCT(campaign_update, (), (name, audiences, send_options, tracking_options, send_strategy))

/// The campaign channels, for the filter get_campaigns requires.
inline constexpr std::string_view campaign_channels[] = {"email", "sms", "mobile_push"};

namespace ops {

namespace campaign_vocab {
inline constexpr std::string_view fields[] = {"campaign", "campaign-message", "tag"};
inline constexpr std::string_view includes[] = {"campaign-messages", "tags"};
inline constexpr std::string_view sorts[] = {"created_at", "id", "name", "scheduled_at", "updated_at"};
inline constexpr std::string_view write_fields[] = {"campaign"};
inline constexpr query_vocabulary list{fields, includes, {}, sorts};
inline constexpr query_vocabulary get{fields, includes, {}, {}};
inline constexpr query_vocabulary write{write_fields, {}, {}, {}};
inline constexpr int throttle_percentages[] = {1, 2, 5, 10, 11, 13, 14, 17, 20, 25, 33, 50};
inline constexpr std::string_view dynamic_values[] = {
    "campaign_id", "campaign_name", "campaign_name_id", "campaign_name_send_day", "email_subject",       "group_id",
    "group_name",  "group_name_id", "link_alt_text",    "message_type",           "profile_external_id", "profile_id"};
} // namespace campaign_vocab

namespace detail {

inline std::string check_audiences(const campaign_audiences& a, const std::string& where, bool required) {
    if (required && a.included.empty()) return where + ".included: at least one list or segment id is required";
    for (std::size_t i = 0; i < a.included.size(); ++i)
        if (a.included[i].empty()) return where + ".included[" + std::to_string(i) + "]: empty id";
    if (a.excluded)
        for (std::size_t i = 0; i < a.excluded->size(); ++i)
            if ((*a.excluded)[i].empty()) return where + ".excluded[" + std::to_string(i) + "]: empty id";
    return {};
}

inline std::string check_strategy(const campaign_send_strategy& s, const std::string& where) {
    const auto& m = s.method;
    if (m != "static" && m != "throttled" && m != "immediate" && m != "smart_send_time")
        return where + ".method: must be static, throttled, immediate or smart_send_time";
    if (m == "static" || m == "throttled") {
        if (!s.datetime) return where + ".datetime: is required for a " + m + " send";
        if (!is_iso8601_datetime(*s.datetime)) return where + ".datetime: not an ISO 8601 date-time";
    } else if (s.datetime) {
        return where + ".datetime: only static and throttled sends take a datetime";
    }
    if (m == "throttled") {
        if (!s.throttle_percentage) return where + ".throttle_percentage: is required for a throttled send";
        if (std::ranges::find(campaign_vocab::throttle_percentages, *s.throttle_percentage) ==
            std::end(campaign_vocab::throttle_percentages))
            return where + ".throttle_percentage: must be one of 1,2,5,10,11,13,14,17,20,25,33,50";
    } else if (s.throttle_percentage) {
        return where + ".throttle_percentage: only throttled sends take one";
    }
    if (m == "smart_send_time") {
        if (!s.date) return where + ".date: is required for a smart_send_time send";
        if (!is_iso8601_date(*s.date)) return where + ".date: not a YYYY-MM-DD date";
    } else if (s.date) {
        return where + ".date: only smart_send_time sends take a date";
    }
    if (s.options && m != "static") return where + ".options: only static sends take options";
    if (s.options && !s.options->is_local && s.options->send_past_recipients_immediately)
        return where + ".options.send_past_recipients_immediately: only local sends take it";
    return {};
}

inline std::string check_tracking(const campaign_tracking_options& t, const std::string& where) {
    if (!t.custom_tracking_params) return {};
    const auto& ps = *t.custom_tracking_params;
    for (std::size_t i = 0; i < ps.size(); ++i) {
        auto at = where + ".custom_tracking_params[" + std::to_string(i) + "]";
        if (ps[i].name.empty()) return at + ".name: is required";
        if (ps[i].type == "dynamic") {
            if (!klaviyo::detail::contains(campaign_vocab::dynamic_values, ps[i].value))
                return at + ".value: '" + ps[i].value + "' is not a dynamic tracking value";
        } else if (ps[i].type == "static") {
            if (ps[i].value.empty()) return at + ".value: is required";
        } else {
            return at + ".type: must be static or dynamic";
        }
    }
    return {};
}

inline std::string check_email(const std::optional<std::string>& v, const std::string& where) {
    if (v && !is_valid_email(*v)) return where + ": not a valid email address";
    return {};
}

/// Checks one message and builds its resource object.
inline std::string campaign_message_json(const new_campaign_message& m, const std::string& where, json::object& out) {
    json::object def;
    if (m.definition) {
        def = *m.definition;
        const auto* ch = def.if_contains("channel");
        if (!ch || !ch->is_string() ||
            !klaviyo::detail::contains(campaign_channels, std::string_view(ch->get_string())))
            return where + ".definition.channel: must be email, sms or mobile_push";
    } else if (m.channel == "email") {
        if (m.sms_body || m.render_options) return where + ": sms_body and render_options are for sms messages";
        def["channel"] = "email";
        if (m.label) def["label"] = *m.label;
        if (m.email) {
            const auto& c = *m.email;
            auto at = where + ".definition.content";
            for (auto [v, name] :
                 {std::pair{&c.from_email, "from_email"}, std::pair{&c.reply_to_email, "reply_to_email"},
                  std::pair{&c.cc_email, "cc_email"}, std::pair{&c.bcc_email, "bcc_email"}})
                if (auto e = check_email(*v, at + "." + name); !e.empty()) return e;
            def["content"] = jsonapi::to_json(c);
        }
    } else if (m.channel == "sms") {
        if (m.email) return where + ".email: is for email messages";
        def["channel"] = "sms";
        if (m.sms_body) def["content"] = json::object{{"body", *m.sms_body}};
        if (m.render_options) def["render_options"] = jsonapi::to_json(*m.render_options);
    } else {
        return where + ".channel: must be email or sms (set definition for mobile_push)";
    }
    out = json::object{{"type", "campaign-message"}, {"attributes", json::object{{"definition", std::move(def)}}}};
    if (m.image_id) {
        if (m.image_id->empty()) return where + ".image_id: must not be empty";
        out["relationships"] =
            json::object{{"image", json::object{{"data", json::object{{"type", "image"}, {"id", *m.image_id}}}}}};
    }
    return {};
}

} // namespace detail

/// GET /api/campaigns: Klaviyo answers 400 without a messages.channel
/// filter, so plan() adds equals(messages.channel,'email') when the filter
/// names no channel. Up to 100 a page.
struct get_campaigns : from_spec<api::get_campaigns, jsonapi::page<campaign_attributes>> {
    /// Checks `o` and builds the GET; adds `equals(messages.channel,'email')` (combined with `and`) when the filter
    /// names no channel.
    static klaviyo::detail::request_plan plan(list_options o) {
        if (o.filter.find("messages.channel") == std::string::npos) {
            const std::string email = "equals(messages.channel,'email')";
            o.filter = o.filter.empty() ? email : "and(" + email + "," + o.filter + ")";
        }
        return klaviyo::detail::plan_list<get_campaigns>(o, campaign_vocab::list, "campaign");
    }
    /// The campaigns of one channel: email, sms or mobile_push.
    static klaviyo::detail::request_plan plan(std::string_view channel, list_options o) {
        if (!klaviyo::detail::contains(campaign_channels, channel))
            return klaviyo::detail::invalid_plan(operation_id, "channel: must be email, sms or mobile_push");
        if (o.filter.find("messages.channel") != std::string::npos)
            return klaviyo::detail::invalid_plan(operation_id, "filter: the channel is given separately");
        const std::string f = "equals(messages.channel,'" + std::string(channel) + "')";
        o.filter = o.filter.empty() ? f : "and(" + f + "," + o.filter + ")";
        return plan(std::move(o));
    }
};

/// GET /api/campaigns/{id}: one campaign (include campaign-messages or tags).
struct get_campaign : from_spec<api::get_campaign, jsonapi::document<campaign_attributes>> {
    /// Checks `id` (not empty) and `o` (fields, additional fields and include against this operation's vocabulary) and
    /// builds the GET. A refusal names the input and nothing is sent.
    static klaviyo::detail::request_plan plan(std::string_view id, const get_options& o) {
        return klaviyo::detail::plan_get<get_campaign>(id, o, campaign_vocab::get, "campaign");
    }
};

/// POST /api/campaigns: a draft with its messages.
struct create_campaign : from_spec<api::create_campaign, jsonapi::document<campaign_attributes>> {
    /// Checks `in` (name, audiences, at least one message, the send strategy and tracking parameters) and `o`, and
    /// builds the POST; messages are sent as `campaign-messages`.
    static klaviyo::detail::request_plan plan(const new_campaign& in, const write_options& o) {
        auto fail = [](std::string e) { return klaviyo::detail::invalid_plan(operation_id, std::move(e)); };
        const std::string a = "data.attributes";
        if (in.name.empty()) return fail(a + ".name: is required");
        if (auto e = detail::check_audiences(in.audiences, a + ".audiences", true); !e.empty()) return fail(e);
        if (in.messages.empty()) return fail(a + ".campaign-messages: at least one message is required");
        json::array messages;
        for (std::size_t i = 0; i < in.messages.size(); ++i) {
            json::object m;
            auto where = a + ".campaign-messages.data[" + std::to_string(i) + "]";
            if (auto e = detail::campaign_message_json(in.messages[i], where, m); !e.empty()) return fail(e);
            messages.push_back(std::move(m));
        }
        if (in.send_strategy)
            if (auto e = detail::check_strategy(*in.send_strategy, a + ".send_strategy"); !e.empty()) return fail(e);
        if (in.tracking_options)
            if (auto e = detail::check_tracking(*in.tracking_options, a + ".tracking_options"); !e.empty())
                return fail(e);
        json::object attrs{{"name", in.name}, {"audiences", jsonapi::to_json(in.audiences)}};
        attrs["campaign-messages"] = json::object{{"data", std::move(messages)}};
        if (in.send_strategy) attrs["send_strategy"] = jsonapi::to_json(*in.send_strategy);
        if (in.send_options) attrs["send_options"] = jsonapi::to_json(*in.send_options);
        if (in.tracking_options) attrs["tracking_options"] = jsonapi::to_json(*in.tracking_options);
        json::object data{{"type", "campaign"}, {"attributes", std::move(attrs)}};
        return klaviyo::detail::plan_write<create_campaign>({}, std::move(data), o, campaign_vocab::write, "campaign",
                                                            5 * 1024 * 1024);
    }
};

/// PATCH /api/campaigns/{id}: changes what campaign_update sets.
struct update_campaign : from_spec<api::update_campaign, jsonapi::document<campaign_attributes>> {
    /// Checks `id`, `in` (a name, if set, not empty; audiences, send strategy and tracking parameters) and `o`, and
    /// builds the PATCH.
    static klaviyo::detail::request_plan plan(std::string_view id, const campaign_update& in, const write_options& o) {
        auto fail = [](std::string e) { return klaviyo::detail::invalid_plan(operation_id, std::move(e)); };
        const std::string a = "data.attributes";
        if (in.name && in.name->empty()) return fail(a + ".name: must not be empty");
        if (in.audiences)
            if (auto e = detail::check_audiences(*in.audiences, a + ".audiences", false); !e.empty()) return fail(e);
        if (in.send_strategy)
            if (auto e = detail::check_strategy(*in.send_strategy, a + ".send_strategy"); !e.empty()) return fail(e);
        if (in.tracking_options)
            if (auto e = detail::check_tracking(*in.tracking_options, a + ".tracking_options"); !e.empty())
                return fail(e);
        json::object data{{"type", "campaign"}, {"id", id}, {"attributes", jsonapi::to_json(in)}};
        return klaviyo::detail::plan_write<update_campaign>(id, std::move(data), o, campaign_vocab::write, "campaign",
                                                            5 * 1024 * 1024);
    }
};

/// DELETE /api/campaigns/{id}.
struct delete_campaign : from_spec<api::delete_campaign, accepted> {
    /// Checks `id` (not empty) and builds the DELETE.
    static klaviyo::detail::request_plan plan(std::string_view id) {
        return klaviyo::detail::plan_delete<delete_campaign>(id);
    }
};

} // namespace ops

/// Campaigns: get, list (one channel a call), create (a draft with its messages), update and delete.
struct campaign {
    static constexpr std::string_view type = "campaign"; ///< the JSON:API `type` of these resources
    using attributes_type = campaign_attributes; ///< what jsonapi::resource::attributes holds for them
    using create_type = new_campaign; ///< the input of basic_client::async_create<campaign>()
    using update_type = campaign_update; ///< the input of basic_client::async_update<campaign>()
    using get_operation = ops::get_campaign; ///< what basic_client::async_get<campaign>() runs
    /// What basic_client::async_list<campaign>(), pages<campaign>() and items<campaign>() run.
    using list_operation = ops::get_campaigns;
    using create_operation = ops::create_campaign; ///< what basic_client::async_create<campaign>() runs
    using update_operation = ops::update_campaign; ///< what basic_client::async_update<campaign>() runs
    using delete_operation = ops::delete_campaign; ///< what basic_client::async_delete<campaign>() runs
};

} // namespace klaviyo
