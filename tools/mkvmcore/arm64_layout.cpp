#include "tools/mkvmcore/arm64_layout.h"

#include <algorithm>
#include <bit>

#include "tools/mkvmcore/sample_layout.h"

namespace kdf::mkvmcore {
namespace {

constexpr uint64_t k1M = 1ULL << 20;
constexpr uint64_t k2M = 2ULL << 20;

uint64_t round_down(uint64_t v, uint64_t a) { return v / a * a; }
uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }
uint64_t neg_pow2(uint32_t bits) { return uint64_t{0} - (uint64_t{1} << bits); }  // -(1 << bits)

Arm64Geometry make_geometry(const MkvmcoreOptions& opts) {
    Arm64Geometry g;
    g.page_shift = static_cast<uint32_t>(std::countr_zero(opts.page_size));
    g.va_bits = opts.va_bits;
    g.levels = (g.va_bits - 4) / g.bits_per_level();
    if (g.va_bits == 52) {
        g.pa_format = opts.page_size == 65536 ? Arm64PaFormat::lpa : Arm64PaFormat::lpa2;
        g.layout_69 = g.pa_format == Arm64PaFormat::lpa2;
        g.va_bits_min = g.layout_69 && opts.page_size == 16384 ? 47 : 48;
    } else {
        g.va_bits_min = g.va_bits;
    }
    g.page_offset = neg_pow2(g.va_bits);
    const uint64_t page_end = neg_pow2(g.va_bits_min - 1);  // _PAGE_END(VA_BITS_MIN)
    g.modules_vaddr = page_end;
    g.modules_end = g.modules_vaddr + (g.layout_69 ? 2048 * k1M : 128 * k1M);
    g.vmalloc_start = g.modules_end;
    if (g.layout_69) {
        const uint64_t size = ((page_end - g.page_offset) >> g.page_shift) * 64;
        g.vmemmap_end = neg_pow2(30);
        g.vmemmap_start = g.vmemmap_end - size;
    } else {
        const uint32_t vmemmap_shift = g.page_shift - 6;  // STRUCT_PAGE_MAX_SHIFT
        g.vmemmap_start = neg_pow2(g.va_bits - vmemmap_shift);
        g.vmemmap_end = g.vmemmap_start + ((page_end - g.page_offset) >> vmemmap_shift);
    }
    g.vmalloc_end = g.vmemmap_start - 256 * k1M;
    g.pac_mask = neg_pow2(g.va_bits);
    return g;
}

}  // namespace

KernelLayout make_arm64_layout(const MkvmcoreOptions& opts) {
    KernelLayout l;
    l.arch = Arch::arm64;
    l.page_size = opts.page_size;
    l.section_size_bits = opts.page_size == 65536 ? 29 : 27;
    l.pg_hwpoison = 22;
    l.arm64 = make_geometry(opts);
    Arm64Geometry& g = l.arm64;
    l.paging = g.levels;
    const bool pa52 = g.va_bits == 52;
    l.max_physmem_bits = pa52 ? 52 : 48;
    const uint64_t ps = l.page_size;
    const uint64_t block = arm64_block_size(g);

    // The image: about 1/16 of RAM, 4..12 MiB (small: it is in the file twice), plus a tail so
    // _end is not 2 MiB aligned.
    const uint64_t total = round_down(opts.size, ps);
    l.image_size = std::clamp(round_down(total / 16, k2M), 4 * k1M, 12 * k1M) + 0x30000;
    l.image_paddr = kArm64RamBase + k2M;
    const uint64_t image_end = round_up(l.image_paddr + l.image_size, k2M);

    // holes+1 ranges (at least two with 52-bit PA: the last one goes above 2^48).
    const uint32_t n = std::max<uint32_t>(opts.holes + 1, pa52 ? 2 : 1);
    const uint64_t first_min = std::max(image_end - kArm64RamBase + 4 * k1M, block + block / 8);
    const uint64_t per = total / n;
    std::vector<uint64_t> sizes(n);
    uint64_t used = 0;
    for (uint32_t i = 0; i + 1 < n; ++i) {
        const uint64_t r = mix64(opts.seed ^ 0x72616d00ULL ^ (uint64_t{i} << 8));
        uint64_t s = round_down(per * 6 / 10 + r % (per * 8 / 10 + 1), ps);
        s = std::max<uint64_t>(s, 4 * k1M);
        if (i == 0) s = round_up(std::max(s, first_min), ps);
        sizes[i] = s;
        used += s;
    }
    sizes[n - 1] = total > used + 8 * k1M ? round_down(total - used, ps) : 8 * k1M;
    if (n == 1) sizes[0] = round_up(std::max(total, first_min), ps);

    uint64_t at = kArm64RamBase;
    for (uint32_t i = 0; i < n; ++i) {
        if (pa52 && i + 1 == n) at = kArm64HighBank;
        l.ram.push_back({at, at + sizes[i]});
        at += sizes[i];
        uint64_t hole = 128 * k1M;  // crashkernel=128M
        if (i > 0) {
            const uint64_t r = mix64(opts.seed ^ 0x686f6c65ULL ^ (uint64_t{i} << 8));
            hole = round_up(k1M + r % (200 * k1M), (r >> 40) % 3 == 0 ? std::max(k2M, ps) : ps);
        }
        at += hole;
    }

    // PHYS_OFFSET: the start of RAM, lowered by --kaslr in ARM64_MEMSTART_ALIGN steps (1 GiB with
    // 4K and 16K pages, 512 MiB with 64K), never below 0.
    l.phys_offset = kArm64RamBase;
    if (opts.kaslr) {
        const uint64_t align = ps == 65536 ? 512 * k1M : 1024 * k1M;
        l.phys_offset -= mix64(opts.seed ^ 0x6d656d7374ULL) % (kArm64RamBase / align + 1) * align;
    }
    l.page_offset_base = g.page_offset;
    l.vmemmap_base = g.vmemmap_start - (l.phys_offset / ps) * 64;  // the kernel's `vmemmap`

    // KASLR slide of the image: 2 MiB steps, kept in the first half of the vmalloc area.
    const uint64_t slots = std::min<uint64_t>((g.vmalloc_end - g.modules_end) / 2 / k2M, 1ULL << 20);
    l.kerneloffset = (mix64(opts.seed ^ 0x6b61736c72ULL) % slots + 1) * k2M;
    l.kernel_text = g.modules_end + l.kerneloffset;  // _text
    g.stext = l.kernel_text + kArm64StextOffset;
    g.kimage_voffset = l.kernel_text - l.image_paddr;
    l.phys_base = 0;
    return l;
}

}  // namespace kdf::mkvmcore
