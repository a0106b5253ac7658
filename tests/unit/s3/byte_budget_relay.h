// tests/unit/s3/byte_budget_relay.h - a TCP relay on loopback that passes a client's first N bytes
// to a server and then goes silent, so a test can make a gateway fail at an exact point of a
// transfer instead of at a moment chosen by the clock.
//
// Every connection made to port() is relayed to the upstream port, both ways. Once the bytes sent
// by clients (all connections together) reach the budget, nothing more is passed on to the server:
// the open connections stall (the server never sees the rest of the request, so it never answers),
// and new connections are refused, so a client's retries and clean-up fail at once. The relay
// thread stops, and every socket is closed, when the object is destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include "kdf/unique_fd.h"

namespace kdf_test {

class ByteBudgetRelay {
public:
    ByteBudgetRelay(uint16_t upstream_port, uint64_t budget);
    ~ByteBudgetRelay();
    ByteBudgetRelay(const ByteBudgetRelay&) = delete;
    ByteBudgetRelay& operator=(const ByteBudgetRelay&) = delete;

    uint16_t port() const { return port_; }
    bool spent() const { return spent_; }  // the budget was reached

private:
    void run();

    uint16_t upstream_port_;
    uint64_t budget_;
    uint16_t port_ = 0;
    kdf::UniqueFd listener_;
    kdf::UniqueFd stop_read_, stop_write_;  // a pipe that wakes the thread to stop
    std::atomic<bool> spent_{false};
    std::thread thread_;
};

}  // namespace kdf_test
