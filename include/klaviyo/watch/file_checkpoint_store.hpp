// klaviyo-cpp watch: a checkpoint in a file that survives a crash mid-write.
//
// save() writes the whole checkpoint to `<path>.tmp`, flushes it to the
// disk, renames it over `<path>` (atomic on POSIX file systems) and flushes
// the directory. A crash at any point leaves either the old checkpoint or
// the new one at `<path>`, never half of one. A file that is there but not
// a checkpoint (edited, truncated by something else) is refused by load()
// with checkpoint_error(corrupt), not treated as "no checkpoint".
#pragma once

#include <klaviyo/watch/checkpoint_store.hpp>

#include <boost/json/serialize.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace klaviyo::watch {

/// A checkpoint in one file, replaced atomically (see above).
class file_checkpoint_store : public checkpoint_store {
public:
    /// The checkpoint lives at `path`; `<path>.tmp` is used while saving.
    explicit file_checkpoint_store(std::string path) : path_(std::move(path)) {}

    /// Where the checkpoint lives.
    const std::string& path() const noexcept { return path_; }

    /// The checkpoint in the file; empty when there is no file; checkpoint_error when it is not one.
    std::optional<checkpoint> load() override {
        std::ifstream in(path_, std::ios::binary);
        if (!in) {
            if (errno == ENOENT) return std::nullopt; // never saved: a first run
            fail("cannot open");
        }
        std::ostringstream text;
        text << in.rdbuf();
        return parse_checkpoint(text.str());
    }

    /// Writes, flushes and renames into place; throws std::runtime_error naming the step that failed.
    void save(const checkpoint& c) override {
        const std::string text = json::serialize(to_json(c)) + "\n";
        const std::string tmp = path_ + ".tmp";
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) fail("cannot create " + tmp);
        std::size_t done = 0;
        while (done < text.size()) {
            ssize_t n = ::write(fd, text.data() + done, text.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                ::close(fd);
                fail("cannot write " + tmp);
            }
            done += static_cast<std::size_t>(n);
        }
        // The data must be on the disk before the rename makes it the checkpoint.
        if (::fsync(fd) != 0) {
            ::close(fd);
            fail("cannot flush " + tmp);
        }
        ::close(fd);
        if (::rename(tmp.c_str(), path_.c_str()) != 0) fail("cannot rename " + tmp + " to");
        // And the rename itself, which lives in the directory.
        std::string dir = path_.substr(0, path_.find_last_of('/') + 1);
        if (dir.empty()) dir = ".";
        int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            ::fsync(dfd);
            ::close(dfd);
        }
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("watch checkpoint file: " + what + " " + path_ + ": " + std::strerror(errno));
    }

    std::string path_;
};

} // namespace klaviyo::watch
