// `kdump-failover setup [--crashkernel SIZE|auto] [--config F] [--root DIR] [--dry-run] [--install]`:
// makes this node save its crash dumps through the chain, in the distribution's own way:
//   1. which distribution (os-release), and is its kdump installed (kdump-tools, or kdumpctl from
//      kdump-utils/kexec-tools)? If not, the one command that installs it; --install runs it.
//   2. crashkernel= where the boot loader takes it (core/lifecycle/crashkernel_plan.h), and the
//      boot loader's configuration regenerated; `auto` is the size `estimate` gives.
//   3. `generate`: the chain wired into kdump.conf or /etc/default/kdump-tools.
//   4. the distribution's kdump unit and kdump-failover.service enabled.
// Every step is planned before any is made; what it changes is recorded for `uninstall` (and every
// file it edits is backed up once). Running it again changes nothing that is already as asked.
// --dry-run prints each file's change as a diff and each command it would run.
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

#include "core/chain/supervisor.h"
#include "core/cli/command.h"
#include "core/common/text_words.h"
#include "core/cli/node_command_support.h"
#include "core/config/mount_info.h"
#include "core/lifecycle/crashkernel_plan.h"
#include "core/lifecycle/grub_cmdline.h"
#include "core/lifecycle/kdump_auto_reset.h"
#include "core/lifecycle/node_actions.h"
#include "core/lifecycle/setup_record.h"

namespace kdf::cli {

using namespace kdf::lifecycle;

namespace {

constexpr const char* kUsage =
    "usage: kdump-failover setup [--crashkernel SIZE|auto] [--config F] [--root DIR] [--dry-run] [--install]";

// What crashkernel= accepts: a size ("256M"), or ranges ("1G-4G:192M,4G-:256M"), with an optional
// "@offset"; anything else would reach the kernel command line as a typo.
bool valid_crashkernel(const std::string& v) {
    if (v.empty() || v.find_first_not_of("0123456789KMGTkmgt:-,@") != std::string::npos) return false;
    return crashkernel_bytes(v, 0) != 0 || crashkernel_bytes(v, UINT64_MAX / 2) != 0 ||
           v.find(':') != std::string::npos;
}

bool unit_enabled(const std::string& unit) {
    const auto r = capture_command({"systemctl", "is-enabled", unit});
    return r.status == 0;
}

}  // namespace

int cmd_setup(const Args& args) {
    ArgScanner scan(args, {"--crashkernel", "--config", "--root"}, {"--dry-run", "--install"});
    if (!scan.ok() || !scan.positionals().empty()) {
        error_line(scan.ok() ? "setup takes no positional arguments" : scan.error());
        error_line(kUsage);
        return chain::kExitUsage;
    }
    const SandboxRoot root(scan.value("--root").value_or("/"));
    const bool dry_run = scan.flag("--dry-run");
    const std::string config_path = scan.value("--config").value_or(kDefaultConfig);

    // 1. The distribution and its kdump.
    const Distribution d = detect_distribution(root);
    if (d.family == DistroFamily::unknown) {
        error_line(root.path("/etc/os-release") + ": distribution '" + d.id +
                   "' is not one setup knows (Debian, Ubuntu; RHEL, Fedora, CentOS, Amazon Linux); nothing was changed");
        return chain::kExitUsage;
    }
    std::printf("%s: %s family, kdump from %s%s\n", d.pretty_name.c_str(), family_name(d.family), d.kdump_package.c_str(),
                d.ostree ? ", rpm-ostree" : "");
    if (!kdump_installed(d, root)) {
        if (!scan.flag("--install") || !root.is_live()) {
            error_line(d.kdump_package + " is not installed" + (root.is_live() ? "" : " under " + root.dir()) + ": `" +
                       d.install_command + "` installs it (or `setup --install`); nothing was changed");
            return chain::kExitUsage;
        }
        std::vector<std::string> argv = common::split_words(d.install_command);
        argv.insert(argv.begin() + 2, "-y");
        if (dry_run) {
            std::printf("would run: %s\n", join_argv(argv).c_str());
        } else if (run_command(argv) != 0) {
            error_line("`" + join_argv(argv) + "` failed; nothing else was changed");
            return 1;
        }
    }
    if (!read_in_root(root, config_path)) {
        error_line(root.path(config_path) + ": no config: write the chain's targets there first "
                   "(the package's kdump-failover.conf.example has every key); nothing was changed");
        return chain::kExitUsage;
    }

    // The config must load before anything changes: generate (step 3) would refuse it after the
    // boot loader was already edited.
    if (const NodeConfig config = load_node_config(root, config_path, false); !config.loaded) {
        error_line(root.path(config_path) + ": not a valid config (above); nothing was changed");
        return chain::kExitUsage;
    }

    // 2. crashkernel=.
    std::string size = scan.value("--crashkernel").value_or("auto");
    if (size == "auto") {
        const NodeConfig config = load_node_config(root, config_path, true);
        const NodeEstimate e = estimate_node(root, d, config.level);
        size = e.crashkernel.value();
        std::printf("crashkernel=auto: %s (kdump-failover estimate)\n", size.c_str());
    } else if (!valid_crashkernel(size)) {
        error_line("--crashkernel " + size + ": not a size (256M) or ranges (1G-4G:192M,4G-:256M); nothing was changed");
        return chain::kExitUsage;
    }
    const std::string cmdline = root.is_live() ? chain::read_small_file("/proc/cmdline").value_or("") : "";
    CrashkernelPlan ck = plan_crashkernel(d, root, size, cmdline);
    if (!ck.errors.empty()) {
        for (const auto& e : ck.errors) error_line(e);
        error_line("nothing was changed");
        return chain::kExitUsage;
    }
    NodePlan plan = ck.plan;
    // kdumpctl would put its own size back at the next kernel update (kdump_auto_reset.h).
    std::optional<std::string> auto_reset_before;
    bool auto_reset_set = false;
    if (d.family == DistroFamily::rhel) {
        if (auto conf = read_in_root(root, kKdumpConf)) {
            auto_reset_before = kdump_auto_reset(*conf);
            auto edit = set_kdump_auto_reset(*conf, root.path(kKdumpConf), "no");
            if (edit.text != *conf) {
                plan.files.push_back({kKdumpConf, *conf, edit.text});
                auto_reset_set = true;
            }
        }
    }

    // A boot loader tool that is not here (a machine without GRUB's update-grub, or without grubby)
    // is found now, before any file changes.
    if (root.is_live() && !dry_run)
        for (const auto& c : plan.commands)
            if (!have_program(c.argv[0])) {
                error_line(c.argv[0] + " is not installed, so setup cannot " + c.why + ": set crashkernel=" + size +
                           " in this machine's boot loader by hand; nothing was changed");
                return 1;
            }

    // 4 (planned now, run after generate). Units setup enables, and uninstall disables again.
    std::vector<std::string> enable;
    if (root.is_live() && have_program("systemctl"))
        for (const std::string& unit : {d.kdump_service + ".service", std::string("kdump-failover.service")})
            if (!unit_enabled(unit)) enable.push_back(unit);

    // The record first: a run cut short still leaves uninstall the list of what it may have changed.
    std::string error;
    const auto old_record_text = read_in_root(root, kSetupRecordPath);
    SetupRecord record;
    if (old_record_text) {
        auto parsed = parse_setup_record(*old_record_text, root.path(kSetupRecordPath), &error);
        if (!parsed) {
            error_line(error + "; nothing was changed");
            return chain::kExitUsage;
        }
        record = *parsed;
    } else {
        record.crashkernel_before = ck.before;
        if (::access(root.path(kSetupRecordDir).c_str(), F_OK) != 0) add_once(record.created, kSetupRecordDir);
    }
    record.crashkernel = size;
    record.bootloader = ck.bootloader;
    for (const auto& f : ck.created) add_once(record.created, f);
    for (const auto& f : ck.edited) add_once(record.edited, f);
    for (const auto& u : enable) add_once(record.enabled, u);
    if (auto_reset_set && !record.auto_reset_set) {
        record.auto_reset_set = true;
        record.auto_reset_before = auto_reset_before.value_or("");
    }
    for (const char* f : {"/etc/kdump.conf", "/etc/default/kdump-tools"})
        if (read_in_root(root, f)) add_once(record.wired, f);
    const std::string record_text = render_setup_record(record);
    if (record_text != old_record_text)
        plan.files.insert(plan.files.begin(), {kSetupRecordPath, old_record_text, record_text, false, true});

    // A dry run shows kdump.conf once, with generate's edit on top of ours: the diff a real run makes.
    std::map<std::string, std::string> pending;
    if (dry_run)
        std::erase_if(plan.files, [&](const FileChange& f) {
            const bool wired = f.path == kKdumpConf && f.new_text;
            if (wired) pending[f.path] = *f.new_text;
            return wired;
        });
    if (!apply_plan(plan, root, {dry_run})) {
        error_line("setup stopped; `kdump-failover uninstall` undoes what was done");
        return 1;
    }

    // 3. The chain in the distribution's kdump files.
    std::vector<std::string> gen{"--config", config_path};
    if (dry_run) gen.push_back("--dry-run");
    if (const int rc = run_generate(root, gen, pending); rc != 0) {
        error_line("generate failed (exit " + std::to_string(rc) + "); `kdump-failover uninstall` undoes what was done");
        return rc;
    }

    // 4. The units.
    NodePlan units;
    for (const auto& u : enable) units.commands.push_back({{"systemctl", "enable", u}, "start " + u + " at boot", true});
    if (!apply_plan(units, root, {dry_run})) return 1;

    const auto now = cmdline_crashkernel(cmdline);
    if (!root.is_live())
        std::printf("set up under %s: crashkernel=%s takes effect at that system's next boot, after the commands "
                    "skipped above\n", root.dir().c_str(), size.c_str());
    else if (!dry_run && (!now || *now != size))
        std::printf("reboot to reserve the crash kernel's memory (crashkernel=%s); then `kdump-failover status`\n", size.c_str());
    else if (!dry_run)
        std::printf("crashkernel=%s is already in effect; `kdump-failover status` checks the rest\n", size.c_str());
    return 0;
}

}  // namespace kdf::cli
