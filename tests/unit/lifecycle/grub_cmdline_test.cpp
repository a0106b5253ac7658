// The crashkernel= word in /etc/default/grub: hand-edited shapes, every other byte kept.
#include <gtest/gtest.h>

#include "core/lifecycle/grub_cmdline.h"

namespace kdf::lifecycle {
namespace {

TEST(GrubCmdline, ReplacesTheWordInPlaceAndKeepsEverythingElse) {
    const std::string text =
        "GRUB_TIMEOUT=5\r\n# GRUB_CMDLINE_LINUX=\"crashkernel=1G\"\r\n"
        "GRUB_CMDLINE_LINUX=\"resume=/dev/x crashkernel=1G-4G:192M,4G-:256M  rhgb\"   # mine\r\n";
    auto e = set_grub_crashkernel(text, "grub", "512M");
    EXPECT_EQ(e.text, "GRUB_TIMEOUT=5\r\n# GRUB_CMDLINE_LINUX=\"crashkernel=1G\"\r\n"
                      "GRUB_CMDLINE_LINUX=\"resume=/dev/x crashkernel=512M  rhgb\"   # mine\r\n");
    EXPECT_EQ(e.changes.size(), 1u);
    EXPECT_EQ(grub_crashkernel(e.text), "512M");
    EXPECT_EQ(set_grub_crashkernel(e.text, "grub", "512M").text, e.text) << "the same size twice changes nothing";
}

TEST(GrubCmdline, OnlyTheLastAssignmentCountsAndDuplicatesGo) {
    const std::string text = "GRUB_CMDLINE_LINUX=\"a\"\nexport GRUB_CMDLINE_LINUX='crashkernel=128M b crashkernel=256M'\n";
    auto e = set_grub_crashkernel(text, "grub", "384M");
    EXPECT_EQ(e.text, "GRUB_CMDLINE_LINUX=\"a\"\nexport GRUB_CMDLINE_LINUX='crashkernel=384M b'\n");
    auto removed = set_grub_crashkernel(text, "grub", std::nullopt);
    EXPECT_EQ(removed.text, "GRUB_CMDLINE_LINUX=\"a\"\nexport GRUB_CMDLINE_LINUX='b'\n");
}

TEST(GrubCmdline, EmptyBareAndMissingValues) {
    EXPECT_EQ(set_grub_crashkernel("GRUB_CMDLINE_LINUX=\"\"\n", "g", "1G").text, "GRUB_CMDLINE_LINUX=\"crashkernel=1G\"\n");
    EXPECT_EQ(set_grub_crashkernel("GRUB_CMDLINE_LINUX=quiet\n", "g", "1G").text,
              "GRUB_CMDLINE_LINUX=\"quiet crashkernel=1G\"\n");
    EXPECT_EQ(set_grub_crashkernel("GRUB_TIMEOUT=5", "g", "1G").text, "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"crashkernel=1G\"\n");
    EXPECT_EQ(set_grub_crashkernel("GRUB_TIMEOUT=5", "g", std::nullopt).text, "GRUB_TIMEOUT=5");
    // A value continued on the next line is not ours to edit: a new assignment goes at the end.
    EXPECT_FALSE(grub_crashkernel("GRUB_CMDLINE_LINUX=\"a\ncrashkernel=1G\"\n"));
}

TEST(GrubCmdline, RemovingTheOnlyWordLeavesAnEmptyValue) {
    EXPECT_EQ(set_grub_crashkernel("GRUB_CMDLINE_LINUX=\"crashkernel=1G quiet\"\n", "g", std::nullopt).text,
              "GRUB_CMDLINE_LINUX=\"quiet\"\n");
    EXPECT_EQ(set_grub_crashkernel("GRUB_CMDLINE_LINUX=\"crashkernel=1G\"\n", "g", std::nullopt).text,
              "GRUB_CMDLINE_LINUX=\"\"\n");
}

TEST(GrubCmdline, DropInAndKernelCommandLine) {
    const std::string d = grub_drop_in_text("320M");
    EXPECT_EQ(grub_drop_in_value(d), "320M");
    EXPECT_FALSE(grub_drop_in_value("GRUB_CMDLINE_LINUX_DEFAULT=\"crashkernel=1G\"\n")) << "not one of ours";
    EXPECT_EQ(cmdline_crashkernel("BOOT_IMAGE=/vmlinuz crashkernel=384M-:128M quiet crashkernel=320M\n"), "320M")
        << "the kernel uses the last one";
    EXPECT_FALSE(cmdline_crashkernel("root=/dev/vda ro"));
}

}  // namespace
}  // namespace kdf::lifecycle
