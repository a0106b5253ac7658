// core/lifecycle/node_status.h - is this node ready to save a crash dump through the chain?
//
// Each check reads the system itself, never our own records: the kernel's command line and its
// reservation (/proc/cmdline, /proc/iomem, /sys/kernel/kexec_crash_size), whether a crash kernel is
// loaded (/sys/kernel/kexec_crash_loaded), on arm64 whether the crash header kexec writes will be
// sound (kexec_crash_header.h), the distribution's kdump unit (systemctl), the crash
// initramfs as a file (unpacked and listed: our binary, plugins, config and keys must be inside,
// and the config there must be the config here), each target probed (`check --probe`), the
// estimated dump at the configured level against each local target's free space, and the
// reservation against the crashkernel= estimate.
//
// A check is ok, degraded (kdump still saves a dump, but not everything the config asks will
// happen), not_ready (no dump will be saved at all: nothing reserved, nothing loaded, or an
// unreadable /proc/vmcore), or
// skipped (not knowable here: under a sandbox root, or not asked for).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/lifecycle/distribution.h"
#include "core/lifecycle/sandbox_root.h"

namespace kdf::lifecycle {

enum class CheckState { ok, degraded, not_ready, skipped };

struct StatusCheck {
    std::string name;    // "reservation"
    CheckState state = CheckState::ok;
    std::string detail;  // one line for people
    // Facts for automation: key and JSON value (already encoded: "true", "123", "\"text\"").
    std::vector<std::pair<std::string, std::string>> facts;
};

struct LocalTargetPath {
    std::string target;  // its name
    std::string path;    // its directory, as on the system
};

struct StatusInputs {
    SandboxRoot root;
    Distribution distro;
    std::string release;      // the running kernel's release ("" under a sandbox root)
    std::string config_path;  // as on the system
    bool config_loaded = false;
    std::string config_error;
    int level = 31;
    // What the crash boot needs of ours, as paths on the system: binary, config, plugins, keys.
    std::vector<std::string> needed_files;
    std::vector<LocalTargetPath> local_targets;
    std::vector<std::string> other_targets;  // "name (type)" of targets whose free space is not known here
    bool probe = true;
    std::string self_exe;     // this binary, to run `check --probe`
};

struct NodeStatus {
    std::vector<StatusCheck> checks;
    // 0 ready, 1 degraded, 2 not ready.
    int exit_code() const;
};

NodeStatus gather_status(const StatusInputs& in);

const char* state_name(CheckState s);

// JSON string literal of `s`, quotes included.
std::string json_string(const std::string& s);

}  // namespace kdf::lifecycle
