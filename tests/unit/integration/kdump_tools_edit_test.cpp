#include "core/integration/kdump_tools_edit.h"

#include <gtest/gtest.h>

#include "test_files.h"
#include "tests/support/temp_dir.h"

namespace kdf::integration {
namespace {

TEST(KdumpToolsEdit, DebianDefaultGetsTheVariableAndKeepsEveryLine) {
    const std::string original = test::data_file("debian-kdump-tools");
    ASSERT_FALSE(original.empty());
    ConfEdit e = edit_kdump_tools(original, "kdump-tools", {"/etc/kdump-failover.conf"});
    ASSERT_TRUE(e.errors.empty());
    EXPECT_TRUE(e.warnings.empty());
    ASSERT_TRUE(e.text.starts_with(original));
    EXPECT_EQ(e.text.substr(original.size()),
              "# >>> kdump-failover >>> written by `kdump-failover generate` from /etc/kdump-failover.conf; edit that "
              "file, not these lines\n"
              "KDUMP_FAILOVER_CONFIG='/etc/kdump-failover.conf'\n"
              "# <<< kdump-failover <<<\n");
    ASSERT_EQ(e.changes.size(), 1u);
    EXPECT_EQ(edit_kdump_tools(e.text, "kdump-tools", {"/etc/kdump-failover.conf"}).text, e.text);
}

TEST(KdumpToolsEdit, NewConfigPathReplacesTheBlock) {
    ConfEdit first = edit_kdump_tools("USE_KDUMP=1\n", "kdump-tools", {"/etc/a.conf"});
    ConfEdit second = edit_kdump_tools(first.text + "KDUMP_COREDIR=/var/crash\n", "kdump-tools", {"/etc/it's.conf"});
    EXPECT_NE(second.text.find("KDUMP_FAILOVER_CONFIG='/etc/it'\\''s.conf'\n# <<< kdump-failover <<<\nKDUMP_COREDIR"),
              std::string::npos)
        << second.text;
    EXPECT_EQ(second.text.find("/etc/a.conf"), std::string::npos);
}

TEST(KdumpToolsEdit, UseKdumpOffIsReportedNotChanged) {
    ConfEdit e = edit_kdump_tools("USE_KDUMP=0\n", "/etc/default/kdump-tools", {"/etc/kdump-failover.conf"});
    ASSERT_EQ(e.warnings.size(), 1u);
    EXPECT_NE(e.warnings[0].find("/etc/default/kdump-tools:1: USE_KDUMP=0"), std::string::npos);
    EXPECT_TRUE(e.text.starts_with("USE_KDUMP=0\n"));
}

TEST(KdumpToolsEdit, TheEditedFileStillSourcesInAShell) {
    const std::string original = test::data_file("debian-kdump-tools");
    ConfEdit e = edit_kdump_tools(original, "kdump-tools", {"/etc/kdump failover.conf"});
    test::TempDir dir("kdf-integ");
    const std::string path = dir.write("kdump-tools", e.text);
    std::string cmd = "sh -c '. \"$0\"; printf %s \"$KDUMP_FAILOVER_CONFIG\"' " + test::quote(path);
    std::FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    char buf[256] = {};
    size_t n = std::fread(buf, 1, sizeof buf - 1, p);
    EXPECT_EQ(::pclose(p), 0);
    EXPECT_EQ(std::string(buf, n), "/etc/kdump failover.conf");
}

}  // namespace
}  // namespace kdf::integration
