#include "core/integration/initramfs_manifest.h"

#include <sys/stat.h>

#include <algorithm>

#include "core/config/target_validation.h"
#include "core/plugin/loader.h"
#include "kdf/options.h"
#include "kdf/transport.h"

namespace kdf::integration {

namespace {

// Options that name a file in the first kernel the target reads in the crash kernel. Kept as a
// table per type: a plugin's `path` option may be a remote directory (ssh), so "every path-typed
// option" would copy the wrong things.
struct FileKey {
    const char* type;
    const char* key;
};
constexpr FileKey kFileKeys[] = {{"ssh", "identity"}, {"ssh", "known_hosts"}};

// Options that name the server of a network target, in the order they are tried.
constexpr const char* kHostKeys[] = {"host", "server", "portal"};

void add_once(std::vector<std::string>& v, const std::string& s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

bool file_exists(const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// A local target in dir mode: the directory whose filesystem the initramfs must mount, or "".
std::string local_mount_point(const TargetConfig& t) {
    if (t.get("mode") == "raw") return {};
    if (!t.get("mount_point").empty()) return t.get("mount_point");
    if (parse_bool(t.get("require_mount")).value_or(false)) return t.get("path");
    return {};
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
        if (has_cap(caps.value(), TransportCap::needs_network)) {
            m.network = true;
            for (const char* key : kHostKeys)
                if (!resolved.get(key).empty()) {
                    add_once(m.hosts, resolved.get(key));
                    break;
                }
        }
        for (const auto& fk : kFileKeys) {
            if (target.type != fk.type) continue;
            const std::string file = resolved.get(fk.key);
            if (file.empty()) continue;
            if (!file_exists(file)) {
                out.warnings.push_back(resolved.where_of(fk.key) + ": target '" + target.name + "': " + fk.key + " " + file +
                                       " does not exist yet, so the crash kernel will not have it (kdump-failover keys / "
                                       "ssh-trust create it; run generate again afterwards)");
                continue;
            }
            add_once(m.files, file);
        }
        if (target.type == "local") {
            const std::string mp = local_mount_point(resolved);
            if (mp.empty()) {
                if (resolved.get("mode") != "raw")
                    out.initramfs_warnings.push_back(label + ": no mount_point, so the initramfs mounts nothing for it; in the crash "
                                                   "kernel " + resolved.get("path") +
                                           " exists only if some other step mounts its filesystem");
                continue;
            }
            auto entry = chain::find_mount(mounts, mp);
            if (!entry) {
                out.initramfs_warnings.push_back(resolved.where_of("mount_point") + ": target '" + target.name + "': " + mp +
                                       " is not mounted now, so the initramfs cannot know which filesystem to mount there");
                continue;
            }
            bool seen = std::any_of(m.mounts.begin(), m.mounts.end(),
                                    [&](const InitramfsMount& x) { return x.mount_point == entry->mount_point; });
            if (!seen) m.mounts.push_back({entry->source, entry->mount_point, entry->fstype});
        }
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
