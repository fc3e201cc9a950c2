// Images: upload from a URL, a data URI and bytes through one call; hide one.
#pragma once

#include "common.hpp"

namespace examples {

template <class Client>
asio::awaitable<void> images(Client& client) {
    klaviyo::image_upload from_url;
    from_url.url = "https://www.klaviyo.com/wp-content/uploads/2022/09/klaviyo-logo.png";
    from_url.name = "klaviyo-cpp example (url)";
    auto a = co_await client.template async_create<klaviyo::image>(std::move(from_url));
    say("uploaded from a URL", a.data.attributes.image_url.value_or(a.data.id));

    klaviyo::image_upload from_bytes;
    from_bytes.file_data = std::string("GIF89a\x01\x00\x01\x00\x00\x00\x00;", 14); // a 1x1 GIF
    from_bytes.file_name = "dot.gif";
    from_bytes.name = "klaviyo-cpp example (bytes)";
    auto b = co_await client.template async_create<klaviyo::image>(std::move(from_bytes));
    say("uploaded bytes", b.data.id + " format=" + b.data.attributes.format.value_or("?"));

    klaviyo::image_update hide;
    hide.hidden = true;
    co_await client.template async_update<klaviyo::image>(b.data.id, std::move(hide));
    auto page = co_await client.template async_list<klaviyo::image>();
    say("images in the account", std::to_string(page.data.size()));
}

} // namespace examples
