// core/cli/node_command_support.h - what setup, status, estimate and uninstall share: the config of
// the node's system (under --root too), the running kernel's release, the estimate.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/lifecycle/crashkernel_estimate.h"
#include "core/lifecycle/distribution.h"
#include "core/lifecycle/node_status.h"
#include "core/lifecycle/page_census.h"

namespace kdf::cli {

struct NodeConfig {
    bool loaded = false;
    std::string error;     // why not, one line
    int level = 31;        // [dump] level; 31 when there is no config
    std::vector<std::string> needed_files;  // what the crash boot needs of ours (system paths)
    std::vector<lifecycle::LocalTargetPath> local_targets;
    std::vector<std::string> other_targets;
};

// Loads `config_path` (a path on the node's system) from under `root`, and the files the crash boot
// needs (the binary, the config, the plugins, the keys), as `generate --manifest` lists them.
// `quiet`: config errors are not printed (only summarised in `error`).
NodeConfig load_node_config(const lifecycle::SandboxRoot& root, const std::string& config_path, bool quiet);

std::string running_release();  // uname -r
std::string self_exe();         // this binary

struct NodeEstimate {
    int level = 31;
    lifecycle::PageCensus census;
    lifecycle::CrashkernelEstimate crashkernel;
    uint64_t initramfs_unpacked = 0;
    uint64_t dump_bytes = 0;
    std::string image_path;
    std::string image_error;
};

NodeEstimate estimate_node(const lifecycle::SandboxRoot& root, const lifecycle::Distribution& d, int level);

// Runs `generate` in this process with `args` (--root added for a sandbox root). With --dry-run it
// prints the exact diff of each kdump file instead; `pending` holds the text another step of the
// same dry run would have written to a file first (by system path), which generate then edits.
int run_generate(const lifecycle::SandboxRoot& root, std::vector<std::string> args,
                 const std::map<std::string, std::string>& pending = {});

}  // namespace kdf::cli
