#include "core/integration/kdump_conf_edit.h"

#include <gtest/gtest.h>

#include "test_files.h"

namespace kdf::integration {
namespace {

KdumpConfWants wants() {
    KdumpConfWants w;
    w.config_path = "/etc/kdump-failover.conf";
    w.kdump_post = "/usr/libexec/kdump-failover/kdump-post";
    w.extra_bins = {"/usr/sbin/kdump-failover", "/usr/lib/kdump-failover/plugins/kdf-transport-ssh.so",
                    "/etc/kdump-failover.conf"};
    w.dracut_args = {"--add", "kdump-failover"};
    return w;
}

// Lines present in `after` but not in `before`, in order (a poor man's diff for append-only edits).
std::string appended(const std::string& before, const std::string& after) {
    EXPECT_TRUE(after.starts_with(before)) << "the original text is not kept byte for byte at the start";
    return after.substr(before.size());
}

TEST(KdumpConfEdit, FedoraDefaultGetsOneBlockAndKeepsEveryLine) {
    const std::string original = test::data_file("fedora-kdump.conf");
    ASSERT_FALSE(original.empty());
    ConfEdit e = edit_kdump_conf(original, "kdump.conf", wants());
    ASSERT_TRUE(e.errors.empty());
    EXPECT_TRUE(e.warnings.empty());
    EXPECT_EQ(appended(original, e.text),
              "# >>> kdump-failover >>> written by `kdump-failover generate` from /etc/kdump-failover.conf; edit that "
              "file, not these lines\n"
              "kdump_post /usr/libexec/kdump-failover/kdump-post\n"
              "extra_bins /usr/sbin/kdump-failover /usr/lib/kdump-failover/plugins/kdf-transport-ssh.so "
              "/etc/kdump-failover.conf\n"
              "dracut_args --add kdump-failover\n"
              "# <<< kdump-failover <<<\n");
    EXPECT_EQ(e.changes.size(), 3u);
}

TEST(KdumpConfEdit, SecondRunChangesNothing) {
    const std::string original = test::data_file("fedora-kdump.conf");
    ConfEdit first = edit_kdump_conf(original, "kdump.conf", wants());
    ConfEdit second = edit_kdump_conf(first.text, "kdump.conf", wants());
    EXPECT_EQ(second.text, first.text);
    EXPECT_TRUE(second.changes.empty());
}

TEST(KdumpConfEdit, ChangedChainReplacesTheBlockInPlace) {
    const std::string original = "path /var/crash\n";
    ConfEdit first = edit_kdump_conf(original + "", "kdump.conf", wants());
    std::string with_user_tail = first.text + "core_collector makedumpfile -l -d 31\n";
    KdumpConfWants w = wants();
    w.extra_bins = {"/usr/sbin/kdump-failover", "/etc/kdump-failover.conf"};  // ssh target removed
    ConfEdit second = edit_kdump_conf(with_user_tail, "kdump.conf", w);
    ASSERT_TRUE(second.errors.empty());
    EXPECT_NE(second.text.find("extra_bins /usr/sbin/kdump-failover /etc/kdump-failover.conf\n"
                               "dracut_args --add kdump-failover\n# <<< kdump-failover <<<\n"
                               "core_collector makedumpfile -l -d 31\n"),
              std::string::npos)
        << second.text;
    EXPECT_EQ(second.text.find("kdf-transport-ssh.so"), std::string::npos);
    ASSERT_EQ(second.changes.size(), 1u);
    EXPECT_EQ(second.changes[0], "extra_bins: removed /usr/lib/kdump-failover/plugins/kdf-transport-ssh.so");
}

TEST(KdumpConfEdit, UserDirectivesAreMergedNotDuplicatedAndComeBackExactly) {
    // kdumpctl refuses a second extra_bins or dracut_args line, so ours join the user's lines,
    // before their trailing comment (kdump.sh cuts the value at '#').
    const std::string original =
        "ssh root@backup\n"
        "extra_bins /usr/bin/lvm   # for the LV\n"
        "dracut_args --omit plymouth\n";
    ConfEdit first = edit_kdump_conf(original, "kdump.conf", wants());
    ASSERT_TRUE(first.errors.empty());
    EXPECT_NE(first.text.find("extra_bins /usr/bin/lvm /usr/sbin/kdump-failover "
                              "/usr/lib/kdump-failover/plugins/kdf-transport-ssh.so /etc/kdump-failover.conf   # for the LV\n"),
              std::string::npos)
        << first.text;
    EXPECT_NE(first.text.find("dracut_args --omit plymouth --add kdump-failover\n"), std::string::npos) << first.text;
    EXPECT_EQ(first.text.find("\nextra_bins /usr/sbin"), std::string::npos) << "a second extra_bins line was written";
    EXPECT_EQ(first.text.find("\ndracut_args --add"), std::string::npos) << "a second dracut_args line was written";

    ConfEdit second = edit_kdump_conf(first.text, "kdump.conf", wants());
    EXPECT_EQ(second.text, first.text);

    // Nothing wanted any more: the user's lines come back byte for byte.
    KdumpConfWants nothing;
    nothing.config_path = "/etc/kdump-failover.conf";
    ConfEdit removed = edit_kdump_conf(first.text, "kdump.conf", nothing);
    EXPECT_TRUE(removed.text.starts_with(original)) << removed.text;
    EXPECT_EQ(removed.text.substr(original.size()),
              "# >>> kdump-failover >>> written by `kdump-failover generate` from /etc/kdump-failover.conf; edit that "
              "file, not these lines\n# <<< kdump-failover <<<\n");
}

TEST(KdumpConfEdit, ModuleAlreadyAddedByTheUserIsNotAddedAgain) {
    const std::string original = "dracut_args --add \"kdump-failover\"\n";
    ConfEdit e = edit_kdump_conf(original, "kdump.conf", wants());
    EXPECT_TRUE(e.text.starts_with(original));
    EXPECT_EQ(e.text.find("--add kdump-failover"), std::string::npos) << e.text;
}

TEST(KdumpConfEdit, ForeignKdumpPostIsKeptWithAWarning) {
    const std::string original = "nfs srv:/dumps\nkdump_post /var/crash/scripts/kdump-post-local-failover.sh\n";
    ConfEdit e = edit_kdump_conf(original, "/etc/kdump.conf", wants());
    ASSERT_TRUE(e.errors.empty());
    EXPECT_TRUE(e.text.starts_with(original));
    EXPECT_EQ(e.text.find("kdump_post /usr/libexec"), std::string::npos) << "a second kdump_post was written";
    ASSERT_EQ(e.warnings.size(), 1u);
    EXPECT_NE(e.warnings[0].find("/etc/kdump.conf:2: kdump_post is already"), std::string::npos) << e.warnings[0];
    EXPECT_NE(e.warnings[0].find("0.2"), std::string::npos) << "the 0.2 hook should get the migration hint";
}

TEST(KdumpConfEdit, OurOwnKdumpPostWrittenByTheUserIsAccepted) {
    const std::string original = "kdump_post /usr/libexec/kdump-failover/kdump-post\n";
    ConfEdit e = edit_kdump_conf(original, "kdump.conf", wants());
    EXPECT_TRUE(e.warnings.empty());
    EXPECT_EQ(e.text.find("kdump_post", original.size()), std::string::npos);
}

TEST(KdumpConfEdit, CrlfAndMissingFinalNewlineAreKept) {
    const std::string original = "path /var/crash\r\ncore_collector makedumpfile -l\r\n";
    ConfEdit e = edit_kdump_conf(original, "kdump.conf", wants());
    EXPECT_TRUE(e.text.starts_with(original));
    ConfEdit again = edit_kdump_conf(e.text, "kdump.conf", wants());
    EXPECT_EQ(again.text, e.text);

    const std::string no_newline = "path /var/crash";
    ConfEdit n = edit_kdump_conf(no_newline, "kdump.conf", wants());
    EXPECT_TRUE(n.text.starts_with("path /var/crash\n# >>> kdump-failover >>>")) << n.text;
    EXPECT_EQ(edit_kdump_conf(n.text, "kdump.conf", wants()).text, n.text);
}

TEST(KdumpConfEdit, BrokenMarkersAreRefused) {
    for (const std::string text : {"# >>> kdump-failover >>> x\nextra_bins /a\n",
                                   "path /x\n# <<< kdump-failover <<<\n",
                                   "# >>> kdump-failover >>>\n# <<< kdump-failover <<<\n# >>> kdump-failover >>>\n"
                                   "# <<< kdump-failover <<<\n"}) {
        ConfEdit e = edit_kdump_conf(text, "k.conf", wants());
        ASSERT_EQ(e.errors.size(), 1u) << text;
        EXPECT_TRUE(e.errors[0].starts_with("k.conf:")) << e.errors[0];
        EXPECT_EQ(e.text, text);
    }
}

}  // namespace
}  // namespace kdf::integration
