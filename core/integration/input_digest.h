// core/integration/input_digest.h - one digest over every file the crash kernel's chain is built from.
//
// kdumpctl decides whether to rebuild its initramfs by comparing the image's mtime with the mtimes
// of the files it watches: kdump.conf, the kernel, and extra_bins, which must all be executables.
// Our config, the plugins (0644 shared objects), the ssh identity and known_hosts cannot go there,
// and the binary's mtime is the package's build time, older than any image after an upgrade. So
// `generate` writes a digest of all of them as a comment inside its kdump.conf block: when any
// input changes, the next generate rewrites that line, kdump.conf's mtime moves, and kdumpctl
// rebuilds.
//
// The digest is for change detection only (FNV-1a, 64 bits, over each path, its presence and its
// bytes): it is not an integrity check against someone who can write those files anyway.
#pragma once

#include <string>
#include <vector>

namespace kdf::integration {

// "fnv1a64:<16 hex digits>". A file that is missing or unreadable counts as "absent", so its
// appearance later changes the digest too. The order of `paths` matters.
std::string input_digest(const std::vector<std::string>& paths);

}  // namespace kdf::integration
