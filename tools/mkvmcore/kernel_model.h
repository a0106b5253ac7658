// tools/mkvmcore/kernel_model.h - the kernel structures of a --kernel vmcore, built before writing.
//
// Builds, in this order (memblock hands out RAM top down, so the order fixes the addresses):
//   1. one 2 MiB vmemmap block per present 128 MiB section (struct pages, encoded while writing);
//   2. the SPARSEMEM_EXTREME mem_section root array (LENGTH(mem_section) pointers), one page of
//      32-byte struct mem_section per used root, and their mem_section_usage arrays;
//   3. page tables from init_top_pgt (in the image): kernel image with 2 MiB pages, the direct map
//      (2 MiB pages where aligned, 4 KiB at range edges), the vmemmap with 2 MiB pages;
//   4. init_uts_ns and the printk ring, in the image's data area.
// Kernel image offsets from _text used by the model (the image is at least 4 MiB):
//   +0x200000 init_top_pgt (= swapper_pg_dir)   +0x201000 init_uts_ns   +0x202000 node_online_map
//   +0x204000 prb area (printk_ring.h)          +0x280000.. kernel objects struct pages point at
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kdf/status.h"
#include "tools/mkvmcore/kernel_layout.h"
#include "tools/mkvmcore/memblock_allocator.h"
#include "tools/mkvmcore/phys_overlay.h"
#include "tools/mkvmcore/printk_ring.h"

namespace kdf::mkvmcore {

inline constexpr uint64_t kSectionPages = 1ULL << (27 - 12);  // SECTION_SIZE_BITS 27
inline constexpr uint64_t kMemSectionSize = 32;               // SIZE(mem_section) on 6.1 x86_64
inline constexpr uint64_t kImageTopPgt = 0x200000, kImageUts = 0x201000, kImageNodeOnline = 0x202000,
                          kImagePrb = 0x204000;

struct KernelModel {
    KernelLayout layout;
    PhysOverlay mem;
    std::vector<Allocation> fixed;                // every pfn range with a fixed class, sorted
    std::map<uint64_t, uint64_t> vmemmap_blocks;  // block pfn -> section number
    uint64_t mem_section_root = 0;                // direct-map vaddr: SYMBOL(mem_section)
    uint64_t mem_section_roots = 0;               // LENGTH(mem_section)
    PrintkSymbols printk;
    std::string osrelease;
    std::vector<PrintkLine> log;                  // what the printk ring holds
};

Result<KernelModel> build_kernel_model(const MkvmcoreOptions& opts);

// The VMCOREINFO note text, keys and order as Debian's 6.1 kernel writes them.
std::string kernel_vmcoreinfo(const MkvmcoreOptions& opts, const KernelModel& m);

}  // namespace kdf::mkvmcore
