// tcp_relay.h - sockets the fault matrix owns, to make network faults for real on loopback.
//
// TcpRelay forwards every connection made to its own port to a real server's port, and counts
// the bytes that flow towards the server. Once that count passes `reset_after` it aborts every
// connection with SO_LINGER 0, so both the client and the server receive a TCP RST mid-stream
// (iptables is not available to tests), and from then on it resets each new connection at once:
// a path that keeps breaking, so the client cannot quietly reconnect around the fault.
//
// SilentListener accepts connections and never sends a byte: a server that hangs right after the
// TCP handshake (a wedged daemon, a firewall that lets SYN through), which only a connect timeout
// can end.
//
// Each runs one thread of its own; the destructor stops it and closes every socket.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "kdf/unique_fd.h"

namespace kdf_test {

class TcpRelay {
public:
    TcpRelay(uint16_t upstream_port, uint64_t reset_after);
    ~TcpRelay();
    TcpRelay(const TcpRelay&) = delete;
    TcpRelay& operator=(const TcpRelay&) = delete;

    bool ok() const { return port_ != 0; }
    uint16_t port() const { return port_; }
    uint64_t bytes_to_server() const { return up_bytes_.load(); }
    bool has_reset() const { return reset_.load(); }

private:
    void loop();

    uint16_t upstream_port_;
    uint64_t reset_after_;
    kdf::UniqueFd listener_, wake_read_, wake_write_;
    uint16_t port_ = 0;
    std::atomic<uint64_t> up_bytes_{0};
    std::atomic<bool> reset_{false};
    std::thread thread_;
};

class SilentListener {
public:
    SilentListener();
    ~SilentListener();
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;

    bool ok() const { return port_ != 0; }
    uint16_t port() const { return port_; }
    int accepted() const { return accepted_.load(); }

private:
    void loop();

    kdf::UniqueFd listener_, wake_read_, wake_write_;
    uint16_t port_ = 0;
    std::atomic<int> accepted_{0};
    std::thread thread_;
};

}  // namespace kdf_test
