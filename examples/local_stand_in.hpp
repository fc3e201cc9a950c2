// The examples' stand-in for Klaviyo when no API key is given: the sandbox
// (sandbox/, linked as sandbox_dep), in this process, on a loopback port.
#pragma once

#include <sandbox/server.hpp>

#include <memory>
#include <string>

namespace examples {

struct stand_in {
    std::unique_ptr<sandbox::server> server;
    std::string base_url, api_key, description;
};

inline stand_in start_local_stand_in() {
    sandbox::options o;
    auto s = std::make_unique<sandbox::server>(o);
    s->start();
    stand_in out;
    out.base_url = s->base_url();
    out.api_key = s->api_key();
    out.description = "the local Klaviyo sandbox at " + out.base_url;
    out.server = std::move(s);
    return out;
}

} // namespace examples
