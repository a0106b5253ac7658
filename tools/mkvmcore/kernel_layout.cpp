#include "tools/mkvmcore/kernel_layout.h"

#include <algorithm>

#include "tools/mkvmcore/arm64_layout.h"
#include "tools/mkvmcore/sample_layout.h"

namespace kdf::mkvmcore {
namespace {

constexpr uint64_t k1M = 1ULL << 20;
constexpr uint64_t k2M = 2ULL << 20;
constexpr uint64_t k1G = 1ULL << 30;

uint64_t round_down(uint64_t v, uint64_t a) { return v / a * a; }
uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

bool KernelLayout::is_ram(uint64_t pfn) const noexcept {
    const uint64_t pa = pfn * page_size;
    for (const PhysRange& r : ram)
        if (pa >= r.start && pa < r.end) return true;
    return false;
}

KernelLayout make_kernel_layout(const MkvmcoreOptions& opts) {
    if (opts.arch == Arch::arm64) return make_arm64_layout(opts);
    KernelLayout l;
    l.paging = opts.paging;
    l.max_physmem_bits = opts.paging == 5 ? 52 : 46;
    const uint64_t total = round_down(opts.size, kPageSize);
    const uint64_t low = kLowRamEnd - kLowRamStart;
    const uint64_t high = total - low;  // RAM above 1 MiB

    // Kernel image: about 1/16 of RAM, at least 4 MiB (the model keeps init_top_pgt, init_uts_ns
    // and the printk ring in its second 2 MiB, kernel_model.h), at most 52 MiB like a Debian
    // kernel; _end is not 2 MiB aligned, as in a real build.
    l.image_size = std::clamp(round_down(total / 16, k2M), 4 * k1M, 52 * k1M) + 0x30000;
    l.image_paddr = 16 * k1M;
    const uint64_t image_end = round_up(l.image_paddr + l.image_size, k2M);

    // Split the RAM above 1 MiB into holes+1 ranges. The first range holds the image and a margin.
    const uint32_t n = opts.holes + 1;
    const uint64_t first_min = image_end - k1M + 4 * k1M;
    const uint64_t per = high / n;
    std::vector<uint64_t> sizes(n);
    uint64_t used = 0;
    for (uint32_t i = 0; i + 1 < n; ++i) {
        // 60%..140% of an equal share, in pages, so range ends fall anywhere.
        const uint64_t r = mix64(opts.seed ^ 0x72616d00ULL ^ (uint64_t{i} << 8));
        uint64_t s = round_down(per * 6 / 10 + r % (per * 8 / 10 + 1), kPageSize);
        s = std::max<uint64_t>(s, 4 * k1M);
        if (i == 0) s = std::max(s, first_min);
        sizes[i] = s;
        used += s;
    }
    sizes[n - 1] = high > used + 4 * k1M ? high - used : 4 * k1M;  // tiny --size with many holes: grow
    if (n == 1) sizes[0] = std::max(high, first_min);

    l.ram.push_back({kLowRamStart, kLowRamEnd});
    uint64_t at = k1M;
    for (uint32_t i = 0; i < n; ++i) {
        l.ram.push_back({at, at + sizes[i]});
        at += sizes[i];
        if (i + 1 == n) break;
        uint64_t hole = 128 * k1M;  // crashkernel=128M
        if (i > 0) {
            const uint64_t r = mix64(opts.seed ^ 0x686f6c65ULL ^ (uint64_t{i} << 8));
            hole = k1M + r % (200 * k1M);
            hole = (r >> 40) % 3 == 0 ? round_up(hole, k2M) : round_up(hole, kPageSize);
        }
        at += hole;
    }

    l.kerneloffset = (mix64(opts.seed ^ 0x6b61736c72ULL) % 400 + 1) * k2M;
    l.kernel_text = kKernelTextBase + l.kerneloffset;
    l.phys_base = static_cast<int64_t>(l.image_paddr) - static_cast<int64_t>(l.kernel_text - kStartKernelMapping);

    const bool l5 = opts.paging == 5;
    l.page_offset_base = l5 ? 0xff11000000000000ULL : 0xffff888000000000ULL;
    l.vmemmap_base = l5 ? 0xffd4000000000000ULL : 0xffffea0000000000ULL;
    if (opts.kaslr) {
        // kernel_randomize_memory(): each region moves by a random number of PUD-sized (1 GiB)
        // steps. The ranges here keep the direct map below the vmemmap whatever the RAM size.
        const uint64_t r1 = mix64(opts.seed ^ 0x706f62ULL), r2 = mix64(opts.seed ^ 0x766d656dULL);
        l.page_offset_base += (r1 % (l5 ? 0x100000 : 0x4000)) * k1G;                  // up to 1 PiB / 16 TiB
        l.vmemmap_base = (l5 ? 0xffc0000000000000ULL : 0xffffd00000000000ULL) +
                         (r2 % (l5 ? 0x100000 : 0x3000)) * k1G;
    }
    return l;
}

}  // namespace kdf::mkvmcore
