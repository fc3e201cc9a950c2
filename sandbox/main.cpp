// klaviyo-sandbox: the command-line front of the sandbox server.
#include <sandbox/server.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <iostream>
#include <stdexcept>

namespace {

[[noreturn]] void usage(const std::string& why) {
    std::cerr << "klaviyo-sandbox: " << why << "\n"
              << "usage: klaviyo-sandbox [--host 127.0.0.1] [--port 0] [--tls] [--ca-out FILE]\n"
                 "                       [--api-key KEY ...] [--request-log FILE] [--faults SPEC] [--seed N]\n"
                 "                       [--rate-limits on|off] [--time-scale F] [--profiles N] [--events N]\n"
                 "                       [--oauth-client-id ID] [--oauth-client-secret SECRET]\n"
                 "                       [--token-ttl SECONDS] [--token-delay MS] [--revoke-on-reuse]\n";
    std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
    sandbox::options o;
    bool keys_given = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        auto count = [&] { // a duration: not negative
            auto n = std::stoll(value());
            if (n < 0) throw std::out_of_range(a);
            return n;
        };
        try {
            if (a == "--host")
                o.host = value();
            else if (a == "--port")
                o.port = static_cast<std::uint16_t>(std::stoul(value()));
            else if (a == "--tls")
                o.tls = true;
            else if (a == "--ca-out")
                o.ca_out = value();
            else if (a == "--api-key") {
                if (!keys_given) o.api_keys.clear();
                keys_given = true;
                o.api_keys.push_back(value());
            } else if (a == "--request-log")
                o.request_log = value();
            else if (a == "--faults")
                o.faults = value();
            else if (a == "--seed")
                o.seed = static_cast<unsigned>(std::stoul(value()));
            else if (a == "--rate-limits") {
                auto v = value();
                if (v != "on" && v != "off") usage("--rate-limits takes on or off");
                o.rate_limits = v == "on";
            } else if (a == "--time-scale")
                o.time_scale = std::stod(value());
            else if (a == "--profiles")
                o.profiles = std::stoull(value());
            else if (a == "--events")
                o.events = std::stoull(value());
            else if (a == "--oauth-client-id")
                o.oauth.client_id = value();
            else if (a == "--oauth-client-secret")
                o.oauth.client_secret = value();
            else if (a == "--token-ttl")
                o.oauth.token_ttl = std::chrono::seconds(count());
            else if (a == "--token-delay")
                o.oauth.token_delay = std::chrono::milliseconds(count());
            else if (a == "--revoke-on-reuse")
                o.oauth.revoke_grant_on_reuse = true;
            else if (a == "--help" || a == "-h")
                usage("help");
            else
                usage("unknown option " + a);
        } catch (const std::logic_error&) {
            usage("bad value for " + a);
        }
    }
    try {
        sandbox::server s(o);
        // The server serves on its own thread; this one waits for a signal.
        boost::asio::io_context signal_context;
        boost::asio::signal_set signals(signal_context, SIGINT, SIGTERM);
        signals.async_wait([](boost::system::error_code, int) {});
        s.start();
        std::cout << "listening " << s.base_url() << std::endl;
        signal_context.run();
        s.stop();
    } catch (const std::exception& e) {
        std::cerr << "klaviyo-sandbox: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
