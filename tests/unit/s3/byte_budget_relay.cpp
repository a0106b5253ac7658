// tests/unit/s3/byte_budget_relay.cpp - see byte_budget_relay.h.
#include "tests/unit/s3/byte_budget_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace kdf_test {

namespace {

sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

struct Pair {
    kdf::UniqueFd client, server;
};

}  // namespace

ByteBudgetRelay::ByteBudgetRelay(uint16_t upstream_port, uint64_t budget) : upstream_port_(upstream_port), budget_(budget) {
    listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a = loopback(0);
    if (!listener_ || ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_.get(), 16) != 0)
        throw std::runtime_error("relay: cannot listen on loopback");
    socklen_t len = sizeof a;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error("relay: pipe");
    stop_read_.reset(p[0]);
    stop_write_.reset(p[1]);
    thread_ = std::thread([this] { run(); });
}

ByteBudgetRelay::~ByteBudgetRelay() {
    (void)!::write(stop_write_.get(), "x", 1);
    thread_.join();
}

void ByteBudgetRelay::run() {
    std::vector<Pair> pairs;
    uint64_t passed = 0;
    char buf[16384];
    for (;;) {
        std::vector<pollfd> fds{{stop_read_.get(), POLLIN, 0}};
        if (listener_) fds.push_back({listener_.get(), POLLIN, 0});
        const size_t first_pair = fds.size();
        for (const Pair& p : pairs) {
            // Once the budget is spent the client's bytes stay where they are (in its socket).
            fds.push_back({p.client.get(), static_cast<short>(spent_ ? 0 : POLLIN), 0});
            fds.push_back({p.server.get(), POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) continue;
        if (fds[0].revents) return;
        const size_t polled = pairs.size();  // a connection accepted now is polled next round
        if (first_pair == 2 && (fds[1].revents & POLLIN)) {
            kdf::UniqueFd c(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            kdf::UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
            sockaddr_in up = loopback(upstream_port_);
            if (c && s && ::connect(s.get(), reinterpret_cast<sockaddr*>(&up), sizeof up) == 0)
                pairs.push_back({std::move(c), std::move(s)});
        }
        std::vector<bool> closed(pairs.size(), false);
        for (size_t i = 0; i < polled; ++i) {
            const pollfd& from_client = fds[first_pair + 2 * i];
            const pollfd& from_server = fds[first_pair + 2 * i + 1];
            if (from_client.revents & (POLLIN | POLLHUP | POLLERR)) {
                const ssize_t n = ::read(pairs[i].client.get(), buf, sizeof buf);
                if (n <= 0) {
                    closed[i] = true;
                    continue;
                }
                const uint64_t allowed = std::min<uint64_t>(static_cast<uint64_t>(n), budget_ - passed);
                if (allowed > 0 && ::send(pairs[i].server.get(), buf, allowed, MSG_NOSIGNAL) < 0) closed[i] = true;
                passed += allowed;
                if (passed >= budget_ && !spent_) {
                    spent_ = true;
                    listener_.reset();  // new connections are refused from now on
                }
            }
            if (from_server.revents & (POLLIN | POLLHUP | POLLERR)) {
                const ssize_t n = ::read(pairs[i].server.get(), buf, sizeof buf);
                if (n <= 0 || ::send(pairs[i].client.get(), buf, static_cast<size_t>(n), MSG_NOSIGNAL) < 0) closed[i] = true;
            }
        }
        std::vector<Pair> open;
        for (size_t i = 0; i < pairs.size(); ++i)
            if (!closed[i]) open.push_back(std::move(pairs[i]));
        pairs = std::move(open);
    }
}

}  // namespace kdf_test
