// Debian for real: a Debian 12 system made from Debian's archive (mmdebstrap, at setup time, cached
// by tests/e2e/debian/make-root.sh) with its own kernel, systemd and kdump-tools, booted once so
// kdump-tools built its crash initrd, as on a user's machine after `apt install kdump-tools` and a
// reboot. This test copies that image, puts this build's .deb (made here by cpack) on a second disk
// and boots it under QEMU. In the guest, tests/e2e/debian/guest-steps.sh runs docs/setup-debian.md's
// steps as an admin would: `apt install` of the .deb, the config, `keys`, `ssh-trust`,
// `check --probe` against the real sshd on the host, `generate`, `systemctl restart kdump-tools`
// (kdump-tools loads the crash kernel through our drop-in; `kdump-config show` must say ready),
// then `kdump-failover status --json` (read back from the guest's disk afterwards) and a sysrq
// crash. The crash kernel boots the same root with kdump-tools-dump.service, our
// drop-in runs the chain, and the dump lands on the host's sshd. The host checks it with Debian's
// makedumpfile and our verify, and prints an "E2E:" line with the chain's time and peak memory.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/qemu_guest.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using kdf::test::TempDir;
using kdf_test::shell;
using kdf_test::shell_output;
using namespace kdf_test::e2e;

const std::string kScripts = std::string(KDF_SOURCE_DIR) + "/tests/e2e/debian";
constexpr const char* kPanicLine = "Kernel panic - not syncing: sysrq triggered crash";
constexpr const char* kHostFromGuest = "10.0.2.2";
constexpr int kGuestLimitS = 1000;

std::vector<std::string> find_named(const std::string& dir, const std::string& name) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().filename() == name) found.push_back(e.path().string());
    return found;
}

// The primed image tools/install-deps.sh built; "" (with *why) when it is not there. Never builds:
// nothing is downloaded at test time.
std::string cached_debian_image(std::string* why) {
    const char* env = std::getenv("KDF_DEBIAN_ROOT_CACHE");
    const std::string cache = env && *env ? env : "/var/cache/kdump-failover/debian-root";
    const std::string err = cache + ".err";
    const std::string image =
        shell_output(kScripts + "/make-root.sh --cached " + shell_quote(cache) + " 2>" + shell_quote(err));
    if (image.empty() || !fs::exists(image)) *why = read_text(err);
    return image;
}

// The line `kdump-failover keys` printed on the guest's console, once it is there.
std::string guest_public_key(const std::string& console_path) {
    static const std::regex key_line(R"((ssh-ed25519 [A-Za-z0-9+/=]+ kdump-failover@\S+))");
    const std::string console = read_text(console_path);
    std::smatch m;
    return std::regex_search(console, m, key_line) ? m[1].str() : "";
}

TEST(DebianKdumpToolsE2E, RealDebianRootKdumpToolsLoadsOurDropInRunsTheChainAndSshdHoldsTheDump) {
    ASSERT_EQ(shell("command -v qemu-system-x86_64 > /dev/null && command -v mkfs.ext4 > /dev/null"), 0)
        << "qemu-system-x86_64 or mkfs.ext4 is missing: tools/install-deps.sh installs them";
    if (const std::string why = qemu_unusable_reason(); !why.empty()) GTEST_SKIP() << why;
    std::string why;
    const std::string image = cached_debian_image(&why);
    ASSERT_FALSE(image.empty()) << why;

    TempDir dir("kdf-e2e-debian");
    const std::string stage = dir / "stage";
    fs::create_directories(stage);
    // This build's package, as a user gets it: cpack's .deb of the runtime component.
    ASSERT_EQ(shell("cd " + shell_quote(KDF_BUILD_DIR) + " && cpack -G DEB -B " + shell_quote(dir / "pkg") + " > " +
                    shell_quote(dir / "cpack.log") + " 2>&1"),
              0)
        << read_text(dir / "cpack.log");
    const std::string deb = shell_output("ls " + shell_quote(dir / "pkg") + "/kdump-failover_*.deb");
    ASSERT_FALSE(deb.empty()) << read_text(dir / "cpack.log");
    fs::copy_file(deb, stage + "/" + fs::path(deb).filename().string());
    fs::copy_file(kScripts + "/guest-steps.sh", stage + "/run.sh");

    kdf_test::Sshd sshd;
    ASSERT_TRUE(sshd.ok()) << sshd.log();
    const std::string dumps = dir / "ssh-dumps";
    fs::create_directories(dumps);
    dir.write("stage/fingerprint", sshd.host_fingerprint() + "\n");
    // The chain: the host's sshd, then kdump-tools' own dump directory as the local last resort
    // (kdump-config savecore stays behind both).
    dir.write("stage/kdump-failover.conf",
              "[dump]\nlevel = 31\ncompress = zlib\n\n[chain]\ntargets = remote local\n\n"
              "[target remote]\ntype = ssh\nhost = " + std::string(kHostFromGuest) + "\nport = " +
                  std::to_string(sshd.port()) + "\npath = " + dumps + "\nconnect_timeout = 30s\n\n"
                  "[target local]\ntype = local\npath = /var/crash\n");

    const std::string work = dir / "guest";
    int guest_rc = -1;
    const auto started = std::chrono::steady_clock::now();
    std::thread guest([&] {
        guest_rc = shell(kScripts + "/run-debian-guest.sh --image " + shell_quote(image) + " --stage " +
                         shell_quote(stage) + " --work " + shell_quote(work) + " --timeout " +
                         std::to_string(kGuestLimitS) + " > " + shell_quote(dir / "run.log") + " 2>&1");
    });
    // The server's admin appends the key the guest made to authorized_keys (the fixture's sshd reads
    // it at every login), as docs/plugins/ssh.md says; the guest retries its probe until then.
    std::string key;
    while (key.empty() && std::chrono::steady_clock::now() - started < std::chrono::seconds(kGuestLimitS)) {
        std::this_thread::sleep_for(500ms);
        key = guest_public_key(work + "/console.log");
        if (!key.empty()) {
            std::ofstream(sshd.dir() + "/authorized_keys", std::ios::app) << key << "\n";
            break;
        }
        if (read_text(work + "/console.log").find("KDFLAB: FAIL") != std::string::npos) break;
    }
    guest.join();
    GuestRun run = parse_console(read_text(work + "/console.txt"));
    run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_EQ(guest_rc, 0) << read_text(dir / "run.log") << "\n--- console (end) ---\n" << run.console_tail(80);
    ASSERT_FALSE(key.empty()) << "the guest never printed a key\n" << run.console_tail(80);
    ASSERT_EQ(run.console.find("KDFLAB: FAIL"), std::string::npos) << run.console_tail(80);

    // kdump-tools loaded the crash kernel through our drop-in, and said so.
    EXPECT_TRUE(std::regex_search(run.console, std::regex(R"(KDFLAB: \| current state:\s*ready to kdump)")))
        << run.console_tail(80);
    EXPECT_NE(run.console.find("systemd.unit=kdump-tools-dump.service"), std::string::npos) << run.console_tail(80);
    // The crash kernel ran kdump-tools-dump.service with our drop-in: the chain saved the dump on
    // the first target, and kdump-config's own save was skipped.
    ASSERT_TRUE(run.chain_saved) << run.console_tail(80);
    EXPECT_NE(run.console.find("kdump-config savecore is skipped"), std::string::npos) << run.console_tail(80);
    EXPECT_EQ(run.console.find("saved vmcore in"), std::string::npos) << "kdump-config saved a dump too";

    const auto cores = find_named(dumps, "vmcore");
    ASSERT_EQ(cores.size(), 1u) << "vmcores under " << dumps << "\n" << run.console_tail(80);
    EXPECT_TRUE(find_named(dumps, "vmcore-incomplete").empty());
    EXPECT_EQ(find_named(dumps, "vmcore-dmesg.txt").size(), 1u);
    run.dump_file_mib = static_cast<double>(fs::file_size(cores[0])) / (1024.0 * 1024.0);
    // Here the crash kernel boots a whole system: its uptime when our drop-in started the chain
    // stands in the summary's "/init at" place.
    std::smatch up;
    static const std::regex chain_start(R"(\[\s*([0-9.]+)\] kdump-tools-start\[[0-9]+\]: kdump-failover: running the chain)");
    if (std::regex_search(run.console, up, chain_start)) run.crash_kernel_up_s = std::strtod(up[1].str().c_str(), nullptr);
    std::printf("E2E: Debian 12 + kdump-tools + our .deb (ssh holds it; /init at = crash kernel uptime when "
                "kdump-tools-dump.service started the chain; QEMU run = both normal boots and the crash boot): %s\n",
                run.summary().c_str());

    // `kdump-failover status --json`, run in the guest before the crash (the post-interrupt check):
    // read back from the guest's disk with debugfs. Every check that can be known there must hold.
    const std::string status_json = dir / "status.json";
    ASSERT_EQ(shell("debugfs -R " + shell_quote("dump /var/lib/kdflab/status.json " + status_json) + " " +
                    shell_quote(work + "/root.img") + " > /dev/null 2>&1"),
              0);
    const std::string status = read_text(status_json);
    std::printf("E2E: status --json in the guest: %s\n", status.c_str());
    EXPECT_NE(status.find("\"state\":\"ready\",\"exit\":0"), std::string::npos) << status;
    for (const char* check : {"crashkernel_cmdline", "reservation", "crash_kernel_loaded", "kdump_service",
                              "crash_initramfs", "our_files", "targets", "dump_fits", "reservation_size"})
        EXPECT_NE(status.find("{\"name\":\"" + std::string(check) + "\",\"state\":\"ok\""), std::string::npos)
            << check << " is not ok: " << status;
    // The guest boots with crashkernel=256M (run-debian-guest.sh): reserved, and the crash kernel
    // loaded by kdump-tools; its initrd read and listed; our files on the root the crash boot mounts.
    EXPECT_NE(status.find("\"value\":\"256M\""), std::string::npos) << status;
    EXPECT_NE(status.find("\"bytes\":268435456"), std::string::npos) << status;
    EXPECT_NE(status.find("\"loaded\":true"), std::string::npos) << status;
    EXPECT_NE(status.find("\"unit\":\"kdump-tools.service\",\"enabled\":\"enabled\",\"active\":\"active\""),
              std::string::npos) << status;
    EXPECT_TRUE(std::regex_search(status, std::regex(R"("path":"/var/lib/kdump/initrd\.img-[^"]+","segments":"[a-z+]*zstd","entries":[1-9][0-9]+)")))
        << status;
    EXPECT_NE(status.find("\"where\":\"root\""), std::string::npos) << status;
    EXPECT_NE(status.find("\"missing\":[]"), std::string::npos) << status;
    EXPECT_NE(run.console.find("KDFLAB: status exit 0"), std::string::npos) << run.console_tail(80);

    // Independent readers: Debian's makedumpfile finds the panic in the dump's kernel log; our
    // verify walks every page.
    const std::string dmesg = dir / "dmesg.txt";
    ASSERT_EQ(shell("makedumpfile --dump-dmesg " + shell_quote(cores[0]) + " " + shell_quote(dmesg) + " > " +
                    shell_quote(dir / "mdf.log") + " 2>&1"),
              0)
        << read_text(dir / "mdf.log");
    EXPECT_NE(read_text(dmesg).find(kPanicLine), std::string::npos) << "no panic line in makedumpfile's dmesg";
    const std::string verify = shell_output(std::string(KDF_CLI) + " verify " + shell_quote(cores[0]) + " 2>&1; echo rc=$?");
    EXPECT_NE(verify.find("rc=0"), std::string::npos) << verify;
}

}  // namespace
