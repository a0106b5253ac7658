#include "core/integration/module_host_inputs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace kdf::integration {

namespace {

std::string below(const std::string& root, const std::string& rel) {
    std::string r = root;
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    return (r == "/" ? "" : r) + "/" + rel;
}

// The regular files of DIR whose names end in SUFFIX (or start with PREFIX), sorted; none when
// DIR does not exist.
void add_dir(std::vector<std::string>& out, const std::string& dir, const std::string& prefix,
             const std::string& suffix) {
    std::vector<std::string> found;
    std::error_code ec;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.starts_with(prefix) || !name.ends_with(suffix)) continue;
        std::error_code type_ec;
        if (it->is_regular_file(type_ec)) found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
}

// The absolute key files /etc/crypttab names (third field), in its order.
void add_crypttab_keys(std::vector<std::string>& out, const std::string& crypttab) {
    std::ifstream in(crypttab);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name, device, key;
        if (!(fields >> name >> device >> key) || name.starts_with("#")) continue;
        if (key.starts_with("/") && std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
    }
}

}  // namespace

std::vector<std::string> module_host_inputs(const InitramfsManifest& manifest, const std::string& root) {
    std::vector<std::string> out;
    if (!manifest.mounts.empty()) {
        const std::string crypttab = below(root, "etc/crypttab");
        out.push_back(crypttab);
        add_crypttab_keys(out, crypttab);
    }
    if (!manifest.hosts.empty()) {
        out.push_back(below(root, "etc/hosts"));
        out.push_back(below(root, "etc/nsswitch.conf"));
        for (const char* d : {"etc/NetworkManager/system-connections", "run/NetworkManager/system-connections",
                              "usr/lib/NetworkManager/system-connections"})
            add_dir(out, below(root, d), "", ".nmconnection");
        add_dir(out, below(root, "etc/sysconfig/network-scripts"), "ifcfg-", "");
        out.push_back(below(root, "etc/network/interfaces"));
        for (const char* d : {"etc/systemd/network", "run/systemd/network", "usr/lib/systemd/network"})
            add_dir(out, below(root, d), "", ".network");
        out.push_back(below(root, "etc/dracut.conf"));
        add_dir(out, below(root, "etc/dracut.conf.d"), "", ".conf");
    }
    return out;
}

}  // namespace kdf::integration
