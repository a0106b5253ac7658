// core/lifecycle/distribution.h - which distribution a root holds, and which kdump it uses.
//
// Read from the root's /etc/os-release (ID, then ID_LIKE, as systemd documents them), so a
// derivative (Ubuntu, Rocky, AlmaLinux, Amazon Linux) is handled as the family it declares. An
// rpm-ostree system (Fedora CoreOS, RHEL CoreOS) is recognised by /run/ostree-booted or /ostree:
// its kernel arguments belong to rpm-ostree, not to a GRUB file.
#pragma once

#include <string>
#include <vector>

#include "core/lifecycle/sandbox_root.h"

namespace kdf::lifecycle {

enum class DistroFamily { debian, rhel, unknown };

struct Distribution {
    DistroFamily family = DistroFamily::unknown;
    std::string id;            // os-release ID ("debian", "rhel", "fedora", "amzn", ...)
    std::string pretty_name;   // os-release PRETTY_NAME, for messages
    bool ostree = false;       // rpm-ostree owns the kernel arguments
    std::string kdump_package; // "kdump-tools", "kdump-utils" or "kexec-tools"
    std::string kdump_service; // the unit that loads the crash kernel: "kdump-tools" or "kdump"
    // The files whose presence says the distribution's kdump is installed (any one suffices).
    std::vector<std::string> kdump_marker_files;
    std::string install_command;  // the one command that installs kdump_package
};

// Reads ROOT/etc/os-release; an unreadable or unknown one gives family `unknown` with `id` set
// from the file when there was one.
Distribution detect_distribution(const SandboxRoot& root);

// True when one of `d.kdump_marker_files` exists under the root.
bool kdump_installed(const Distribution& d, const SandboxRoot& root);

const char* family_name(DistroFamily f);

}  // namespace kdf::lifecycle
