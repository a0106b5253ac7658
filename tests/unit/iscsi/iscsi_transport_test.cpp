// iscsi_transport_test.cpp - the `iscsi` transport against a real tgtd on loopback: the sink's
// layout on the LUN (read back from tgtd's backing file), portals, CHAP, the LUN safety checks,
// 4096-byte blocks, a reconnect to the second portal and a stalled target.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <thread>

#include "core/format/raw_save.h"
#include "iscsi_transport.h"
#include "iscsi_volume.h"
#include "kdf/raw_volume_sink.h"
#include "tests/support/server_process.h"
#include "tests/unit/iscsi/iscsi_test_support.h"
#include "tests/unit/iscsi/tgtd_fixture.h"

namespace {

using namespace kdf;
using namespace kdf_test;
using namespace std::chrono_literals;

constexpr uint64_t MiB = 1u << 20;

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

CallOptions within(std::chrono::milliseconds d) {
    CallOptions o;
    o.deadline = Clock::now() + d;
    return o;
}

std::map<std::string, std::string> keys_for(const Tgtd& t, int lun, std::map<std::string, std::string> extra = {}) {
    extra["portal"] = t.portal();
    extra["target"] = kTgtdIqn;
    extra["lun"] = std::to_string(lun);
    return extra;
}

// Writes `data` through the sink in uneven pieces (as a compressing writer does), a side file first.
void write_uneven(Sink& sink, const std::vector<std::byte>& data, const CallOptions& call) {
    const std::string dmesg = "[    1.000000] kernel log\n";
    std::vector<std::byte> side(dmesg.size());
    std::memcpy(side.data(), dmesg.data(), dmesg.size());
    ASSERT_TRUE(sink.put_file("vmcore-dmesg.txt", side, call).is_ok());
    uint64_t off = 0;
    size_t step = 777;
    while (off < data.size()) {
        const size_t n = std::min<size_t>(step, data.size() - off);
        Status s = sink.write_at(off, std::span<const std::byte>(data).subspan(off, n), call);
        ASSERT_TRUE(s.is_ok()) << s.to_string();
        off += n;
        step = step * 3 % 300007 + 4096;  // 777, 6427, 23377, ... uneven and mostly unaligned
    }
}

class IscsiTransportTest : public ::testing::Test {
protected:
    iscsi::IscsiTransport transport;
    CallOptions call = within(20s);
};

TEST_F(IscsiTransportTest, DumpLandsOnTheLunBehindTheRawHeaderAndSaveReadsItBack) {
    Tgtd tgtd({{1, 16 * MiB}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    auto sink = transport.open(iscsi_target(keys_for(tgtd, 1)), iscsi_dump_info(), call);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    EXPECT_EQ(sink.value()->location(), tgtd.url(1) + " (raw, dump node1-2026-11-23-19:04:05)");
    EXPECT_EQ(header_of(tgtd.backing(1)).state, raw::State::writing);
    auto data = pattern_bytes(5 * MiB + 1234, 3);
    write_uneven(*sink.value(), data, call);
    Status c = sink.value()->commit(call);
    ASSERT_TRUE(c.is_ok()) << c.to_string();

    raw::Header h = header_of(tgtd.backing(1));
    EXPECT_EQ(h.state, raw::State::complete);
    EXPECT_EQ(h.data_length, data.size());
    EXPECT_EQ(file_bytes(tgtd.backing(1), h.data_offset, data.size()), data);

    // save through the plugin's volume, exactly as `kdump-failover save iscsi://...` does.
    kdf::test::TempDir out("kdf-iscsi-save");
    auto volume = iscsi::open_volume_url(tgtd.url(1), call);
    ASSERT_TRUE(volume.is_ok()) << volume.status().to_string();
    auto saved = format::save_raw_dump(*volume.value(), out.path(), {});
    ASSERT_TRUE(saved.is_ok()) << saved.status().to_string();
    EXPECT_EQ(file_bytes(saved->dump_path), data);
    EXPECT_EQ(header_of(tgtd.backing(1)).state, raw::State::saved);
}

TEST_F(IscsiTransportTest, FourKiBBlocksKeepEveryByteAroundUnalignedWrites) {
    Tgtd tgtd({{1, 16 * MiB, 4096}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    auto probe = transport.probe(iscsi_target(keys_for(tgtd, 1)), call);
    ASSERT_TRUE(probe.is_ok()) << probe.status().to_string();
    EXPECT_TRUE(has(probe->summary, "4096-byte blocks")) << probe->summary;
    auto sink = transport.open(iscsi_target(keys_for(tgtd, 1)), iscsi_dump_info(), call);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    auto data = pattern_bytes(3 * MiB + 4097, 4);
    write_uneven(*sink.value(), data, call);
    // Out of order, unaligned, inside what is written already: read-modify-write of both edges.
    auto patch = pattern_bytes(10000, 5);
    ASSERT_TRUE(sink.value()->write_at(100001, patch, call).is_ok());
    std::copy(patch.begin(), patch.end(), data.begin() + 100001);
    ASSERT_TRUE(sink.value()->commit(call).is_ok());
    raw::Header h = header_of(tgtd.backing(1));
    EXPECT_EQ(h.state, raw::State::complete);
    EXPECT_EQ(file_bytes(tgtd.backing(1), h.data_offset, data.size()), data);
    ASSERT_EQ(h.side_files.size(), 1u);
    EXPECT_EQ(file_bytes(tgtd.backing(1), h.side_files[0].offset, h.side_files[0].length).size(), 26u);
}

TEST_F(IscsiTransportTest, FirstPortalDeadSecondTakesTheDump) {
    Tgtd tgtd({{1, 16 * MiB}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    const uint16_t dead = kdf::test::free_tcp_port();
    auto keys = keys_for(tgtd, 1);
    keys["portal"] = "127.0.0.1:" + std::to_string(dead) + " " + tgtd.portal();
    auto sink = transport.open(iscsi_target(keys), iscsi_dump_info(), call);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    auto data = pattern_bytes(2 * MiB, 6);
    ASSERT_TRUE(sink.value()->write_at(0, data, call).is_ok());
    ASSERT_TRUE(sink.value()->commit(call).is_ok());
    raw::Header h = header_of(tgtd.backing(1));
    EXPECT_EQ(h.state, raw::State::complete);
    EXPECT_EQ(file_bytes(tgtd.backing(1), h.data_offset, data.size()), data);

    keys["portal"] = "127.0.0.1:" + std::to_string(dead);
    auto none = transport.probe(iscsi_target(keys), call);
    ASSERT_FALSE(none.is_ok());
    EXPECT_EQ(none.status().stage(), Stage::connect) << none.status().to_string();
    EXPECT_TRUE(has(none.status().message(), "127.0.0.1:" + std::to_string(dead))) << none.status().to_string();
}

TEST_F(IscsiTransportTest, DiscoveryFindsTheTargetTargetMatchFiltersAndHeaderDigestWorks) {
    Tgtd tgtd({{1, 16 * MiB}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    auto found = transport.probe(iscsi_target({{"portal", tgtd.portal()}, {"lun", "1"}}), call);
    ASSERT_TRUE(found.is_ok()) << found.status().to_string();
    EXPECT_TRUE(has(found->summary, tgtd.url(1))) << found->summary;
    auto matched = transport.probe(
        iscsi_target({{"portal", tgtd.portal()}, {"lun", "1"}, {"target_match", "iqn.*:kdump"}}), call);
    EXPECT_TRUE(matched.is_ok()) << matched.status().to_string();
    auto none = transport.probe(
        iscsi_target({{"portal", tgtd.portal()}, {"lun", "1"}, {"target_match", "iqn.*:other"}}), call);
    ASSERT_FALSE(none.is_ok());
    EXPECT_EQ(none.status().code(), Code::not_found);
    EXPECT_TRUE(has(none.status().message(), std::string("offered: ") + kTgtdIqn)) << none.status().to_string();

    auto digest = transport.open(iscsi_target(keys_for(tgtd, 1, {{"header_digest", "crc32c"}})), iscsi_dump_info(), call);
    ASSERT_TRUE(digest.is_ok()) << digest.status().to_string();
    auto data = pattern_bytes(MiB + 512, 10);
    ASSERT_TRUE(digest.value()->write_at(0, data, call).is_ok());
    ASSERT_TRUE(digest.value()->commit(call).is_ok());
    raw::Header h = header_of(tgtd.backing(1));
    EXPECT_EQ(file_bytes(tgtd.backing(1), h.data_offset, data.size()), data);

    auto wrong_lun = transport.probe(iscsi_target(keys_for(tgtd, 7)), call);
    ASSERT_FALSE(wrong_lun.is_ok());
    EXPECT_EQ(wrong_lun.status().code(), Code::not_found) << wrong_lun.status().to_string();
    EXPECT_EQ(wrong_lun.status().stage(), Stage::connect);
    EXPECT_TRUE(has(wrong_lun.status().message(), "the target has no LUN 7")) << wrong_lun.status().to_string();
}

TEST_F(IscsiTransportTest, ChapAndMutualChapWrongSecretAndOpenSecretFile) {
    Tgtd tgtd({{1, 16 * MiB}}, {"kdumpuser", "initiator-secret-1", "sanuser", "target-secret-22"});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    kdf::test::TempDir tmp("kdf-iscsi-chap");
    const std::string good = write_secret_file(tmp, "good", "initiator-secret-1");
    const std::string mutual = write_secret_file(tmp, "mutual", "target-secret-22");
    const std::string wrong = write_secret_file(tmp, "wrong", "not-the-secret-9");
    const std::string open = write_secret_file(tmp, "open", "initiator-secret-1", 0644);

    auto none = transport.probe(iscsi_target(keys_for(tgtd, 1)), call);
    ASSERT_FALSE(none.is_ok()) << "tgtd required CHAP, yet a login without it worked";
    EXPECT_EQ(none.status().code(), Code::auth) << none.status().to_string();

    auto chap = keys_for(tgtd, 1, {{"chap_user", "kdumpuser"}, {"chap_secret_file", good}});
    auto plain = transport.probe(iscsi_target(chap), call);
    EXPECT_TRUE(plain.is_ok()) << plain.status().to_string();

    chap["mutual_chap_user"] = "sanuser";
    chap["mutual_chap_secret_file"] = mutual;
    auto both = transport.probe(iscsi_target(chap), call);
    EXPECT_TRUE(both.is_ok()) << both.status().to_string();

    chap["chap_secret_file"] = wrong;
    auto refused = transport.probe(iscsi_target(chap), call);
    ASSERT_FALSE(refused.is_ok());
    EXPECT_EQ(refused.status().code(), Code::auth);
    EXPECT_EQ(refused.status().stage(), Stage::auth);
    EXPECT_TRUE(has(refused.status().message(), "CHAP authentication failed")) << refused.status().to_string();
    EXPECT_FALSE(has(refused.status().to_string(), "not-the-secret")) << refused.status().to_string();

    chap["chap_secret_file"] = good;
    chap["mutual_chap_secret_file"] = wrong;
    auto impostor_probe = transport.probe(iscsi_target(chap), call);
    EXPECT_FALSE(impostor_probe.is_ok()) << "a target that does not know the mutual secret was accepted";

    chap["mutual_chap_secret_file"] = mutual;
    chap["chap_secret_file"] = open;
    Status check = transport.check(iscsi_target(chap));
    ASSERT_FALSE(check.is_ok());
    EXPECT_TRUE(has(check.message(), "mode 0644")) << check.to_string();
    EXPECT_TRUE(has(check.to_string(), "test.conf:")) << check.to_string();
    auto open_probe = transport.probe(iscsi_target(chap), call);
    ASSERT_FALSE(open_probe.is_ok());
    EXPECT_TRUE(has(open_probe.status().message(), "chmod 600")) << open_probe.status().to_string();
}

TEST_F(IscsiTransportTest, LunTooSmallForTheDumpIsNoSpaceAndUntouched) {
    Tgtd tgtd({{1, 4 * MiB}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    auto sink = transport.open(iscsi_target(keys_for(tgtd, 1)), iscsi_dump_info(8 * MiB), call);
    ASSERT_FALSE(sink.is_ok());
    EXPECT_EQ(sink.status().code(), Code::no_space);
    EXPECT_EQ(sink.status().stage(), Stage::open);
    EXPECT_TRUE(has(sink.status().message(), "holds 4.0 MiB")) << sink.status().to_string();
    auto head = file_bytes(tgtd.backing(1), 0, 4096);
    EXPECT_TRUE(std::all_of(head.begin(), head.end(), [](std::byte b) { return b == std::byte{0}; }));

    // No size hint: the dump grows past the end, fails as soon as it does, never wraps.
    auto open = transport.open(iscsi_target(keys_for(tgtd, 1)), iscsi_dump_info(), call);
    ASSERT_TRUE(open.is_ok()) << open.status().to_string();
    Status s = open.value()->write_at(3 * MiB - 10, pattern_bytes(20, 7), call);
    EXPECT_EQ(s.code(), Code::no_space) << s.to_string();
    (void)open.value()->abort(call);
    EXPECT_EQ(header_of(tgtd.backing(1)).state, raw::State::aborted);
}

TEST_F(IscsiTransportTest, Ext4LunIsRefusedUnlessForced) {
    Tgtd tgtd({{1, 16 * MiB}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    ASSERT_EQ(std::system(("mkfs.ext4 -q -F " + tgtd.backing(1) + " >/dev/null 2>&1").c_str()), 0);
    auto before = file_bytes(tgtd.backing(1), 0, 2 * MiB);
    auto probe = transport.probe(iscsi_target(keys_for(tgtd, 1)), call);
    ASSERT_FALSE(probe.is_ok());
    EXPECT_EQ(probe.status().code(), Code::invalid_config);
    EXPECT_TRUE(has(probe.status().message(), "ext2/3/4 filesystem")) << probe.status().to_string();
    EXPECT_TRUE(has(probe.status().message(), "force = yes")) << probe.status().to_string();
    auto sink = transport.open(iscsi_target(keys_for(tgtd, 1)), iscsi_dump_info(), call);
    ASSERT_FALSE(sink.is_ok());
    EXPECT_EQ(file_bytes(tgtd.backing(1), 0, 2 * MiB), before);

    auto forced = transport.open(iscsi_target(keys_for(tgtd, 1, {{"force", "yes"}})), iscsi_dump_info(), call);
    ASSERT_TRUE(forced.is_ok()) << forced.status().to_string();
    ASSERT_TRUE(forced.value()->commit(call).is_ok());
    EXPECT_EQ(header_of(tgtd.backing(1)).state, raw::State::complete);

    // Now the LUN holds node1's unsaved dump: another host may not overwrite it, node1 may.
    auto other = transport.open(iscsi_target(keys_for(tgtd, 1)), iscsi_dump_info(0, "node2"), call);
    ASSERT_FALSE(other.is_ok());
    EXPECT_TRUE(has(other.status().message(), "another host ('node1'")) << other.status().to_string();
    auto same = transport.open(iscsi_target(keys_for(tgtd, 1)), iscsi_dump_info(), call);
    EXPECT_TRUE(same.is_ok()) << same.status().to_string();
}

TEST_F(IscsiTransportTest, ConnectionKilledMidDumpResumesOnTheSecondPortal) {
    Tgtd first({{1, 24 * MiB}});
    ASSERT_TRUE(first.ok()) << first.why();
    Tgtd second({{1, 24 * MiB, 512, first.backing(1)}});  // the same LUN behind another portal
    ASSERT_TRUE(second.ok()) << second.why();
    auto keys = keys_for(first, 1);
    keys["portal"] = first.portal() + " " + second.portal();
    auto sink = transport.open(iscsi_target(keys), iscsi_dump_info(), call);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    auto data = pattern_bytes(16 * MiB, 8);
    const uint64_t half = 8 * MiB;
    for (uint64_t off = 0; off < half; off += MiB)
        ASSERT_TRUE(sink.value()->write_at(off, std::span<const std::byte>(data).subspan(off, MiB), call).is_ok());
    first.kill_now();  // connection reset with WRITEs in flight
    for (uint64_t off = half; off < data.size(); off += MiB) {
        Status s = sink.value()->write_at(off, std::span<const std::byte>(data).subspan(off, MiB), call);
        ASSERT_TRUE(s.is_ok()) << s.to_string();
    }
    Status c = sink.value()->commit(call);
    ASSERT_TRUE(c.is_ok()) << c.to_string();
    raw::Header h = header_of(second.backing(1));
    EXPECT_EQ(h.state, raw::State::complete);
    EXPECT_EQ(h.data_length, data.size());
    EXPECT_EQ(file_bytes(second.backing(1), h.data_offset, data.size()), data);
}

TEST_F(IscsiTransportTest, StalledTargetTimesOutAndTheHeaderStaysIncomplete) {
    Tgtd tgtd({{1, 16 * MiB}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    auto sink = transport.open(iscsi_target(keys_for(tgtd, 1)), iscsi_dump_info(), call);
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    auto data = pattern_bytes(12 * MiB, 9);
    ASSERT_TRUE(sink.value()->write_at(0, std::span<const std::byte>(data).first(2 * MiB), call).is_ok());
    tgtd.freeze();
    const auto t0 = Clock::now();
    Status s;
    for (uint64_t off = 2 * MiB; off < data.size() && s.is_ok(); off += MiB)
        s = sink.value()->write_at(off, std::span<const std::byte>(data).subspan(off, MiB), within(1500ms));
    EXPECT_EQ(s.code(), Code::timeout) << s.to_string();
    EXPECT_LT(Clock::now() - t0, 5s);
    EXPECT_TRUE(has(s.message(), "deadline passed")) << s.to_string();
    (void)sink.value()->abort(within(1s));
    tgtd.thaw();
    EXPECT_EQ(header_of(tgtd.backing(1)).state, raw::State::writing);
}

}  // namespace
