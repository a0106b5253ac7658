// core/lifecycle/sandbox_root.h - the system the node commands act on: "/" or a tree given by --root.
//
// setup, status, estimate and uninstall read and write every file through a SandboxRoot, so the
// same code edits a live system or a sandbox copy of one (an image being prepared, or a test's
// tree). Commands that can only act on the running system (systemctl, update-grub, grubby,
// rpm-ostree) are not run under a sandbox root: they are printed as skipped instead.
#pragma once

#include <string>

namespace kdf::lifecycle {

class SandboxRoot {
public:
    explicit SandboxRoot(std::string root = "/") : root_(root.empty() ? "/" : std::move(root)) {
        while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
    }
    // True for the running system ("/"): external commands may run.
    bool is_live() const { return root_ == "/"; }
    const std::string& dir() const { return root_; }
    // `system_path` ("/etc/default/grub") as seen from here: "ROOT/etc/default/grub".
    std::string path(const std::string& system_path) const { return is_live() ? system_path : root_ + system_path; }

private:
    std::string root_;
};

}  // namespace kdf::lifecycle
