// socket_watchdog.h - enforces a deadline on libssh calls that have none of their own.
//
// libssh 0.10 blocks without a timeout in several places (a channel write waiting for window
// space, SFTP answers from a stopped server). The one thing that reliably wakes such
// a call is shutting the socket down, so a thread does exactly that when the armed deadline passes:
// the blocked call then fails within milliseconds and the caller sees fired() == true.
//
// Threads: arm()/disarm()/fired() are called by the owner's thread; the watchdog thread only
// calls shutdown(2) on the fd, never into libssh. The destructor joins the thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "kdf/call_options.h"

namespace kdf::ssh {

class SocketWatchdog {
public:
    SocketWatchdog();
    ~SocketWatchdog();
    SocketWatchdog(const SocketWatchdog&) = delete;
    SocketWatchdog& operator=(const SocketWatchdog&) = delete;

    // Watch `fd` until `deadline` (Clock::time_point::max(): never fires). Re-arming replaces it.
    void arm(int fd, Clock::time_point deadline);
    void disarm();
    // True once the watchdog has shut the socket down; it stays down for good.
    bool fired() const;

private:
    void run();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    int fd_ = -1;
    Clock::time_point deadline_ = Clock::time_point::max();
    bool armed_ = false;
    bool fired_ = false;
    bool stop_ = false;
    std::thread thread_;
};

// Arms a watchdog for one scope (one SDK call).
class ArmedScope {
public:
    ArmedScope(SocketWatchdog& w, int fd, Clock::time_point deadline) : w_(w) { w_.arm(fd, deadline); }
    ~ArmedScope() { w_.disarm(); }
    ArmedScope(const ArmedScope&) = delete;
    ArmedScope& operator=(const ArmedScope&) = delete;

private:
    SocketWatchdog& w_;
};

}  // namespace kdf::ssh
