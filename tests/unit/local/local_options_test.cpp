// local_options_test.cpp - describe() and the offline check() rules of the `local` transport.
#include <gtest/gtest.h>

#include "local_options.h"
#include "local_transport.h"
#include "test_support.h"

namespace kdf::local::test {
namespace {

TEST(LocalDescribe, NameCapsOpsAndOptionTable) {
    LocalTransport t;
    const Description& d = t.describe();
    EXPECT_EQ(d.name, "local");
    EXPECT_FALSE(d.summary.empty());
    EXPECT_TRUE(has_cap(d.caps, TransportCap::positional_write));
    EXPECT_TRUE(has_cap(d.caps, TransportCap::atomic_commit));
    EXPECT_TRUE(has_cap(d.caps, TransportCap::durable_sync));
    EXPECT_FALSE(has_cap(d.caps, TransportCap::needs_network));
    EXPECT_EQ(d.ops, static_cast<uint32_t>(SinkOp::write_at));
    std::map<std::string, OptionSpec> by_key;
    for (const OptionSpec& o : d.options) by_key[o.key] = o;
    ASSERT_EQ(by_key.size(), 10u);
    EXPECT_EQ(by_key["mode"].type, OptionType::choice);
    EXPECT_EQ(by_key["mode"].choices, "dir|raw");
    EXPECT_EQ(by_key["mode"].default_value, "dir");
    EXPECT_EQ(by_key["path"].type, OptionType::path);
    EXPECT_EQ(by_key["device"].type, OptionType::path);
    EXPECT_EQ(by_key["mount_point"].type, OptionType::path);
    EXPECT_EQ(by_key["require_mount"].default_value, "no");
    EXPECT_EQ(by_key["reserve"].type, OptionType::size);
    EXPECT_EQ(by_key["reserve"].default_value, "64M");
    EXPECT_EQ(by_key["fsync"].default_value, "yes");
    EXPECT_EQ(by_key["force"].type, OptionType::boolean);
    EXPECT_EQ(by_key["force"].default_value, "no");
    EXPECT_EQ(by_key["keep"].type, OptionType::integer);  // retention: kdf/retention.h
    EXPECT_EQ(by_key["keep"].default_value, "0");
    EXPECT_EQ(by_key["min_free"].type, OptionType::size);
    EXPECT_EQ(by_key["min_free"].default_value, "0");
    for (const OptionSpec& o : d.options) EXPECT_FALSE(o.help.empty()) << o.key;
}

TEST(LocalCheck, DefaultsAndTheSmallestConfig) {
    auto o = parse_local_options(target({{"path", "/var/crash"}}));
    ASSERT_TRUE(o.is_ok()) << o.status().to_string();
    EXPECT_EQ(o.value().mode, Mode::dir);
    EXPECT_EQ(o.value().path, "/var/crash");
    EXPECT_EQ(o.value().reserve, 64u << 20);
    EXPECT_TRUE(o.value().fsync);
    EXPECT_TRUE(o.value().mount_point.empty());
    EXPECT_TRUE(LocalTransport().check(target({{"path", "/var/crash"}})).is_ok());
}

TEST(LocalCapabilities, FsyncNoGivesUpDurableSyncForThatTargetOnly) {
    LocalTransport t;
    const uint32_t synced = t.capabilities(target({{"path", "/var/crash"}}));
    const uint32_t unsynced = t.capabilities(target({{"path", "/var/crash"}, {"fsync", "no"}}));
    EXPECT_EQ(synced, t.describe().caps);
    EXPECT_FALSE(has_cap(unsynced, TransportCap::durable_sync));
    EXPECT_EQ(unsynced | static_cast<uint32_t>(TransportCap::durable_sync), t.describe().caps);
}

TEST(LocalCrashKernelNeeds, DirModeAsksForItsMountPointRawModeForNothing) {
    LocalTransport t;
    auto mounted = t.crash_kernel_needs(target({{"path", "/var/crash/k"}, {"mount_point", "/var/crash"}}));
    ASSERT_TRUE(mounted.is_ok()) << mounted.status().to_string();
    EXPECT_EQ(mounted->mount_point, "/var/crash");
    EXPECT_EQ(mounted->mount_key, "mount_point");
    EXPECT_TRUE(mounted->files.empty());
    EXPECT_TRUE(mounted->hosts.empty());

    auto required = t.crash_kernel_needs(target({{"path", "/mnt/dumps"}, {"require_mount", "yes"}}));
    ASSERT_TRUE(required.is_ok()) << required.status().to_string();
    EXPECT_EQ(required->mount_point, "/mnt/dumps");
    EXPECT_EQ(required->mount_key, "require_mount");

    auto bare = t.crash_kernel_needs(target({{"path", "/var/crash"}}));
    ASSERT_TRUE(bare.is_ok());
    EXPECT_TRUE(bare->mount_point.empty());
    ASSERT_EQ(bare->notes.size(), 1u);
    EXPECT_NE(bare->notes[0].find("no mount_point"), std::string::npos) << bare->notes[0];

    auto raw = t.crash_kernel_needs(target({{"mode", "raw"}, {"device", "/dev/vdb"}}));
    ASSERT_TRUE(raw.is_ok()) << raw.status().to_string();
    EXPECT_TRUE(raw->mount_point.empty());
    EXPECT_TRUE(raw->notes.empty());
}

TEST(LocalCheck, ModeNeedsItsKey) {
    LocalTransport t;
    Status dir = t.check(target({}));
    EXPECT_EQ(dir.code(), Code::invalid_config);
    EXPECT_NE(dir.message().find("needs `path`"), std::string::npos) << dir.to_string();
    EXPECT_NE(dir.message().find("local: "), std::string::npos);
    Status raw = t.check(target({{"mode", "raw"}}));
    EXPECT_EQ(raw.code(), Code::invalid_config);
    EXPECT_NE(raw.message().find("needs `device`"), std::string::npos) << raw.to_string();
    EXPECT_TRUE(t.check(target({{"mode", "raw"}, {"device", "/dev/sdb1"}})).is_ok());
}

TEST(LocalCheck, PathsMustBeAbsoluteWithoutDotDot) {
    LocalTransport t;
    Status rel = t.check(target({{"path", "var/crash"}}));
    EXPECT_EQ(rel.code(), Code::invalid_config);
    EXPECT_NE(rel.message().find("absolute"), std::string::npos);
    EXPECT_NE(rel.message().find("test.conf:"), std::string::npos) << rel.to_string();  // names the line
    EXPECT_EQ(t.check(target({{"path", "/mnt/../crash"}})).code(), Code::invalid_config);
    EXPECT_EQ(t.check(target({{"mode", "raw"}, {"device", "sdb"}})).code(), Code::invalid_config);
}

TEST(LocalCheck, MountPointMustHoldPath) {
    LocalTransport t;
    EXPECT_TRUE(t.check(target({{"path", "/mnt/dumps/crash"}, {"mount_point", "/mnt/dumps/"}})).is_ok());
    EXPECT_TRUE(t.check(target({{"path", "/mnt/dumps"}, {"mount_point", "/mnt/dumps"}})).is_ok());
    Status outside = t.check(target({{"path", "/mnt/dumpsX"}, {"mount_point", "/mnt/dumps"}}));
    EXPECT_EQ(outside.code(), Code::invalid_config);
    EXPECT_NE(outside.message().find("not at or below"), std::string::npos) << outside.to_string();

    auto shorthand = parse_local_options(target({{"path", "/mnt/dumps//"}, {"require_mount", "yes"}}));
    ASSERT_TRUE(shorthand.is_ok());
    EXPECT_EQ(shorthand.value().mount_point, "/mnt/dumps");
    EXPECT_EQ(t.check(target({{"path", "/a/b"}, {"require_mount", "yes"}, {"mount_point", "/a"}})).code(),
              Code::invalid_config);
}

TEST(LocalCheck, KeysOfTheOtherModeAreRefused) {
    LocalTransport t;
    EXPECT_EQ(t.check(target({{"path", "/var/crash"}, {"device", "/dev/sdb"}})).code(), Code::invalid_config);
    EXPECT_EQ(t.check(target({{"mode", "raw"}, {"device", "/dev/sdb"}, {"path", "/x"}})).code(),
              Code::invalid_config);
    EXPECT_EQ(t.check(target({{"mode", "raw"}, {"device", "/dev/sdb"}, {"require_mount", "yes"}})).code(),
              Code::invalid_config);
}

TEST(LocalCheck, BadValuesAreRefusedEvenWithoutTheHostSchemaPass) {
    LocalTransport t;
    EXPECT_EQ(t.check(target({{"path", "/x"}, {"mode", "tape"}})).code(), Code::invalid_config);
    EXPECT_EQ(t.check(target({{"path", "/x"}, {"reserve", "lots"}})).code(), Code::invalid_config);
    EXPECT_EQ(t.check(target({{"path", "/x"}, {"fsync", "maybe"}})).code(), Code::invalid_config);
    auto o = parse_local_options(target({{"path", "/x"}, {"reserve", "1G"}, {"fsync", "no"}}));
    ASSERT_TRUE(o.is_ok());
    EXPECT_EQ(o.value().reserve, 1u << 30);
    EXPECT_FALSE(o.value().fsync);
}

TEST(LocalCheck, NormalizePathAndContainment) {
    EXPECT_EQ(normalize_path("/a//b/./c/"), "/a/b/c");
    EXPECT_EQ(normalize_path("/"), "/");
    EXPECT_EQ(normalize_path("//"), "/");
    EXPECT_TRUE(path_is_at_or_below("/a/b", "/a"));
    EXPECT_TRUE(path_is_at_or_below("/a", "/a"));
    EXPECT_FALSE(path_is_at_or_below("/ab", "/a"));
    EXPECT_TRUE(path_is_at_or_below("/anything", "/"));
}

}  // namespace
}  // namespace kdf::local::test
