// The host files the dracut module bakes into the image besides the manifest's: each must be in
// the digest, so that a new address or a rotated LUKS key file rebuilds kdumpctl's image.
#include "core/integration/module_host_inputs.h"

#include <gtest/gtest.h>

#include "core/integration/input_digest.h"
#include "tests/support/temp_dir.h"

namespace kdf::integration {
namespace {

InitramfsManifest with_backup_and_network() {
    InitramfsManifest m;
    m.mounts.push_back({});
    m.hosts = {"nas.example"};
    m.network = true;
    return m;
}

TEST(ModuleHostInputs, ListsCrypttabKeysProfilesHostsAndDracutConfig) {
    test::TempDir root{"kdf-host-inputs"};
    const std::string key = root.write("etc/keys/backup.key", "secret");
    root.write("etc/crypttab", "# comment\nbackup UUID=1234 " + key + " luks\nasks UUID=5678 none luks\n");
    root.write("etc/NetworkManager/system-connections/b.nmconnection", "[ipv4]\nmethod=auto\n");
    root.write("etc/NetworkManager/system-connections/a.nmconnection", "[ipv4]\nmethod=auto\n");
    root.write("etc/NetworkManager/system-connections/readme.txt", "not a profile");
    root.write("etc/sysconfig/network-scripts/ifcfg-eth0", "BOOTPROTO=dhcp\n");
    root.write("usr/lib/systemd/network/50-wired.network", "[Match]\nName=en*\n");
    root.write("etc/dracut.conf.d/kdump-failover.conf", "kdump_failover_ip=none\n");
    const std::string r = root.path();
    const std::vector<std::string> expected{
        r + "/etc/crypttab",
        key,
        r + "/etc/hosts",
        r + "/etc/nsswitch.conf",
        r + "/etc/NetworkManager/system-connections/a.nmconnection",
        r + "/etc/NetworkManager/system-connections/b.nmconnection",
        r + "/etc/sysconfig/network-scripts/ifcfg-eth0",
        r + "/etc/network/interfaces",
        r + "/usr/lib/systemd/network/50-wired.network",
        r + "/etc/dracut.conf",
        r + "/etc/dracut.conf.d/kdump-failover.conf",
    };
    EXPECT_EQ(module_host_inputs(with_backup_and_network(), r), expected);
}

TEST(ModuleHostInputs, NothingWithoutLocalTargetsOrNetwork) {
    test::TempDir root{"kdf-host-inputs"};
    root.write("etc/crypttab", "backup UUID=1234 /k luks\n");
    EXPECT_TRUE(module_host_inputs(InitramfsManifest{}, root.path()).empty());
}

TEST(ModuleHostInputs, ARotatedKeyANewAddressOrHostsEntryMovesTheDigest) {
    test::TempDir root{"kdf-host-inputs"};
    const std::string key = root.write("etc/keys/backup.key", "old key");
    root.write("etc/crypttab", "backup UUID=1234 " + key + " luks\n");
    root.write("etc/NetworkManager/system-connections/eth0.nmconnection", "[ipv4]\nmethod=manual\naddress1=192.0.2.5/24\n");
    root.write("etc/hosts", "192.0.2.9 nas.example\n");
    const auto m = with_backup_and_network();
    const std::string before = input_digest(module_host_inputs(m, root.path()));
    EXPECT_EQ(input_digest(module_host_inputs(m, root.path())), before);
    root.write("etc/keys/backup.key", "new key");
    const std::string after_key = input_digest(module_host_inputs(m, root.path()));
    EXPECT_NE(after_key, before);
    root.write("etc/NetworkManager/system-connections/eth0.nmconnection", "[ipv4]\nmethod=manual\naddress1=192.0.2.6/24\n");
    const std::string after_address = input_digest(module_host_inputs(m, root.path()));
    EXPECT_NE(after_address, after_key);
    root.write("etc/hosts", "192.0.2.10 nas.example\n");
    EXPECT_NE(input_digest(module_host_inputs(m, root.path())), after_address);
}

}  // namespace
}  // namespace kdf::integration
