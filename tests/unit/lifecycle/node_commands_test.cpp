// setup, status and uninstall as an admin runs them, on sandbox roots (--root) made of real files:
// Debian's own /etc/default/grub, grub-mkconfig, grub.d drop-ins and kdump-tools defaults (taken
// from Debian 12's packages by prepare-debian-grub.sh), and a RHEL-style root with kdump-utils' own
// kdump.conf (its gen-kdump-conf.sh) and kdumpctl. Each GRUB_CMDLINE_LINUX is hand-edited, as on
// machines people have touched. The checks: --dry-run changes nothing and prints what `diff -u`
// prints for the real run; a second setup changes nothing; the kernel command line GRUB builds
// (its files sourced as grub-mkconfig sources them) ends in the size asked; uninstall gives back
// the tree byte for byte.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <regex>

#include "lifecycle_test_support.h"
#include "tests/support/temp_dir.h"

namespace kdf::test {
namespace {

namespace fs = std::filesystem;

const std::string kDebianGrub = "/var/cache/kdump-failover/debian-grub";
const std::string kKdumpUtils = std::string(KDF_SHARED_DIR) + "/peers/kdump-utils";

class NodeCommands : public ::testing::Test {
protected:
    TempDir dir{"kdf-node"};
    std::string root;

    void SetUp() override {
        root = dir / "root";
        fs::create_directories(root + "/var/crash");
        fs::create_directories(root + "/var/lib");
        dir.write("root/etc/kdump-failover.conf", "[dump]\nlevel = 31\n\n[chain]\ntargets = disk\n\n[target disk]\n"
                                                  "type = local\npath = /var/crash\n");
    }

    void make_debian() {
        ASSERT_TRUE(fs::exists(kDebianGrub + "/.unpacked"))
            << kDebianGrub << " is missing: tools/install-deps.sh makes it (tests/unit/lifecycle/prepare-debian-grub.sh)";
        fs::copy(kDebianGrub + "/etc", root + "/etc", fs::copy_options::recursive);
        fs::copy(kDebianGrub + "/usr", root + "/usr", fs::copy_options::recursive);
        dir.write("root/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                                         "VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n");
        // Hand-edited: a serial console and a crashkernel= of the admin's own.
        const std::string grub = slurp(root + "/etc/default/grub");
        ASSERT_NE(grub.find("GRUB_CMDLINE_LINUX=\"\"\n"), std::string::npos);
        dir.write("root/etc/default/grub",
                  std::regex_replace(grub, std::regex("GRUB_CMDLINE_LINUX=\"\"\n"),
                                     "GRUB_CMDLINE_LINUX=\"console=ttyS0,115200n8 crashkernel=256M\"\n"));
    }

    void make_rhel() {
        dir.write("root/etc/os-release", "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"9.4 (Plow)\"\nID=\"rhel\"\n"
                                         "ID_LIKE=\"fedora\"\nVERSION_ID=\"9.4\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.4 (Plow)\"\n");
        // As anaconda writes it, then hand-edited: rhgb quiet gone, a console added.
        dir.write("root/etc/default/grub",
                  "GRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=\"$(sed 's, release .*$,,g' /etc/system-release)\"\n"
                  "GRUB_DEFAULT=saved\nGRUB_DISABLE_SUBMENU=true\nGRUB_TERMINAL_OUTPUT=\"console\"\n"
                  "GRUB_CMDLINE_LINUX=\"crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M resume=/dev/mapper/rhel-swap "
                  "rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap console=ttyS0,115200\"\n"
                  "GRUB_DISABLE_RECOVERY=\"true\"\nGRUB_ENABLE_BLSCFG=true\n");
        ASSERT_EQ(sh("bash " + quote(kKdumpUtils + "/gen-kdump-conf.sh") + " x86_64 > " + quote(root + "/etc/kdump.conf")).status, 0);
        fs::create_directories(root + "/usr/bin");
        fs::create_symlink(kKdumpUtils + "/kdumpctl", root + "/usr/bin/kdumpctl");
    }

    // The kernel command line grub-mkconfig builds for a normal entry: /etc/default/grub, then
    // grub.d/*.cfg in name order (its own loop), then LINUX before LINUX_DEFAULT (10_linux).
    std::string grub_command_line() {
        const std::string script = "sysconfdir=" + quote(root + "/etc") +
                                   "; . \"$sysconfdir/default/grub\"; for x in \"$sysconfdir\"/default/grub.d/*.cfg; do "
                                   "[ -e \"$x\" ] && . \"$x\"; done; echo \"$GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT\"";
        return sh("sh -c " + quote(script) + " 2>/dev/null").out;
    }

    static std::string last_crashkernel(const std::string& cmdline) {
        std::smatch m;
        std::string last, rest = cmdline;
        while (std::regex_search(rest, m, std::regex(R"(crashkernel=(\S+))"))) {
            last = m[1];
            rest = m.suffix();
        }
        return last;
    }

    // The dry run's diff must be the real run's change, as `diff -u` sees it: for each file the dry
    // run names, its hunks equal diff's (the header lines differ only by diff's timestamps).
    void expect_dry_run_is_the_real_change(const std::string& dry, const std::string& before_dir) {
        std::regex header(R"(--- (\S+)\n\+\+\+ (\S+)\n)");
        size_t files = 0;
        for (std::sregex_iterator it(dry.begin(), dry.end(), header), end; it != end; ++it) {
            const std::string path = (*it)[1] == "/dev/null" ? (*it)[2].str() : (*it)[1].str();
            ASSERT_TRUE(path.starts_with(root)) << path;
            const std::string rel = path.substr(root.size());
            const std::string old = fs::exists(before_dir + rel) ? before_dir + rel : "/dev/null";
            const std::string now = fs::exists(path) ? path : "/dev/null";
            std::string ours = dry.substr(static_cast<size_t>(it->position() + it->length()));
            const size_t stop = std::min({ours.find("\n--- "), ours.find("\nwould run"), ours.size() - 1});
            ours = ours.substr(0, stop + 1);
            const std::string theirs = sh("diff -u " + quote(old) + " " + quote(now) + " | tail -n +3").out;
            EXPECT_EQ(ours.substr(0, theirs.size()), theirs) << rel;
            ++files;
        }
        EXPECT_GT(files, 0u) << dry;
    }

    // setup (dry run, real, again), the checks in between, uninstall, byte-for-byte restore.
    void round_trip(const std::string& size, const std::function<void()>& after_setup) {
        const auto original = snapshot(root);
        fs::copy(root, dir / "before", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        ShellRun dry = cli("setup --root " + quote(root) + " --crashkernel " + size + " --dry-run", false);
        ASSERT_EQ(dry.status, 0) << dry.out;
        EXPECT_EQ(tree_difference(original, snapshot(root)), "") << "a dry run changed files";
        ShellRun first = cli("setup --root " + quote(root) + " --crashkernel " + size);
        ASSERT_EQ(first.status, 0) << first.out;
        expect_dry_run_is_the_real_change(dry.out, dir / "before");
        after_setup();
        const auto set_up = snapshot(root);
        ShellRun again = cli("setup --root " + quote(root) + " --crashkernel " + size);
        ASSERT_EQ(again.status, 0) << again.out;
        EXPECT_EQ(tree_difference(set_up, snapshot(root)), "") << "a second setup changed files:\n" << again.out;
        ShellRun undo = cli("uninstall --root " + quote(root));
        ASSERT_EQ(undo.status, 0) << undo.out;
        EXPECT_NE(undo.out.find("reserved until the next reboot"), std::string::npos) << undo.out;
        EXPECT_EQ(tree_difference(original, snapshot(root)), "") << undo.out;
    }
};

TEST_F(NodeCommands, DebianDropInAfterKdumpToolsOwnThenByteExactUninstall) {
    make_debian();
    ASSERT_EQ(last_crashkernel(grub_command_line()), "384M-:128M") << "kdump-tools' drop-in is read last before setup";
    round_trip("320M", [&] {
        EXPECT_EQ(last_crashkernel(grub_command_line()), "320M") << grub_command_line();
        EXPECT_EQ(slurp(root + "/etc/default/grub"), slurp(dir / "before/etc/default/grub")) << "the hand-edited file is not ours";
        EXPECT_NE(slurp(root + "/etc/default/kdump-tools").find("KDUMP_FAILOVER_CONFIG='/etc/kdump-failover.conf'"),
                  std::string::npos);
        EXPECT_TRUE(fs::exists(root + "/etc/default/kdump-tools.kdump-failover.bak"));
    });
    // A new size rewrites our drop-in (no backup of our own file) and uninstall still restores all.
    const auto original = snapshot(root);
    ASSERT_EQ(cli("setup --root " + quote(root) + " --crashkernel 320M").status, 0);
    ShellRun resized = cli("setup --root " + quote(root) + " --crashkernel 512M");
    ASSERT_EQ(resized.status, 0) << resized.out;
    EXPECT_EQ(last_crashkernel(grub_command_line()), "512M");
    EXPECT_FALSE(fs::exists(root + "/etc/default/grub.d/zz-kdump-failover.cfg.kdump-failover.bak"));
    ASSERT_EQ(cli("uninstall --root " + quote(root)).status, 0);
    EXPECT_EQ(tree_difference(original, snapshot(root)), "");
}

TEST_F(NodeCommands, RhelGrubDefaultAndKdumpConfThenByteExactUninstall) {
    make_rhel();
    round_trip("448M", [&] {
        const std::string grub = slurp(root + "/etc/default/grub");
        EXPECT_NE(grub.find("GRUB_CMDLINE_LINUX=\"crashkernel=448M resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root "
                            "rd.lvm.lv=rhel/swap console=ttyS0,115200\"\n"), std::string::npos) << grub;
        EXPECT_EQ(slurp(root + "/etc/default/grub.kdump-failover.bak"), slurp(dir / "before/etc/default/grub"));
        const std::string conf = slurp(root + "/etc/kdump.conf");
        EXPECT_NE(conf.find("\nauto_reset_crashkernel no\n"), std::string::npos) << conf;
        EXPECT_NE(conf.find("\ndracut_args --add kdump-failover\n"), std::string::npos) << conf;
        // kdump-utils' own parser takes the result (the same check kdumpctl makes when it starts).
        const std::string parse = "cd " + quote(kKdumpUtils) + " && bash -c '. ./kdump-lib-initramfs.sh; KDUMP_CONFIG_FILE=" +
                                  root + "/etc/kdump.conf; kdump_get_conf_val auto_reset_crashkernel'";
        EXPECT_EQ(sh(parse).out, "no\n");
    });
    // Another size later: the backups stay the files before the first setup.
    const auto original = snapshot(root);
    ASSERT_EQ(cli("setup --root " + quote(root) + " --crashkernel 448M").status, 0);
    ASSERT_EQ(cli("setup --root " + quote(root) + " --crashkernel 1G").status, 0);
    EXPECT_NE(slurp(root + "/etc/default/grub").find("GRUB_CMDLINE_LINUX=\"crashkernel=1G resume="), std::string::npos);
    ShellRun undo = cli("uninstall --root " + quote(root));
    ASSERT_EQ(undo.status, 0) << undo.out;
    EXPECT_EQ(tree_difference(original, snapshot(root)), "") << undo.out;
}

TEST_F(NodeCommands, HandEditsAfterSetupSurviveUninstall) {
    make_rhel();
    ASSERT_EQ(cli("setup --root " + quote(root) + " --crashkernel 448M").status, 0);
    const std::string grub = root + "/etc/default/grub";
    dir.write("root/etc/default/grub", slurp(grub) + "GRUB_TIMEOUT_STYLE=menu\n");
    ShellRun undo = cli("uninstall --root " + quote(root));
    ASSERT_EQ(undo.status, 0) << undo.out;
    EXPECT_NE(undo.out.find("changed since setup; only crashkernel= is set back to 1G-4G:192M,4G-64G:256M,64G-:512M"),
              std::string::npos) << undo.out;
    EXPECT_EQ(slurp(grub), slurp(grub + ".kdump-failover.bak") + "GRUB_TIMEOUT_STYLE=menu\n");
}

TEST_F(NodeCommands, SetupRefusesWhatItCannotDoAndChangesNothing) {
    make_debian();
    fs::remove(root + "/usr/sbin/kdump-config");
    fs::remove(root + "/etc/default/kdump-tools");
    auto before = snapshot(root);
    ShellRun r = cli("setup --root " + quote(root) + " --crashkernel 320M");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.out.find("kdump-failover: kdump-tools is not installed under " + root +
                         ": `apt-get install kdump-tools` installs it (or `setup --install`); nothing was changed"),
              std::string::npos) << r.out;
    EXPECT_EQ(tree_difference(before, snapshot(root)), "");

    fs::copy(kDebianGrub + "/usr/sbin/kdump-config", root + "/usr/sbin/kdump-config");
    dir.write("root/etc/default/grub.d/zz-kdump-failover.cfg", "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT mine\"\n");
    before = snapshot(root);
    r = cli("setup --root " + quote(root) + " --crashkernel 320M");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.out.find("zz-kdump-failover.cfg: exists and was not written by kdump-failover setup"), std::string::npos) << r.out;
    r = cli("setup --root " + quote(root) + " --crashkernel 320Q");
    EXPECT_NE(r.out.find("--crashkernel 320Q: not a size"), std::string::npos) << r.out;
    EXPECT_EQ(tree_difference(before, snapshot(root)), "");

    dir.write("root/etc/os-release", "ID=arch\n");
    r = cli("setup --root " + quote(root));
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.out.find("distribution 'arch' is not one setup knows"), std::string::npos) << r.out;
    EXPECT_EQ(cli("uninstall --root " + quote(root)).out, root + "/var/lib/kdump-failover/setup.state: no record of a setup here; nothing to undo\n");
}

// CoreOS: rpm-ostree owns the kernel arguments; no GRUB file is written.
TEST_F(NodeCommands, RpmOstreeKernelArgumentsNotGrubFiles) {
    make_rhel();
    fs::remove(root + "/etc/default/grub");
    dir.write("root/etc/os-release", "NAME=\"Red Hat Enterprise Linux CoreOS\"\nID=\"rhcos\"\nID_LIKE=\"rhel fedora\"\n"
                                     "VERSION_ID=\"4.16\"\nPRETTY_NAME=\"Red Hat Enterprise Linux CoreOS 416.94\"\n");
    dir.write("root/run/ostree-booted", "");
    const auto original = snapshot(root);
    ShellRun dry = cli("setup --root " + quote(root) + " --crashkernel 512M --dry-run");
    ASSERT_EQ(dry.status, 0) << dry.out;
    EXPECT_NE(dry.out.find("would run: rpm-ostree kargs --append-if-missing=crashkernel=512M"), std::string::npos) << dry.out;
    ShellRun set = cli("setup --root " + quote(root) + " --crashkernel 512M");
    ASSERT_EQ(set.status, 0) << set.out;
    EXPECT_FALSE(fs::exists(root + "/etc/default/grub"));
    EXPECT_NE(slurp(root + "/var/lib/kdump-failover/setup.state").find("\nbootloader rpm-ostree\n"), std::string::npos);
    ShellRun undo = cli("uninstall --root " + quote(root));
    ASSERT_EQ(undo.status, 0) << undo.out;
    EXPECT_NE(undo.out.find("rpm-ostree kargs --delete-if-present=crashkernel=512M"), std::string::npos) << undo.out;
    EXPECT_EQ(tree_difference(original, snapshot(root)), "") << undo.out;
}

// status under --root reads the crash initramfs itself: a dracut-style image (early cpio, then
// zstd) with or without our files, and with a config older than the one on the system.
TEST_F(NodeCommands, StatusReadsTheCrashImageItself) {
    make_rhel();
    const std::string release = "5.14.0-427.13.1.el9_4.x86_64";
    const std::string plugin = std::string(KDF_PLUGIN_BUILD_DIR) + "/kdf-transport-local.so";
    auto make_image = [&](bool with_ours) {
        fs::remove_all(dir / "img");
        dir.write("img/early/kernel/x86/microcode/AuthenticAMD.bin", "ucode");
        dir.write("img/main/init", "#!/bin/sh\n");
        if (with_ours) {
            dir.write("img/main" + std::string(KDF_CLI), slurp(KDF_CLI).substr(0, 4096));
            dir.write("img/main" + plugin, "so");
            dir.write("img/main/etc/kdump-failover.conf", slurp(root + "/etc/kdump-failover.conf"));
        }
        fs::create_directories(root + "/boot");
        ASSERT_EQ(sh("cd " + quote(dir / "img/early") + " && find . | cpio -o -H newc --quiet > ../early.cpio && cd ../main && "
                     "find . | cpio -o -H newc --quiet | zstd -q -c > ../main.zst && cat ../early.cpio ../main.zst > " +
                     quote(root + "/boot/initramfs-" + release + "kdump.img")).status, 0);
    };
    make_image(true);
    ShellRun ok = cli("status --root " + quote(root) + " --json", false);
    EXPECT_EQ(ok.status, 0) << ok.out;
    EXPECT_NE(ok.out.find("\"name\":\"crash_initramfs\",\"state\":\"ok\""), std::string::npos) << ok.out;
    EXPECT_NE(ok.out.find("\"segments\":\"cpio+zstd\""), std::string::npos) << ok.out;
    EXPECT_NE(ok.out.find("\"name\":\"our_files\",\"state\":\"ok\""), std::string::npos) << ok.out;
    EXPECT_NE(ok.out.find("\"config_current\":true"), std::string::npos) << ok.out;

    dir.write("root/etc/kdump-failover.conf", slurp(root + "/etc/kdump-failover.conf") + "# changed\n");
    ShellRun stale = cli("status --root " + quote(root));
    EXPECT_EQ(stale.status, 1) << stale.out;
    EXPECT_NE(stale.out.find("the image holds an older /etc/kdump-failover.conf: `kdumpctl rebuild && kdumpctl reload`"),
              std::string::npos) << stale.out;

    make_image(false);
    ShellRun missing = cli("status --root " + quote(root) + " --json", false);
    EXPECT_EQ(missing.status, 1) << missing.out;
    EXPECT_NE(missing.out.find("\"missing\":[\"" + std::string(KDF_CLI) + "\",\"/etc/kdump-failover.conf\",\"" + plugin + "\"]"),
              std::string::npos) << missing.out;
}


// The running machine, as status and estimate see it, against the kernel's own files read here.
TEST(NodeCommandsLive, StatusAndEstimateReportWhatTheKernelSays) {
    auto read = [](const std::string& p) {
        std::string t = slurp(p);
        while (!t.empty() && t.back() == '\n') t.pop_back();
        return t;
    };
    ShellRun st = cli("status --json --no-probe --config /nonexistent/kdump-failover.conf", false);
    // A kernel built without kexec has no such file: nothing is reserved.
    std::string crash_size = read("/sys/kernel/kexec_crash_size");
    if (crash_size.empty()) crash_size = "0";
    const bool loaded = read("/sys/kernel/kexec_crash_loaded") == "1";
    std::smatch m;
    const std::string cmdline = read("/proc/cmdline");
    const bool has_word = std::regex_search(cmdline, m, std::regex(R"((^| )crashkernel=\S+)"));
    EXPECT_NE(st.out.find("\"name\":\"reservation\",\"state\":\"" + std::string(crash_size == "0" ? "not_ready" : "ok")),
              std::string::npos) << st.out;
    EXPECT_NE(st.out.find("\"bytes\":" + crash_size + ","), std::string::npos) << st.out;
    EXPECT_NE(st.out.find(std::string("\"loaded\":") + (loaded ? "true" : "false")), std::string::npos) << st.out;
    EXPECT_NE(st.out.find("\"name\":\"crashkernel_cmdline\",\"state\":\"" + std::string(has_word ? "ok" : "not_ready")),
              std::string::npos) << st.out;
    EXPECT_NE(st.out.find("\"name\":\"our_files\",\"state\":\"degraded\",\"detail\":\"/nonexistent/kdump-failover.conf: "),
              std::string::npos) << st.out;
    EXPECT_EQ(st.status, crash_size == "0" || !loaded || !has_word ? 2 : 1) << st.out;

    ShellRun est = cli("estimate --json --config /nonexistent/kdump-failover.conf", false);
    ASSERT_EQ(est.status, 0) << est.out;
    std::regex number(R"re("memory_bytes":([0-9]+).*"level":31,"dump_bytes":([0-9]+),"pages_from":"([^"]+)","pages":\{"ram":([0-9]+))re");
    ASSERT_TRUE(std::regex_search(est.out, m, number)) << est.out;
    const std::string meminfo = slurp("/proc/meminfo");
    std::smatch total;
    ASSERT_TRUE(std::regex_search(meminfo, total, std::regex(R"(MemTotal:\s+([0-9]+) kB)")));
    EXPECT_EQ(std::stoull(m[1]), std::stoull(total[1]) * 1024);
    EXPECT_LE(std::stoull(m[2]), std::stoull(m[4]) * 4096) << "a dump keeps at most every page";
    if (::geteuid() == 0) {
        EXPECT_EQ(m[3], "/proc/kpageflags");
    }
    EXPECT_TRUE(std::regex_search(est.out, std::regex(R"("crashkernel":"[0-9]+M","crashkernel_bytes":[0-9]+)"))) << est.out;
}

}  // namespace
}  // namespace kdf::test
