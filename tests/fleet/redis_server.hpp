// A real redis-server for the fleet tests: a child process of the test, on a
// free loopback port, with its own temporary directory and no persistence,
// that the tests can stop, restart, freeze (SIGSTOP) and thaw.
//
// redis-server comes from PATH. When it is missing the tests that need it are
// skipped (redis_server::available() is their precondition), except under CI
// (env CI set), where they run and fail saying why.
#pragma once

#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ktest {

struct redis_server_options {
    /// Added to the command line, e.g. {"--requirepass", "s3cret"}.
    std::vector<std::string> args{};
    /// Serve TLS only (--tls-port) with this certificate and key (PEM).
    std::string tls_cert_pem{};
    std::string tls_key_pem{};
};

class redis_server {
public:
    using options = redis_server_options;

    /// The path of redis-server on PATH, or empty.
    static std::string executable() {
        const char* path = std::getenv("PATH");
        std::stringstream dirs(path ? path : "");
        for (std::string dir; std::getline(dirs, dir, ':');) {
            if (dir.empty()) continue;
            const std::string candidate = dir + "/redis-server";
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        }
        return {};
    }

    /// A Boost.Test precondition: skip without redis-server, unless under CI.
    static boost::test_tools::assertion_result available(boost::unit_test::test_unit_id) {
        if (!executable().empty() || std::getenv("CI")) return true;
        static constexpr const char* why = "redis-server is not on PATH: the Redis tests are skipped (install "
                                           "redis-server; with CI set in the environment they fail instead)";
        // Boost.Test shows a precondition's message only at log level
        // test_suite: say it once on stderr too.
        static bool said = false;
        if (!said) std::cerr << "NOTE: " << why << '\n';
        said = true;
        boost::test_tools::assertion_result r(false);
        r.message() << why;
        return r;
    }

    redis_server() : redis_server(options{}) {}
    explicit redis_server(options o) : opts_(std::move(o)), exe_(executable()) {
        if (exe_.empty()) throw std::runtime_error("redis-server is not on PATH (CI is set, so this is a failure)");
        std::string pattern = (std::filesystem::temp_directory_path() / "klaviyo-redis-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        dir_ = pattern;
        if (!opts_.tls_cert_pem.empty()) {
            write_file(dir_ / "cert.pem", opts_.tls_cert_pem);
            write_file(dir_ / "key.pem", opts_.tls_key_pem);
        }
        port_ = free_port();
        start();
    }
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    ~redis_server() {
        try {
            stop();
        } catch (...) {
        }
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    std::uint16_t port() const noexcept { return port_; }
    const std::filesystem::path& directory() const noexcept { return dir_; }

    /// SIGTERM, then waits for the process to end (SIGKILL after 5 s).
    void stop() {
        if (pid_ <= 0) return;
        if (frozen_) thaw();
        ::kill(pid_, SIGTERM);
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > until) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        pid_ = -1;
    }

    /// A new server on the same port; the data is gone.
    void restart() {
        stop();
        start();
    }

    /// SIGSTOP, returning once the process is stopped: connections stay
    /// open (the kernel still accepts and buffers) but nothing is answered.
    void freeze() {
        if (pid_ <= 0 || frozen_) return;
        ::kill(pid_, SIGSTOP);
        int status = 0;
        ::waitpid(pid_, &status, WUNTRACED);
        frozen_ = true;
    }

    void thaw() {
        if (pid_ <= 0 || !frozen_) return;
        ::kill(pid_, SIGCONT);
        int status = 0;
        ::waitpid(pid_, &status, WCONTINUED);
        frozen_ = false;
    }

    /// What the server logged (for failure messages).
    std::string log() const {
        std::ifstream in(dir_ / "redis.log");
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }

private:
    static void write_file(const std::filesystem::path& p, const std::string& text) {
        std::ofstream out(p, std::ios::binary);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + p.string());
    }

    // A port the kernel just gave out, released for redis-server to bind.
    static std::uint16_t free_port() {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) throw std::runtime_error("socket() failed");
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        socklen_t len = sizeof a;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            ::close(fd);
            throw std::runtime_error("cannot find a free port");
        }
        ::close(fd);
        return ntohs(a.sin_port);
    }

    std::vector<std::string> command_line() const {
        const std::string port = std::to_string(port_);
        std::vector<std::string> v{exe_, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                   "--daemonize", "no", "--dir", dir_.string(), "--logfile", "",
                                   "--protected-mode", "no"};
        if (opts_.tls_cert_pem.empty()) {
            v.insert(v.end(), {"--port", port});
        } else {
            const std::string cert = (dir_ / "cert.pem").string();
            v.insert(v.end(), {"--port", "0", "--tls-port", port, "--tls-cert-file", cert, "--tls-key-file",
                               (dir_ / "key.pem").string(), "--tls-ca-cert-file", cert, "--tls-auth-clients", "no"});
        }
        v.insert(v.end(), opts_.args.begin(), opts_.args.end());
        return v;
    }

    void start() {
        const auto args = command_line();
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        const std::string log_path = (dir_ / "redis.log").string();

        const pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error("fork failed");
        if (pid == 0) {
            // The child: only async-signal-safe calls until exec.
            const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            const int devnull = ::open("/dev/null", O_RDONLY);
            if (devnull >= 0) ::dup2(devnull, 0);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        pid_ = pid;
        wait_ready();
    }

    // Until the server answers PING (any reply: with --requirepass it is
    // NOAUTH), or for TLS until it accepts connections. Fails with its log
    // if it exits or takes more than 10 s.
    void wait_ready() {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (std::chrono::steady_clock::now() < until) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw std::runtime_error("redis-server exited at start:\n" + log());
            }
            if (answers()) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        throw std::runtime_error("redis-server did not answer within 10 s:\n" + log());
    }

    bool answers() const {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) return false;
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(port_);
        bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        if (ok && opts_.tls_cert_pem.empty()) {
            const char ping[] = "*1\r\n$4\r\nPING\r\n";
            char reply[64] = {};
            timeval tv{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            ok = ::send(fd, ping, sizeof ping - 1, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof ping - 1) &&
                 ::recv(fd, reply, sizeof reply, 0) > 0 && (reply[0] == '+' || reply[0] == '-');
        }
        ::close(fd);
        return ok;
    }

    options opts_;
    std::string exe_;
    std::filesystem::path dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
    bool frozen_ = false;
};

} // namespace ktest
