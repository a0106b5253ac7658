// tools/mkvmcore/sample_layout.h - where a sample vmcore puts memory, physically and in the file.
//
// Modelled on a real QEMU x86_64 guest with crashkernel= (the 6.1 test fixture's layout):
//
//   PT_LOAD 0  kernel-image alias  vaddr 0xffffffff81000000+KERNELOFFSET, paddr inside RAM 1
//   PT_LOAD 1  low memory          paddr 0x1000   .. 0x9f000
//   PT_LOAD 2  RAM 1               paddr 0x100000 .. H      (7/8 of the rest, H 2 MiB aligned)
//   --------   hole                H .. H+128 MiB            (the crashkernel reservation)
//   PT_LOAD 3  RAM 2               paddr H+128 MiB .. (the last 1/8)
//
// Direct-map segments use vaddr = 0xffff888000000000 + paddr. In the file the segments follow
// each other in this order, page aligned, after the notes. Everything is a pure function of
// (size, seed), so two runs with the same arguments write identical files.
#pragma once

#include <cstdint>
#include <vector>

namespace kdf::mkvmcore {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kDirectMapBase = 0xffff888000000000ULL;
inline constexpr uint64_t kKernelTextBase = 0xffffffff81000000ULL;  // __START_KERNEL without KASLR
inline constexpr uint64_t kStartKernelMap = 0xffffffff80000000ULL;
inline constexpr uint64_t kCrashkernelHole = 128ULL << 20;

struct SampleSegment {
    uint64_t vaddr = 0;
    uint64_t paddr = 0;
    uint64_t size = 0;         // p_filesz == p_memsz, a whole number of pages
    uint64_t file_offset = 0;  // set by assign_file_offsets()
    bool alias = false;        // the kernel-image mapping
};

struct SampleLayout {
    std::vector<SampleSegment> segments;  // file order
    uint64_t kerneloffset = 0;            // KASLR slide, 2 MiB multiple
    int64_t phys_base = 0;                // alias paddr - (kernel text vaddr - __START_KERNEL_map)
    uint64_t kernel_text = 0;             // vaddr of the alias segment (_stext)

    // Places segments one after another from `first_offset` (page aligned); returns the file end.
    uint64_t assign_file_offsets(uint64_t first_offset);
};

// `size` is rounded down to whole pages; callers keep it within 4 MiB .. 1 TiB.
SampleLayout make_sample_layout(uint64_t size, uint64_t seed);

// The mixer every seeded choice in the generator goes through (splitmix64 finaliser).
uint64_t mix64(uint64_t x) noexcept;

}  // namespace kdf::mkvmcore
