// core/fence/fence_kdump_notifier.cpp - see fence_kdump_notifier.h.
#include "core/fence/fence_kdump_notifier.h"

#include <netdb.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "core/fence/fence_kdump_message.h"
#include "kdf/unique_fd.h"

namespace kdf::fence {
namespace {

// One node: its resolved address and socket, and the last problem logged for it.
struct Peer {
    std::string name;
    sockaddr_storage addr{};
    socklen_t addr_len = 0;
    UniqueFd fd;
    std::string last_problem;
};

// Numeric service, datagram socket, any family: what fence_kdump_send asks getaddrinfo for.
std::optional<std::string> resolve(Peer& peer, uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string service = std::to_string(port);
    const int rc = ::getaddrinfo(peer.name.c_str(), service.c_str(), &hints, &found);
    if (rc != 0) return std::string("cannot resolve '") + peer.name + "': " + ::gai_strerror(rc);
    std::string problem;
    for (addrinfo* ai = found; ai != nullptr && !peer.fd; ai = ai->ai_next) {
        UniqueFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
        if (!fd) {
            problem = std::string("no socket for '") + peer.name + "': " + std::strerror(errno);
            continue;
        }
        std::memcpy(&peer.addr, ai->ai_addr, ai->ai_addrlen);
        peer.addr_len = ai->ai_addrlen;
        peer.fd = std::move(fd);
    }
    ::freeaddrinfo(found);
    if (!peer.fd) return problem.empty() ? "no usable address for '" + peer.name + "'" : problem;
    return std::nullopt;
}

void sleep_for(std::chrono::milliseconds d) {
    timespec ts{static_cast<time_t>(d.count() / 1000), static_cast<long>(d.count() % 1000) * 1'000'000L};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

}  // namespace

void send_fence_notices(const FenceKdumpNotifier::Options& options, int rounds) {
    const auto message = fence_kdump_message();
    std::vector<Peer> peers(options.nodes.size());
    for (size_t i = 0; i < peers.size(); ++i) peers[i].name = options.nodes[i];
    auto note = [&options](Peer& peer, const std::string& problem) {
        if (problem == peer.last_problem) return;  // once per distinct problem, not every interval
        peer.last_problem = problem;
        if (options.log) {
            std::fprintf(options.log, "kdump-failover: fence_kdump: %s (the dump goes on)\n", problem.c_str());
            std::fflush(options.log);
        }
    };
    for (int round = 0; rounds <= 0 || round < rounds; ++round) {
        if (round > 0) sleep_for(options.interval);
        for (Peer& peer : peers) {
            if (!peer.fd) {
                if (auto problem = resolve(peer, options.port)) {
                    note(peer, *problem);
                    continue;
                }
            }
            const ssize_t n = ::sendto(peer.fd.get(), message.data(), message.size(), MSG_NOSIGNAL,
                                       reinterpret_cast<const sockaddr*>(&peer.addr), peer.addr_len);
            if (n == static_cast<ssize_t>(message.size())) peer.last_problem.clear();
            else note(peer, "sending to '" + peer.name + "': " + std::strerror(n < 0 ? errno : EMSGSIZE));
        }
    }
}

FenceKdumpNotifier::FenceKdumpNotifier(const Options& options) {
    if (options.log) std::fflush(options.log);  // the child must not flush our buffered output again
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
        if (options.log)
            std::fprintf(options.log, "kdump-failover: fence_kdump: cannot start the sender: %s (the dump goes on)\n",
                         std::strerror(errno));
        return;
    }
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(0);  // the supervisor died before prctl took effect
        ::signal(SIGTERM, SIG_DFL);
        send_fence_notices(options, 0);
        ::_exit(0);
    }
    pid_ = pid;
}

FenceKdumpNotifier::~FenceKdumpNotifier() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
}

}  // namespace kdf::fence
