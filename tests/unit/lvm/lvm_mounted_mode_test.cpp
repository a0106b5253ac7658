// lvm_mounted_mode_test.cpp - mode mounted: the LV's node found under device-mapper's name (every
// '-' in the VG and LV names doubled), its ext4 mounted, the dump written as a dated directory and
// the filesystem unmounted after. This kernel has no device-mapper, so the "active LV" is a real
// ext4 on a loop device whose block node is made at /dev/mapper/<that name>; activation itself is
// exercised in the QEMU crash tests.
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kdf/unique_fd.h"
#include "lvm_lab.h"
#include "lvm_transport.h"

namespace kdf::lvm {
namespace {

using Bytes = std::vector<std::byte>;

TargetConfig target(const std::map<std::string, std::string>& keys) {
    TargetConfig t;
    t.name = "lv";
    t.type = "lvm";
    t.where = "test.conf:1";
    int line = 2;
    for (const auto& [k, v] : keys) t.options[k] = OptionValue{v, "test.conf:" + std::to_string(line++)};
    return t;
}

std::string slurp(const std::string& path) { return test::run_shell("cat '" + path + "'").out; }

bool is_mount_point(const std::string& dir) {
    return test::run_shell("mountpoint -q '" + dir + "'").status == 0;
}

class MountedMode : public ::testing::Test {
protected:
    void SetUp() override {
        const std::string image = dir_.file("fs.img");
        test::CommandResult r = test::run_shell("truncate -s 16M " + image + " && mkfs.ext4 -q -F " + image +
                                                " && losetup -f --show " + image);
        ASSERT_EQ(r.status, 0) << r.err;
        loop_ = r.out.substr(0, r.out.find('\n'));
        struct stat st {};
        ASSERT_EQ(::stat(loop_.c_str(), &st), 0);
        made_mapper_dir_ = ::mkdir("/dev/mapper", 0755) == 0;
        ASSERT_EQ(::mknod(node_.c_str(), S_IFBLK | 0600, st.st_rdev), 0) << std::strerror(errno);
        mnt_ = dir_.file("mnt");
    }
    void TearDown() override {
        if (!mnt_.empty() && is_mount_point(mnt_)) ::umount2(mnt_.c_str(), MNT_DETACH);
        ::unlink(node_.c_str());
        if (made_mapper_dir_) ::rmdir("/dev/mapper");
        if (!loop_.empty()) (void)test::run_shell("losetup -d " + loop_);
    }

    // What the filesystem holds, read by mounting it read-only here.
    std::string read_back(const std::string& relative) {
        const std::string check = dir_.file("check");
        ::mkdir(check.c_str(), 0700);
        if (::mount(loop_.c_str(), check.c_str(), "ext4", MS_RDONLY, nullptr) != 0) return "mount failed";
        std::string out = slurp(check + "/" + relative);
        ::umount(check.c_str());
        return out;
    }

    kdf::test::TempDir dir_{"kdf-lvm-mnt"};
    std::string loop_;
    // Named after this process: ctest runs each case as its own process, two at a time, and a
    // shared name would make one case's mknod meet the other's node. device-mapper doubles the
    // dashes inside VG and LV names.
    const std::string vg_ = "vg-kdf-mnt" + std::to_string(::getpid());
    const std::string node_ = "/dev/mapper/vg--kdf--mnt" + std::to_string(::getpid()) + "-lv--dump";
    std::string mnt_;
    bool made_mapper_dir_ = false;
};

TEST_F(MountedMode, DumpLandsInADatedDirectoryOnTheLvsFilesystemAndItIsUnmountedAfter) {
    LvmTransport transport;
    TargetConfig t = target({{"mode", "mounted"}, {"vg", vg_}, {"lv", "lv-dump"}, {"mount_point", mnt_},
                             {"activate", "no"}});
    ASSERT_TRUE(transport.check(t).is_ok());
    Result<ProbeReport> probe = transport.probe(t, CallOptions{});
    ASSERT_TRUE(probe.is_ok()) << probe.take_status().message();
    EXPECT_NE(probe->summary.find(node_), std::string::npos) << probe->summary;
    EXPECT_FALSE(is_mount_point(mnt_)) << "probe left its mount behind";

    DumpInfo d;
    d.host = "node1";
    d.dir_name = "node1-2026-12-05-13:00:00";
    d.final_name = "vmcore";
    d.format = "kdump";
    const std::string dmesg = "kernel log\n", data = std::string(300000, 'x') + "end";
    Result<std::unique_ptr<Sink>> sink = transport.open(t, d, CallOptions{});
    ASSERT_TRUE(sink.is_ok()) << sink.take_status().message();
    EXPECT_TRUE(is_mount_point(mnt_));
    auto bytes = [](const std::string& s) { return std::span<const std::byte>(reinterpret_cast<const std::byte*>(s.data()), s.size()); };
    ASSERT_TRUE(sink.value()->put_file("vmcore-dmesg.txt", bytes(dmesg), CallOptions{}).is_ok());
    ASSERT_TRUE(sink.value()->write_at(0, bytes(data), CallOptions{}).is_ok());
    EXPECT_EQ(sink.value()->location(), mnt_ + "/" + d.dir_name + "/vmcore-incomplete");
    ASSERT_TRUE(sink.value()->commit(CallOptions{}).is_ok());
    EXPECT_EQ(sink.value()->location(), mnt_ + "/" + d.dir_name + "/vmcore");
    EXPECT_FALSE(is_mount_point(mnt_)) << "commit left the filesystem mounted";
    EXPECT_EQ(read_back(d.dir_name + "/vmcore"), data);
    EXPECT_EQ(read_back(d.dir_name + "/vmcore-dmesg.txt"), dmesg);
}

TEST_F(MountedMode, AnExistingMountIsUsedAndLeftMounted) {
    ::mkdir(mnt_.c_str(), 0700);
    ASSERT_EQ(::mount(loop_.c_str(), mnt_.c_str(), "ext4", 0, nullptr), 0);
    ::mkdir((mnt_ + "/crash").c_str(), 0700);
    LvmTransport transport;
    TargetConfig t = target({{"mode", "mounted"}, {"vg", vg_}, {"lv", "lv-dump"},
                             {"mount_point", dir_.file("elsewhere")}, {"subdir", "crash"}, {"activate", "no"}});
    DumpInfo d;
    d.host = "node1";
    d.dir_name = "node1-2026-12-05-13:00:01";
    d.final_name = "vmcore";
    d.format = "kdump";
    Result<std::unique_ptr<Sink>> sink = transport.open(t, d, CallOptions{});
    ASSERT_TRUE(sink.is_ok()) << sink.take_status().message();
    ASSERT_TRUE(sink.value()->abort(CallOptions{}).is_ok());
    EXPECT_TRUE(is_mount_point(mnt_));
    struct stat st {};
    EXPECT_EQ(::stat((mnt_ + "/crash/" + d.dir_name + "/vmcore-incomplete").c_str(), &st), 0);
}

TEST(MountedModeNoLv, AnInactiveLvIsNamedWithBothNodes) {
    LvmTransport transport;
    TargetConfig t = target({{"mode", "mounted"}, {"vg", "vg-none"}, {"lv", "lv-x"}, {"activate", "no"}});
    Result<ProbeReport> probe = transport.probe(t, CallOptions{});
    ASSERT_FALSE(probe.is_ok());
    Status s = probe.take_status();
    EXPECT_EQ(s.code(), Code::not_found);
    EXPECT_NE(s.message().find("lvm: LV vg-none/lv-x is not active (neither /dev/mapper/vg--none-lv--x nor "
                               "/dev/vg-none/lv-x exists)"),
              std::string::npos)
        << s.message();
}

TEST(LvmOptions, NamesAndModeRules) {
    LvmTransport transport;
    EXPECT_TRUE(transport.check(target({{"vg", "vg-a.b+c_d"}, {"lv", "lv-1"}})).is_ok());
    Status bad = transport.check(target({{"vg", "-vg"}, {"lv", "lv"}}));
    EXPECT_NE(bad.message().find("test.conf:3: lvm: vg '-vg' is not an LVM name"), std::string::npos) << bad.message();
    bad = transport.check(target({{"vg", "vg"}, {"lv", "lv"}, {"subdir", "x"}}));
    EXPECT_NE(bad.message().find("subdir applies to mode mounted only"), std::string::npos) << bad.message();
    bad = transport.check(target({{"vg", "vg"}, {"lv", "lv"}, {"mode", "mounted"}, {"subdir", "../x"}}));
    EXPECT_NE(bad.message().find("must be relative, without '..'"), std::string::npos) << bad.message();
    bad = transport.check(target({{"vg", "vg"}, {"lv", "lv"}, {"devices", "sd*"}}));
    EXPECT_NE(bad.message().find("must be an absolute path or glob"), std::string::npos) << bad.message();
}

}  // namespace
}  // namespace kdf::lvm
