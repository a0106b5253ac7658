// socket_watchdog.cpp - a deadline for blocking libssh calls, by shutting the socket down.
#include "socket_watchdog.h"

#include <sys/socket.h>

namespace kdf::ssh {

SocketWatchdog::SocketWatchdog() : thread_([this] { run(); }) {}

SocketWatchdog::~SocketWatchdog() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void SocketWatchdog::arm(int fd, Clock::time_point deadline) {
    {
        std::lock_guard lock(mutex_);
        fd_ = fd;
        deadline_ = deadline;
        armed_ = fd >= 0;
    }
    wake_.notify_all();
}

void SocketWatchdog::disarm() {
    std::lock_guard lock(mutex_);
    armed_ = false;
}

bool SocketWatchdog::fired() const {
    std::lock_guard lock(mutex_);
    return fired_;
}

void SocketWatchdog::run() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
        if (!armed_ || fired_ || deadline_ == Clock::time_point::max()) {
            wake_.wait(lock);
            continue;
        }
        if (Clock::now() < deadline_) {
            wake_.wait_until(lock, deadline_);
            continue;
        }
        // The deadline passed with the call still running: wake it the only way that works.
        ::shutdown(fd_, SHUT_RDWR);
        fired_ = true;
    }
}

}  // namespace kdf::ssh
