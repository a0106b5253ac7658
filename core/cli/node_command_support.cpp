#include "core/cli/node_command_support.h"

#include <sys/utsname.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/cli/command.h"
#include "core/config/mount_info.h"
#include "core/integration/initramfs_manifest.h"
#include "core/lifecycle/node_actions.h"
#include "core/lifecycle/unified_diff.h"
#include "core/plugin/search_path.h"

namespace kdf::cli {

std::string running_release() {
    struct utsname u{};
    return ::uname(&u) == 0 ? u.release : "";
}

std::string self_exe() {
    std::error_code ec;
    auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? "kdump-failover" : p.string();
}

NodeConfig load_node_config(const lifecycle::SandboxRoot& root, const std::string& config_path, bool quiet) {
    NodeConfig out;
    const std::string file = root.path(config_path);
    chain::ConfigLoad loaded = chain::load_config(file);
    if (!loaded.config || !loaded.errors.empty()) {
        if (!quiet)
            for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
        out.error = loaded.errors.empty() ? file + ": cannot be read" : loaded.errors.front();
        return out;
    }
    const chain::Config& config = *loaded.config;
    out.loaded = true;
    out.level = config.dump.level;
    out.needed_files = {self_exe(), config_path};
    const auto search = plugin::plugin_search_path(config.chain.plugin_path);
    const auto mounts = chain::parse_mountinfo(chain::read_small_file("/proc/self/mountinfo").value_or(""));
    auto built = integration::build_initramfs_manifest(config, file, search, mounts);
    if (built.manifest) {
        for (const auto& p : built.manifest->plugins) out.needed_files.push_back(p);
        for (const auto& f : built.manifest->files) {
            if (f == file) continue;
            const bool under_root = !root.is_live() && f.starts_with(root.dir() + "/");
            out.needed_files.push_back(under_root ? f.substr(root.dir().size()) : f);
        }
    } else if (!built.errors.empty()) {
        out.error = built.errors.front();
    }
    for (const auto& t : config.targets) {
        auto path = t.plugin_options.find("path");
        if (t.type == "local" && path != t.plugin_options.end() && !path->second.text.starts_with("/dev/"))
            out.local_targets.push_back({t.name, path->second.text});
        else
            out.other_targets.push_back(t.name + " (" + t.type + ")");
    }
    return out;
}

namespace {

// `generate` run on a copy of each kdump file, and the copy diffed against the file: the exact change
// a real run would make, which generate's own dry run only describes.
int generate_diff(const lifecycle::SandboxRoot& root, const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& pending) {
    for (const auto& [file, flag] : {std::pair{"/etc/kdump.conf", "--kdump-conf"}, std::pair{"/etc/default/kdump-tools", "--kdump-tools"}}) {
        const auto old = lifecycle::read_in_root(root, file);
        if (!old) continue;
        char tmpl[] = "/tmp/kdump-failover-dry-run.XXXXXX";
        if (!::mkdtemp(tmpl)) {
            error_line(std::string("cannot make a temporary directory: ") + std::strerror(errno));
            return 1;
        }
        const std::string dir = tmpl, copy = dir + "/" + std::filesystem::path(file).filename().string();
        std::vector<std::string> argv{self_exe(), "generate", flag, copy};
        for (const auto& a : args)
            if (a != "--dry-run") argv.push_back(a);
        if (!root.is_live()) argv.insert(argv.end(), {"--root", root.dir()});
        int rc = 0;
        {
            auto first = pending.find(file);
            const std::string& start = first == pending.end() ? *old : first->second;
            std::FILE* f = std::fopen(copy.c_str(), "w");
            if (f) {
                std::fwrite(start.data(), 1, start.size(), f);
                std::fclose(f);
            }
            const auto r = lifecycle::capture_command(argv);
            rc = r.status;
            if (rc != 0) std::fputs(r.out.c_str(), stderr);
            else std::fputs(lifecycle::unified_diff(root.path(file), old, chain::read_small_file(copy)).c_str(), stdout);
        }
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        if (rc != 0) return rc;
    }
    return 0;
}

}  // namespace

int run_generate(const lifecycle::SandboxRoot& root, std::vector<std::string> args,
                 const std::map<std::string, std::string>& pending) {
    if (std::find(args.begin(), args.end(), "--dry-run") != args.end()) return generate_diff(root, args, pending);
    if (!root.is_live()) {
        args.push_back("--root");
        args.push_back(root.dir());
    }
    std::fflush(stdout);
    return cmd_generate(args);
}

}  // namespace kdf::cli
