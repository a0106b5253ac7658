// core/fleet/fleet_inputs.h - everything a fleet rendering carries to the nodes, gathered once.
//
// `kdump-failover render` fills this from the config (checked as `generate` checks it, with each
// target's plugin), the kdump.conf `generate` would write, and the files the targets read in the
// crash kernel (keys, known_hosts) with their modes. The renderers only format it, so two renders of
// the same inputs are byte-identical.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kdf::fleet {

// A file placed on every node at `path` (absolute), with `mode` (permission bits) and `bytes`.
struct NodeFile {
    std::string path;
    uint32_t mode = 0644;
    std::string bytes;
};

// Where the packages (prefix /usr) put what the rendered files name.
inline constexpr const char* kNodeBinary = "/usr/sbin/kdump-failover";
inline constexpr const char* kNodeConfig = "/etc/kdump-failover.conf";
inline constexpr const char* kNodeKdumpConf = "/etc/kdump.conf";

struct FleetInputs {
    std::string version;        // kdump-failover's version, the Skyhook package version
    std::string config_text;    // kdump-failover.conf as the nodes get it
    uint32_t config_mode = 0600;
    std::string kdump_conf;     // the final /etc/kdump.conf (kdumpctl), our block included
    std::vector<NodeFile> files;  // keys and known_hosts, sorted by path
    std::string crashkernel;    // "256M", "auto" (Skyhook: the node estimates), ...
};

}  // namespace kdf::fleet
