// core/lifecycle/node_actions.h - the changes setup and uninstall make, planned first, then done.
//
// A command computes every change before it makes any: file changes (the old and new text) and
// external commands (update-grub, grubby, systemctl, ...). `--dry-run` prints the plan instead:
// each file's change as a unified diff, each command as "would run: ...". Under a sandbox root the
// files are changed in the tree, and the commands, which act on the running system, are printed
// as skipped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/lifecycle/sandbox_root.h"

namespace kdf::lifecycle {

struct FileChange {
    std::string path;                     // as on the system ("/etc/default/grub"); "DIR/": remove DIR if empty
    std::optional<std::string> old_text;  // nullopt: the file does not exist
    std::optional<std::string> new_text;  // nullopt: delete it
    // Restore: the new text is the backup FILE.kdump-failover.bak, which is renamed over the file
    // (byte for byte, with its mode) rather than written anew.
    bool from_backup = false;
    // A file of ours (our grub.d drop-in) is rewritten without a backup: there is no original of
    // the user's to keep, and a FILE.kdump-failover.bak beside it would outlive uninstall.
    bool ours = false;
};

struct ExternalCommand {
    std::vector<std::string> argv;
    std::string why;  // "regenerate GRUB's configuration"
    // False: a failure is reported as a warning and the command after it still runs.
    bool required = true;
};

struct NodePlan {
    std::vector<FileChange> files;
    std::vector<ExternalCommand> commands;
};

struct ApplyOptions {
    bool dry_run = false;
};

// Writes the files (a new file is created with mode 0644, its directory first; an existing one is
// replaced through a temporary file, and backed up once as FILE.kdump-failover.bak), then runs the
// commands in order. Prints one line per change. Returns false when a required step failed (the
// message names the file or the command); the steps after it are not done.
bool apply_plan(const NodePlan& plan, const SandboxRoot& root, const ApplyOptions& options);

// Runs `argv` (searched in PATH) with our stdout/stderr; the exit status, or -1 (message printed)
// when it could not start.
int run_command(const std::vector<std::string>& argv);

// Runs `argv` and returns its standard output (stderr discarded) and exit status.
struct CommandOutput {
    int status = -1;
    std::string out;
};
CommandOutput capture_command(const std::vector<std::string>& argv);

// True when `name` is an executable in PATH (or a path to one).
bool have_program(const std::string& name);

std::string join_argv(const std::vector<std::string>& argv);

// The contents of ROOT/`path`, or nullopt when it does not exist.
std::optional<std::string> read_in_root(const SandboxRoot& root, const std::string& path);

}  // namespace kdf::lifecycle
