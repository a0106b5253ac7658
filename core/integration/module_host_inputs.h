// core/integration/module_host_inputs.h - host files the dracut module bakes into the crash
// initramfs besides the manifest's own files.
//
// kdumpctl rebuilds its image only when kdump.conf (or a watched executable) is newer than the
// image, so `generate` folds every input of the image into the digest line it writes into
// kdump.conf (input_digest.h). The module also reads files the chain's config does not name: the
// crypttab lines and key files of a local backup on LUKS, the host's network profiles (for ip=),
// /etc/hosts and nsswitch.conf (host names in the crash kernel), and dracut's own config (where
// kdump_failover_ip lives). A change to any of them (a new address, a rotated key file) must
// rebuild the image too, or the crash kernel keeps a stale address or key.
#pragma once

#include <string>
#include <vector>

#include "core/integration/initramfs_manifest.h"

namespace kdf::integration {

// Absolute paths below `root` ("/" on a real system; tests give a tree), in a fixed order: files
// of a directory sorted by name. Files that may not exist are listed all the same (their
// appearance must change the digest); directories are listed by their current contents.
//   - local targets (manifest.mounts): /etc/crypttab and each absolute key file it names;
//   - network (manifest.hosts): /etc/hosts, /etc/nsswitch.conf, NetworkManager keyfiles, ifcfg
//     files, /etc/network/interfaces, systemd-networkd .network files, /etc/dracut.conf and
//     /etc/dracut.conf.d/*.conf.
std::vector<std::string> module_host_inputs(const InitramfsManifest& manifest, const std::string& root = "/");

}  // namespace kdf::integration
