// pv_scan.cpp - label and metadata-area scan over the configured devices.
#include "pv_scan.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>

#include <algorithm>

#include "deadline.h"
#include "kdf/unique_fd.h"
#include "metadata_area.h"

namespace kdf::lvm {

std::vector<std::string> expand_device_globs(const std::vector<std::string>& globs) {
    const bool all = globs.empty();
    const std::vector<std::string> patterns = all ? std::vector<std::string>{"/dev/*"} : globs;
    std::vector<std::string> out;
    for (const std::string& pattern : patterns) {
        glob_t g{};
        if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc; ++i) {
                std::string path = g.gl_pathv[i];
                struct stat st {};
                if (::stat(path.c_str(), &st) != 0) continue;
                // Every block device by default; a named regular file too (a disk image).
                if (!S_ISBLK(st.st_mode) && (all || !S_ISREG(st.st_mode))) continue;
                // Floppy and optical drives cannot hold a PV we write to, and reading an empty
                // floppy drive stalls for seconds: left out unless named.
                if (all && (path.starts_with("/dev/fd") || path.starts_with("/dev/sr"))) continue;
                if (std::find(out.begin(), out.end(), path) == out.end()) out.push_back(std::move(path));
            }
        }
        ::globfree(&g);
    }
    return out;
}

Result<PvScan> scan_devices(const std::vector<std::string>& devices, const CallOptions& opts) {
    PvScan scan;
    for (const std::string& device : devices) {
        if (Status s = check_deadline(opts, "scanning " + device + " for PV labels"); !s.is_ok()) return s;
        scan.devices.push_back(device);
        UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) continue;  // an absent medium or a device we may not read holds none of our PVs we can use
        Result<std::optional<PvLabel>> label = read_pv_label(fd.get(), device);
        if (!label.is_ok()) {
            scan.broken_labels.push_back(label.take_status().message());
            continue;
        }
        if (!label.value()) continue;
        FoundPv pv{device, std::move(*label.value())};
        for (const DiskArea& area : pv.label.metadata_areas) {
            Result<std::optional<std::string>> text = read_metadata_text(fd.get(), device, area);
            MetadataCopy copy{device, pv.label.uuid, {}, std::nullopt};
            if (!text.is_ok()) copy.error = text.take_status();
            else if (text.value()) copy.text = std::move(*text.value());
            else continue;  // an area lvm2 keeps no metadata in
            scan.copies.push_back(std::move(copy));
        }
        scan.pvs.push_back(std::move(pv));
    }
    return scan;
}

}  // namespace kdf::lvm
