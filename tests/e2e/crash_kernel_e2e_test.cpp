// End to end, where it matters: Debian's own kernel crashes for real under QEMU (software
// emulation), kexec boots the crash kernel with an initramfs made by our install path and dracut
// module, and our chain runs there against real servers on the host's loopback (QEMU's user
// network maps the guest's 10.0.2.2 to the host's 127.0.0.1). Each dump is then checked on the
// host by Debian's makedumpfile (--dump-dmesg shows the panic), our `verify`, and the readers a
// kernel engineer opens it with: drgn and crash with the guest kernel's own vmlinux (its -dbg
// package, which tools/install-deps.sh caches) show the release, the tasks, the kernel log and the
// panicking task's backtrace.
//
// Each scenario prints one "E2E:" line (QEMU time, the crash kernel's chain time, dump size, the
// chain's peak memory in the crash kernel); docs/sizing.md quotes the memory figure.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/vmcore/elf_reader.h"
#include "tests/e2e/qemu_guest.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/filter/filter_test_support.h"
#include "tests/unit/nfs/ganesha_fixture.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using kdf::test::ServerProcess;
using kdf::test::TempDir;
using kdf_test::shell;
using kdf_test::shell_output;
using namespace kdf_test::e2e;

// The line the kernel prints for a sysrq-c crash: the panic every dump must show.
constexpr const char* kPanicLine = "Kernel panic - not syncing: sysrq triggered crash";
// The host as the guest sees it (QEMU user network).
constexpr const char* kHostFromGuest = "10.0.2.2";

// Every file named `name` below `dir`.
std::vector<std::string> find_files(const std::string& dir, const std::string& name) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().filename() == name) found.push_back(e.path().string());
    return found;
}

class CrashKernelE2E : public ::testing::Test {
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

    // Boots the guest; fails the test (with the console's end) when it did not run to power-off.
    GuestRun boot(const std::string& work, const GuestOptions& options) {
        GuestRun run;
        std::string why;
        const bool built = run_crash_guest(kernel_, work, options, &run, &why);
        EXPECT_TRUE(built) << why;
        EXPECT_EQ(run.exit_code, 0) << why << "\n--- console (end) ---\n" << run.console_tail();
        return run;
    }

    // A dump on the host: Debian's makedumpfile finds the panic in its kernel log, our verify accepts it.
    void check_dump(const std::string& vmcore, const std::string& scratch) {
        const std::string dmesg = scratch + "/dmesg.txt";
        ASSERT_EQ(shell("makedumpfile --dump-dmesg " + shell_quote(vmcore) + " " + shell_quote(dmesg) + " > " + shell_quote(scratch + "/mdf.log") +
                        " 2>&1"),
                  0)
            << read_text(scratch + "/mdf.log");
        EXPECT_NE(read_text(dmesg).find(kPanicLine), std::string::npos) << "no panic line in makedumpfile's dmesg";
        const std::string out = shell_output(std::string(KDF_CLI) + " verify " + shell_quote(vmcore) + " 2>&1; echo rc=$?");
        EXPECT_NE(out.find("rc=0"), std::string::npos) << out;
        check_readers(vmcore, scratch);
    }

    // drgn and crash on the dump the crash kernel wrote (there is no raw vmcore to compare with:
    // the facts must be those of this crash).
    void check_readers(const std::string& vmcore, const std::string& scratch) {
        const std::string vmlinux = std::string(KDF_VMLINUX_CACHE) + "/vmlinux-" + kernel_.release;
        ASSERT_TRUE(fs::exists(vmlinux)) << vmlinux << " is missing: tools/install-deps.sh fetches it";
        const std::string out = shell_output("/usr/bin/python3 " + std::string(KDF_SOURCE_DIR) +
                                             "/tests/readers/readers_test.py dump " + shell_quote(vmcore) +
                                             " --vmlinux " + shell_quote(vmlinux) + " --work " +
                                             shell_quote(scratch + "/readers") + " 2>&1; echo rc=$?");
        EXPECT_NE(out.find("rc=0"), std::string::npos) << out;
        std::printf("E2E: drgn and crash on %s:\n%s", vmcore.c_str(), out.c_str());
        for (const std::string& fact :
             {"release: " + kernel_.release, std::string("backtrace: crash_setup_regs __crash_kexec panic sysrq_handle_crash"),
              "sys release: " + kernel_.release, "sys panic: \"" + std::string(kPanicLine) + "\"",
              std::string("bt frames: machine_kexec __crash_kexec panic sysrq_handle_crash")})
            EXPECT_NE(out.find(fact), std::string::npos) << "no '" << fact << "' in:\n" << out;
        for (const char* count : {"tasks: ", "printk records: ", "ps tasks: ", "log lines: ", "kmem total mem pages: "}) {
            const size_t at = out.find(std::string("\n") + count);
            ASSERT_NE(at, std::string::npos) << count << "missing in:\n" << out;
            EXPECT_GT(std::atol(out.c_str() + at + 1 + std::strlen(count)), 0) << count << "in:\n" << out;
        }
    }

    GuestKernel kernel_;
};

// Scenario a and c: the primary NFS server (nfs-ganesha) hangs, so the nfs target runs into its
// connect_timeout; the ssh backup (sshd) holds the dump; a cluster peer's fence_kdump listener
// hears the node from the start of the dump.
TEST_F(CrashKernelE2E, NfsServerHangsSshBackupHoldsTheDumpAndAPeerHearsFenceKdump) {
    TempDir dir("kdf-e2e-ssh");
    kdf_test::Ganesha nfs({{"/export", false, ""}});
    ASSERT_TRUE(nfs.ok()) << nfs.why() << "\n" << nfs.log();
    nfs.freeze();  // listening, accepting TCP, never answering: a hung server, not a refused one
    kdf_test::Sshd sshd;
    ASSERT_TRUE(sshd.ok()) << sshd.log();
    const std::string known_hosts =
        dir.write("known_hosts", "[" + std::string(kHostFromGuest) + "]:" + std::to_string(sshd.port()) + " " +
                                     shell_output("cut -d' ' -f1,2 " + shell_quote(sshd.host_pub())) + "\n");
    const std::string dumps = dir / "ssh-dumps";
    fs::create_directories(dumps);

    const uint16_t fence_port = kdf::test::free_udp_port();
    ServerProcess listener;
    ASSERT_TRUE(listener.start({{"/usr/sbin/fence_kdump", "-n", "127.0.0.1", "-p", std::to_string(fence_port), "-f",
                                 "ipv4", "-t", "900", "-v"},
                                dir / "fence_kdump.log",
                                "",
                                {},
                                3000ms}));
    ASSERT_TRUE(kdf::test::wait_udp_port(fence_port, 10s)) << listener.log();

    std::string url = nfs.url("/export");
    url.replace(url.find("127.0.0.1"), 9, kHostFromGuest);
    const std::string config = dir.write(
        "kdump-failover.conf",
        "[dump]\nlevel = 31\ncompress = zlib\n\n[chain]\ntargets = nas backup\n\n"
        "[target nas]\ntype = nfs\nurl = " + url + "\nconnect_timeout = 15s\nstall_timeout = 15s\n\n"
        "[target backup]\ntype = ssh\nhost = " + kHostFromGuest + "\nport = " + std::to_string(sshd.port()) +
        "\nidentity = " + sshd.client_key() + "\nknown_hosts = " + known_hosts + "\npath = " + dumps +
        "\nconnect_timeout = 30s\n\n"
        "[fence_kdump]\nnodes = " + kHostFromGuest + "\nport = " + std::to_string(fence_port) + "\ninterval = 1s\n");

    GuestOptions options;
    options.config = config;
    options.network = true;
    GuestRun run = boot(dir / "guest", options);
    nfs.thaw();
    ASSERT_TRUE(run.chain_saved) << run.console_tail();
    EXPECT_NE(run.console.find("target 'nas' failed; trying the next target, 'backup'"), std::string::npos)
        << run.console_tail();
    EXPECT_NE(run.console.find("fence_kdump: telling " + std::string(kHostFromGuest)), std::string::npos)
        << run.console_tail();

    const auto cores = find_files(dumps, "vmcore");
    ASSERT_EQ(cores.size(), 1u) << "vmcores under " << dumps << ": " << cores.size();
    run.dump_file_mib = static_cast<double>(fs::file_size(cores[0])) / (1024.0 * 1024.0);
    std::printf("E2E: scenario a+c (nfs hangs, ssh holds it, fence_kdump heard): %s\n", run.summary().c_str());
    EXPECT_TRUE(find_files(dumps, "vmcore-incomplete").empty());
    check_dump(cores[0], dir.path());

    EXPECT_EQ(listener.wait_exit(10s), std::optional<int>(0)) << listener.log();
    EXPECT_NE(listener.log().find("received valid message from '127.0.0.1'"), std::string::npos) << listener.log();
}

// Scenario b: both network targets refuse, the local raw target (a virtio disk) holds the dump;
// after the guest is gone, `kdump-failover save` on the host turns the disk image into a file.
TEST_F(CrashKernelE2E, NetworkTargetsDownLocalDiskHoldsTheDumpAndSaveExtractsIt) {
    TempDir dir("kdf-e2e-disk");
    const std::string disk = dir / "disk.img";
    ASSERT_EQ(shell("truncate -s 512M " + shell_quote(disk)), 0);
    const std::string refused_nfs = std::to_string(kdf::test::free_tcp_port());
    const std::string refused_mount = std::to_string(kdf::test::free_tcp_port());
    const std::string refused_ssh = std::to_string(kdf::test::free_tcp_port());
    ASSERT_EQ(shell("ssh-keygen -q -t ed25519 -N '' -f " + shell_quote(dir / "id")), 0);
    const std::string known_hosts = dir.write("known_hosts", "");
    const std::string config = dir.write(
        "kdump-failover.conf",
        "[dump]\nlevel = 31\ncompress = zlib\n\n[chain]\ntargets = nas backup disk\n\n"
        "[target nas]\ntype = nfs\nurl = nfs://" + std::string(kHostFromGuest) + "/export?nfsport=" + refused_nfs +
        "&mountport=" + refused_mount + "\nconnect_timeout = 15s\n\n"
        "[target backup]\ntype = ssh\nhost = " + kHostFromGuest + "\nport = " + refused_ssh +
        "\nidentity = " + (dir / "id") + "\nknown_hosts = " + known_hosts + "\npath = /srv/crash\nconnect_timeout = 15s\n\n"
        "[target disk]\ntype = local\nmode = raw\ndevice = /dev/vda\n");

    GuestOptions options;
    options.config = config;
    options.network = true;
    options.disk = disk;
    GuestRun run = boot(dir / "guest", options);
    ASSERT_TRUE(run.chain_saved) << run.console_tail();
    EXPECT_NE(run.console.find("target 'backup' failed; trying the next target, 'disk'"), std::string::npos)
        << run.console_tail();
    // After a saved dump the capture script performs kdump.conf's final_action itself (the test's
    // kdump.conf says poweroff), so kdump's own dump never runs a second time.
    EXPECT_NE(run.console.find("kdump-failover: performing final action: poweroff"), std::string::npos)
        << run.console_tail();
    EXPECT_EQ(run.console.find("kdump's own dump runs next"), std::string::npos) << run.console_tail();
    // The crash kernel's /proc/vmcore is read through mmap windows, as makedumpfile reads it.
    EXPECT_NE(run.console.find("reading /proc/vmcore through mmap windows"), std::string::npos) << run.console_tail();

    const std::string saved = dir / "saved";
    fs::create_directories(saved);
    const std::string out = shell_output(std::string(KDF_CLI) + " save " + shell_quote(disk) + " " + shell_quote(saved) + " 2>&1; echo rc=$?");
    ASSERT_NE(out.find("rc=0"), std::string::npos) << out;
    const auto cores = find_files(saved, "vmcore");
    ASSERT_EQ(cores.size(), 1u) << out;
    run.dump_file_mib = static_cast<double>(fs::file_size(cores[0])) / (1024.0 * 1024.0);
    std::printf("E2E: scenario b (network down, local disk holds it): %s\n", run.summary().c_str());
    check_dump(cores[0], dir.path());
}

// Issue 8: a real 5-level-paging crash (-cpu max keeps la57 on). The crash kernel copies
// /proc/vmcore to the disk as it is; on the host, our page set at levels 2, 4 and 16 (where
// Debian's makedumpfile 1.7.2 is right on new kernels) equals its page set bit for bit, and our
// kernel log equals its --dump-dmesg.
TEST_F(CrashKernelE2E, FiveLevelPagingCrashAgreesWithMakedumpfile) {
    TempDir dir("kdf-e2e-la57");
    const std::string disk = dir / "disk.img";
    ASSERT_EQ(shell("truncate -s 640M " + shell_quote(disk)), 0);
    GuestOptions options;
    options.disk = disk;
    options.five_level = true;
    const GuestRun run = boot(dir / "guest", options);
    std::printf("E2E: 5-level paging raw vmcore: QEMU run %.1f s, /proc/vmcore %llu bytes\n", run.wall_s,
                run.raw_size.value_or(0));
    ASSERT_TRUE(run.raw_size.has_value()) << run.console_tail();
    ASSERT_EQ(shell("truncate -s " + std::to_string(*run.raw_size) + " " + shell_quote(disk)), 0);

    auto core = kdf::vmcore::ElfVmcore::open(disk);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    EXPECT_EQ(core->vmcoreinfo().number("pgtable_l5_enabled"), std::optional<int64_t>(1));
    EXPECT_EQ(core->vmcoreinfo().number("MAX_PHYSMEM_BITS"), std::optional<int64_t>(52));

    for (int level : {2, 4, 16}) {
        SCOPED_TRACE("level " + std::to_string(level));
        const std::string theirs = dir / ("mdf-" + std::to_string(level));
        ASSERT_EQ(shell("makedumpfile -c -d " + std::to_string(level) + " --message-level 0 " + shell_quote(disk) + " " +
                        shell_quote(theirs) + " > /dev/null 2>&1"),
                  0);
        const auto ours = kdf::filter::test::filter_bitmap(core.value(), level);
        ASSERT_EQ(ours.open_error, "");
        const auto reference = kdf::filter::test::kdump_bitmap2(theirs);
        ASSERT_FALSE(reference.bytes.empty());
        const auto d = kdf::filter::test::diff(ours.bitmap, reference);
        EXPECT_EQ(d.ours_only_count + d.theirs_only_count, 0u) << kdf::filter::test::describe(d);
        std::printf("E2E: 5-level level %d: %llu pages kept by both\n", level,
                    static_cast<unsigned long long>(reference.count()));
        fs::remove(theirs);
    }

    const std::string ours_txt = dir / "ours.txt", theirs_txt = dir / "theirs.txt";
    ASSERT_EQ(shell(std::string(KDF_CLI) + " collect --dump-dmesg " + shell_quote(disk) + " " + shell_quote(ours_txt) + " > /dev/null 2>&1"), 0);
    ASSERT_EQ(shell("makedumpfile --dump-dmesg " + shell_quote(disk) + " " + shell_quote(theirs_txt) + " > /dev/null 2>&1"), 0);
    const std::string text = read_text(theirs_txt);
    EXPECT_NE(text.find(kPanicLine), std::string::npos);
    EXPECT_TRUE(read_text(ours_txt) == text) << "our dmesg differs from makedumpfile --dump-dmesg";
}

}  // namespace
