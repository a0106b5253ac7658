// fence_kdump notices against the real fence-agents tools: the listener a cluster peer runs must
// report success for our datagrams, over IPv4 and IPv6, and the bytes must be what the real
// fence_kdump_send puts on the wire.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/fence/fence_kdump_message.h"
#include "core/fence/fence_kdump_notifier.h"
#include "kdf/unique_fd.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace kdf::fence {
namespace {

using namespace std::chrono_literals;
using kdf::test::ServerProcess;

constexpr const char* kListener = "/usr/sbin/fence_kdump";
constexpr const char* kSender = "/usr/libexec/fence-agents/fence_kdump_send";

// A UDP socket of our own on 127.0.0.1, to see exactly what arrives.
struct Receiver {
    UniqueFd fd{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    uint16_t port = 0;
    Receiver() {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        socklen_t len = sizeof a;
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    // The next datagram, or nullopt after `timeout`.
    std::optional<std::vector<unsigned char>> next(std::chrono::milliseconds timeout) {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
        std::vector<unsigned char> buf(64);
        const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
        if (n < 0) return std::nullopt;
        buf.resize(static_cast<size_t>(n));
        return buf;
    }
};

std::vector<unsigned char> ours() {
    auto m = fence_kdump_message();
    return {m.begin(), m.end()};
}

// fence_kdump -n NODE -p PORT: exits 0 once a valid notice from NODE arrived, 1 at its timeout.
ServerProcess start_listener(const kdf::test::TempDir& dir, const std::string& node, uint16_t port,
                             const std::string& family, int timeout_s) {
    ServerProcess listener;
    std::string why;
    EXPECT_TRUE(listener.start({{kListener, "-n", node, "-p", std::to_string(port), "-f", family, "-t",
                                 std::to_string(timeout_s), "-v"},
                                dir / "listener.log", "", {}, 3000ms},
                               &why))
        << why;
    EXPECT_TRUE(kdf::test::wait_udp_port(port, 10s)) << listener.log();
    return listener;
}

TEST(FenceKdump, OurBytesAreWhatFenceKdumpSendPutsOnTheWire) {
    Receiver rx;
    ServerProcess sender;
    kdf::test::TempDir dir("kdf-fence");
    std::string why;
    ASSERT_TRUE(sender.start({{kSender, "-p", std::to_string(rx.port), "-c", "1", "-i", "1", "127.0.0.1"},
                              dir / "sender.log", "", {}, 3000ms},
                             &why))
        << why;
    auto theirs = rx.next(10s);
    ASSERT_TRUE(theirs.has_value()) << sender.log();
    EXPECT_EQ(*theirs, ours());
    EXPECT_EQ(ours(), (std::vector<unsigned char>{0x40, 0x2a, 0x30, 0x1b, 0x01, 0x00, 0x00, 0x00}));
}

TEST(FenceKdump, ListenerAcceptsOurNoticeOverIpv4) {
    kdf::test::TempDir dir("kdf-fence");
    const uint16_t port = kdf::test::free_udp_port();
    ServerProcess listener = start_listener(dir, "127.0.0.1", port, "ipv4", 20);
    FenceKdumpNotifier::Options o;
    o.nodes = {"127.0.0.1"};
    o.port = port;
    send_fence_notices(o, 1);
    EXPECT_EQ(listener.wait_exit(15s), std::optional<int>(0)) << listener.log();
    EXPECT_NE(listener.log().find("received valid message from '127.0.0.1'"), std::string::npos) << listener.log();
}

TEST(FenceKdump, ListenerAcceptsOurNoticeOverIpv6) {
    kdf::test::TempDir dir("kdf-fence");
    const uint16_t port = kdf::test::free_udp_port();
    ServerProcess listener = start_listener(dir, "::1", port, "ipv6", 20);
    FenceKdumpNotifier::Options o;
    o.nodes = {"::1"};
    o.port = port;
    send_fence_notices(o, 1);
    EXPECT_EQ(listener.wait_exit(15s), std::optional<int>(0)) << listener.log();
}

// The listener trusts only the node it was told about: a notice from another address does not
// count. (This is why the sender must let the kernel pick the source address, as fence_kdump_send does.)
TEST(FenceKdump, ListenerIgnoresANoticeFromAnotherNode) {
    kdf::test::TempDir dir("kdf-fence");
    const uint16_t port = kdf::test::free_udp_port();
    ServerProcess listener = start_listener(dir, "127.0.0.2", port, "ipv4", 2);
    FenceKdumpNotifier::Options o;
    o.nodes = {"127.0.0.1"};  // our datagram leaves from 127.0.0.1
    o.port = port;
    send_fence_notices(o, 1);
    EXPECT_EQ(listener.wait_exit(15s), std::optional<int>(1)) << listener.log();
}

// The notifier process repeats every interval until it is destroyed, then stops for good; a node
// that cannot be resolved is reported once and does not stop the others.
TEST(FenceKdump, NotifierRepeatsUntilDestroyedAndSurvivesABadNode) {
    Receiver rx;
    kdf::test::TempDir dir("kdf-fence");
    const std::string log_path = dir / "log";
    std::FILE* log = std::fopen(log_path.c_str(), "w");
    ASSERT_NE(log, nullptr);
    {
        FenceKdumpNotifier::Options o;
        o.nodes = {"bad..name", "127.0.0.1"};
        o.port = rx.port;
        o.interval = 100ms;
        o.log = log;
        FenceKdumpNotifier notifier(o);
        ASSERT_GT(notifier.pid(), 0);
        for (int i = 0; i < 4; ++i) {
            auto got = rx.next(5s);
            ASSERT_TRUE(got.has_value()) << "notice " << i;
            EXPECT_EQ(*got, ours());
        }
    }
    while (rx.next(0ms)) {  // drain what was sent before the stop
    }
    EXPECT_FALSE(rx.next(400ms).has_value()) << "notices after the notifier was destroyed";
    std::fclose(log);
    std::ifstream in(log_path);
    std::stringstream text;
    text << in.rdbuf();
    const std::string expected = "kdump-failover: fence_kdump: cannot resolve 'bad..name'";
    const size_t first = text.str().find(expected);
    EXPECT_NE(first, std::string::npos) << text.str();
    EXPECT_EQ(text.str().find(expected, first + 1), std::string::npos) << "logged more than once: " << text.str();
}

// The whole chain: a peer's listener hears from us while `kdump-failover dump` runs.
TEST(FenceKdump, ChainDumpIsHeardByTheListener) {
    kdf::test::TempDir dir("kdf-fence");
    const uint16_t port = kdf::test::free_udp_port();
    ServerProcess listener = start_listener(dir, "127.0.0.1", port, "auto", 30);
    const std::string vmcore = dir / "vmcore", crash = dir / "crash", conf = dir / "kdf.conf";
    ASSERT_EQ(std::system((std::string(KDF_MKVMCORE) + " --size 8M " + vmcore + " >/dev/null").c_str()), 0);
    ASSERT_EQ(std::system(("mkdir -p " + crash).c_str()), 0);
    dir.write("kdf.conf", "[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = " + crash +
                              "\nreserve = 0\n\n[fence_kdump]\nnodes = 127.0.0.1\nport = " + std::to_string(port) +
                              "\ninterval = 1s\n");
    const std::string cmd = std::string(KDF_CLI) + " dump --config " + conf + " --vmcore " + vmcore + " 2>" +
                            (dir / "dump.err");
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream err(dir / "dump.err");
    std::stringstream text;
    text << err.rdbuf();
    EXPECT_NE(text.str().find("fence_kdump: telling 127.0.0.1 (UDP port " + std::to_string(port) + ") every 1.0 s"),
              std::string::npos)
        << text.str();
    EXPECT_EQ(listener.wait_exit(15s), std::optional<int>(0)) << listener.log();
}

}  // namespace
}  // namespace kdf::fence
