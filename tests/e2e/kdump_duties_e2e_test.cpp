// kdump's duties after a chain dump, in a real crash of Debian's kernel under QEMU: the primary
// target's filesystem is missing, the local backup (an ext4 filesystem on the guest's virtio disk) holds the dump,
// and the crash kernel then does what kdump's own script would have done. The crash initramfs
// carries a kdump.conf as kdumpctl's image does (fence_kdump_nodes naming the host, fence_kdump_args
// with the listener's port and a 1 s interval, a kdump_post script, final_action poweroff) and our
// config has no [fence_kdump], so the notices must come from kdump.conf. Checked on the console and
// on the host: fence-agents' listener hears the node, kdump_post ran with status 0, and
// kexec-dmesg.log (the crash kernel's own log) lies beside the dump on the disk, which the host reads
// with debugfs (no mount); the dump itself passes makedumpfile and our verify.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
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
constexpr const char* kHostFromGuest = "10.0.2.2";

class KdumpDutiesE2E : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(shell("command -v qemu-system-x86_64 > /dev/null"), 0)
            << "qemu-system-x86_64 is missing: tools/install-deps.sh installs it";
        if (const std::string why = qemu_unusable_reason(); !why.empty()) GTEST_SKIP() << why;
        std::string why;
        auto k = guest_kernel(&why);
        ASSERT_TRUE(k.has_value()) << why;
        kernel_ = *k;
    }
    GuestKernel kernel_;
};

TEST_F(KdumpDutiesE2E, LocalBackupHoldsTheDumpThenKdumpPostKexecDmesgAndFenceKdumpFromKdumpConf) {
    TempDir dir("kdf-e2e-duties");
    // The backup disk: ext4 with the dump directory already there (the local target never creates
    // its directory, so an unmounted mount point cannot turn into a directory on the root).
    fs::create_directories(dir / "fsroot/crash");
    const std::string disk = dir / "disk.img";
    ASSERT_EQ(shell("mkfs.ext4 -q -F -d " + shell_quote(dir / "fsroot") + " " + shell_quote(disk) + " 256M"), 0);

    const uint16_t fence_port = kdf::test::free_udp_port();
    ServerProcess listener;
    ASSERT_TRUE(listener.start({{"/usr/sbin/fence_kdump", "-n", "127.0.0.1", "-p", std::to_string(fence_port), "-f",
                                 "ipv4", "-t", "900", "-v"},
                                dir / "fence_kdump.log",
                                "",
                                {},
                                3000ms}));
    ASSERT_TRUE(kdf::test::wait_udp_port(fence_port, 10s)) << listener.log();

    // The first target's filesystem is not there (its directory is missing), so the backup disk
    // holds the dump. (No network target: dracut's network module would pull systemd and
    // NetworkManager into the image, and the crash kernel's /init here is the harness's own.)
    const std::string config = dir.write(
        "kdump-failover.conf",
        "[dump]\nlevel = 31\ncompress = zlib\n\n[chain]\ntargets = primary disk\n\n"
        "[target primary]\ntype = local\npath = /mnt/primary/crash\n\n"
        "[target disk]\ntype = local\npath = /mnt/backup/crash\n");

    // What kdumpctl's image would hold besides our module's files: kdump.conf, the kdump_post it
    // names; and the backup's mount as the module writes it for a local target's filesystem.
    const std::string overlay = dir / "overlay";
    fs::create_directories(overlay + "/etc/kdump-failover");
    fs::create_directories(overlay + "/kdf-e2e");
    dir.write("overlay/etc/kdump.conf", "path /var/crash\nkdump_post /kdf-e2e/kdump-post.sh\n"
                                        "fence_kdump_args -p " + std::to_string(fence_port) + " -i 1\n"
                                        "fence_kdump_nodes " + std::string(kHostFromGuest) + "\nfinal_action poweroff\n");
    dir.write("overlay/kdf-e2e/kdump-post.sh", "#!/kdf-e2e/busybox sh\necho \"KDF-E2E: kdump_post ran with status $1\"\n"
                                               "echo \"$1\" > /mnt/backup/kdump-post.status\n");
    ASSERT_EQ(shell("chmod 0755 " + shell_quote(overlay + "/kdf-e2e/kdump-post.sh")), 0);
    dir.write("overlay/etc/kdump-failover/mounts", "/dev/vda\t/mnt/backup\text4\n");

    GuestOptions options;
    options.config = config;
    options.network = true;
    options.disk = disk;
    options.overlay = overlay;
    options.modules = "ext4";
    GuestRun run;
    std::string why;
    ASSERT_TRUE(run_crash_guest(kernel_, dir / "guest", options, &run, &why)) << why;
    ASSERT_EQ(run.exit_code, 0) << why << "\n--- console (end) ---\n" << run.console_tail();
    ASSERT_TRUE(run.chain_saved) << run.console_tail();

    const std::string& c = run.console;
    const size_t notices = c.find("fence_kdump: telling 10.0.2.2 (UDP port " + std::to_string(fence_port) +
                                  ") every 1.0 s, nodes from /etc/kdump.conf (fence_kdump_nodes)");
    const size_t chain = c.find("kdump-failover: running the chain");
    EXPECT_NE(notices, std::string::npos) << run.console_tail();
    EXPECT_LT(notices, chain) << "the notices must start before the chain";
    EXPECT_NE(c.find("target 'primary' failed; trying the next target, 'disk'"), std::string::npos) << run.console_tail();
    const size_t post = c.find("KDF-E2E: kdump_post ran with status 0");
    const size_t dmesg_saved = c.find("saved the crash kernel's log as /mnt/backup/crash/");
    const size_t final_action = c.find("kdump-failover: performing final action: poweroff");
    EXPECT_NE(post, std::string::npos) << run.console_tail();
    EXPECT_NE(dmesg_saved, std::string::npos) << run.console_tail();
    EXPECT_NE(final_action, std::string::npos) << run.console_tail();
    EXPECT_TRUE(post < dmesg_saved && dmesg_saved < final_action) << "kdump.sh's order: kdump_post, log, final action";
    EXPECT_EQ(c.find("kdump's own dump runs next"), std::string::npos) << run.console_tail();

    // On the host, from the disk image itself.
    const std::string got = dir / "got";
    fs::create_directories(got);
    ASSERT_EQ(shell("debugfs -R " + shell_quote("rdump /crash " + got) + " " + shell_quote(disk) + " > /dev/null 2>&1 && "
                    "debugfs -R " + shell_quote("dump /kdump-post.status " + got + "/kdump-post.status") + " " +
                    shell_quote(disk) + " > /dev/null 2>&1 && test -d " + shell_quote(got + "/crash")),
              0);
    EXPECT_EQ(read_text(got + "/kdump-post.status"), "0\n");
    std::string dump_dir;
    for (const auto& e : fs::directory_iterator(got + "/crash"))
        if (e.is_directory()) dump_dir = e.path().string();
    ASSERT_FALSE(dump_dir.empty()) << "no dump directory on the disk";
    const std::string kexec_log = read_text(dump_dir + "/kexec-dmesg.log");
    EXPECT_NE(kexec_log.find("elfcorehdr="), std::string::npos) << "kexec-dmesg.log is not the crash kernel's log";
    ASSERT_TRUE(fs::exists(dump_dir + "/vmcore")) << dump_dir;
    run.dump_file_mib = static_cast<double>(fs::file_size(dump_dir + "/vmcore")) / (1024.0 * 1024.0);
    std::printf("E2E: kdump duties (primary filesystem missing, local ext4 backup holds it, kdump_post, kexec-dmesg.log, "
                "fence_kdump from kdump.conf): %s\n",
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
