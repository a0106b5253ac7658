#include "core/lifecycle/distribution.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/common/text_words.h"

namespace kdf::lifecycle {

namespace {

// os-release is shell-like KEY=value; values may be quoted with " or '.
std::map<std::string, std::string> read_os_release(const std::string& path) {
    std::map<std::string, std::string> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        const size_t eq = line.find('=');
        if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
        std::string value = line.substr(eq + 1);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        out[line.substr(0, eq)] = value;
    }
    return out;
}

bool exists(const std::string& p) {
    std::error_code ec;
    return std::filesystem::exists(p, ec);
}

int major_version(const std::string& version_id) { return std::atoi(version_id.c_str()); }

}  // namespace

const char* family_name(DistroFamily f) {
    switch (f) {
        case DistroFamily::debian: return "debian";
        case DistroFamily::rhel: return "rhel";
        case DistroFamily::unknown: break;
    }
    return "unknown";
}

Distribution detect_distribution(const SandboxRoot& root) {
    Distribution d;
    auto os = read_os_release(root.path("/etc/os-release"));
    if (os.empty()) os = read_os_release(root.path("/usr/lib/os-release"));
    d.id = os["ID"];
    d.pretty_name = os.count("PRETTY_NAME") ? os["PRETTY_NAME"] : d.id;
    std::vector<std::string> ids{d.id};
    for (auto& w : common::split_words(os["ID_LIKE"])) ids.push_back(w);
    for (const auto& id : ids) {
        if (id == "debian" || id == "ubuntu") {
            d.family = DistroFamily::debian;
            break;
        }
        if (id == "rhel" || id == "fedora" || id == "centos" || id == "amzn") {
            d.family = DistroFamily::rhel;
            break;
        }
    }
    d.ostree = exists(root.path("/run/ostree-booted")) || exists(root.path("/ostree"));
    const int major = major_version(os["VERSION_ID"]);
    if (d.family == DistroFamily::debian) {
        d.kdump_package = "kdump-tools";
        d.kdump_service = "kdump-tools";
        d.kdump_marker_files = {"/usr/sbin/kdump-config", "/etc/default/kdump-tools"};
        d.install_command = "apt-get install kdump-tools";
    } else if (d.family == DistroFamily::rhel) {
        // kdumpctl moved from kexec-tools to its own kdump-utils package in Fedora 40 and RHEL 10.
        const bool split = (d.id == "fedora" && major >= 40) || (d.id != "fedora" && d.id != "amzn" && major >= 10);
        d.kdump_package = split ? "kdump-utils" : "kexec-tools";
        d.kdump_service = "kdump";
        d.kdump_marker_files = {"/usr/bin/kdumpctl", "/usr/sbin/kdumpctl"};
        const bool yum_only = d.id == "amzn" && major == 2;
        d.install_command = std::string(yum_only ? "yum" : "dnf") + " install " + d.kdump_package;
    }
    return d;
}

bool kdump_installed(const Distribution& d, const SandboxRoot& root) {
    for (const auto& f : d.kdump_marker_files)
        if (exists(root.path(f))) return true;
    return false;
}

}  // namespace kdf::lifecycle
