// tests/support/server_process.cpp - see server_process.h.
#include "tests/support/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "kdf/unique_fd.h"

namespace kdf::test {
namespace {

uint16_t free_port(int type) {
    UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
    if (!fd) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 0;
    socklen_t len = sizeof addr;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
    return ntohs(addr.sin_port);
}

bool tcp_connects(const std::string& host, uint16_t port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return false;
    return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

constexpr auto kPoll = std::chrono::milliseconds(20);

}  // namespace

uint16_t free_tcp_port() { return free_port(SOCK_STREAM); }
uint16_t free_udp_port() { return free_port(SOCK_DGRAM); }

bool wait_tcp_port(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (tcp_connects(host, port)) return true;
        std::this_thread::sleep_for(kPoll);
    }
    return tcp_connects(host, port);
}

bool wait_udp_port(uint16_t port, std::chrono::milliseconds timeout) {
    char hex[8];
    std::snprintf(hex, sizeof hex, ":%04X ", port);
    auto bound = [&] {
        for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
            std::ifstream in(table);
            std::string line;
            std::getline(in, line);  // header
            while (std::getline(in, line)) {
                // "  sl  local_address rem_address ...": the local address is the second field.
                std::istringstream fields(line);
                std::string sl, local;
                fields >> sl >> local;
                if ((local + " ").find(hex) != std::string::npos) return true;
            }
        }
        return false;
    };
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (bound()) return true;
        std::this_thread::sleep_for(kPoll);
    }
    return bound();
}

ServerProcess::ServerProcess(ServerProcess&& other) noexcept
    : options_(std::move(other.options_)), pid_(std::exchange(other.pid_, -1)),
      exited_(std::exchange(other.exited_, true)), exit_code_(other.exit_code_) {}

ServerProcess& ServerProcess::operator=(ServerProcess&& other) noexcept {
    if (this != &other) {
        stop();
        options_ = std::move(other.options_);
        pid_ = std::exchange(other.pid_, -1);
        exited_ = std::exchange(other.exited_, true);
        exit_code_ = other.exit_code_;
    }
    return *this;
}

bool ServerProcess::start(Options options, std::string* why) {
    stop();
    options_ = std::move(options);
    if (options_.argv.empty()) {
        if (why) *why = "no command";
        return false;
    }
    int status_pipe[2];
    if (::pipe2(status_pipe, O_CLOEXEC) != 0) {
        if (why) *why = std::string("pipe: ") + std::strerror(errno);
        return false;
    }
    UniqueFd read_end(status_pipe[0]);
    UniqueFd write_end(status_pipe[1]);

    // Everything exec needs is prepared before fork: the child only calls async-signal-safe functions.
    std::vector<char*> argv;
    for (auto& a : options_.argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string entry(*e);
        const std::string key = entry.substr(0, entry.find('='));
        if (options_.env.count(key) == 0) env_strings.push_back(std::move(entry));
    }
    for (const auto& [k, v] : options_.env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const std::string log = options_.log_path.empty() ? std::string("/dev/null") : options_.log_path;

    const pid_t pid = ::fork();
    if (pid < 0) {
        if (why) *why = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    if (pid == 0) {
        ::setpgid(0, 0);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int in = ::open("/dev/null", O_RDONLY);
        if (out >= 0) {
            ::dup2(out, STDOUT_FILENO);
            ::dup2(out, STDERR_FILENO);
        }
        if (in >= 0) ::dup2(in, STDIN_FILENO);
        if (!options_.working_dir.empty() && ::chdir(options_.working_dir.c_str()) != 0) {
            const int err = errno;
            (void)!::write(status_pipe[1], &err, sizeof err);
            ::_exit(127);
        }
        ::execvpe(argv[0], argv.data(), envp.data());
        const int err = errno;
        (void)!::write(status_pipe[1], &err, sizeof err);
        ::_exit(127);
    }
    ::setpgid(pid, pid);  // also in the parent, so signal_group() works even before the child runs
    pid_ = pid;
    exited_ = false;
    write_end.reset();
    int err = 0;
    ssize_t n;
    do n = ::read(read_end.get(), &err, sizeof err);
    while (n < 0 && errno == EINTR);
    if (n == static_cast<ssize_t>(sizeof err)) {
        reap(true);
        if (why) *why = "exec " + options_.argv[0] + ": " + std::strerror(err);
        return false;
    }
    return true;
}

bool ServerProcess::wait_port(uint16_t port, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) return false;
        if (tcp_connects("127.0.0.1", port)) return true;
        std::this_thread::sleep_for(kPoll);
    }
    return false;
}

bool ServerProcess::wait_log(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (log().find(needle) != std::string::npos) return true;
        if (!running()) return false;
        std::this_thread::sleep_for(kPoll);
    }
    return log().find(needle) != std::string::npos;
}

bool ServerProcess::running() {
    if (pid_ <= 0 || exited_) return false;
    return !reap(false);
}

std::optional<int> ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (pid_ <= 0) return std::nullopt;
        if (reap(false)) return exit_code_;
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(kPoll);
    }
}

std::string ServerProcess::log() const {
    std::ifstream in(options_.log_path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void ServerProcess::signal_group(int sig) {
    if (pid_ > 0 && !exited_) ::kill(-pid_, sig);
}

void ServerProcess::freeze() { signal_group(SIGSTOP); }
void ServerProcess::thaw() { signal_group(SIGCONT); }

void ServerProcess::kill_now() {
    signal_group(SIGKILL);
    reap(true);
}

bool ServerProcess::restart(std::string* why) {
    Options again = options_;
    kill_now();
    return start(std::move(again), why);
}

void ServerProcess::stop() {
    if (pid_ <= 0 || exited_) return;
    signal_group(SIGCONT);
    signal_group(SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + options_.stop_grace;
    while (std::chrono::steady_clock::now() < deadline) {
        if (reap(false)) {
            signal_group(SIGKILL);  // children the server left in its group
            return;
        }
        std::this_thread::sleep_for(kPoll);
    }
    kill_now();
}

// Waits for our own child (never kill -0, which succeeds on a zombie). True once it has exited.
bool ServerProcess::reap(bool block) {
    if (pid_ <= 0 || exited_) return true;
    int status = 0;
    pid_t r;
    do r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == pid_) {
        exited_ = true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else if (r < 0 && errno == ECHILD) {
        exited_ = true;
    }
    return exited_;
}

}  // namespace kdf::test
