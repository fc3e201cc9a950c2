// Templates and segments: an HTML template, and a segment from typed conditions.
#pragma once

#include "common.hpp"

namespace examples {

template <class Client>
asio::awaitable<void> templates_segments(Client& client) {
    klaviyo::new_template t;
    t.name = "klaviyo-cpp example template";
    t.editor_type = "CODE";
    t.html = "<html><body><p>Hello {{ first_name|default:'there' }}</p></body></html>";
    auto tpl = co_await client.template async_create<klaviyo::email_template>(std::move(t));
    say("created template", tpl.data.id);
    klaviyo::template_update tu;
    tu.text = "Hello there";
    co_await client.template async_update<klaviyo::email_template>(tpl.data.id, std::move(tu));
    co_await client.template async_delete<klaviyo::email_template>(tpl.data.id);

    klaviyo::new_segment s;
    s.name = "klaviyo-cpp example segment";
    using klaviyo::segment_condition;
    s.conditions = klaviyo::segment_definition{};
    s.conditions->condition_groups.push_back({segment_condition::marketing_consent("email", true)});
    s.conditions->condition_groups.push_back(
        {segment_condition::property_text("properties['Tier']", "equals", "gold"),
         segment_condition::property_number("properties['Orders']", "greater-than-or-equal", 3)});
    auto seg = co_await client.template async_create<klaviyo::segment>(std::move(s));
    say("created segment", seg.data.id);
    auto read = co_await client.template async_get<klaviyo::segment>(seg.data.id);
    say("condition groups", std::to_string(read.data.attributes.definition->at("condition_groups").as_array().size()));
    co_await client.template async_delete<klaviyo::segment>(seg.data.id);
}

} // namespace examples
