// The nfs transport's objects against a real ganesha, without the command: side file first,
// positional writes out of order with several in flight, COMMIT + rename, deadlines on a frozen
// server, probe(), NFSv4 within libnfs 4.0.0's write limit.
#include <sys/stat.h>

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "nfs_client.h"
#include "nfs_options.h"
#include "nfs_transport.h"
#include "tests/unit/nfs/nfs_server_suite.h"
#include "write_window.h"

namespace {

using namespace kdf;
using namespace kdf_test;
namespace fs = std::filesystem;
using std::chrono::steady_clock;

TargetConfig nfs_target(const std::string& url, std::map<std::string, std::string> more = {}) {
    TargetConfig t;
    t.name = "nas";
    t.type = "nfs";
    t.options["url"] = OptionValue{url, ""};
    for (auto& [k, v] : more) t.options[k] = OptionValue{v, ""};
    return t;
}

DumpInfo dump_info(const std::string& dir) {
    DumpInfo d;
    d.host = "node1";
    d.dir_name = dir;
    d.final_name = "vmcore";
    d.format = "kdump";
    return d;
}

CallOptions within(std::chrono::milliseconds ms, Stage stage = Stage::write) {
    CallOptions o;
    o.deadline = steady_clock::now() + ms;
    o.stage = stage;
    return o;
}

std::vector<std::byte> pattern(size_t size, uint32_t seed) {
    std::vector<std::byte> v(size);
    uint32_t x = seed * 2654435761u + 1;
    for (auto& b : v) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        b = static_cast<std::byte>(x);
    }
    return v;
}

std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

mode_t mode_of(const std::string& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

class NfsSinkTest : public NfsServerSuite {};

TEST_F(NfsSinkTest, SideFileFirstThenOutOfOrderWritesCommitToAPrivateFile) {
    nfs::NfsTransport t;
    const std::string root = server().dir_of("/export");
    auto sink = t.open(nfs_target(server().url("/export")), dump_info("node1-a"), within(std::chrono::seconds(5), Stage::open));
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    Sink& s = *sink.value();
    EXPECT_EQ(s.location(), "nfs://127.0.0.1/export/node1-a/vmcore-incomplete");
    EXPECT_EQ(mode_of(root + "/node1-a"), 0700u);
    EXPECT_EQ(mode_of(root + "/node1-a/vmcore-incomplete"), 0600u);

    const std::string dmesg = "[    0.000000] Linux version 6.1.0\n";
    ASSERT_TRUE(s.put_file("vmcore-dmesg.txt", std::as_bytes(std::span(dmesg)), within(std::chrono::seconds(5))).is_ok());
    EXPECT_EQ(read_file(root + "/node1-a/vmcore-dmesg.txt"), dmesg);
    EXPECT_EQ(mode_of(root + "/node1-a/vmcore-dmesg.txt"), 0600u);

    // 12 MiB in 1.5 MiB blocks (each split over two WRITEs), written back to front, then the
    // header block last, as the kdump writer does.
    const auto data = pattern(12 << 20, 7);
    const size_t block = 3 << 19;
    for (size_t off = data.size() - block; off > 0; off -= block)
        ASSERT_TRUE(s.write_at(off, std::span(data).subspan(off, block), within(std::chrono::seconds(5))).is_ok());
    ASSERT_TRUE(s.write_at(0, std::span(data).first(block), within(std::chrono::seconds(5))).is_ok());
    // A side file after the data (vmcore-unreadable.txt is only known then) is written too.
    ASSERT_TRUE(s.put_file("late.txt", {}, within(std::chrono::seconds(5))).is_ok());
    EXPECT_TRUE(fs::exists(root + "/node1-a/late.txt"));

    Status c = s.commit(within(std::chrono::seconds(10), Stage::commit));
    ASSERT_TRUE(c.is_ok()) << c.to_string();
    EXPECT_EQ(s.location(), "nfs://127.0.0.1/export/node1-a/vmcore");
    EXPECT_FALSE(fs::exists(root + "/node1-a/vmcore-incomplete"));
    EXPECT_EQ(mode_of(root + "/node1-a/vmcore"), 0600u);
    std::string got = read_file(root + "/node1-a/vmcore");
    ASSERT_EQ(got.size(), data.size());
    EXPECT_EQ(0, std::memcmp(got.data(), data.data(), data.size()));
    EXPECT_FALSE(s.write_at(0, std::span(data).first(16), within(std::chrono::seconds(1))).is_ok());
}

TEST_F(NfsSinkTest, SeveralWritesAreInFlightAtOnce) {
    auto o = nfs::parse_nfs_options(nfs_target(server().url("/export")));
    ASSERT_TRUE(o.is_ok());
    auto client = nfs::NfsClient::mount(o.value(), within(std::chrono::seconds(5)));
    ASSERT_TRUE(client.is_ok()) << client.status().to_string();
    nfs::NfsClient& c = *client.value();
    EXPECT_EQ(c.max_write(), 1u << 20);  // ganesha's wtmax and our default agree
    auto fh = c.create_new("/pipelined", 0600, within(std::chrono::seconds(5)));
    ASSERT_TRUE(fh.is_ok()) << fh.status().to_string();
    const auto data = pattern(16 << 20, 3);
    uint32_t most = 0;
    {
        nfs::WriteWindow w(c, fh.value(), 8, "/pipelined");
        for (size_t off = 0; off < data.size(); off += 1 << 20) {
            ASSERT_TRUE(w.write(off, std::span(data).subspan(off, 1 << 20), within(std::chrono::seconds(5))).is_ok());
            most = std::max(most, w.in_flight());
        }
        ASSERT_TRUE(w.drain(within(std::chrono::seconds(10))).is_ok());
        EXPECT_EQ(w.acknowledged(), data.size());
    }
    EXPECT_GE(most, 2u) << "write() must return before its WRITE is answered";
    ASSERT_TRUE(c.fsync(fh.value(), "/pipelined", within(std::chrono::seconds(10))).is_ok());
    ASSERT_TRUE(c.close(fh.value(), "/pipelined", within(std::chrono::seconds(5))).is_ok());
    std::string got = read_file(server().dir_of("/export") + "/pipelined");
    ASSERT_EQ(got.size(), data.size());
    EXPECT_EQ(0, std::memcmp(got.data(), data.data(), data.size()));
}

TEST_F(NfsSinkTest, FrozenServerFailsEachCallWithinItsDeadline) {
    nfs::NfsTransport t;
    auto sink = t.open(nfs_target(server().url("/export")), dump_info("node1-frozen"),
                       within(std::chrono::seconds(5), Stage::open));
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const auto data = pattern(1 << 20, 9);
    ASSERT_TRUE(sink.value()->write_at(0, data, within(std::chrono::seconds(5))).is_ok());

    server().freeze();
    // Mid-transfer: the writes queue until the window is full, then the wait for a reply runs into
    // the deadline. Never later than deadline + libnfs's 100 ms service slice.
    auto t0 = steady_clock::now();
    Status s;
    for (uint64_t off = 1 << 20; s.is_ok() && off < (256u << 20); off += 1 << 20)
        s = sink.value()->write_at(off, data, within(std::chrono::milliseconds(1500)));
    double waited = std::chrono::duration<double>(steady_clock::now() - t0).count();
    EXPECT_EQ(s.code(), Code::timeout) << s.to_string();
    EXPECT_EQ(s.stage(), Stage::write) << s.to_string();
    EXPECT_LT(waited, 3.0);
    // Once broken, everything fails at once; abort does not wait for the server.
    t0 = steady_clock::now();
    EXPECT_FALSE(sink.value()->commit(within(std::chrono::seconds(5), Stage::commit)).is_ok());
    // What abort returns does not matter here: the test is that it does not wait for the server.
    (void)sink.value()->abort(within(std::chrono::seconds(5), Stage::abort));
    sink.value().reset();
    EXPECT_LT(std::chrono::duration<double>(steady_clock::now() - t0).count(), 0.5);

    // A mount against the frozen server: the connect deadline, not a hang.
    t0 = steady_clock::now();
    auto probe = t.probe(nfs_target(server().url("/export")), within(std::chrono::milliseconds(1500), Stage::probe));
    waited = std::chrono::duration<double>(steady_clock::now() - t0).count();
    server().thaw();
    ASSERT_FALSE(probe.is_ok());
    EXPECT_EQ(probe.status().code(), Code::timeout) << probe.status().to_string();
    EXPECT_LT(waited, 3.0);
    EXPECT_TRUE(fs::exists(server().dir_of("/export") + "/node1-frozen/vmcore-incomplete"));
}

TEST_F(NfsSinkTest, ProbeReportsWritableAndFreeSpaceAndLeavesNothing) {
    nfs::NfsTransport t;
    auto r = t.probe(nfs_target(server().url("/small")), within(std::chrono::seconds(5), Stage::probe));
    ASSERT_FALSE(r.is_ok()) << "4 MiB free is below the default 64 MiB reserve";
    EXPECT_EQ(r.status().code(), Code::no_space) << r.status().to_string();
    r = t.probe(nfs_target(server().url("/small"), {{"reserve", "1M"}}), within(std::chrono::seconds(5), Stage::probe));
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_TRUE(r->free_known);
    EXPECT_GT(r->free_bytes, 3u << 20);
    EXPECT_LE(r->free_bytes, 4u << 20);
    EXPECT_NE(r->summary.find("writable as uid 0, "), std::string::npos) << r->summary;
    EXPECT_NE(r->summary.find("free at nfs://127.0.0.1/small (NFSv3"), std::string::npos) << r->summary;
    EXPECT_TRUE(fs::is_empty(server().dir_of("/small"))) << "the probe file must be removed";

    auto missing = t.probe(nfs_target(server().url("/export"), {{"path", "/no/such/dir"}}),
                           within(std::chrono::seconds(5), Stage::probe));
    ASSERT_FALSE(missing.is_ok());
    EXPECT_EQ(missing.status().code(), Code::not_found) << missing.status().to_string();
}

TEST_F(NfsSinkTest, RootSquashIsExplainedAndTheConfiguredUidWorks) {
    const std::string dir = server().dir_of("/squash") + "/dumps";
    fs::create_directories(dir);
    ASSERT_EQ(::chown(dir.c_str(), 1000, 1000), 0);
    ::chmod(dir.c_str(), 0755);
    nfs::NfsTransport t;
    auto denied = t.probe(nfs_target(server().url("/squash"), {{"path", "/dumps"}}),
                          within(std::chrono::seconds(5), Stage::probe));
    ASSERT_FALSE(denied.is_ok());
    const std::string msg = denied.status().to_string();
    EXPECT_NE(msg.find("(owner 1000:1000, mode 0755) is not writable for us: the server refused uid 0 gid 0 (an export "
                       "with root_squash maps uid 0 to nobody)"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("(EACCES)"), std::string::npos) << msg;

    auto as_owner = nfs_target(server().url("/squash"), {{"path", "/dumps"}, {"uid", "1000"}, {"gid", "1000"}});
    ASSERT_TRUE(t.probe(as_owner, within(std::chrono::seconds(5), Stage::probe)).is_ok());
    auto sink = t.open(as_owner, dump_info("node1-squash"), within(std::chrono::seconds(5), Stage::open));
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const auto data = pattern(100000, 4);
    ASSERT_TRUE(sink.value()->write_at(0, data, within(std::chrono::seconds(5))).is_ok());
    ASSERT_TRUE(sink.value()->commit(within(std::chrono::seconds(5), Stage::commit)).is_ok());
    struct stat st {};
    ASSERT_EQ(::stat((dir + "/node1-squash/vmcore").c_str(), &st), 0);
    EXPECT_EQ(st.st_uid, 1000u);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(NfsSinkTest, Nfs4OnLibnfs400SplitsWritesSmallAndStaysCorrect) {
    nfs::NfsTransport t;
    auto sink = t.open(nfs_target(server().url("/export", 4)), dump_info("node1-v4"),
                       within(std::chrono::seconds(5), Stage::open));
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const auto data = pattern((2 << 20) + 12345, 11);
    ASSERT_TRUE(sink.value()->write_at(4096, std::span(data).subspan(4096), within(std::chrono::seconds(10))).is_ok());
    ASSERT_TRUE(sink.value()->write_at(0, std::span(data).first(4096), within(std::chrono::seconds(10))).is_ok());
    Status c = sink.value()->commit(within(std::chrono::seconds(10), Stage::commit));
    ASSERT_TRUE(c.is_ok()) << c.to_string();
    std::string got = read_file(server().dir_of("/export") + "/node1-v4/vmcore");
    ASSERT_EQ(got.size(), data.size());
    EXPECT_EQ(0, std::memcmp(got.data(), data.data(), data.size()));
    auto r = t.probe(nfs_target(server().url("/export", 4)), within(std::chrono::seconds(5), Stage::probe));
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    EXPECT_NE(r->summary.find("libnfs " KDF_LIBNFS_VERSION " limits NFSv4 WRITEs to 3840 bytes"), std::string::npos)
        << r->summary;
}

TEST_F(NfsSinkTest, AnExistingDumpIsNeverWrittenOver) {
    nfs::NfsTransport t;
    const std::string dir = server().dir_of("/export") + "/node1-old";
    fs::create_directories(dir);
    std::ofstream(dir + "/vmcore") << "finished";
    auto sink = t.open(nfs_target(server().url("/export")), dump_info("node1-old"),
                       within(std::chrono::seconds(5), Stage::open));
    ASSERT_FALSE(sink.is_ok());
    EXPECT_NE(sink.status().to_string().find("already holds a dump (vmcore)"), std::string::npos)
        << sink.status().to_string();
    EXPECT_EQ(read_file(dir + "/vmcore"), "finished");
}

}  // namespace
