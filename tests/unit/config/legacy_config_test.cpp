// tests/unit/config/legacy_config_test.cpp - the kdump-failover 0.2 form and the mount table.
#include "core/config/legacy_config.h"

#include <gtest/gtest.h>

#include "config_test_support.h"
#include "core/config/mount_info.h"

namespace kdf::chain::test {
namespace {

// The file kdump-failover 0.2 shipped as its default config, comment line included.
const char* shipped_legacy_config() {
    return "# kdump-failover configuration\n"
           "core_collector=makedumpfile -l --message-level 1 -d 31\n"
           "kdump_post_script=/var/crash/scripts/kdump-post-local-failover.sh\n"
           "primary_mount=/my/primary/target\n"
           "primary_path=/primary/target/path\n"
           "backup_mount=/my/backup/mount\n"
           "backup_path=/backup/target/path\n";
}

// A mount table with the root fs only: the 0.2 mount points are not mounted.
const char* root_only_mountinfo() {
    return "22 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/rhel-root rw,attr2\n";
}

const char* test_mountinfo() {
    return "22 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/rhel-root rw,attr2\n"
           "95 22 0:52 / /mnt/nfs rw,relatime shared:60 - nfs4 srv.example:/export/crash rw,vers=4.2\n"
           "96 22 253:3 / /mnt/my\\040crash rw,relatime shared:61 - xfs /dev/mapper/vg--a-lv--b rw\n"
           "97 22 253:4 / /mnt/dm rw - ext4 /dev/dm-4 rw\n"
           "98 22 8:17 / /mnt/disk rw - ext4 /dev/sdb1 rw\n"
           "99 98 8:18 / /mnt/disk rw - ext4 /dev/sdb2 rw\n";
}

// makedumpfile's --non-mmap (a kernel whose /proc/vmcore mmap misbehaved) carries over.
TEST(LegacyConfig, NonMmapCarriesOver) {
    std::string text = shipped_legacy_config();
    text.replace(text.find("-l --message-level"), 2, "--non-mmap -l");
    ConfigFile f(text, root_only_mountinfo());
    ASSERT_TRUE(f.result().config) << (f.result().errors.empty() ? "" : f.result().errors.front());
    EXPECT_FALSE(f.result().config->dump.mmap);
    EXPECT_EQ(f.result().config->dump.compress, "lzo");
}

TEST(LegacyConfig, ShippedValuesMapOntoTwoLocalTargets) {
    ConfigFile f(shipped_legacy_config(), root_only_mountinfo());
    ASSERT_TRUE(f.result().errors.empty()) << f.result().errors.front();
    ASSERT_TRUE(f.result().config);
    const Config& c = *f.result().config;
    EXPECT_TRUE(c.legacy);
    EXPECT_EQ(c.chain.targets, (std::vector<std::string>{"primary", "backup"}));
    EXPECT_EQ(c.chain.name_pattern, "{host}-{date}");
    EXPECT_EQ(c.dump.level, 31);  // -d 31 from the shipped core_collector
    EXPECT_EQ(c.dump.compress, "lzo");  // -l from the shipped core_collector
    EXPECT_TRUE(c.dump.mmap);

    ASSERT_EQ(c.targets.size(), 2u);
    const TargetSpec& p = c.targets[0];
    EXPECT_EQ(p.name, "primary");
    EXPECT_EQ(p.type, "local");
    EXPECT_EQ(p.where, f.path() + ":4");
    EXPECT_EQ(p.plugin_options.at("path").text, "/my/primary/target/primary/target/path");
    EXPECT_EQ(p.plugin_options.at("path").where, f.path() + ":5");
    EXPECT_EQ(p.plugin_options.at("mount_point").text, "/my/primary/target");
    EXPECT_EQ(p.plugin_options.at("mount_point").where, f.path() + ":4");
    const TargetSpec& b = c.targets[1];
    EXPECT_EQ(b.name, "backup");
    EXPECT_EQ(b.plugin_options.at("path").text, "/my/backup/mount/backup/target/path");
    EXPECT_EQ(b.plugin_options.at("mount_point").text, "/my/backup/mount");

    std::vector<std::string> expected = f.expand({
        "{F}: kdump-failover 0.2 config read; the equivalent new form is:\n"
        "  # primary_mount /my/primary/target: (not mounted now)\n"
        "  # backup_mount /my/backup/mount: (not mounted now)\n"
        "\n"
        "  [dump]\n"
        "  level = 31\n"
        "  compress = lzo\n"
        "\n"
        "  [chain]\n"
        "  targets = primary backup\n"
        "  # name = {host}-{date}   # the default; kdump-failover 0.2 named its dumps <date>-fallback\n"
        "\n"
        "  [target primary]\n"
        "  type = local\n"
        "  path = /my/primary/target/primary/target/path\n"
        "  mount_point = /my/primary/target\n"
        "\n"
        "  [target backup]\n"
        "  type = local\n"
        "  path = /my/backup/mount/backup/target/path\n"
        "  mount_point = /my/backup/mount",
        "{F}:2: core_collector: --message-level has no equivalent (kdump-failover reports its own progress)",
        "{F}:3: kdump_post_script = /var/crash/scripts/kdump-post-local-failover.sh is obsolete: kdump-failover is "
        "itself kdump's kdump_post hook now (`kdump-failover post STATUS`); the script is not used",
    });
    EXPECT_EQ(c.notices, expected);
    EXPECT_EQ(f.result().notices, expected);
}

TEST(LegacyConfig, TheShownNewFormLoadsToTheSameChain) {
    ConfigFile f(shipped_legacy_config(), test_mountinfo());
    ASSERT_TRUE(f.result().config);
    const Config& legacy = *f.result().config;
    std::string block = legacy.notices.at(0);
    std::string new_form = block.substr(block.find('\n') + 1);

    ConfigLoad r = parse_config(new_form, "new-form.conf");
    ASSERT_TRUE(r.config) << r.errors.front();
    const Config& c = *r.config;
    EXPECT_FALSE(c.legacy);
    EXPECT_EQ(c.chain.targets, legacy.chain.targets);
    EXPECT_EQ(c.chain.name_pattern, legacy.chain.name_pattern);
    EXPECT_EQ(c.dump.level, legacy.dump.level);
    EXPECT_EQ(c.dump.compress, legacy.dump.compress);
    ASSERT_EQ(c.targets.size(), legacy.targets.size());
    for (size_t i = 0; i < c.targets.size(); ++i) {
        EXPECT_EQ(c.targets[i].name, legacy.targets[i].name);
        EXPECT_EQ(c.targets[i].type, legacy.targets[i].type);
        ASSERT_EQ(c.targets[i].plugin_options.size(), legacy.targets[i].plugin_options.size());
        for (const auto& [key, value] : legacy.targets[i].plugin_options)
            EXPECT_EQ(c.targets[i].plugin_options.at(key).text, value.text) << key;
    }
}

TEST(LegacyConfig, ValueContainingEqualsIsTakenWhole) {
    ConfigFile f("core_collector=makedumpfile --message-level=1 -d 0 -E\n"
                 "primary_mount=/mnt/a\n"
                 "primary_path=/\n"
                 "backup_mount = /mnt/b\n"
                 "backup_path=dumps\n",
                 root_only_mountinfo());
    ASSERT_TRUE(f.result().config) << f.result().errors.front();
    const Config& c = *f.result().config;
    EXPECT_EQ(c.dump.level, 0);       // -d 0 is supported: applied
    EXPECT_EQ(c.dump.format, "elf");  // -E is supported: applied
    EXPECT_EQ(c.targets.at(0).plugin_options.at("path").text, "/mnt/a");
    EXPECT_EQ(c.targets.at(1).plugin_options.at("path").text, "/mnt/b/dumps");
    ASSERT_EQ(c.notices.size(), 4u);
    EXPECT_NE(c.notices[0].find("\n  [dump]\n  level = 0\n  format = elf\n"), std::string::npos) << c.notices[0];
    EXPECT_EQ(c.notices[1], f.path() + ":1: core_collector: kdump-failover 0.2 read this value as 'makedumpfile "
                                       "--message-level' (its `cut -d= -f2` stops at the second '='); the whole value "
                                       "'makedumpfile --message-level=1 -d 0 -E' is used now");
    EXPECT_EQ(c.notices[2], f.path() + ":4: kdump-failover 0.2 did not see this line (it read only 'key=value' at the "
                                       "start of a line); it is used now");
    EXPECT_EQ(c.notices[3], f.path() + ":1: core_collector: --message-level has no equivalent (kdump-failover "
                                       "reports its own progress)");
}

TEST(LegacyConfig, MountsAreDescribedFromTheMountTable) {
    ConfigFile f("primary_mount=/mnt/nfs/\n"
                 "primary_path=crash\n"
                 "backup_mount=/mnt/my crash\n"
                 "backup_path=/dumps/\n",
                 test_mountinfo());
    ASSERT_TRUE(f.result().config) << f.result().errors.front();
    const Config& c = *f.result().config;
    EXPECT_EQ(c.targets.at(0).plugin_options.at("path").text, "/mnt/nfs/crash");
    EXPECT_EQ(c.targets.at(0).plugin_options.at("mount_point").text, "/mnt/nfs");
    EXPECT_EQ(c.targets.at(1).plugin_options.at("path").text, "/mnt/my crash/dumps");
    ASSERT_EQ(c.notices.size(), 1u);
    EXPECT_EQ(c.notices[0].substr(0, c.notices[0].find("\n\n")),
              f.path() + ": kdump-failover 0.2 config read; the equivalent new form is:\n"
                         "  # primary_mount /mnt/nfs/: NFS export srv.example:/export/crash (nfs4)\n"
                         "  # backup_mount /mnt/my crash: LVM volume vg-a/lv-b (/dev/mapper/vg--a-lv--b, xfs)");
}

TEST(LegacyConfig, UnreadableMountTableIsANoticeNotAnError) {
    ConfigFile f("primary_mount=/a\nprimary_path=x\nbackup_mount=/b\nbackup_path=y\n");  // no mountinfo file
    ASSERT_TRUE(f.result().config) << f.result().errors.front();
    EXPECT_NE(f.result().config->notices.at(0).find("  # primary_mount /a: (mount table " + f.dir().path() +
                                                    "/no-mountinfo unreadable: No such file or directory)\n"),
              std::string::npos);
}

TEST(LegacyConfig, OtherCollectorIsNotUsed) {
    ConfigFile f("core_collector=cp --sparse=always\nprimary_mount=/a\nprimary_path=x\nbackup_mount=/b\nbackup_path=y\n",
                 root_only_mountinfo());
    ASSERT_TRUE(f.result().config);
    ASSERT_EQ(f.result().config->notices.size(), 3u);
    EXPECT_EQ(f.result().config->notices.at(1),
              f.path() + ":1: core_collector: kdump-failover 0.2 read this value as 'cp --sparse' (its `cut -d= -f2` "
                         "stops at the second '='); the whole value 'cp --sparse=always' is used now");
    EXPECT_EQ(f.result().config->notices.at(2),
              f.path() + ":1: core_collector 'cp --sparse=always' is not makedumpfile; kdump-failover writes the vmcore "
                         "itself, so it is not used");
}

TEST(LegacyConfig, MissingKeysNameWhatExists) {
    auto errors_of = [](const std::string& text) {
        ConfigFile f(text, root_only_mountinfo());
        EXPECT_FALSE(f.result().config);
        return std::make_pair(f.result().errors, f.path());
    };
    {
        auto [errors, path] = errors_of("primary_mount=/a\nprimary_path=/b\nbackup_mount=/c\n");
        EXPECT_EQ(errors, std::vector<std::string>{path + ":3: backup_mount is set but backup_path is missing (the "
                                                          "directory below the mount point; '/' for the mount point itself)"});
    }
    {
        auto [errors, path] = errors_of("primary_path=/b\n");
        EXPECT_EQ(errors, (std::vector<std::string>{
                              path + ":1: primary_path is set but primary_mount is missing (the mount point it is below)",
                              path + ": kdump-failover 0.2 config has no backup_mount and no backup_path (the backup "
                                     "target's mount point and the directory below it)"}));
    }
}

TEST(LegacyConfig, LineErrors) {
    ConfigFile f("primary_mnt=/a\n"
                 "primary_path=/b\n"
                 "backup_mount=mnt/c\n"
                 "backup_path=\n"
                 "backup_path=/d\n"
                 "backup_path=/e\n"
                 "just words\n",
                 root_only_mountinfo());
    EXPECT_FALSE(f.result().config);
    EXPECT_EQ(f.result().errors,
              f.expand({"{F}:1: unknown kdump-failover 0.2 key 'primary_mnt'; did you mean 'primary_mount'?",
                        "{F}:4: 'backup_path' has an empty value",
                        "{F}:6: duplicate key 'backup_path' (first set at line 5)",
                        "{F}:7: expected 'key=value', got 'just words'",
                        "{F}:2: primary_path is set but primary_mount is missing (the mount point it is below)",
                        "{F}:3: backup_mount = mnt/c: expected an absolute path such as /mnt/crash"}));
}

TEST(LegacyConfig, Detection) {
    EXPECT_TRUE(looks_like_legacy_config("# c\nprimary_mount=/a\n"));
    EXPECT_TRUE(looks_like_legacy_config("foo=bar\nbackup_path = x\n"));
    EXPECT_FALSE(looks_like_legacy_config("primary_mount=/a\n[chain]\n"));  // mixed: the new form reports it
    EXPECT_FALSE(looks_like_legacy_config("foo=bar\n"));
    EXPECT_FALSE(looks_like_legacy_config("# primary_mount=/a\n"));
    EXPECT_FALSE(looks_like_legacy_config(""));
}

TEST(LegacyConfig, JoinMountPath) {
    EXPECT_EQ(join_mount_path("/mnt/a", "dumps"), "/mnt/a/dumps");
    EXPECT_EQ(join_mount_path("/mnt/a/", "/dumps/x/"), "/mnt/a/dumps/x");
    EXPECT_EQ(join_mount_path("/mnt//a", "//"), "/mnt/a");
    EXPECT_EQ(join_mount_path("/", "/var/crash"), "/var/crash");
    EXPECT_EQ(join_mount_path("/", "/"), "/");
}

TEST(MountInfo, ParseFindAndUnescape) {
    std::vector<MountEntry> mounts = parse_mountinfo(std::string(test_mountinfo()) + "garbage line\n\n");
    ASSERT_EQ(mounts.size(), 6u);
    EXPECT_EQ(mounts[1].mount_point, "/mnt/nfs");
    EXPECT_EQ(mounts[1].fstype, "nfs4");
    EXPECT_EQ(mounts[1].source, "srv.example:/export/crash");
    EXPECT_EQ(mounts[2].mount_point, "/mnt/my crash");

    EXPECT_EQ(find_mount(mounts, "/mnt/nfs/")->source, "srv.example:/export/crash");
    EXPECT_EQ(find_mount(mounts, "/mnt/disk")->source, "/dev/sdb2");  // the later mount hides the earlier
    EXPECT_FALSE(find_mount(mounts, "/mnt"));

    EXPECT_EQ(unescape_mount_field("a\\040b\\011c\\134d"), "a b\tc\\d");
    EXPECT_EQ(unescape_mount_field("a\\04"), "a\\04");    // too short: kept
    EXPECT_EQ(unescape_mount_field("a\\999b"), "a\\999b");  // not octal: kept
}

TEST(MountInfo, Describe) {
    TempDir dir;
    std::string sys = dir.path() + "/sys/block";
    EXPECT_EQ(describe_mount({"/m", "nfs", "10.0.0.5:/dumps"}, sys), "NFS export 10.0.0.5:/dumps (nfs)");
    EXPECT_EQ(describe_mount({"/m", "xfs", "/dev/mapper/vg--a-lv--b"}, sys),
              "LVM volume vg-a/lv-b (/dev/mapper/vg--a-lv--b, xfs)");
    EXPECT_EQ(describe_mount({"/m", "ext4", "/dev/mapper/cryptroot"}, sys),
              "device-mapper device cryptroot (/dev/mapper/cryptroot, ext4; not an LVM volume name)");
    EXPECT_EQ(describe_mount({"/m", "ext4", "/dev/dm-4"}, sys),
              "device-mapper device /dev/dm-4 (ext4; its name is unknown)");
    dir.write("sys/block/dm-4/dm/name", "vg0-crash\n");
    EXPECT_EQ(describe_mount({"/m", "ext4", "/dev/dm-4"}, sys), "LVM volume vg0/crash (/dev/dm-4, ext4)");
    EXPECT_EQ(describe_mount({"/m", "ext4", "/dev/sdb1"}, sys), "/dev/sdb1 (ext4)");
}

}  // namespace
}  // namespace kdf::chain::test
