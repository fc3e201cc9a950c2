// The klaviyo-sandbox program as a child process of the soak test.
//
// A child rather than sandbox::server on a thread of ours: the soak compares
// this process's heap and file descriptors before and after, and they must
// hold the client's alone, not the server's sessions and store.
#pragma once

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace soak {

/// Starts `exe args...`, reads the "listening <url>" line it prints first,
/// and stops it (SIGTERM, then SIGKILL) in stop() or the destructor.
class child_sandbox {
public:
    child_sandbox(const std::string& exe, const std::vector<std::string>& args) {
        int out[2];
        // Close-on-exec: the child gets the write end as its stdout only.
        if (::pipe2(out, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO); // dup2 clears close-on-exec

        std::vector<std::string> words{exe};
        words.insert(words.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& w : words) argv.push_back(w.data());
        argv.push_back(nullptr);
        // The test's own malloc tunables (meson sets them for the heap
        // comparison) would only slow the server down.
        std::vector<char*> env;
        for (char** e = environ; *e; ++e)
            if (std::strncmp(*e, "GLIBC_TUNABLES=", 15) != 0) env.push_back(*e);
        env.push_back(nullptr);

        const int rc = ::posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), env.data());
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        if (rc != 0) {
            ::close(out[0]);
            pid_ = -1;
            throw std::system_error(rc, std::generic_category(), "posix_spawn " + exe);
        }
        out_ = out[0];
        std::string line;
        char c;
        while (::read(out_, &c, 1) == 1 && c != '\n') line += c; // EOF if it exits instead
        if (line.rfind("listening ", 0) != 0) {
            stop();
            throw std::runtime_error("klaviyo-sandbox did not start (first line: '" + line + "')");
        }
        url_ = line.substr(10);
    }

    child_sandbox(const child_sandbox&) = delete;
    child_sandbox& operator=(const child_sandbox&) = delete;
    ~child_sandbox() { stop(); }

    /// `http://127.0.0.1:<port>`.
    const std::string& url() const noexcept { return url_; }

    /// Stops it and returns its wait status; later calls return the same.
    /// SIGTERM is its clean stop; SIGKILL after 10 s says it did not stop.
    int stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
            while (::waitpid(pid_, &status_, WNOHANG) == 0) {
                if (std::chrono::steady_clock::now() > give_up) {
                    ::kill(pid_, SIGKILL);
                    ::waitpid(pid_, &status_, 0);
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
            pid_ = -1;
        }
        if (out_ >= 0) ::close(out_);
        out_ = -1;
        return status_;
    }

private:
    pid_t pid_ = -1;
    int out_ = -1;
    int status_ = -1;
    std::string url_;
};

} // namespace soak
