// kdump.conf's fence_kdump_nodes/fence_kdump_args read as kdump reads them, and the options of
// fence_kdump_send they carry.
#include <gtest/gtest.h>

#include "core/fence/kdump_conf_fence.h"

namespace kdf::fence {
namespace {

TEST(KdumpConfFence, NoNodesMeansNoNotices) {
    EXPECT_FALSE(parse_kdump_conf_fence("path /var/crash\nfence_kdump_args -p 7411\n", "k.conf"));
    EXPECT_FALSE(parse_kdump_conf_fence("# fence_kdump_nodes node1\n", "k.conf"));
    EXPECT_FALSE(parse_kdump_conf_fence("fence_kdump_nodes   # none\n", "k.conf"));
}

TEST(KdumpConfFence, NodesPortAndIntervalAsKdumpReadsThem) {
    auto f = parse_kdump_conf_fence(
        "fence_kdump_nodes old\n"
        "  fence_kdump_nodes \"node-1 192.0.2.7  fd00::7\"   # peers\n"
        "fence_kdump_args -p 7411 -i5 -f ipv4 -c 0 -v\n",
        "k.conf");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->nodes, (std::vector<std::string>{"node-1", "192.0.2.7", "fd00::7"}));  // the last line wins
    EXPECT_EQ(f->port, 7411);
    EXPECT_EQ(f->interval, std::chrono::seconds(5));
    EXPECT_TRUE(f->warnings.empty());
}

TEST(KdumpConfFence, DefaultsAreFenceKdumpSendsOwn) {
    auto f = parse_kdump_conf_fence("fence_kdump_nodes n1\n", "k.conf");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->port, 7410);
    EXPECT_EQ(f->interval, std::chrono::seconds(10));
}

// A bad argument never costs the notices: it is named with its line and the default is kept.
TEST(KdumpConfFence, BadArgumentsAreReportedAndIgnored) {
    auto f = parse_kdump_conf_fence("fence_kdump_nodes n1\n\nfence_kdump_args -p 99999 -x -i\n", "/etc/kdump.conf");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->port, 7410);
    ASSERT_EQ(f->warnings.size(), 3u);
    EXPECT_EQ(f->warnings[0], "/etc/kdump.conf:3: fence_kdump_args: -p 99999 is not a UDP port; using 7410");
    EXPECT_EQ(f->warnings[1], "/etc/kdump.conf:3: fence_kdump_args: option '-x' is not one of -p -i -f -c -v; ignored");
    EXPECT_EQ(f->warnings[2], "/etc/kdump.conf:3: fence_kdump_args: -i needs a value; ignored");
}

TEST(KdumpConfFence, UnreadableFileIsNone) { EXPECT_FALSE(read_kdump_conf_fence("/nonexistent/kdump.conf")); }

}  // namespace
}  // namespace kdf::fence
