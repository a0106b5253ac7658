#include "tools/mkvmcore/sample_layout.h"

#include <algorithm>

namespace kdf::mkvmcore {
namespace {

constexpr uint64_t kLowStart = 0x1000;
constexpr uint64_t kLowEnd = 0x9f000;
constexpr uint64_t kRamStart = 0x100000;
constexpr uint64_t k2M = 2ULL << 20;
constexpr uint64_t kMaxKernelImage = 52ULL << 20;  // about what a Debian kernel's image PT_LOAD spans

uint64_t round_down(uint64_t v, uint64_t a) { return v / a * a; }

}  // namespace

uint64_t mix64(uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t SampleLayout::assign_file_offsets(uint64_t first_offset) {
    uint64_t off = (first_offset + kPageSize - 1) / kPageSize * kPageSize;
    for (SampleSegment& s : segments) {
        s.file_offset = off;
        off += s.size;
    }
    return off;
}

SampleLayout make_sample_layout(uint64_t size, uint64_t seed) {
    const uint64_t total = round_down(size, kPageSize);
    const uint64_t low = kLowEnd - kLowStart;
    const uint64_t image = std::clamp(round_down(total / 16, kPageSize), 16 * kPageSize, kMaxKernelImage);
    const uint64_t ram = total - low - image;
    // RAM 1 ends 2 MiB aligned where the crashkernel hole begins; RAM 2 takes the rest.
    const uint64_t ram1_end = std::max(round_down(kRamStart + ram - ram / 8, k2M), kRamStart + k2M);
    const uint64_t ram1 = ram1_end - kRamStart;
    const uint64_t ram2 = ram - ram1;

    SampleLayout l;
    // KASLR slide: a 2 MiB multiple that keeps the image inside the 1 GiB kernel text mapping.
    l.kerneloffset = (mix64(seed ^ 0x6b61736c72ULL) % 400 + 1) * k2M;
    l.kernel_text = kKernelTextBase + l.kerneloffset;
    // The image sits at a 2 MiB boundary inside RAM 1, at 16 MiB when RAM 1 is big enough.
    uint64_t image_paddr = std::min<uint64_t>(16ULL << 20, round_down(ram1_end - image, k2M));
    image_paddr = std::max(image_paddr, kRamStart);
    l.phys_base = static_cast<int64_t>(image_paddr) - static_cast<int64_t>(l.kernel_text - kStartKernelMap);

    l.segments.push_back({l.kernel_text, image_paddr, image, 0, true});
    l.segments.push_back({kDirectMapBase + kLowStart, kLowStart, low, 0, false});
    l.segments.push_back({kDirectMapBase + kRamStart, kRamStart, ram1, 0, false});
    const uint64_t ram2_start = ram1_end + kCrashkernelHole;
    if (ram2 > 0) l.segments.push_back({kDirectMapBase + ram2_start, ram2_start, ram2, 0, false});
    return l;
}

}  // namespace kdf::mkvmcore
