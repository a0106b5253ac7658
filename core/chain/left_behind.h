// core/chain/left_behind.h - attempt processes the chain had to leave behind, reaped when they go.
//
// A killed attempt blocked in the kernel on a device that stopped answering cannot die until that
// I/O returns. The chain does not wait for it (the next target must start within its bound), but
// it is still our child: once it does exit it stays a zombie until someone waits for it. The chain
// keeps their ids here and reaps, without blocking, before each attempt and at its end.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace kdf::chain {

// True when a thread of `pid` is in uninterruptible sleep (state D in /proc/PID/task/*/stat):
// blocked in the kernel, where even SIGKILL waits until the call returns.
bool blocked_in_kernel(pid_t pid);

class LeftBehind {
public:
    void add(pid_t pid);
    // Reaps every process here that has exited, without blocking; returns how many it reaped.
    size_t reap();
    const std::vector<pid_t>& still_running() const noexcept { return pids_; }
    // "1234, 1240": for the log line that names what is still there.
    std::string describe() const;

private:
    std::vector<pid_t> pids_;
};

}  // namespace kdf::chain
