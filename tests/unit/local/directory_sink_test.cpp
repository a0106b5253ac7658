// directory_sink_test.cpp - mode dir of the `local` transport on real files and a real tmpfs.
#include <gtest/gtest.h>

#include "local_transport.h"
#include "test_support.h"

namespace kdf::local::test {
namespace {

constexpr const char* kDir = "node1-2026-11-23-19:04:05";

class DirMode : public ::testing::Test {
protected:
    Result<std::unique_ptr<Sink>> open(std::map<std::string, std::string> keys, DumpInfo d = dump_info()) {
        return transport.open(target(std::move(keys)), d, CallOptions{});
    }
    std::string dump_dir() const { return tmp / kDir; }

    LocalTransport transport;
    TempDir tmp;
    CallOptions call;
};

TEST_F(DirMode, DumpLandsAsVmcoreWithSameBytesWrittenOutOfOrder) {
    auto sink = open({{"path", tmp.path()}, {"reserve", "0"}});
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const auto data = pattern(3 * 65536 + 123, 1);
    std::span<const std::byte> all(data);
    // last chunk first, then the first, then the middle
    ASSERT_TRUE(sink.value()->write_at(2 * 65536, all.subspan(2 * 65536), call).is_ok());
    ASSERT_TRUE(sink.value()->write_at(0, all.first(65536), call).is_ok());
    ASSERT_TRUE(sink.value()->write_at(65536, all.subspan(65536, 65536), call).is_ok());
    Status s = sink.value()->commit(call);
    ASSERT_TRUE(s.is_ok()) << s.to_string();

    EXPECT_EQ(sink.value()->location(), dump_dir() + "/vmcore");
    EXPECT_EQ(read_file(dump_dir() + "/vmcore"), data);
    EXPECT_FALSE(exists(dump_dir() + "/vmcore-incomplete"));
    EXPECT_EQ(mode_of(dump_dir() + "/vmcore"), 0600u);
    EXPECT_EQ(mode_of(dump_dir()), 0700u);
}

TEST_F(DirMode, IncompleteFileVisibleBeforeCommit) {
    auto sink = open({{"path", tmp.path()}, {"reserve", "0"}});
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    EXPECT_EQ(sink.value()->location(), dump_dir() + "/vmcore-incomplete");
    ASSERT_TRUE(sink.value()->write_at(0, pattern(4096, 2), call).is_ok());
    EXPECT_TRUE(exists(dump_dir() + "/vmcore-incomplete"));
    EXPECT_EQ(mode_of(dump_dir() + "/vmcore-incomplete"), 0600u);
    EXPECT_FALSE(exists(dump_dir() + "/vmcore"));
}

TEST_F(DirMode, AbortLeavesVmcoreIncomplete) {
    auto sink = open({{"path", tmp.path()}, {"reserve", "0"}});
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const auto data = pattern(10000, 3);
    ASSERT_TRUE(sink.value()->write_at(0, data, call).is_ok());
    EXPECT_TRUE(sink.value()->abort(call).is_ok());
    EXPECT_EQ(read_file(dump_dir() + "/vmcore-incomplete"), data);
    EXPECT_FALSE(exists(dump_dir() + "/vmcore"));
    // a sink that gave up accepts nothing more
    Status late = sink.value()->write_at(0, data, call);
    EXPECT_EQ(late.code(), Code::not_supported) << late.to_string();
    EXPECT_EQ(sink.value()->commit(call).code(), Code::not_supported);
}

TEST_F(DirMode, DestructionWithoutCommitLeavesVmcoreIncomplete) {
    {
        auto sink = open({{"path", tmp.path()}, {"reserve", "0"}});
        ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
        ASSERT_TRUE(sink.value()->write_at(0, pattern(100, 4), call).is_ok());
    }
    EXPECT_EQ(read_file(dump_dir() + "/vmcore-incomplete"), pattern(100, 4));
    EXPECT_FALSE(exists(dump_dir() + "/vmcore"));
}

TEST_F(DirMode, MissingPathFailsWithNotFoundAndIsNotCreated) {
    const std::string missing = tmp / "not-mounted";
    auto sink = open({{"path", missing}, {"reserve", "0"}});
    ASSERT_FALSE(sink.is_ok());
    EXPECT_EQ(sink.status().code(), Code::not_found);
    EXPECT_EQ(sink.status().stage(), Stage::open);
    EXPECT_NE(sink.status().message().find("local: "), std::string::npos);
    EXPECT_NE(sink.status().message().find("mount point"), std::string::npos) << sink.status().to_string();
    EXPECT_FALSE(exists(missing));
}

TEST_F(DirMode, MountPointThatIsNotAMountPointFails) {
    ASSERT_EQ(::mkdir((tmp / "mnt").c_str(), 0755), 0);
    auto sink = open({{"path", tmp / "mnt"}, {"require_mount", "yes"}, {"reserve", "0"}});
    ASSERT_FALSE(sink.is_ok());
    EXPECT_EQ(sink.status().code(), Code::not_found);
    EXPECT_NE(sink.status().message().find("not a mount point"), std::string::npos) << sink.status().to_string();
    EXPECT_FALSE(exists(tmp / "mnt" + "/" + kDir));

    auto explicit_mp = open({{"path", tmp / "mnt"}, {"mount_point", tmp / "mnt"}, {"reserve", "0"}});
    ASSERT_FALSE(explicit_mp.is_ok());
    EXPECT_EQ(explicit_mp.status().code(), Code::not_found);
}

TEST_F(DirMode, RequireMountAcceptsARealMountAndPathBelowIt) {
    const std::string mnt = tmp / "mnt";
    ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
    TmpfsMount fs(mnt, "4m");
    ASSERT_TRUE(fs.mounted()) << "mount tmpfs on " << mnt << ": " << fs.error();
    ASSERT_EQ(::mkdir((mnt + "/crash").c_str(), 0755), 0);

    auto sink = open({{"path", mnt + "/crash"}, {"mount_point", mnt}, {"reserve", "1M"}});
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    ASSERT_TRUE(sink.value()->write_at(0, pattern(5000, 5), call).is_ok());
    ASSERT_TRUE(sink.value()->commit(call).is_ok());
    EXPECT_EQ(read_file(mnt + "/crash/" + kDir + "/vmcore"), pattern(5000, 5));

    auto shorthand = transport.probe(target({{"path", mnt}, {"require_mount", "yes"}, {"reserve", "1M"}}), call);
    EXPECT_TRUE(shorthand.is_ok()) << shorthand.status().to_string();
}

TEST_F(DirMode, BindMountOnTheSameDeviceCountsAsAMountPoint) {
    const std::string mnt = tmp / "dumps here";  // the space is escaped as \040 in mountinfo
    ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
    BindMount bind(mnt);
    ASSERT_TRUE(bind.mounted()) << "mount --bind " << mnt << ": " << bind.error();
    auto sink = open({{"path", mnt}, {"require_mount", "yes"}, {"reserve", "0"}});
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    EXPECT_TRUE(sink.value()->commit(call).is_ok());
}

TEST_F(DirMode, ReserveAboveFreeSpaceFailsWithNoSpace) {
    auto sink = open({{"path", tmp.path()}, {"reserve", "1000000T"}});
    ASSERT_FALSE(sink.is_ok());
    EXPECT_EQ(sink.status().code(), Code::no_space);
    EXPECT_NE(sink.status().message().find("MiB free"), std::string::npos) << sink.status().to_string();
    EXPECT_NE(sink.status().message().find("reserve of 1048576000000.0 MiB"), std::string::npos)
        << sink.status().to_string();
    EXPECT_FALSE(exists(dump_dir()));
}

TEST_F(DirMode, RealEnospcOnSmallTmpfsIsNoSpaceAndKeepsTheFile) {
    const std::string mnt = tmp / "small";
    ASSERT_EQ(::mkdir(mnt.c_str(), 0755), 0);
    TmpfsMount fs(mnt, "1m");
    ASSERT_TRUE(fs.mounted()) << "mount -t tmpfs -o size=1m tmpfs " << mnt << ": " << fs.error();

    auto sink = open({{"path", mnt}, {"reserve", "0"}});
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    Status s = sink.value()->write_at(0, pattern(2u << 20, 6), call);
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.code(), Code::no_space) << s.to_string();
    EXPECT_EQ(s.sys_errno(), ENOSPC);
    EXPECT_EQ(s.stage(), Stage::write);
    EXPECT_NE(s.message().find(mnt + "/" + kDir + "/vmcore-incomplete"), std::string::npos) << s.to_string();
    EXPECT_TRUE(exists(mnt + "/" + kDir + "/vmcore-incomplete"));

    EXPECT_TRUE(sink.value()->abort(call).is_ok());
    EXPECT_TRUE(exists(mnt + "/" + kDir + "/vmcore-incomplete"));
    EXPECT_FALSE(exists(mnt + "/" + kDir + "/vmcore"));
}

TEST_F(DirMode, PutFileWritesASideFile0600) {
    auto sink = open({{"path", tmp.path()}, {"reserve", "0"}});
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    const std::string dmesg = "[    0.000000] Linux version 6.1.0\n[   42.000000] sysrq: Trigger a crash\n";
    Status s = sink.value()->put_file("vmcore-dmesg.txt", bytes_of(dmesg), call);
    ASSERT_TRUE(s.is_ok()) << s.to_string();
    auto got = read_file(dump_dir() + "/vmcore-dmesg.txt");
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(got.data()), got.size()), dmesg);
    EXPECT_EQ(mode_of(dump_dir() + "/vmcore-dmesg.txt"), 0600u);
    EXPECT_FALSE(exists(dump_dir() + "/.vmcore-dmesg.txt.tmp"));
}

TEST_F(DirMode, PutFileRefusesNamesThatAreNotPlainFileNames) {
    auto sink = open({{"path", tmp.path()}, {"reserve", "0"}});
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    for (const char* bad : {"../escape", "a/b", "", "..", "vmcore", "vmcore-incomplete"}) {
        Status s = sink.value()->put_file(bad, bytes_of("x"), call);
        EXPECT_EQ(s.code(), Code::invalid_config) << bad;
    }
    EXPECT_FALSE(exists(tmp / "escape"));
}

TEST_F(DirMode, ExistingDumpDirectoryIsReusedOnlyWithoutAVmcore) {
    ASSERT_EQ(::mkdir(dump_dir().c_str(), 0700), 0);
    {
        auto sink = open({{"path", tmp.path()}, {"reserve", "0"}});
        ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
        ASSERT_TRUE(sink.value()->commit(call).is_ok());
    }
    auto again = open({{"path", tmp.path()}, {"reserve", "0"}});
    ASSERT_FALSE(again.is_ok());
    EXPECT_EQ(again.status().sys_errno(), EEXIST);
    EXPECT_NE(again.status().message().find("already holds a dump"), std::string::npos) << again.status().to_string();
}

TEST_F(DirMode, IncompleteFileFromAnEarlierAttemptIsNeverTruncated) {
    {
        auto sink = open({{"path", tmp.path()}, {"reserve", "0"}});
        ASSERT_TRUE(sink.is_ok());
        ASSERT_TRUE(sink.value()->write_at(0, pattern(777, 7), call).is_ok());
    }
    auto again = open({{"path", tmp.path()}, {"reserve", "0"}});
    ASSERT_FALSE(again.is_ok());
    EXPECT_EQ(again.status().sys_errno(), EEXIST);
    EXPECT_EQ(read_file(dump_dir() + "/vmcore-incomplete"), pattern(777, 7));
}

TEST_F(DirMode, ExpiredDeadlineTimesOutBeforeCreatingAnything) {
    CallOptions past;
    past.deadline = Clock::now() - std::chrono::seconds(1);
    auto sink = transport.open(target({{"path", tmp.path()}, {"reserve", "0"}}), dump_info(), past);
    ASSERT_FALSE(sink.is_ok());
    EXPECT_EQ(sink.status().code(), Code::timeout);
    EXPECT_FALSE(exists(dump_dir()));
}

TEST_F(DirMode, ProbeReportsFreeSpaceAndLeavesNothingBehind) {
    auto report = transport.probe(target({{"path", tmp.path()}, {"reserve", "0"}}), call);
    ASSERT_TRUE(report.is_ok()) << report.status().to_string();
    EXPECT_TRUE(report.value().free_known);
    EXPECT_GT(report.value().free_bytes, 0u);
    EXPECT_NE(report.value().summary.find("writable"), std::string::npos) << report.value().summary;
    EXPECT_NE(report.value().summary.find(tmp.path()), std::string::npos) << report.value().summary;
    EXPECT_TRUE(std::filesystem::is_empty(tmp.path()));
}

TEST_F(DirMode, ProbeFailsForMissingPathOrTooLittleSpace) {
    auto missing = transport.probe(target({{"path", tmp / "nope"}}), call);
    ASSERT_FALSE(missing.is_ok());
    EXPECT_EQ(missing.status().code(), Code::not_found);
    EXPECT_EQ(missing.status().stage(), Stage::probe);
    EXPECT_FALSE(exists(tmp / "nope"));

    auto full = transport.probe(target({{"path", tmp.path()}, {"reserve", "1000000T"}}), call);
    ASSERT_FALSE(full.is_ok());
    EXPECT_EQ(full.status().code(), Code::no_space);
}

}  // namespace
}  // namespace kdf::local::test
