// `status` on arm64 systems, checked from this (any) machine through --root: a root holding what
// an arm64 node shows (its /proc/kallsyms, /proc/sys/kernel/arch, /boot/config-*, kernel Image
// header, os-release and kdump defaults). Debian's arm64 kernels list no `_text` in /proc/kallsyms,
// and kexec-tools' kexec_load then writes a crash header that makes /proc/vmcore unreadable: status
// must say so and name the fix this kernel allows (kexec_file_load, or the kallsyms workaround).
// Debian's own kdump-tools defaults file (cached by tools/install-deps.sh) carries KDUMP_KEXEC_ARGS.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "core/lifecycle/kexec_crash_header.h"
#include "lifecycle_test_support.h"
#include "tests/support/temp_dir.h"

namespace kdf::test {
namespace {

namespace fs = std::filesystem;

const std::string kDebianGrub = "/var/cache/kdump-failover/debian-grub";
const std::string kRelease = "6.1.0-57-arm64";

// The first three lines of /proc/kallsyms on Debian's 6.1.0-57-arm64 as root (one boot under QEMU,
// KASLR on): without CONFIG_KALLSYMS_ALL the list begins at _stext, and _text is not in it. Then a
// module's symbol in the form modules list theirs.
const std::string kKallsymsNoText =
    "ffffb2b1ff810000 t bcm2835_handle_irq\n"
    "ffffb2b1ff810000 T _stext\n"
    "ffffb2b1ff810000 T __irqentry_text_start\n"
    "ffffb2b2004f9c80 t virtio_blk_init\t[virtio_blk]\n";

// The lines of Debian's arm64 6.1 kernel config this check reads, among others round them.
std::string arm64_config(bool kexec_file) {
    return "CONFIG_KALLSYMS=y\n# CONFIG_KALLSYMS_ALL is not set\nCONFIG_KALLSYMS_BASE_RELATIVE=y\nCONFIG_ARM64=y\n"
           "CONFIG_ARM64_4K_PAGES=y\nCONFIG_KEXEC=y\n" +
           std::string(kexec_file ? "CONFIG_KEXEC_FILE=y\n" : "# CONFIG_KEXEC_FILE is not set\n") +
           "CONFIG_CRASH_DUMP=y\nCONFIG_RANDOMIZE_BASE=y\n";
}

// The first bytes of an uncompressed arm64 Image as Debian's 6.1.0-57-arm64 has them: the Image
// header (magic "ARM\x64" at 56, PE offset 0x40 at 60), then PE/COFF (PE32+ optional header of
// 0xa0 bytes) with two sections, .text at VirtualAddress 0x10000 (where _stext lies) and .data.
std::string arm64_image_head() {
    std::string b(0x200, '\0');
    auto put = [&](size_t at, uint64_t v, int n) {
        for (int i = 0; i < n; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
    };
    b.replace(0, 2, "MZ");
    b.replace(56, 4, std::string("ARM\x64", 4));
    put(60, 0x40, 4);
    b.replace(0x40, 4, std::string("PE\0\0", 4));
    put(0x40 + 4, 0xaa64, 2);  // IMAGE_FILE_MACHINE_ARM64
    put(0x40 + 6, 2, 2);       // sections
    put(0x40 + 20, 0xa0, 2);   // optional header size (PE32+)
    const size_t sec = 0x40 + 24 + 0xa0;
    b.replace(sec, 8, std::string(".text\0\0\0", 8));
    put(sec + 8, 0x1730000, 4);
    put(sec + 12, 0x10000, 4);
    b.replace(sec + 40, 8, std::string(".data\0\0\0", 8));
    put(sec + 40 + 8, 0x8d0000, 4);
    put(sec + 40 + 12, 0x1740000, 4);
    return b;
}

class Arm64Status : public ::testing::Test {
protected:
    TempDir dir{"kdf-arm64-status"};
    std::string root;

    void SetUp() override { root = dir / "root"; }

    void make_debian_arm64(bool kexec_file, const std::string& kallsyms) {
        ASSERT_TRUE(fs::exists(kDebianGrub + "/.unpacked"))
            << kDebianGrub << " is missing: tools/install-deps.sh makes it (tests/unit/lifecycle/prepare-debian-grub.sh)";
        fs::create_directories(root + "/etc");
        fs::copy(kDebianGrub + "/etc", root + "/etc", fs::copy_options::recursive | fs::copy_options::overwrite_existing);
        dir.write("root/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                                         "VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n");
        dir.write("root/proc/kallsyms", kallsyms);
        dir.write("root/proc/sys/kernel/osrelease", kRelease + "\n");
        dir.write("root/boot/config-" + kRelease, arm64_config(kexec_file));
        dir.write("root/boot/vmlinuz-" + kRelease, arm64_image_head());
    }

    // Uncomments Debian's `#KDUMP_KEXEC_ARGS=""` with `value`, as an admin edits the file.
    void set_kdump_kexec_args(const std::string& value) {
        const std::string path = root + "/etc/default/kdump-tools";
        const std::string text = slurp(path);
        ASSERT_NE(text.find("\n#KDUMP_KEXEC_ARGS=\"\"\n"), std::string::npos) << "Debian's kdump-tools defaults changed";
        dir.write("root/etc/default/kdump-tools",
                  std::regex_replace(text, std::regex("\n#KDUMP_KEXEC_ARGS=\"\"\n"), "\nKDUMP_KEXEC_ARGS=\"" + value + "\"\n"));
    }

    ShellRun status() { return cli("status --root " + quote(root) + " --json --config /etc/kdump-failover.conf", false); }

    // The kexec_crash_header entry of `status --json`, or "" when there is none.
    static std::string header_check(const std::string& json) {
        const size_t at = json.find("{\"name\":\"kexec_crash_header\"");
        if (at == std::string::npos) return "";
        return json.substr(at, json.find('}', at) - at + 1);
    }
};

TEST_F(Arm64Status, DebianKernelWithoutKexecFileGetsTheKallsymsWorkaround) {
    make_debian_arm64(false, kKallsymsNoText);
    const ShellRun r = status();
    EXPECT_EQ(r.status, 2) << r.out;
    const std::string c = header_check(r.out);
    ASSERT_FALSE(c.empty()) << r.out;
    EXPECT_NE(c.find("\"state\":\"not_ready\""), std::string::npos) << c;
    EXPECT_NE(c.find("/proc/kallsyms has no _text (kernel built without CONFIG_KALLSYMS_ALL): kexec_load writes a broken "
                     "crash header and no dump will be saved; this kernel has no kexec_file_load (CONFIG_KEXEC_FILE is "
                     "not set in " + root + "/boot/config-" + kRelease + "), so bind-mount a copy of /proc/kallsyms with a "
                     "`<_stext - 0x10000> T _text` line over it while `kexec -p` runs"),
              std::string::npos) << c;
    EXPECT_NE(c.find("\"machine\":\"aarch64\",\"kallsyms_text\":false,\"kexec_file_load\":false,\"loader_args\":\"\","
                     "\"image_text_offset\":65536"),
              std::string::npos) << c;

    // The text form: one line naming the check.
    const ShellRun text = cli("status --root " + quote(root) + " --config /etc/kdump-failover.conf");
    EXPECT_TRUE(std::regex_search(text.out, std::regex("\n  not_ready +kexec_crash_header +/proc/kallsyms has no _text"))) << text.out;
}

TEST_F(Arm64Status, KernelWithKexecFileIsToldToAddDashS) {
    make_debian_arm64(true, kKallsymsNoText);
    ShellRun r = status();
    EXPECT_EQ(r.status, 2) << r.out;
    std::string c = header_check(r.out);
    EXPECT_NE(c.find("\"state\":\"not_ready\""), std::string::npos) << c;
    EXPECT_NE(c.find("add -s to KDUMP_KEXEC_ARGS in /etc/default/kdump-tools (kexec_file_load: CONFIG_KEXEC_FILE=y in " +
                     root + "/boot/config-" + kRelease + "), then `kdump-config reload`"),
              std::string::npos) << c;

    // Once the admin did it, the check passes: the kernel builds the header.
    set_kdump_kexec_args("-s");
    r = status();
    c = header_check(r.out);
    EXPECT_NE(c.find("\"state\":\"ok\""), std::string::npos) << c;
    EXPECT_NE(c.find("but KDUMP_KEXEC_ARGS in /etc/default/kdump-tools asks for kexec_file_load"), std::string::npos) << c;
    EXPECT_NE(c.find("\"loader_args\":\"-s\""), std::string::npos) << c;
}

TEST_F(Arm64Status, DashSOnAKernelWithoutKexecFileIsCalledOut) {
    make_debian_arm64(false, kKallsymsNoText);
    set_kdump_kexec_args("--kexec-file-syscall");
    const ShellRun r = status();
    EXPECT_EQ(r.status, 2) << r.out;
    const std::string c = header_check(r.out);
    EXPECT_NE(c.find("KDUMP_KEXEC_ARGS in /etc/default/kdump-tools asks for kexec_file_load, which this kernel lacks"),
              std::string::npos) << c;
    EXPECT_NE(c.find("drop -s and bind-mount a copy of /proc/kallsyms"), std::string::npos) << c;
}

TEST_F(Arm64Status, KallsymsWithTextIsSound) {
    make_debian_arm64(false, "ffffb2b1ff800000 T _text\n" + kKallsymsNoText);
    const ShellRun r = status();
    const std::string c = header_check(r.out);
    EXPECT_NE(c.find("\"state\":\"ok\",\"detail\":\"/proc/kallsyms lists _text"), std::string::npos) << r.out;
    // A module's or a longer name is not _text.
    make_debian_arm64(false, kKallsymsNoText + "ffffb2b2004f9000 t _text\t[virtio_blk]\nffffb2b1ff800000 T __text\n");
    EXPECT_NE(header_check(status().out).find("\"state\":\"not_ready\""), std::string::npos);
}

// kdumpctl's systems: the variable is KEXEC_ARGS in /etc/sysconfig/kdump. The machine comes from
// the root's /proc/sys/kernel/arch here (its config is not there), whatever this build is.
TEST_F(Arm64Status, RhelNamesKexecArgs) {
    dir.write("root/etc/os-release", "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\n"
                                     "VERSION_ID=\"9.4\"\nPRETTY_NAME=\"Red Hat Enterprise Linux 9.4 (Plow)\"\n");
    dir.write("root/etc/sysconfig/kdump", "KDUMP_COMMANDLINE=\"\"\nKEXEC_ARGS=\"\"\n");
    dir.write("root/proc/sys/kernel/arch", "aarch64\n");
    dir.write("root/proc/kallsyms", kKallsymsNoText);
    const ShellRun r = status();
    const std::string c = header_check(r.out);
    EXPECT_NE(c.find("\"state\":\"not_ready\""), std::string::npos) << r.out;
    EXPECT_NE(c.find("add -s to KEXEC_ARGS in /etc/sysconfig/kdump if the kernel has CONFIG_KEXEC_FILE, else bind-mount "
                     "a copy of /proc/kallsyms with a `<_stext - the Image's .text offset> T _text` line"),
              std::string::npos) << c;
    EXPECT_NE(c.find("\"kexec_file_load\":null"), std::string::npos) << c;
}

// Not arm64: no such check, even with a kallsyms that lacks _text.
TEST_F(Arm64Status, OtherMachinesHaveNoSuchCheck) {
    make_debian_arm64(false, kKallsymsNoText);
    dir.write("root/boot/config-" + kRelease, "CONFIG_X86_64=y\n# CONFIG_KALLSYMS_ALL is not set\n");
    EXPECT_EQ(header_check(status().out), "");
    dir.write("root/proc/sys/kernel/arch", "x86_64\n");
    dir.write("root/boot/config-" + kRelease, arm64_config(false));
    EXPECT_EQ(header_check(status().out), "") << "the root's own arch file speaks first";
}

TEST(Arm64ImageHeader, TextOffsetOnlyFromAnArm64Image) {
    EXPECT_EQ(lifecycle::arm64_image_text_offset(arm64_image_head()), 0x10000u);
    std::string bad = arm64_image_head();
    bad[56] = 'X';
    EXPECT_FALSE(lifecycle::arm64_image_text_offset(bad));
    EXPECT_FALSE(lifecycle::arm64_image_text_offset(arm64_image_head().substr(0, 0x110))) << "sections cut off";
    std::string renamed = arm64_image_head();
    renamed[0xf8 + 1] = 'T';
    EXPECT_FALSE(lifecycle::arm64_image_text_offset(renamed)) << "no .text section";
    std::string huge = arm64_image_head();
    huge[60] = '\xff';
    huge[61] = '\xff';
    EXPECT_FALSE(lifecycle::arm64_image_text_offset(huge)) << "PE offset past the end";
    EXPECT_FALSE(lifecycle::arm64_image_text_offset(""));
}

}  // namespace
}  // namespace kdf::test
