// core/lifecycle/crashkernel_plan.h - where crashkernel= goes on this distribution, and back out.
//
//   Debian, Ubuntu (grub-mkconfig reads /etc/default/grub.d): a drop-in of ours there, then
//     update-grub. /etc/default/grub, which people edit by hand, is not touched.
//   RHEL, Fedora, CentOS, Amazon Linux: GRUB_CMDLINE_LINUX in /etc/default/grub (the arguments of
//     kernels installed later), and grubby for the installed boot entries (BLS).
//   rpm-ostree (CoreOS): `rpm-ostree kargs`; /usr is read-only and no GRUB file is ours to edit.
// Removal uses the record setup left: created files go, edited files come back from their backup
// byte for byte (or, when edited by hand since, get the old size back in place), and the boot
// loader commands are run with the size that was there before.
#pragma once

#include <string>
#include <vector>

#include "core/lifecycle/distribution.h"
#include "core/lifecycle/node_actions.h"
#include "core/lifecycle/setup_record.h"

namespace kdf::lifecycle {

struct CrashkernelPlan {
    NodePlan plan;
    std::string bootloader;           // as recorded: "grub-drop-in", "grubby", "rpm-ostree"
    std::string before;               // the size in effect before ("" none)
    std::vector<std::string> created;
    std::vector<std::string> edited;
    std::vector<std::string> errors;  // non-empty: nothing may be changed
};

// `live_cmdline`: /proc/cmdline of the running system, "" under a sandbox root.
CrashkernelPlan plan_crashkernel(const Distribution& d, const SandboxRoot& root, const std::string& value,
                                 const std::string& live_cmdline);

// The inverse of what `r` records. Warnings name files that were changed by hand since.
NodePlan plan_crashkernel_removal(const SetupRecord& r, const SandboxRoot& root, std::vector<std::string>& warnings);

}  // namespace kdf::lifecycle
