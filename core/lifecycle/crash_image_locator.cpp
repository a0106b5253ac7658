#include "core/lifecycle/crash_image_locator.h"

#include <filesystem>

namespace kdf::lifecycle {

namespace fs = std::filesystem;

CrashImage locate_crash_image(const Distribution& d, const SandboxRoot& root, const std::string& release) {
    CrashImage out;
    std::string dir, prefix, suffix;
    if (d.family == DistroFamily::debian) {
        dir = "/var/lib/kdump", prefix = "initrd.img-", suffix = "";
    } else if (d.family == DistroFamily::rhel) {
        dir = "/boot", prefix = "initramfs-", suffix = "kdump.img";
    } else {
        out.looked = "no crash initramfs location is known for distribution '" + d.id + "'";
        return out;
    }
    std::error_code ec;
    if (!release.empty()) {
        out.path = dir + "/" + prefix + release + suffix;
        out.looked = root.path(out.path);
        if (!fs::exists(root.path(out.path), ec)) out.path.clear();
        return out;
    }
    out.looked = root.path(dir) + "/" + prefix + "*" + suffix;
    fs::file_time_type newest{};
    for (const auto& e : fs::directory_iterator(root.path(dir), ec)) {
        const std::string name = e.path().filename().string();
        if (!name.starts_with(prefix) || !name.ends_with(suffix) || name.size() <= prefix.size() + suffix.size()) continue;
        const auto t = e.last_write_time(ec);
        if (out.path.empty() || t > newest) out.path = dir + "/" + name, newest = t;
    }
    return out;
}

}  // namespace kdf::lifecycle
