// klaviyo-cpp watch: where checkpoints are kept. A watcher loads its
// checkpoint once, when it starts, and saves one each time the consumer
// acknowledges a batch. Implement checkpoint_store to keep them in your own
// database, in the same transaction as what the consumer did with the batch
// if you can: then a batch is applied and acknowledged together or not at all.
#pragma once

#include <klaviyo/watch/checkpoint.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

namespace klaviyo::watch {

/// Keeps one checkpoint. Calls may block briefly (a file, a database); a
/// watcher makes them from the thread that acknowledges.
class checkpoint_store {
public:
    virtual ~checkpoint_store() = default;
    /// The stored checkpoint, or empty when none was ever saved (a first
    /// run). Throws checkpoint_error when what is stored is not one.
    virtual std::optional<checkpoint> load() = 0;
    /// Replaces the stored checkpoint; when it returns, load() finds `c`
    /// even after a crash. Throws when it cannot.
    virtual void save(const checkpoint& c) = 0;
};

/// In memory: for tests, and for watchers that may start over when the process does.
class memory_checkpoint_store : public checkpoint_store {
public:
    /// The last checkpoint saved, if any.
    std::optional<checkpoint> load() override {
        std::lock_guard lock(mutex_);
        return stored_;
    }
    /// Keeps `c`.
    void save(const checkpoint& c) override {
        std::lock_guard lock(mutex_);
        stored_ = c;
        ++saves_;
    }
    /// How many times save() was called.
    std::size_t saves() {
        std::lock_guard lock(mutex_);
        return saves_;
    }

private:
    std::mutex mutex_;
    std::optional<checkpoint> stored_;
    std::size_t saves_ = 0;
};

namespace detail {
/// The acknowledgement both watchers and scanners make: `s` (a store, the
/// committed checkpoint and the version delivered from it) takes `next` only
/// when it was delivered from the latest version, then saves it.
template <class State>
void acknowledge(State& s, std::uint64_t base, const checkpoint& next, const char* what) {
    if (!s.committed || base != s.version)
        throw std::logic_error(std::string("klaviyo watch: acknowledged a ") + what +
                               " that is not the latest one delivered");
    if (next != *s.committed) s.store->save(next);
    s.committed = next;
    ++s.version;
}
} // namespace detail

} // namespace klaviyo::watch
