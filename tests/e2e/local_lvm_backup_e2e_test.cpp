// A local backup on LVM, and kdump's duties after the chain's dump, in one real crash of Debian's
// kernel under QEMU (one guest for both keeps the end-to-end time down).
//
// The guest's disk is an LVM physical volume made by lvm2 on the host (volume group "kdf-vg",
// logical volume "dump-lv": dashes, which device-mapper doubles) with an ext4 filesystem in the
// LV's byte range. The chain's first target is a directory whose filesystem is missing; the second
// is the LV. Our module must pull dracut's lvm module (for its lvm binary) into the image and list
// kdf-vg/dump-lv in /etc/kdump-failover/storage, with no rd.lvm.lv= (a dead backup disk must not hold
// dracut's initqueue); the capture script activates it itself (bounded), waits for the filesystem's
// UUID and mounts it, and the LV holds
// the dump: read on the host from the LV's range of the disk image (debugfs, no mount), checked by
// makedumpfile and our verify.
//
// kdump's duties: the image carries a kdump.conf as kdumpctl's does (fence_kdump_nodes naming the
// host, fence_kdump_args with the listener's port and a 1 s interval, a kdump_post script, a post.d
// script, final_action poweroff) and our config has no [fence_kdump]. fence-agents' listener on the
// host must hear the node (notices from kdump.conf, started before the chain), post.d and kdump_post
// run with status 0 in kdump.sh's order, kexec-dmesg.log (the crash kernel's own log) lies beside the
// dump, then the final action.
//
// This host's kernel has no device-mapper, so the LV cannot be activated here while the image is
// built. The test process gets a private mount namespace in which /dev/mapper/kdf--vg-dump--lv is a
// device node of a loop device over the LV's byte range, mounted where the config says: the mount
// table then shows what it shows on a machine with the LV active, and lvm2 (restricted to the PV's
// loop device) answers for the volume group from its real metadata.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <chrono>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "tests/e2e/qemu_guest.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using kdf::test::ServerProcess;
using kdf::test::TempDir;
using kdf_test::shell;
using kdf_test::shell_output;
using namespace kdf_test::e2e;

constexpr const char* kPanicLine = "Kernel panic - not syncing: sysrq triggered crash";
constexpr const char* kMapperPath = "/dev/mapper/kdf--vg-dump--lv";
constexpr const char* kHostFromGuest = "10.0.2.2";

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    while (!s.empty() && s.front() == ' ') s.erase(0, 1);
    return s;
}

// Loop devices attached by this test, detached by device name when it ends.
struct Loops {
    std::vector<std::string> devs;
    ~Loops() {
        for (auto it = devs.rbegin(); it != devs.rend(); ++it) shell("losetup -d " + shell_quote(*it) + " 2>/dev/null");
    }
    std::string attach(const std::string& args) {
        std::string dev = trim(shell_output("losetup -f --show " + args));
        if (dev.rfind("/dev/loop", 0) == 0) devs.push_back(dev);
        return dev;
    }
    void detach_all() {
        for (auto it = devs.rbegin(); it != devs.rend(); ++it) shell("losetup -d " + shell_quote(*it) + " 2>/dev/null");
        devs.clear();
    }
};

class LocalLvmBackupE2E : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(shell("command -v qemu-system-x86_64 > /dev/null"), 0)
            << "qemu-system-x86_64 is missing: tools/install-deps.sh installs it";
        if (const std::string why = qemu_unusable_reason(); !why.empty()) GTEST_SKIP() << why;
        std::string why;
        auto k = guest_kernel(&why);
        ASSERT_TRUE(k.has_value()) << why;
        kernel_ = *k;
        ASSERT_EQ(shell("command -v lvm > /dev/null && command -v debugfs > /dev/null"), 0)
            << "lvm2 and e2fsprogs are needed (tools/install-deps.sh)";
        // Everything mounted below lives only in this process's namespace and ends with it.
        ASSERT_EQ(::unshare(CLONE_NEWNS), 0);
        ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
    }
    GuestKernel kernel_;
};

TEST_F(LocalLvmBackupE2E, LogicalVolumeHoldsTheDumpThenKdumpsDutiesRun) {
    TempDir dir("kdf-e2e-lvm");
    const uint16_t fence_port = kdf::test::free_udp_port();
    ServerProcess listener;
    ASSERT_TRUE(listener.start({{"/usr/sbin/fence_kdump", "-n", "127.0.0.1", "-p", std::to_string(fence_port), "-f",
                                 "ipv4", "-t", "900", "-v"},
                                dir / "fence_kdump.log",
                                "",
                                {},
                                3000ms}));
    ASSERT_TRUE(kdf::test::wait_udp_port(fence_port, 10s)) << listener.log();
    const std::string disk = dir / "disk.img";
    ASSERT_EQ(shell("truncate -s 256M " + shell_quote(disk)), 0);
    Loops loops;
    const std::string pv = loops.attach(shell_quote(disk));
    ASSERT_EQ(pv.rfind("/dev/loop", 0), 0u) << pv;

    // lvm2 sees only this PV and activates nothing (no device-mapper here).
    fs::create_directories(dir / "lvm");
    dir.write("lvm/lvm.conf", "devices { filter = [ \"a|^" + pv + "$|\", \"r|.*|\" ] obtain_device_list_from_udev = 0 "
                              "use_devicesfile = 0 }\nactivation { udev_sync = 0 udev_rules = 0 monitoring = 0 }\n"
                              "global { activation = 0 }\nbackup { backup = 0 archive = 0 }\n");
    ::setenv("LVM_SYSTEM_DIR", (dir / "lvm").c_str(), 1);
    ::setenv("LVM_SUPPRESS_FD_WARNINGS", "1", 1);
    ASSERT_EQ(shell("{ lvm pvcreate -y " + pv + " && lvm vgcreate -s 4M kdf-vg " + pv +
                    " && lvm lvcreate -l 40 -n dump-lv kdf-vg; } > " + shell_quote(dir / "lvm.log") + " 2>&1"),
              0)
        << read_text(dir / "lvm.log");
    // The LV's byte range on the disk: the PV's first extent plus the segment's first PE.
    const uint64_t pe_start = std::stoull(
        trim(shell_output("lvm pvs --noheadings --units b --nosuffix -o pe_start " + pv + " 2>/dev/null")));
    const std::string ranges = trim(shell_output("lvm lvs --noheadings -o seg_pe_ranges kdf-vg/dump-lv 2>/dev/null"));
    ASSERT_NE(ranges.find(pv + ":"), std::string::npos) << ranges;
    const uint64_t first_pe = std::stoull(ranges.substr(ranges.find(':') + 1));
    const uint64_t offset = pe_start + first_pe * 4 * 1024 * 1024, size = 40ull * 4 * 1024 * 1024;

    // ext4 in the LV's range, with the dump directory in it.
    const std::string lv = loops.attach("-o " + std::to_string(offset) + " --sizelimit " + std::to_string(size) + " " +
                                        shell_quote(disk));
    ASSERT_EQ(lv.rfind("/dev/loop", 0), 0u) << lv;
    fs::create_directories(dir / "fsroot/crash");
    ASSERT_EQ(shell("mkfs.ext4 -q -F -d " + shell_quote(dir / "fsroot") + " " + lv), 0);
    const std::string fs_uuid = trim(shell_output("blkid -s UUID -o value " + lv));
    ASSERT_FALSE(fs_uuid.empty());

    // The LV as the mount table of a machine with it active shows it (see the file comment).
    struct stat st{};
    ASSERT_EQ(::stat(lv.c_str(), &st), 0);
    ASSERT_EQ(::mount("tmpfs", "/dev/mapper", "tmpfs", 0, "mode=0755"), 0);
    ASSERT_EQ(::mknod(kMapperPath, S_IFBLK | 0600, st.st_rdev), 0);
    const std::string mp = dir / "backup";
    fs::create_directories(mp);
    ASSERT_EQ(::mount(kMapperPath, mp.c_str(), "ext4", 0, nullptr), 0) << std::strerror(errno);

    const std::string config = dir.write(
        "kdump-failover.conf",
        "[dump]\nlevel = 31\ncompress = zlib\n\n[chain]\ntargets = primary lvm\n\n"
        "[target primary]\ntype = local\npath = /mnt/primary/crash\n\n"
        "[target lvm]\ntype = local\npath = " + mp + "/crash\nmount_point = " + mp + "\n");

    // What kdumpctl's image would hold besides our module's files: kdump.conf, the kdump_post it
    // names, a post.d script. kdump_post leaves its status on the backup for the host to read.
    const std::string overlay = dir / "overlay";
    fs::create_directories(overlay + "/etc/kdump/post.d");
    fs::create_directories(overlay + "/kdf-e2e");
    dir.write("overlay/etc/kdump.conf", "path /var/crash\nkdump_post /kdf-e2e/kdump-post.sh\n"
                                        "fence_kdump_args -p " + std::to_string(fence_port) + " -i 1\n"
                                        "fence_kdump_nodes " + std::string(kHostFromGuest) + "\nfinal_action poweroff\n");
    dir.write("overlay/kdf-e2e/kdump-post.sh", "#!/kdf-e2e/busybox sh\necho \"KDF-E2E: kdump_post ran with status $1\"\n"
                                               "echo \"$1\" > " + mp + "/kdump-post.status\n");
    dir.write("overlay/etc/kdump/post.d/10-e2e", "#!/kdf-e2e/busybox sh\necho \"KDF-E2E: post.d ran with status $1\"\n");
    ASSERT_EQ(shell("chmod 0755 " + shell_quote(overlay + "/kdf-e2e/kdump-post.sh") + " " +
                    shell_quote(overlay + "/etc/kdump/post.d/10-e2e")),
              0);

    GuestOptions options;
    options.config = config;
    options.disk = disk;
    options.network = true;  // for the fence_kdump notices only: the chain has no network target
    options.overlay = overlay;
    options.modules = "dm-mod ext4";
    // The image is built while the LV is mounted here; QEMU must be the disk image's only writer.
    options.before_boot = [&] {
        ::umount(mp.c_str());
        ::umount("/dev/mapper");
        loops.detach_all();
    };
    std::string why;
    GuestRun run;
    ASSERT_TRUE(run_crash_guest(kernel_, dir / "guest", options, &run, &why)) << why;
    ASSERT_EQ(run.exit_code, 0) << why << "\n--- console (end) ---\n" << run.console_tail();

    EXPECT_NE(read_text(dir / "guest/dracut.log").find("Including module: lvm"), std::string::npos)
        << "dracut's lvm module was not pulled in";
    const std::string& c = run.console;
    EXPECT_NE(c.find("kdump-failover: activated logical volume kdf-vg/dump-lv"), std::string::npos) << run.console_tail();
    EXPECT_NE(c.find("mounted UUID=" + fs_uuid + " on " + mp + " (ext4)"), std::string::npos) << run.console_tail();
    EXPECT_NE(c.find("target 'primary' failed; trying the next target, 'lvm'"), std::string::npos) << run.console_tail();
    ASSERT_TRUE(run.chain_saved) << run.console_tail();

    // kdump's duties, in kdump.sh's order.
    const size_t notices = c.find("fence_kdump: telling 10.0.2.2 (UDP port " + std::to_string(fence_port) +
                                  ") every 1.0 s, nodes from /etc/kdump.conf (fence_kdump_nodes)");
    const size_t chain = c.find("kdump-failover: running the chain");
    const size_t saved = c.find("kdump-failover: the chain saved the dump");
    const size_t postd = c.find("KDF-E2E: post.d ran with status 0");
    const size_t post = c.find("KDF-E2E: kdump_post ran with status 0");
    const size_t log_saved = c.find("saved the crash kernel's log as " + mp + "/crash/");
    const size_t final_action = c.find("kdump-failover: performing final action: poweroff");
    EXPECT_NE(notices, std::string::npos) << run.console_tail();
    EXPECT_LT(notices, chain) << "the notices must start before the chain";
    for (size_t at : {postd, post, log_saved, final_action}) EXPECT_NE(at, std::string::npos) << run.console_tail();
    EXPECT_TRUE(saved < postd && postd < post && post < log_saved && log_saved < final_action)
        << "not kdump.sh's order (dump, post.d, kdump_post, log, final action)";
    EXPECT_EQ(c.find("kdump's own dump runs next"), std::string::npos) << run.console_tail();

    // On the host: the LV's byte range of the disk image, read with debugfs.
    const std::string lv_img = dir / "lv.img", got = dir / "got";
    ASSERT_EQ(shell("dd if=" + shell_quote(disk) + " of=" + shell_quote(lv_img) + " bs=1M skip=" +
                    std::to_string(offset / (1024 * 1024)) + " count=" + std::to_string(size / (1024 * 1024)) +
                    " status=none && mkdir -p " + shell_quote(got) + " && debugfs -R " + shell_quote("rdump /crash " + got) + " " +
                    shell_quote(lv_img) + " > /dev/null 2>&1 && test -d " + shell_quote(got + "/crash")),
              0);
    std::string dump_dir;
    for (const auto& e : fs::directory_iterator(got + "/crash"))
        if (e.is_directory()) dump_dir = e.path().string();
    ASSERT_FALSE(dump_dir.empty()) << "no dump directory on the LV";
    ASSERT_TRUE(fs::exists(dump_dir + "/vmcore")) << dump_dir;
    EXPECT_NE(read_text(dump_dir + "/kexec-dmesg.log").find("elfcorehdr="), std::string::npos)
        << "no kexec-dmesg.log with the crash kernel's own log beside the dump";
    ASSERT_EQ(shell("debugfs -R " + shell_quote("dump /kdump-post.status " + got + "/kdump-post.status") + " " +
                    shell_quote(lv_img) + " > /dev/null 2>&1"),
              0);
    EXPECT_EQ(read_text(got + "/kdump-post.status"), "0\n");
    run.dump_file_mib = static_cast<double>(fs::file_size(dump_dir + "/vmcore")) / (1024.0 * 1024.0);
    std::printf("E2E: local LVM backup (kdf-vg/dump-lv, ext4) holds the dump, then kdump's duties (fence_kdump from "
                "kdump.conf, post.d, kdump_post, kexec-dmesg.log, final_action): %s\n",
                run.summary().c_str());
    const std::string dmesg = dir / "dmesg.txt";
    ASSERT_EQ(shell("makedumpfile --dump-dmesg " + shell_quote(dump_dir + "/vmcore") + " " + shell_quote(dmesg) +
                    " > /dev/null 2>&1"),
              0);
    EXPECT_NE(read_text(dmesg).find(kPanicLine), std::string::npos);
    const std::string verify = shell_output(std::string(KDF_CLI) + " verify " + shell_quote(dump_dir + "/vmcore") + " 2>&1; echo rc=$?");
    EXPECT_NE(verify.find("rc=0"), std::string::npos) << verify;

    EXPECT_EQ(listener.wait_exit(10s), std::optional<int>(0)) << listener.log();
    EXPECT_NE(listener.log().find("received valid message from '127.0.0.1'"), std::string::npos) << listener.log();
}

}  // namespace
