// `kdump-failover uninstall [--root DIR] [--dry-run]`: undoes `setup` from the record it left
// (/var/lib/kdump-failover/setup.state): crashkernel= back to what it was (files from their
// backups, the boot loader's configuration regenerated), our lines out of kdump.conf or
// /etc/default/kdump-tools (`generate --remove`), the units setup enabled disabled again. The
// distribution's kdump keeps working as before setup; the reservation itself goes at the next boot.
#include <algorithm>
#include <cstdio>

#include "core/chain/supervisor.h"
#include "core/cli/command.h"
#include "core/cli/node_command_support.h"
#include "core/lifecycle/crashkernel_plan.h"
#include "core/lifecycle/kdump_auto_reset.h"
#include "core/lifecycle/node_actions.h"
#include "core/lifecycle/setup_record.h"

namespace kdf::cli {

using namespace kdf::lifecycle;

int cmd_uninstall(const Args& args) {
    ArgScanner scan(args, {"--root"}, {"--dry-run"});
    if (!scan.ok() || !scan.positionals().empty()) {
        error_line(scan.ok() ? "uninstall takes no positional arguments" : scan.error());
        error_line("usage: kdump-failover uninstall [--root DIR] [--dry-run]");
        return chain::kExitUsage;
    }
    const SandboxRoot root(scan.value("--root").value_or("/"));
    const bool dry_run = scan.flag("--dry-run");
    const auto record_text = read_in_root(root, kSetupRecordPath);
    if (!record_text) {
        std::printf("%s: no record of a setup here; nothing to undo\n", root.path(kSetupRecordPath).c_str());
        return 0;
    }
    std::string error;
    const auto record = parse_setup_record(*record_text, root.path(kSetupRecordPath), &error);
    if (!record) {
        error_line(error + "; nothing was changed");
        return chain::kExitUsage;
    }
    std::vector<std::string> warnings;
    NodePlan plan = plan_crashkernel_removal(*record, root, warnings);
    for (const auto& w : warnings) error_line("warning: " + w);
    if (record->auto_reset_set) {
        if (auto conf = read_in_root(root, kKdumpConf)) {
            const std::optional<std::string> before =
                record->auto_reset_before.empty() ? std::nullopt : std::optional<std::string>(record->auto_reset_before);
            auto edit = restore_kdump_auto_reset(*conf, root.path(kKdumpConf), before);
            if (edit.text != *conf) plan.files.push_back({kKdumpConf, *conf, edit.text});
        }
    }
    for (const auto& u : record->enabled)
        plan.commands.push_back({{"systemctl", "disable", u}, "leave " + u + " as it was before setup", false});
    if (!apply_plan(plan, root, {dry_run})) {
        error_line("uninstall stopped; the record " + root.path(kSetupRecordPath) + " is kept, run it again once fixed");
        return 1;
    }
    std::vector<std::string> gen{"--remove"};
    if (dry_run) gen.push_back("--dry-run");
    if (const int rc = run_generate(root, gen); rc != 0) {
        error_line("generate --remove failed (exit " + std::to_string(rc) + "); the record " +
                   root.path(kSetupRecordPath) + " is kept");
        return rc;
    }
    NodePlan forget;
    forget.files.push_back({kSetupRecordPath, record_text, std::nullopt});
    if (std::find(record->created.begin(), record->created.end(), kSetupRecordDir) != record->created.end())
        forget.files.push_back({kSetupRecordDir, std::nullopt, std::nullopt});
    if (!apply_plan(forget, root, {dry_run})) return 1;
    if (!dry_run)
        std::printf("uninstalled; the crash kernel's memory stays reserved until the next reboot%s\n",
                    record->crashkernel_before.empty() ? "" : (" (then crashkernel=" + record->crashkernel_before + ")").c_str());
    return 0;
}

}  // namespace kdf::cli
