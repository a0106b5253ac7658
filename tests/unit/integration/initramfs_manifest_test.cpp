#include "core/integration/initramfs_manifest.h"

#include <gtest/gtest.h>

#include "test_files.h"
#include "tests/support/temp_dir.h"

namespace kdf::integration {
namespace {

const std::vector<std::string> kSearch = {KDF_PLUGIN_BUILD_DIR};

chain::Config load(const std::string& path) {
    auto l = chain::load_config(path);
    EXPECT_TRUE(l.errors.empty()) << (l.errors.empty() ? "" : l.errors[0]);
    return l.config.value_or(chain::Config{});
}

TEST(InitramfsManifest, ListsExactlyWhatTheChainUses) {
    test::TempDir dir("kdf-integ");
    const std::string id = dir.write("ssh/id", "key\n");
    const std::string kh = dir.write("ssh/kh", "[h]:22 ssh-ed25519 AAAA\n");
    const std::string conf = dir.write("kdf.conf",
                                       "[chain]\ntargets = remote disk\n\n"
                                       "[target remote]\ntype = ssh\nhost = backup.example\npath = /srv\n"
                                       "identity = " + id + "\nknown_hosts = " + kh + "\n\n"
                                       "[target disk]\ntype = local\npath = /mnt/crash/dumps\nmount_point = /mnt/crash\n");
    std::vector<chain::MountEntry> mounts = {{"/", "ext4", "/dev/vda1"}, {"/mnt/crash", "xfs", "/dev/vdb1"}};
    ManifestBuild b = build_initramfs_manifest(load(conf), conf, kSearch, mounts);
    ASSERT_TRUE(b.errors.empty()) << b.errors[0];
    ASSERT_TRUE(b.manifest);
    EXPECT_EQ(render_manifest(*b.manifest),
              "config\t" + conf + "\n"
              "plugin\t" KDF_PLUGIN_BUILD_DIR "/kdf-transport-ssh.so\n"
              "plugin\t" KDF_PLUGIN_BUILD_DIR "/kdf-transport-local.so\n"
              "file\t" + id + "\nfile\t" + kh + "\n"
              "network\tyes\nhost\tbackup.example\n"
              "mount\t/dev/vdb1\t/mnt/crash\txfs\n");
    EXPECT_TRUE(b.warnings.empty());
    EXPECT_TRUE(b.initramfs_warnings.empty());
}

TEST(InitramfsManifest, LocalOnlyChainNeedsNoNetworkAndWarnsAboutUnmountedTargets) {
    test::TempDir dir("kdf-integ");
    const std::string conf = dir.write("kdf.conf",
                                       "[chain]\ntargets = a b\n\n[target a]\ntype = local\npath = /var/crash\n\n"
                                       "[target b]\ntype = local\npath = /mnt/x\nrequire_mount = yes\n");
    ManifestBuild b = build_initramfs_manifest(load(conf), conf, kSearch, {});
    ASSERT_TRUE(b.manifest);
    EXPECT_FALSE(b.manifest->network);
    EXPECT_EQ(b.manifest->plugins.size(), 1u) << "one plugin, listed once for two targets";
    EXPECT_TRUE(b.manifest->mounts.empty());
    ASSERT_EQ(b.initramfs_warnings.size(), 2u);
    EXPECT_NE(b.initramfs_warnings[0].find("target 'a': no mount_point"), std::string::npos) << b.initramfs_warnings[0];
    EXPECT_NE(b.initramfs_warnings[1].find("/mnt/x is not mounted now"), std::string::npos) << b.initramfs_warnings[1];
}

TEST(InitramfsManifest, FenceKdumpNodesAreHostsTheCrashKernelNeedsTheNetworkFor) {
    test::TempDir dir("kdf-integ");
    const std::string conf = dir.write("kdf.conf",
                                       "[chain]\ntargets = a\n\n[target a]\ntype = local\npath = /var/crash\n\n"
                                       "[fence_kdump]\nnodes = node2.example 192.0.2.7\n");
    ManifestBuild b = build_initramfs_manifest(load(conf), conf, kSearch, {});
    ASSERT_TRUE(b.manifest);
    EXPECT_TRUE(b.manifest->network) << "a local-only chain with fence_kdump nodes still needs the network";
    EXPECT_EQ(b.manifest->hosts, (std::vector<std::string>{"node2.example", "192.0.2.7"}));
}

TEST(InitramfsManifest, MissingKeyFileIsAWarningNotAnEntry) {
    test::TempDir dir("kdf-integ");
    const std::string conf = dir.write("kdf.conf",
                                       "[chain]\ntargets = remote\n\n[target remote]\ntype = ssh\nhost = 10.0.0.9\n"
                                       "path = /srv\nidentity = " + dir.file("none") + "\nknown_hosts = " +
                                           dir.file("none2") + "\n");
    ManifestBuild b = build_initramfs_manifest(load(conf), conf, kSearch, {});
    ASSERT_TRUE(b.manifest);
    EXPECT_TRUE(b.manifest->files.empty());
    ASSERT_EQ(b.warnings.size(), 2u);
    EXPECT_NE(b.warnings[0].find(":8: target 'remote': identity " + dir.file("none") + " does not exist"),
              std::string::npos)
        << b.warnings[0];
}

TEST(InitramfsManifest, PluginThatDoesNotLoadOrRefusesItsOptionsIsAnError) {
    test::TempDir dir("kdf-integ");
    const std::string conf = dir.write("kdf.conf",
                                       "[chain]\ntargets = a b\n\n[target a]\ntype = carrier-pigeon\n\n"
                                       "[target b]\ntype = local\npath = /var/crash\ncolour = blue\n");
    ManifestBuild b = build_initramfs_manifest(load(conf), conf, kSearch, {});
    EXPECT_FALSE(b.manifest);
    ASSERT_EQ(b.errors.size(), 2u);
    EXPECT_NE(b.errors[0].find(":4: target 'a'"), std::string::npos) << b.errors[0];
    EXPECT_NE(b.errors[0].find("carrier-pigeon"), std::string::npos) << b.errors[0];
    EXPECT_NE(b.errors[1].find("colour"), std::string::npos) << b.errors[1];
}

}  // namespace
}  // namespace kdf::integration
