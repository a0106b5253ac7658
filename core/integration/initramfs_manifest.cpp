#include "core/integration/initramfs_manifest.h"

#include <sys/stat.h>

#include <algorithm>

#include "core/config/target_validation.h"
#include "core/plugin/loader.h"
#include "kdf/options.h"
#include "kdf/transport.h"

namespace kdf::integration {

namespace {

void add_once(std::vector<std::string>& v, const std::string& s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

bool file_exists(const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

ManifestBuild build_initramfs_manifest(const chain::Config& config, const std::string& config_path,
                                       const std::vector<std::string>& plugin_search,
                                       const std::vector<chain::MountEntry>& mounts) {
    ManifestBuild out;
    InitramfsManifest m;
    m.config = config_path;
    for (const auto& target : config.targets) {
        const std::string label = target.where + ": target '" + target.name + "'";
        auto loaded = plugin::load_plugin(target.type, plugin_search);
        if (!loaded.is_ok()) {
            out.errors.push_back(label + ": " + loaded.status().to_string());
            continue;
        }
        TargetConfig resolved;
        auto problems = chain::validate_target(target, loaded->describe(), resolved);
        out.errors.insert(out.errors.end(), problems.begin(), problems.end());
        if (!problems.empty()) continue;
        if (Status s = loaded->transport->check(resolved); !s.is_ok()) {
            out.errors.push_back(label + ": " + s.to_string());
            continue;
        }
        add_once(m.plugins, loaded->file);

        auto caps = plugin::target_capabilities(loaded.value(), resolved);
        if (!caps.is_ok()) {
            out.errors.push_back(label + ": " + caps.status().to_string());
            continue;
        }
        auto needs = loaded->transport->crash_kernel_needs(resolved);
        if (!needs.is_ok()) {
            out.errors.push_back(label + ": " + needs.status().to_string());
            continue;
        }
        if (has_cap(caps.value(), TransportCap::needs_network)) {
            m.network = true;
            for (const std::string& host : needs->hosts) add_once(m.hosts, host);
        }
        for (const auto& file : needs->files) {
            if (file.path.empty()) continue;
            if (!file_exists(file.path)) {
                std::string hint = file.when_missing.empty() ? "" : " (" + file.when_missing + "; run generate again afterwards)";
                out.warnings.push_back(resolved.where_of(file.key) + ": target '" + target.name + "': " + file.key + " " +
                                       file.path + " does not exist yet, so the crash kernel will not have it" + hint);
                add_once(out.missing_files, file.path);
                continue;
            }
            add_once(m.files, file.path);
        }
        for (const std::string& note : needs->notes) out.initramfs_warnings.push_back(label + ": " + note);
        if (!needs->mount_point.empty()) {
            auto entry = chain::find_mount(mounts, needs->mount_point);
            if (!entry) {
                out.initramfs_warnings.push_back(resolved.where_of(needs->mount_key) + ": target '" + target.name + "': " +
                                                 needs->mount_point +
                                                 " is not mounted now, so the initramfs cannot know which filesystem to mount there");
                continue;
            }
            bool seen = std::any_of(m.mounts.begin(), m.mounts.end(),
                                    [&](const InitramfsMount& x) { return x.mount_point == entry->mount_point; });
            if (!seen) m.mounts.push_back({entry->source, entry->mount_point, entry->fstype});
        }
    }
    // The crash kernel sends fence_kdump notices to these nodes: their network must come up too.
    if (config.fence) {
        for (const std::string& node : config.fence->nodes) add_once(m.hosts, node);
        if (!config.fence->nodes.empty()) m.network = true;
    }
    if (out.errors.empty()) out.manifest = std::move(m);
    return out;
}

std::string render_manifest(const InitramfsManifest& m) {
    std::string out = "config\t" + m.config + "\n";
    for (const auto& p : m.plugins) out += "plugin\t" + p + "\n";
    for (const auto& f : m.files) out += "file\t" + f + "\n";
    out += std::string("network\t") + (m.network ? "yes" : "no") + "\n";
    for (const auto& h : m.hosts) out += "host\t" + h + "\n";
    for (const auto& x : m.mounts) out += "mount\t" + x.source + "\t" + x.mount_point + "\t" + x.fstype + "\n";
    return out;
}

}  // namespace kdf::integration
