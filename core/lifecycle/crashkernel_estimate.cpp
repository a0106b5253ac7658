#include "core/lifecycle/crashkernel_estimate.h"

#include <algorithm>
#include <cstdlib>

namespace kdf::lifecycle {

namespace {

constexpr uint64_t kGiB = 1024 * kMiB;
constexpr uint64_t kRound = 32 * kMiB;

// kdump-tools' /etc/default/grub.d/kdump-tools.cfg: crashkernel=384M-:128M; kdump-utils'
// `kdumpctl get-default-crashkernel` on x86_64: 1G-4G:192M,4G-64G:256M,64G-:512M.
uint64_t distro_default(DistroFamily f, uint64_t mem) {
    if (f == DistroFamily::debian) return mem >= 384 * kMiB ? 128 * kMiB : 0;
    if (mem >= 64 * kGiB) return 512 * kMiB;
    if (mem >= 4 * kGiB) return 256 * kMiB;
    return mem >= kGiB ? 192 * kMiB : 0;
}

// "512M", "1G", "2048K", plain bytes.
bool parse_size(const std::string& s, uint64_t& out) {
    if (s.empty()) return false;
    char* end = nullptr;
    const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (end == s.c_str()) return false;
    uint64_t mult = 1;
    switch (*end) {
        case 'K': case 'k': mult = 1024; ++end; break;
        case 'M': case 'm': mult = kMiB; ++end; break;
        case 'G': case 'g': mult = kGiB; ++end; break;
        case 'T': case 't': mult = kGiB * 1024; ++end; break;
        default: break;
    }
    if (*end != '\0') return false;
    out = v * mult;
    return true;
}

}  // namespace

std::string mib_text(uint64_t bytes) { return std::to_string((bytes + kMiB - 1) / kMiB) + "M"; }

std::string CrashkernelEstimate::value() const { return mib_text(need); }

CrashkernelEstimate estimate_crashkernel(DistroFamily family, uint64_t mem_total, uint64_t initramfs_unpacked) {
    CrashkernelEstimate e;
    e.mem_total = mem_total;
    e.initramfs_unpacked = initramfs_unpacked;
    e.bitmaps = mem_total / 4096 / 4;
    e.sum = kKernelOverhead + initramfs_unpacked + kUserspace + kOurPeak + e.bitmaps;
    e.distro_default = distro_default(family, mem_total);
    const uint64_t need = std::max({e.sum, 2 * initramfs_unpacked, e.distro_default});
    e.need = (need + kRound - 1) / kRound * kRound;
    return e;
}

uint64_t crashkernel_bytes(const std::string& value, uint64_t mem_total) {
    std::string v = value.substr(0, value.find('@'));  // an offset does not change the size
    if (v.find(':') == std::string::npos) {
        uint64_t b = 0;
        return parse_size(v, b) ? b : 0;
    }
    // RANGE:SIZE[,RANGE:SIZE...]: the range [start, end) that holds mem_total decides.
    size_t i = 0;
    while (i < v.size()) {
        size_t comma = v.find(',', i);
        if (comma == std::string::npos) comma = v.size();
        const std::string item = v.substr(i, comma - i);
        i = comma + 1;
        const size_t colon = item.find(':'), dash = item.find('-');
        if (colon == std::string::npos || dash == std::string::npos || dash > colon) return 0;
        uint64_t start = 0, end = UINT64_MAX, size = 0;
        if (!parse_size(item.substr(0, dash), start)) return 0;
        if (dash + 1 < colon && !parse_size(item.substr(dash + 1, colon - dash - 1), end)) return 0;
        if (!parse_size(item.substr(colon + 1), size)) return 0;
        if (mem_total >= start && mem_total < end) return size;
    }
    return 0;
}

}  // namespace kdf::lifecycle
