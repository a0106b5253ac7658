// tcp_relay.cpp - see tcp_relay.h.
#include "tests/faults/tcp_relay.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <memory>
#include <vector>

namespace kdf_test {
namespace {

sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

// A listening socket on 127.0.0.1 at a port the kernel picks; *port gets it (0 on failure).
kdf::UniqueFd listen_loopback(uint16_t* port) {
    *port = 0;
    kdf::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return fd;
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd.get(), 16) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
        return kdf::UniqueFd();
    *port = ntohs(a.sin_port);
    return fd;
}

bool make_wake_pipe(kdf::UniqueFd& r, kdf::UniqueFd& w) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    r.reset(p[0]);
    w.reset(p[1]);
    return true;
}

// Closing with a zero linger time discards unsent data and sends RST instead of FIN.
void close_with_reset(kdf::UniqueFd& fd) {
    if (!fd) return;
    linger l{1, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
    fd.reset();
}

// One relayed connection: side 0 is the client, side 1 the server. pending[i] holds bytes read
// from side i and not yet written to the other side; a side is read only when its pending
// buffer is empty, so a slow reader slows its writer down as TCP itself would.
struct Pair {
    std::array<kdf::UniqueFd, 2> fd;
    std::array<std::vector<char>, 2> pending;
    std::array<size_t, 2> sent{0, 0};
    bool closed = false;
};

}  // namespace

TcpRelay::TcpRelay(uint16_t upstream_port, uint64_t reset_after)
    : upstream_port_(upstream_port), reset_after_(reset_after) {
    listener_ = listen_loopback(&port_);
    if (!listener_ || !make_wake_pipe(wake_read_, wake_write_)) {
        port_ = 0;
        return;
    }
    thread_ = std::thread([this] { loop(); });
}

TcpRelay::~TcpRelay() {
    if (thread_.joinable()) {
        char c = 0;
        (void)!::write(wake_write_.get(), &c, 1);
        thread_.join();
    }
}

void TcpRelay::loop() {
    std::vector<std::unique_ptr<Pair>> pairs;
    for (;;) {
        std::vector<pollfd> fds{{wake_read_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
        for (auto& p : pairs)
            for (int side = 0; side < 2; ++side) {
                short ev = 0;
                if (p->pending[side].empty()) ev |= POLLIN;
                if (!p->pending[1 - side].empty()) ev |= POLLOUT;
                fds.push_back({p->fd[side].get(), ev, 0});
            }
        if (::poll(fds.data(), fds.size(), 100) < 0 && errno != EINTR) return;
        if (fds[0].revents) return;
        const size_t polled = pairs.size();  // a pair accepted below has no pollfd in this round
        if (fds[1].revents & POLLIN) {
            kdf::UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
            if (client && reset_.load()) {
                close_with_reset(client);
            } else if (client) {
                kdf::UniqueFd server(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
                sockaddr_in a = loopback(upstream_port_);
                if (server && ::connect(server.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
                    ::fcntl(server.get(), F_SETFL, O_NONBLOCK);
                    auto p = std::make_unique<Pair>();
                    p->fd[0] = std::move(client);
                    p->fd[1] = std::move(server);
                    pairs.push_back(std::move(p));
                } else {
                    close_with_reset(client);  // the server is down: the client sees the refusal as a reset
                }
            }
        }
        for (size_t k = 0; k < polled; ++k) {
            Pair* p = pairs[k].get();
            const size_t at = 2 + 2 * k;
            for (int side = 0; side < 2 && !p->closed; ++side) {
                const short rev = fds[at + side].revents;
                if ((rev & POLLOUT) && !p->pending[1 - side].empty()) {
                    auto& buf = p->pending[1 - side];
                    ssize_t n = ::send(p->fd[side].get(), buf.data() + p->sent[1 - side], buf.size() - p->sent[1 - side],
                                       MSG_NOSIGNAL);
                    if (n > 0) {
                        p->sent[1 - side] += static_cast<size_t>(n);
                        if (side == 1) up_bytes_ += static_cast<uint64_t>(n);
                        if (p->sent[1 - side] == buf.size()) {
                            buf.clear();
                            p->sent[1 - side] = 0;
                        }
                    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                        p->closed = true;
                    }
                }
                if ((rev & (POLLIN | POLLHUP | POLLERR)) && p->pending[side].empty()) {
                    char chunk[65536];
                    ssize_t n = ::recv(p->fd[side].get(), chunk, sizeof chunk, 0);
                    if (n > 0) p->pending[side].assign(chunk, chunk + n);
                    else if (n == 0 || (errno != EAGAIN && errno != EINTR)) p->closed = true;
                }
            }
        }
        if (!reset_.load() && up_bytes_.load() >= reset_after_) reset_ = true;
        for (auto& p : pairs)
            if (reset_.load() || p->closed) {
                // A peer that went away, or the fault itself: both ends see an abortive close.
                close_with_reset(p->fd[0]);
                close_with_reset(p->fd[1]);
                p->closed = true;
            }
        std::erase_if(pairs, [](const std::unique_ptr<Pair>& p) { return p->closed; });
    }
}

SilentListener::SilentListener() {
    listener_ = listen_loopback(&port_);
    if (!listener_ || !make_wake_pipe(wake_read_, wake_write_)) {
        port_ = 0;
        return;
    }
    thread_ = std::thread([this] { loop(); });
}

SilentListener::~SilentListener() {
    if (thread_.joinable()) {
        char c = 0;
        (void)!::write(wake_write_.get(), &c, 1);
        thread_.join();
    }
}

void SilentListener::loop() {
    std::vector<kdf::UniqueFd> held;  // accepted, never read from, never written to
    for (;;) {
        pollfd fds[2] = {{wake_read_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
        if (fds[0].revents) return;
        if (fds[1].revents & POLLIN) {
            kdf::UniqueFd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (c) {
                held.push_back(std::move(c));
                ++accepted_;
            }
        }
    }
}

}  // namespace kdf_test
