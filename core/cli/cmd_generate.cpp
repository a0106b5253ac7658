// `kdump-failover generate`: checks the config, then wires the chain into the distribution's kdump
// (kdumpctl's /etc/kdump.conf, or Debian's /etc/default/kdump-tools), idempotently. With
// --manifest it prints what the crash kernel's initramfs needs instead (the dracut module asks).
// With --remove it takes every line of ours out of those files again (the package's removal runs
// it), without reading the config: a broken or deleted config must not keep kdump broken.
//
// Nothing is written unless every step before it succeeded: an invalid config, a plugin that does
// not load, or a hand-broken kdump-failover block changes no file.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>
#include <system_error>

#include "core/config/mount_info.h"
#include "core/chain/supervisor.h"
#include "core/cli/command.h"
#include "core/integration/config_file_update.h"
#include "core/integration/initramfs_manifest.h"
#include "core/integration/input_digest.h"
#include "core/integration/module_host_inputs.h"
#include "core/integration/kdump_conf_edit.h"
#include "core/integration/kdump_tools_edit.h"
#include "core/plugin/search_path.h"

namespace kdf::cli {

namespace {

constexpr const char* kUsage =
    "usage: kdump-failover generate [--config F] [--kdump-conf F] [--kdump-tools F] [--root DIR] [--dry-run] [--manifest | --remove]";
constexpr const char* kKdumpConf = "/etc/kdump.conf";
constexpr const char* kKdumpTools = "/etc/default/kdump-tools";
constexpr int kExitWriteFailed = 1;

std::string absolute(const std::string& path) {
    std::error_code ec;
    auto p = std::filesystem::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

// The binary running now: what kdump.conf's extra_bins must carry into the initramfs.
std::string self_path() {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string(KDF_HELPER_DIR) + "/../../sbin/kdump-failover" : p.string();
}

bool exists(const std::string& path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
}

struct PlannedEdit {
    std::string path;
    std::string old_text;
    integration::ConfEdit edit;
};

void print_lines(std::FILE* out, const std::string& prefix, const std::vector<std::string>& lines) {
    for (const auto& l : lines) std::fprintf(out, "%s%s\n", prefix.c_str(), l.c_str());
}

// Prints every planned edit's warnings and errors; returns how many errors there are (any error
// means no file is written).
size_t report_plan(const std::vector<PlannedEdit>& plan) {
    size_t errors = 0;
    for (const auto& p : plan) {
        print_lines(stderr, "kdump-failover: warning: ", p.edit.warnings);
        print_lines(stderr, "", p.edit.errors);
        errors += p.edit.errors.size();
    }
    return errors;
}

// Writes each planned edit that changes its file (a dry run prints the changes instead); `unchanged`
// is said of a file the edit leaves as it is, and `written` reports a file once it is on disk.
// Returns 0, or kExitWriteFailed when a write failed (the other files are still written).
int apply_plan(const std::vector<PlannedEdit>& plan, bool dry_run, const char* unchanged,
               const std::function<void(const PlannedEdit&, const integration::FileUpdate&)>& written) {
    int rc = 0;
    for (const auto& p : plan) {
        if (p.edit.text == p.old_text) {
            std::printf("%s: %s\n", p.path.c_str(), unchanged);
            continue;
        }
        if (dry_run) {
            std::printf("%s: would change (dry run):\n", p.path.c_str());
            print_lines(stdout, "  ", p.edit.changes);
            continue;
        }
        auto done = integration::update_config_file(p.path, p.old_text, p.edit.text);
        if (!done.is_ok()) {
            error_line(p.path + ": " + done.status().to_string());
            rc = kExitWriteFailed;
            continue;
        }
        written(p, done.value());
    }
    return rc;
}

// `generate --remove`: every file first edited in memory; nothing is written unless all succeed.
int remove_wiring(std::optional<std::string> kdump_conf, std::optional<std::string> kdump_tools, bool dry_run,
                  const std::string& root) {
    if (!kdump_conf && !kdump_tools) {
        if (exists(root + kKdumpConf)) kdump_conf = root + kKdumpConf;
        if (exists(root + kKdumpTools)) kdump_tools = root + kKdumpTools;
        if (!kdump_conf && !kdump_tools) {
            std::printf("neither %s nor %s exists; nothing to remove\n", (root + kKdumpConf).c_str(),
                        (root + kKdumpTools).c_str());
            return 0;
        }
    }
    std::vector<PlannedEdit> plan;
    for (const auto& [path, is_conf] : {std::pair{kdump_conf, true}, std::pair{kdump_tools, false}}) {
        if (!path) continue;
        int err = 0;
        auto text = chain::read_small_file(*path, &err);
        if (!text) {
            if (err == ENOENT) {
                std::printf("%s: does not exist; nothing to remove\n", path->c_str());
                continue;
            }
            error_line(*path + ": cannot read: " + std::string(std::strerror(err)) + "; nothing was changed");
            return chain::kExitUsage;
        }
        plan.push_back({*path, *text,
                        is_conf ? integration::remove_from_kdump_conf(*text, *path)
                                : integration::remove_from_kdump_tools(*text, *path)});
    }
    if (report_plan(plan)) {
        error_line("nothing was changed: remove the kdump-failover lines by hand (the file before the first generate "
                   "is kept as FILE" + std::string(integration::kBackupSuffix) + ")");
        return chain::kExitUsage;
    }
    return apply_plan(plan, dry_run, "no kdump-failover lines; nothing to remove",
                      [](const PlannedEdit& p, const integration::FileUpdate& done) {
        std::printf("%s: kdump-failover removed\n", p.path.c_str());
        print_lines(stdout, "  ", p.edit.changes);
        // The backup holds the file before our first change; now equal to the file, it is clutter.
        // When the user changed their own lines since, it differs, and stays for them to compare.
        auto backup = chain::read_small_file(done.backup_path);
        if (backup && *backup == p.edit.text) {
            if (std::remove(done.backup_path.c_str()) == 0)
                std::printf("  %s deleted: it equals the restored file\n", done.backup_path.c_str());
        } else if (backup) {
            std::printf("  %s kept: it is the file before kdump-failover's first change, and differs from the restored "
                        "file by edits made since\n", done.backup_path.c_str());
        }
    });
}

}  // namespace

int cmd_generate(const Args& args) {
    ArgScanner scan(args, {"--config", "--kdump-conf", "--kdump-tools", "--root"}, {"--dry-run", "--manifest", "--remove"});
    if (!scan.ok() || !scan.positionals().empty() || (scan.flag("--remove") && scan.flag("--manifest"))) {
        error_line(!scan.ok() ? scan.error()
                   : scan.positionals().empty() ? "--remove and --manifest exclude each other"
                                                : "generate takes no positional arguments");
        error_line(kUsage);
        return chain::kExitUsage;
    }
    // --root DIR: a system tree that is not the running one (an image being prepared): the files are
    // read and written under DIR, and what they name (our config) is the path on that system.
    std::string root = scan.value("--root").value_or("");
    while (!root.empty() && root.back() == '/') root.pop_back();
    if (scan.flag("--remove"))
        return remove_wiring(scan.value("--kdump-conf"), scan.value("--kdump-tools"), scan.flag("--dry-run"), root);
    const std::string system_config = root.empty() ? absolute(scan.value("--config").value_or(kDefaultConfig))
                                                   : scan.value("--config").value_or(kDefaultConfig);
    const std::string config_path = root + system_config;
    auto config = load_config_or_report(config_path);
    if (!config) return chain::kExitUsage;

    const auto search = plugin::plugin_search_path(config->chain.plugin_path);
    const auto mountinfo = chain::read_small_file("/proc/self/mountinfo");
    const auto mounts = chain::parse_mountinfo(mountinfo.value_or(""));
    auto built = integration::build_initramfs_manifest(*config, config_path, search, mounts);
    print_lines(stderr, "kdump-failover: warning: ", built.warnings);
    std::optional<std::string> kdump_conf = scan.value("--kdump-conf");
    std::optional<std::string> kdump_tools = scan.value("--kdump-tools");
    if (!kdump_conf && !kdump_tools && !scan.flag("--manifest")) {
        if (exists(root + kKdumpConf)) kdump_conf = root + kKdumpConf;
        if (exists(root + kKdumpTools)) kdump_tools = root + kKdumpTools;
    }
    if (scan.flag("--manifest") || kdump_conf) print_lines(stderr, "kdump-failover: warning: ", built.initramfs_warnings);
    if (!built.manifest) {
        print_lines(stderr, "", built.errors);
        error_line(config_path + ": the chain cannot be set up (" + std::to_string(built.errors.size()) +
                   " problem" + (built.errors.size() == 1 ? "" : "s") + "); nothing was changed");
        return chain::kExitUsage;
    }
    const integration::InitramfsManifest& manifest = *built.manifest;
    if (scan.flag("--manifest")) {
        std::fputs(integration::render_manifest(manifest).c_str(), stdout);
        return 0;
    }

    // Which kdump to wire: the files named, or else whichever of the two is installed (found above).
    if (!kdump_conf && !kdump_tools) {
        error_line(std::string("neither ") + kKdumpConf + " (kdumpctl: kdump-utils/kexec-tools) nor " + kKdumpTools +
                   " (kdump-tools) exists: install the distribution's kdump first, or name the file with "
                   "--kdump-conf/--kdump-tools");
        return kExitWriteFailed;
    }

    std::vector<PlannedEdit> plan;
    auto read_or_report = [&](const std::string& path) -> std::optional<std::string> {
        int err = 0;
        auto text = chain::read_small_file(path, &err);
        if (!text) error_line(path + ": cannot read: " + std::string(std::strerror(err)));
        return text;
    };
    if (kdump_conf) {
        auto text = read_or_report(*kdump_conf);
        if (!text) return chain::kExitUsage;
        integration::KdumpConfWants wants;
        wants.config_path = system_config;
        wants.kdump_post = std::string(KDF_HELPER_DIR) + "/kdump-post";
        // Only executables: kdumpctl refuses anything else in extra_bins. Every other input is in the
        // digest, whose line changes kdump.conf (and so its mtime, which kdumpctl watches) when one does.
        wants.extra_bins.push_back(self_path());
        std::vector<std::string> inputs{self_path(), wants.kdump_post, config_path};
        inputs.insert(inputs.end(), manifest.plugins.begin(), manifest.plugins.end());
        inputs.insert(inputs.end(), manifest.files.begin(), manifest.files.end());
        // What the dracut module reads besides: crypttab and key files, network profiles, hosts.
        const auto host_inputs = integration::module_host_inputs(manifest);
        inputs.insert(inputs.end(), host_inputs.begin(), host_inputs.end());
        wants.inputs_digest = integration::input_digest(inputs);
        std::erase_if(wants.extra_bins, [&](const std::string& f) {
            bool blank = f.find_first_of(" \t") != std::string::npos;
            if (blank)
                std::fprintf(stderr, "kdump-failover: warning: %s: not listed in extra_bins (kdump.conf values are "
                                     "split at blanks); the dracut module still installs it\n", f.c_str());
            return blank;
        });
        wants.dracut_args = {"--add", "kdump-failover"};
        plan.push_back({*kdump_conf, *text, integration::edit_kdump_conf(*text, *kdump_conf, wants)});
    }
    if (kdump_tools) {
        auto text = read_or_report(*kdump_tools);
        if (!text) return chain::kExitUsage;
        plan.push_back({*kdump_tools, *text, integration::edit_kdump_tools(*text, *kdump_tools, {system_config})});
    }

    if (report_plan(plan)) {
        error_line("nothing was changed");
        return chain::kExitUsage;
    }

    bool kdump_conf_changed = false;
    const int rc = apply_plan(plan, scan.flag("--dry-run"), "up to date",
                              [&](const PlannedEdit& p, const integration::FileUpdate& done) {
        std::printf("%s: updated%s\n", p.path.c_str(),
                    done.backup_written ? (" (the original is kept as " + done.backup_path + ")").c_str() : "");
        print_lines(stdout, "  ", p.edit.changes);
        if (kdump_conf && p.path == *kdump_conf) kdump_conf_changed = true;
    });
    if (kdump_conf_changed)
        std::printf("kdumpctl rebuilds its initramfs with the kdump-failover module at its next start "
                    "(kdumpctl restart, or the next boot)\n");
    return rc;
}

}  // namespace kdf::cli
