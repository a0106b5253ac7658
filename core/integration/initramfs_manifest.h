// core/integration/initramfs_manifest.h - what the crash kernel's initramfs must hold for the chain.
//
// The dracut module (packaging/dracut/99kdump-failover/module-setup.sh) does not parse our config:
// it asks `kdump-failover generate --manifest`, which loads the config with the same loader the
// dump uses, loads each target's plugin and applies its option defaults, and prints one item per
// line, fields separated by a TAB:
//
//   config   <path>                       the config file (installed as /etc/kdump-failover.conf)
//   plugin   <path>                       kdf-transport-<type>.so of each target type in the chain
//   file     <path>                       a file a target reads there (its plugin's crash_kernel_needs():
//                                         ssh's identity and known_hosts, say)
//   network  yes|no                       does any target need the network (its plugin reports
//                                         TransportCap::needs_network for it), or are there
//                                         [fence_kdump] nodes
//   host     <name or address>            a server a network target talks to, or a [fence_kdump]
//                                         node (to pick the NIC), as the config names it
//   mount    <source> <mount point> <fstype>   the filesystem a target's plugin asks mounted, as
//                                         mounted now
//
// Plugins not in the chain are not listed, so the initramfs carries only what this config uses.
// Problems that make an initramfs useless (a plugin that does not load, an option the plugin
// refuses) are errors; things that only fail one target later (a key file that does not exist yet,
// a mount point that is not mounted now) are warnings, because the chain's other targets still work.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/config/mount_info.h"

namespace kdf::integration {

struct InitramfsMount {
    std::string source;       // "/dev/vdb1", "UUID=..." is resolved by the dracut module
    std::string mount_point;
    std::string fstype;
};

struct InitramfsManifest {
    std::string config;
    std::vector<std::string> plugins;        // in chain order, each once
    std::vector<std::string> files;          // each once
    bool network = false;
    std::vector<std::string> hosts;          // each once
    std::vector<InitramfsMount> mounts;      // each mount point once
};

struct ManifestBuild {
    std::optional<InitramfsManifest> manifest;  // absent when errors is not empty
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
    // Warnings that matter only where the chain runs from an initramfs (kdumpctl's dracut image),
    // not where the crash kernel boots the real root (Debian's kdump-tools): which local
    // filesystems the initramfs can mount.
    std::vector<std::string> initramfs_warnings;
    // Files a target reads in the crash kernel that do not exist yet (each also has a warning): a
    // node can still make them before its next image build, a fleet rendering cannot.
    std::vector<std::string> missing_files;
};

// `config_path` must be absolute (it is installed at that path's name in the initramfs and written
// into kdump.conf). `mounts` is the live mount table (parse_mountinfo of /proc/self/mountinfo).
ManifestBuild build_initramfs_manifest(const chain::Config& config, const std::string& config_path,
                                       const std::vector<std::string>& plugin_search,
                                       const std::vector<chain::MountEntry>& mounts);

// The TAB-separated lines described above, each ending in '\n'.
std::string render_manifest(const InitramfsManifest& m);

}  // namespace kdf::integration
