// The lvm transport in a real crash: Debian's kernel panics under QEMU, the network target is
// down, and the chain's next target, a raw LV on the guest's disk, holds the dump. The VG was made
// on the host by Debian's lvm2 (names with '-', the LV in two segments); the crash kernel has no
// lvm2 and activates nothing: the plugin reads the metadata off /dev/vda itself. On the host,
// `kdump-failover save lvm://VG/LV?devices=IMAGE` extracts the dump through the same metadata,
// and Debian's makedumpfile and our verify check it.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/e2e/qemu_guest.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

namespace fs = std::filesystem;
using kdf::test::TempDir;
using kdf_test::shell;
using kdf_test::shell_output;
using namespace kdf_test::e2e;

constexpr const char* kPanicLine = "Kernel panic - not syncing: sysrq triggered crash";
constexpr const char* kHostFromGuest = "10.0.2.2";

class CrashKernelE2ELvm : public ::testing::Test {
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

// lvm2 on the host, on a loop device over the image, metadata only (no device-mapper needed).
// Returns lvm2's own stderr on failure.
std::string make_vg(const std::string& image) {
    const std::string loop = shell_output("losetup -f --show " + shell_quote(image));
    const std::string dev = loop.substr(0, loop.find('\n'));
    if (dev.empty()) return "losetup failed";
    const std::string cfg = "devices { filter=[\"a|^" + dev +
                            "$|\",\"r|.*|\"] obtain_device_list_from_udev=0 use_devicesfile=0 } activation { "
                            "udev_sync=0 udev_rules=0 monitoring=0 } global { activation=0 } backup { backup=0 "
                            "archive=0 }";
    std::string err;
    for (const std::string& args : std::vector<std::string>{"pvcreate -y " + dev, "vgcreate -s 4M vg-crash-e2e " + dev,
                                    "lvcreate -l 60 -n lv-kdump vg-crash-e2e", "lvcreate -l 8 -n lv-other vg-crash-e2e",
                                    "lvextend -l +50 vg-crash-e2e/lv-kdump"}) {
        const std::string out = shell_output("LVM_SUPPRESS_FD_WARNINGS=1 lvm " + args + " --config " + shell_quote(cfg) +
                                             " 2>&1; echo rc=$?");
        if (out.find("rc=0") == std::string::npos) {
            err = "lvm " + args + ": " + out;
            break;
        }
    }
    shell("losetup -d " + dev);
    return err;
}

TEST_F(CrashKernelE2ELvm, NetworkTargetDownRawLvHoldsTheDumpAndSaveExtractsIt) {
    TempDir dir("kdf-e2e-lvm");
    const std::string disk = dir / "disk.img";
    ASSERT_EQ(shell("truncate -s 512M " + shell_quote(disk)), 0);
    const std::string vg_error = make_vg(disk);
    ASSERT_TRUE(vg_error.empty()) << vg_error;
    const std::string refused_nfs = std::to_string(kdf::test::free_tcp_port());
    const std::string refused_mount = std::to_string(kdf::test::free_tcp_port());
    const std::string config = dir.write(
        "kdump-failover.conf",
        "[dump]\nlevel = 31\ncompress = zlib\n\n[chain]\ntargets = nas lv\n\n"
        "[target nas]\ntype = nfs\nurl = nfs://" + std::string(kHostFromGuest) + "/export?nfsport=" + refused_nfs +
        "&mountport=" + refused_mount + "\nconnect_timeout = 15s\n\n"
        "[target lv]\ntype = lvm\nvg = vg-crash-e2e\nlv = lv-kdump\ndevices = /dev/vda\n");

    GuestOptions options;
    options.config = config;
    options.network = true;
    options.disk = disk;
    GuestRun run;
    std::string why;
    const bool built = run_crash_guest(kernel_, dir / "guest", options, &run, &why);
    ASSERT_TRUE(built) << why;
    ASSERT_EQ(run.exit_code, 0) << why << "\n--- console (end) ---\n" << run.console_tail();
    ASSERT_TRUE(run.chain_saved) << run.console_tail();
    EXPECT_NE(run.console.find("target 'nas' failed; trying the next target, 'lv'"), std::string::npos)
        << run.console_tail();

    const std::string saved = dir / "saved";
    fs::create_directories(saved);
    const std::string out = shell_output(std::string(KDF_CLI) + " save " +
                                         shell_quote("lvm://vg-crash-e2e/lv-kdump?devices=" + disk) + " " +
                                         shell_quote(saved) + " 2>&1; echo rc=$?");
    ASSERT_NE(out.find("rc=0"), std::string::npos) << out;
    std::string vmcore;
    for (const auto& e : fs::recursive_directory_iterator(saved))
        if (e.path().filename() == "vmcore") vmcore = e.path().string();
    ASSERT_FALSE(vmcore.empty()) << out;
    run.dump_file_mib = static_cast<double>(fs::file_size(vmcore)) / (1024.0 * 1024.0);
    std::printf("E2E: lvm raw (network down, LV on the guest disk holds it): %s\n", run.summary().c_str());

    const std::string dmesg = dir / "dmesg.txt";
    ASSERT_EQ(shell("makedumpfile --dump-dmesg " + shell_quote(vmcore) + " " + shell_quote(dmesg) + " > /dev/null 2>&1"), 0);
    EXPECT_NE(read_text(dmesg).find(kPanicLine), std::string::npos) << "no panic line in makedumpfile's dmesg";
    const std::string verified = shell_output(std::string(KDF_CLI) + " verify " + shell_quote(vmcore) + " 2>&1; echo rc=$?");
    EXPECT_NE(verified.find("rc=0"), std::string::npos) << verified;
}

}  // namespace
