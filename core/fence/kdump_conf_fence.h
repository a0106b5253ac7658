// core/fence/kdump_conf_fence.h - the fence_kdump nodes kdump itself would notify, from kdump.conf.
//
// A node set up the usual way for Pacemaker or oVirt names its peers in kdump.conf
// (`fence_kdump_nodes node1 node2`, options for the sender in `fence_kdump_args`), and kdump's
// crash-kernel script starts fence_kdump_send with them before its dump. When the chain saves the
// dump instead, the same peers must hear the same notices, so a config without [fence_kdump] falls
// back to these lines. In a kdumpctl-built image /etc/kdump.conf already carries Pacemaker's node
// list as well: kdump's dracut module appends it as `fence_kdump_nodes` (from the cluster's CIB, its
// args from the fence_kdump sysconfig file) when the node is in a cluster with a fence_kdump device.
//
// kdump.conf is read as kdump reads it: blank lines and lines starting with '#' are skipped, a
// trailing "# comment" and one pair of surrounding double quotes are removed, the last line of a
// key wins. fence_kdump_args takes fence_kdump_send's options: -p PORT and -i INTERVAL (seconds) are
// used; -f FAMILY, -c COUNT and -v are accepted and have no effect here (each node's address
// decides its family, and notices go on until the dump is over); anything else is reported and
// ignored, because a notice problem must never stop a dump.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kdf::fence {

struct KdumpConfFence {
    std::vector<std::string> nodes;
    uint16_t port = 7410;                       // fence_kdump_send's default
    std::chrono::milliseconds interval{10'000};  // fence_kdump_send's default
    std::vector<std::string> warnings;           // "FILE:LINE: ..." for arguments that were ignored
};

// The fence_kdump settings in kdump.conf `text` (`file` names it in warnings); nullopt when it has no
// fence_kdump_nodes (or the line is empty).
std::optional<KdumpConfFence> parse_kdump_conf_fence(const std::string& text, const std::string& file);

// The same for the file at `path`; nullopt when it cannot be read (a system without kdumpctl).
std::optional<KdumpConfFence> read_kdump_conf_fence(const std::string& path);

}  // namespace kdf::fence
