// End to end in QEMU for the iscsi transport: Debian's kernel crashes for real, the NFS target is
// dead (its ports refuse), and the crash kernel writes the dump to a LUN of a real tgtd on the
// host (10.0.2.2 from the guest is the host's 127.0.0.1) through the iscsi plugin and libiscsi
// from the initramfs our install path and dracut module made. On the host, `kdump-failover save
// iscsi://...` reads the dump back over iSCSI; Debian's makedumpfile finds the panic in it and our
// verify accepts it.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "tests/e2e/dead_nfs_failover.h"
#include "tests/e2e/qemu_guest.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/iscsi/tgtd_fixture.h"

namespace {

namespace fs = std::filesystem;
using kdf::test::TempDir;
using kdf_test::shell_output;
using namespace kdf_test::e2e;

TEST(CrashKernelE2EIscsi, NfsDeadIscsiLunHoldsTheDumpAndSaveReadsItBackOverIscsi) {
    std::optional<GuestKernel> kernel;
    std::string skip;
    ASSERT_NO_FATAL_FAILURE(require_guest_kernel(&kernel, &skip));
    if (!skip.empty()) GTEST_SKIP() << skip;

    TempDir dir("kdf-e2e-iscsi");
    // Sparse: larger than the size hint (the guest's RAM), only the dump takes disk space.
    kdf_test::Tgtd tgtd({{1, 1024u << 20}});
    ASSERT_TRUE(tgtd.ok()) << tgtd.why() << "\n" << tgtd.log();
    const std::string config = dir.write(
        "kdump-failover.conf",
        dead_nfs_chain_head("san") + "[target san]\ntype = iscsi\nportal = " + std::string(kHostFromGuest) + ":" +
            std::to_string(tgtd.port()) + "\ntarget = " + kdf_test::kTgtdIqn +
            "\nlun = 1\nconnect_timeout = 30s\nstall_timeout = 30s\n");

    GuestRun run;
    ASSERT_NO_FATAL_FAILURE(boot_and_fail_over(*kernel, dir / "guest", network_guest(config), "san",
                                               "dump saved by target 'san' (iscsi): iscsi://", &run));

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

    ASSERT_NO_FATAL_FAILURE(expect_readers_accept(vmcore, dir.path()));
}

}  // namespace
