// core/fence/fence_kdump_notifier.h - tells cluster peers "this node is dumping, do not fence it".
//
// Pacemaker's fence_kdump agent on a peer waits for fence_kdump datagrams from a node that stopped
// answering; if they arrive, the node counts as fenced (it is in its crash kernel) and is not
// power-cycled in the middle of its dump. kdumpctl starts fence_kdump_send in the background before
// the dump; we send the same datagrams for the whole chain: from before the first attempt until the
// last one ends, whichever target holds the dump.
//
// Why a process, not a thread: the supervisor forks an attempt child per target, and the child
// keeps running code (plugin loading, name resolution, stdio) after fork. A sender thread could
// hold a resolver or stdio lock at that instant and leave the child deadlocked on it. A separate
// sender process (like fence_kdump_send) keeps the supervisor single-threaded. It dies with the
// supervisor (PR_SET_PDEATHSIG) and is stopped by PID when the notifier is destroyed.
//
// The sender resolves each node (names allowed; retried every interval, because the crash kernel's
// network or DNS may come up late), sends one datagram to every resolved node at once and then every
// `interval`. IPv4 and IPv6 nodes, one UDP socket each, the kernel choosing the source address (the
// listener checks it, as with fence_kdump_send). Problems (unresolvable node, send error) are logged
// once per node and problem, never fatal: a missing notice may get the node fenced, but it must never
// cost the dump.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace kdf::fence {

class FenceKdumpNotifier {
public:
    struct Options {
        std::vector<std::string> nodes;             // host names or IPv4/IPv6 literals
        uint16_t port = 7410;
        std::chrono::milliseconds interval{10'000};
        std::FILE* log = nullptr;                   // problems, one line each ("kdump-failover: fence_kdump: ...")
    };

    // Starts the sender process. If fork fails, logs it and sends nothing (the dump goes on).
    explicit FenceKdumpNotifier(const Options& options);
    ~FenceKdumpNotifier();  // SIGTERM to the sender, then reaps it
    FenceKdumpNotifier(const FenceKdumpNotifier&) = delete;
    FenceKdumpNotifier& operator=(const FenceKdumpNotifier&) = delete;

    pid_t pid() const noexcept { return pid_; }

private:
    pid_t pid_ = -1;
};

// The sender's loop: `rounds` rounds of one datagram per node, `interval` apart (rounds <= 0: until
// the process is killed, which is what the notifier's child runs). Tests run a few rounds directly.
void send_fence_notices(const FenceKdumpNotifier::Options& options, int rounds);

}  // namespace kdf::fence
