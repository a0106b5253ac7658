// tests/support/server_process.h - a real server (sshd, ganesha, tgtd, fence_kdump...) run by a test.
//
// Tests talk to real servers on loopback, never to mocks. This class owns one such server: it
// starts it in the foreground in its own process group with stdout+stderr going to a log file,
// waits until it is ready (a TCP port accepts, or a line appears in its log), can freeze it
// (SIGSTOP, to test stall timeouts) and always stops it by PID: SIGTERM, then SIGKILL after a
// grace period, then waitpid, so no server outlives its test and no zombie is left. Ports come
// from free_tcp_port()/free_udp_port() (the kernel picks a free high port on 127.0.0.1).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kdf::test {

// A port the kernel reports free on 127.0.0.1 right now (bound to :0, read back, closed).
uint16_t free_tcp_port();
uint16_t free_udp_port();

// True once a TCP connection to host:port succeeds, polling until `timeout`.
bool wait_tcp_port(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);
// True once some socket is bound to UDP `port` (IPv4 or IPv6), per /proc/net/udp{,6}: a UDP server
// cannot be probed by connecting.
bool wait_udp_port(uint16_t port, std::chrono::milliseconds timeout);

class ServerProcess {
public:
    struct Options {
        std::vector<std::string> argv;            // argv[0] is an absolute path or found in PATH
        std::string log_path;                     // stdout and stderr go here (truncated)
        std::string working_dir;                  // empty: inherit
        std::map<std::string, std::string> env;   // added to (or overriding) the test's environment
        std::chrono::milliseconds stop_grace{3000};  // SIGTERM -> SIGKILL (tgtd ignores SIGTERM)
    };

    ServerProcess() = default;
    ~ServerProcess() { stop(); }
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;
    ServerProcess(ServerProcess&& other) noexcept;
    ServerProcess& operator=(ServerProcess&& other) noexcept;

    // Forks and execs. False (with the reason in *why) when fork or exec failed; an exec failure
    // is reported through a close-on-exec pipe, so it is seen here and not as a later timeout.
    bool start(Options options, std::string* why = nullptr);

    // Polls until `port` accepts a TCP connection on 127.0.0.1, or the server exits, or timeout.
    bool wait_port(uint16_t port, std::chrono::milliseconds timeout);
    // Polls until the log contains `needle`, or the server exits, or timeout.
    bool wait_log(const std::string& needle, std::chrono::milliseconds timeout);

    bool running();                 // started and not yet exited (reaps it if it has)
    // Waits for the server to exit by itself: its exit code (128 + signal if killed), or nullopt
    // if it is still running at `timeout` (it is left running).
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    pid_t pid() const { return pid_; }
    const std::string& log_path() const { return options_.log_path; }
    std::string log() const;        // the whole log, for failure messages

    void freeze();                  // SIGSTOP to the process group
    void thaw();                    // SIGCONT to the process group
    void kill_now();                // SIGKILL to the process group, then reap
    // kill_now(), then start again with the same options: a server that crashed and came back.
    bool restart(std::string* why = nullptr);
    void stop();                    // SIGCONT, SIGTERM, wait stop_grace, SIGKILL; reap. Idempotent.

private:
    void signal_group(int sig);
    bool reap(bool block);

    Options options_;
    pid_t pid_ = -1;
    bool exited_ = true;
    int exit_code_ = -1;
};

}  // namespace kdf::test
