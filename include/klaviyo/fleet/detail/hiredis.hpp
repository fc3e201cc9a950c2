// klaviyo-cpp fleet mode: hiredis for the protocol only (RESP framing).
//
// hiredis encodes commands and parses replies from bytes we feed it; it never
// touches a socket here. These wrappers own its C objects.
#pragma once

#include <klaviyo/fleet/redis_reply.hpp>

#include <hiredis/hiredis.h>

#include <climits>
#include <cstddef>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace klaviyo::fleet::detail {

struct hiredis_reader_free {
    void operator()(redisReader* r) const noexcept { redisReaderFree(r); }
};
struct hiredis_reply_free {
    void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
struct hiredis_command_free {
    void operator()(char* c) const noexcept { redisFreeCommand(c); }
};

/// Our value tree from hiredis's; hiredis bounds the nesting depth.
inline redis_reply to_redis_reply(const redisReply& r) {
    redis_reply out;
    switch (r.type) {
    case REDIS_REPLY_STRING: out.type = redis_reply::kind::string; break;
    case REDIS_REPLY_STATUS: out.type = redis_reply::kind::status; break;
    case REDIS_REPLY_ERROR: out.type = redis_reply::kind::error; break;
    case REDIS_REPLY_INTEGER: out.type = redis_reply::kind::integer; break;
    case REDIS_REPLY_ARRAY: out.type = redis_reply::kind::array; break;
    default: out.type = redis_reply::kind::nil; break;
    }
    if (r.str) out.text.assign(r.str, r.len);
    out.integer = r.integer;
    if (r.type == REDIS_REPLY_ARRAY) {
        out.elements.reserve(r.elements);
        for (std::size_t i = 0; i < r.elements; ++i) out.elements.push_back(to_redis_reply(*r.element[i]));
    }
    return out;
}

/// Incremental reply parser: feed it what the socket gave, take whole replies.
class hiredis_reader {
public:
    enum class status { reply, need_more, protocol_error };

    hiredis_reader() : r_(redisReaderCreate()) {
        if (!r_) throw std::bad_alloc();
    }

    bool feed(const char* data, std::size_t n) { return redisReaderFeed(r_.get(), data, n) == REDIS_OK; }

    status next(redis_reply& out) {
        void* raw = nullptr;
        if (redisReaderGetReply(r_.get(), &raw) != REDIS_OK) return status::protocol_error;
        if (!raw) return status::need_more;
        std::unique_ptr<redisReply, hiredis_reply_free> owned(static_cast<redisReply*>(raw));
        out = to_redis_reply(*owned);
        return status::reply;
    }

    /// hiredis's description of the last protocol error.
    std::string error() const { return r_->errstr; }

private:
    std::unique_ptr<redisReader, hiredis_reader_free> r_;
};

/// Appends one command, RESP-encoded, to `out`. Arguments are binary-safe.
inline void append_command(std::string& out, const std::vector<std::string>& args) {
    if (args.empty()) throw std::invalid_argument("redis: a command needs at least its name");
    if (args.size() > static_cast<std::size_t>(INT_MAX)) throw std::length_error("redis: too many arguments");
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    char* raw = nullptr;
    const int n = redisFormatCommandArgv(&raw, static_cast<int>(args.size()), argv.data(), lengths.data());
    std::unique_ptr<char, hiredis_command_free> owned(raw);
    if (n < 0 || !raw) throw std::bad_alloc();
    out.append(raw, static_cast<std::size_t>(n));
}

} // namespace klaviyo::fleet::detail
