// End to end in QEMU for the iscsi transport: Debian's kernel crashes for real, the NFS target is
// dead (its ports refuse), and the crash kernel writes the dump to a LUN of a real tgtd on the
// host (10.0.2.2 from the guest is the host's 127.0.0.1) through the iscsi plugin and libiscsi
// from the initramfs our install path and dracut module made. On the host, `kdump-failover save
// iscsi://...` reads the dump back over iSCSI; Debian's makedumpfile finds the panic in it and our
// verify accepts it.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/e2e/qemu_guest.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/iscsi/tgtd_fixture.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

namespace fs = std::filesystem;
using kdf::test::TempDir;
using kdf_test::shell;
using kdf_test::shell_output;
using namespace kdf_test::e2e;

constexpr const char* kPanicLine = "Kernel panic - not syncing: sysrq triggered crash";
constexpr const char* kHostFromGuest = "10.0.2.2";

TEST(CrashKernelE2EIscsi, NfsDeadIscsiLunHoldsTheDumpAndSaveReadsItBackOverIscsi) {
    ASSERT_EQ(shell("command -v qemu-system-x86_64 > /dev/null"), 0)
        << "qemu-system-x86_64 is missing: tools/install-deps.sh installs it";
    if (const std::string why = qemu_unusable_reason(); !why.empty()) GTEST_SKIP() << why;
    std::string why;
    auto kernel = guest_kernel(&why);
    ASSERT_TRUE(kernel.has_value()) << why;

    TempDir dir("kdf-e2e-iscsi");
    // Sparse: larger than the size hint (the guest's RAM), only the dump takes disk space.
    kdf_test::Tgtd tgtd({{1, 1024u << 20}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why() << "\n" << tgtd.log();
    const std::string refused_nfs = std::to_string(kdf::test::free_tcp_port());
    const std::string refused_mount = std::to_string(kdf::test::free_tcp_port());
    const std::string config = dir.write(
        "kdump-failover.conf",
        "[dump]\nlevel = 31\ncompress = zlib\n\n[chain]\ntargets = nas san\n\n"
        "[target nas]\ntype = nfs\nurl = nfs://" + std::string(kHostFromGuest) + "/export?nfsport=" + refused_nfs +
        "&mountport=" + refused_mount + "\nconnect_timeout = 15s\n\n"
        "[target san]\ntype = iscsi\nportal = " + std::string(kHostFromGuest) + ":" + std::to_string(tgtd.port()) +
        "\ntarget = " + kdf_test::kTgtdIqn + "\nlun = 1\nconnect_timeout = 30s\nstall_timeout = 30s\n");

    GuestOptions options;
    options.config = config;
    options.network = true;
    // The crash initramfs (systemd, the network, three plugins and their libraries) did not unpack
    // into the default 192M reservation ("Initramfs unpacking failed: write error").
    options.mem_mib = 768;
    options.crashkernel = "256M";
    GuestRun run;
    const bool built = run_crash_guest(*kernel, dir / "guest", options, &run, &why);
    ASSERT_TRUE(built) << why;
    ASSERT_EQ(run.exit_code, 0) << why << "\n--- console (end) ---\n" << run.console_tail();
    ASSERT_TRUE(run.chain_saved) << run.console_tail();
    EXPECT_NE(run.console.find("target 'nas' failed; trying the next target, 'san'"), std::string::npos)
        << run.console_tail();
    EXPECT_NE(run.console.find("dump saved by target 'san' (iscsi): iscsi://"), std::string::npos) << run.console_tail();

    const std::string saved = dir / "saved";
    fs::create_directories(saved);
    const std::string out = shell_output(std::string(KDF_CLI) + " save " + shell_quote(tgtd.url(1)) + " " +
                                         shell_quote(saved) + " 2>&1; echo rc=$?");
    ASSERT_NE(out.find("rc=0"), std::string::npos) << out;
    std::string vmcore;
    for (const auto& e : fs::recursive_directory_iterator(saved))
        if (e.path().filename() == "vmcore") vmcore = e.path().string();
    ASSERT_FALSE(vmcore.empty()) << out;
    run.dump_file_mib = static_cast<double>(fs::file_size(vmcore)) / (1024.0 * 1024.0);
    std::printf("E2E: iscsi scenario (nfs dead, LUN on tgtd holds it, save over iSCSI): %s\n", run.summary().c_str());

    const std::string dmesg = dir / "dmesg.txt";
    ASSERT_EQ(shell("makedumpfile --dump-dmesg " + shell_quote(vmcore) + " " + shell_quote(dmesg) + " > " +
                    shell_quote(dir / "mdf.log") + " 2>&1"),
              0)
        << read_text(dir / "mdf.log");
    EXPECT_NE(read_text(dmesg).find(kPanicLine), std::string::npos) << "no panic line in makedumpfile's dmesg";
    const std::string verified = shell_output(std::string(KDF_CLI) + " verify " + shell_quote(vmcore) + " 2>&1; echo rc=$?");
    EXPECT_NE(verified.find("rc=0"), std::string::npos) << verified;
}

}  // namespace
