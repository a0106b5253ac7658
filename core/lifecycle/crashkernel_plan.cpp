#include "core/lifecycle/crashkernel_plan.h"

#include <unistd.h>

#include "core/integration/config_file_update.h"
#include "core/lifecycle/grub_cmdline.h"

namespace kdf::lifecycle {

namespace {

// grub-mkconfig sources /etc/default/grub.d/*.cfg on Debian and Ubuntu only; their script says so.
bool grub_reads_drop_ins(const Distribution& d, const SandboxRoot& root) {
    for (const char* p : {"/usr/sbin/grub-mkconfig", "/usr/bin/grub-mkconfig"}) {
        if (auto script = read_in_root(root, p)) return script->find("/default/grub.d/") != std::string::npos;
    }
    return d.family == DistroFamily::debian;
}

ExternalCommand regenerate_grub() {
    return {{"update-grub"}, "regenerate GRUB's configuration (/boot/grub/grub.cfg)", true};
}

}  // namespace

CrashkernelPlan plan_crashkernel(const Distribution& d, const SandboxRoot& root, const std::string& value,
                                 const std::string& live_cmdline) {
    CrashkernelPlan out;
    const std::string arg = "crashkernel=" + value;
    out.before = cmdline_crashkernel(live_cmdline).value_or("");
    if (d.ostree) {
        out.bootloader = "rpm-ostree";
        std::vector<std::string> argv{"rpm-ostree", "kargs"};
        if (!out.before.empty() && out.before != value) argv.push_back("--delete-if-present=crashkernel=" + out.before);
        argv.push_back("--append-if-missing=" + arg);
        out.plan.commands.push_back({argv, "set the kernel arguments of the next deployment", true});
        return out;
    }
    if (grub_reads_drop_ins(d, root)) {
        out.bootloader = "grub-drop-in";
        const auto old = read_in_root(root, kGrubDropIn);
        const std::string text = grub_drop_in_text(value);
        if (old && !grub_drop_in_value(*old)) {
            out.errors.push_back(root.path(kGrubDropIn) + ": exists and was not written by kdump-failover setup; "
                                 "move it away, then run setup again");
            return out;
        }
        if (old != text) out.plan.files.push_back({kGrubDropIn, old, text, false, true});
        const std::string dir = std::string(kGrubDropIn).substr(0, std::string(kGrubDropIn).rfind('/') + 1);
        if (::access(root.path(dir).c_str(), F_OK) != 0) out.created.push_back(dir);
        if (!old) out.created.push_back(kGrubDropIn);
        if (out.before.empty()) {
            if (auto grub = read_in_root(root, kGrubDefault)) out.before = grub_crashkernel(*grub).value_or("");
        }
        out.plan.commands.push_back(regenerate_grub());
        return out;
    }
    out.bootloader = "grubby";
    if (auto grub = read_in_root(root, kGrubDefault)) {
        if (out.before.empty()) out.before = grub_crashkernel(*grub).value_or("");
        auto edit = set_grub_crashkernel(*grub, root.path(kGrubDefault), value);
        if (edit.text != *grub) {
            out.plan.files.push_back({kGrubDefault, *grub, edit.text});
            out.edited.push_back(kGrubDefault);
        }
    }
    out.plan.commands.push_back({{"grubby", "--update-kernel=ALL", "--args=" + arg}, "set " + arg + " in every boot entry", true});
    return out;
}

NodePlan plan_crashkernel_removal(const SetupRecord& r, const SandboxRoot& root, std::vector<std::string>& warnings) {
    NodePlan plan;
    const std::optional<std::string> before =
        r.crashkernel_before.empty() ? std::nullopt : std::optional<std::string>(r.crashkernel_before);
    // Newest first: a directory setup created comes after the files it made in it.
    for (auto it = r.created.rbegin(); it != r.created.rend(); ++it) {
        const std::string& f = *it;
        if (f == kSetupRecordDir) continue;  // holds the record: the caller removes it last
        if (f.ends_with("/")) {
            plan.files.push_back({f, std::nullopt, std::nullopt});
            continue;
        }
        auto now = read_in_root(root, f);
        if (!now) continue;
        if (f == kGrubDropIn && !grub_drop_in_value(*now)) {
            warnings.push_back(root.path(f) + ": no longer the file setup wrote; left in place");
            continue;
        }
        plan.files.push_back({f, now, std::nullopt});
    }
    for (const auto& f : r.edited) {
        auto now = read_in_root(root, f);
        auto original = read_in_root(root, f + integration::kBackupSuffix);
        if (!now) continue;
        if (original && set_grub_crashkernel(*original, f, r.crashkernel).text == *now) {
            plan.files.push_back({f, now, original, true});
            continue;
        }
        // Edited since setup: only our word changes back, the other edits stay.
        auto edit = set_grub_crashkernel(*now, root.path(f), before);
        warnings.push_back(root.path(f) + ": changed since setup; only crashkernel= is set back" +
                           (before ? " to " + *before : std::string(" (removed)")) +
                           (original ? "; the file before setup is " + root.path(f) + integration::kBackupSuffix : ""));
        if (edit.text != *now) plan.files.push_back({f, now, edit.text});
    }
    if (r.bootloader == "grub-drop-in") {
        plan.commands.push_back(regenerate_grub());
    } else if (r.bootloader == "grubby") {
        plan.commands.push_back(before ? ExternalCommand{{"grubby", "--update-kernel=ALL", "--args=crashkernel=" + *before},
                                                         "put crashkernel=" + *before + " back in every boot entry", true}
                                       : ExternalCommand{{"grubby", "--update-kernel=ALL", "--remove-args=crashkernel"},
                                                         "remove crashkernel= from every boot entry", true});
    } else if (r.bootloader == "rpm-ostree") {
        std::vector<std::string> argv{"rpm-ostree", "kargs", "--delete-if-present=crashkernel=" + r.crashkernel};
        if (before) argv.push_back("--append-if-missing=crashkernel=" + *before);
        plan.commands.push_back({argv, "set the kernel arguments of the next deployment back", true});
    }
    return plan;
}

}  // namespace kdf::lifecycle
