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
// On arm64 swapper_pg_dir is a whole page (up to 64 KiB), so the others move up by 0x20000; its
// page tables are in the arm64 descriptor format (arm64_page_table_builder.h): the image mapped
// from _stext (text read-only, the rest with blocks where aligned), the linear map with blocks,
// the vmemmap with blocks on 4K pages and page by page on 16K/64K, as vmemmap_populate() does.
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

inline constexpr uint64_t kMemSectionSize = 32;               // SIZE(mem_section) on 6.1 x86_64
inline constexpr uint64_t kImageTopPgt = 0x200000, kImageUts = 0x201000, kImageNodeOnline = 0x202000,
                          kImagePrb = 0x204000;
inline constexpr uint64_t kArm64ImageShift = 0x20000;  // added to the offsets after the page tables on arm64

// Where the model keeps its objects inside the image (offsets from _text).
struct ImageOffsets {
    uint64_t top_pgt = kImageTopPgt, uts = kImageUts, node_online = kImageNodeOnline, prb = kImagePrb,
             vmap_area_list = 0x203000;
};
ImageOffsets image_offsets(const KernelLayout& layout) noexcept;

// One address the vmcore's page tables translate, and what to: "0x<paddr>", "not_found" or "corrupt".
struct TranslationCheck {
    std::string name;
    uint64_t vaddr = 0;
    std::string expect;
};

struct KernelModel {
    KernelLayout layout;
    PhysOverlay mem;
    std::vector<Allocation> fixed;                // every pfn range with a fixed class, sorted
    std::map<uint64_t, uint64_t> vmemmap_blocks;  // first 4 KiB frame (paddr / 4096) of a section's mem_map -> section
    uint64_t vmemmap_block_bytes = 0;             // section_pages * 64
    uint64_t mem_section_root = 0;                // direct-map vaddr: SYMBOL(mem_section)
    uint64_t mem_section_roots = 0;               // LENGTH(mem_section)
    PrintkSymbols printk;
    std::string osrelease;
    std::vector<PrintkLine> log;                  // what the printk ring holds
    std::vector<TranslationCheck> checks;         // for --checks
};

Result<KernelModel> build_kernel_model(const MkvmcoreOptions& opts);

// The VMCOREINFO note text, keys and order as Debian's 6.1 kernel writes them (x86_64 or arm64).
std::string kernel_vmcoreinfo(const MkvmcoreOptions& opts, const KernelModel& m);

}  // namespace kdf::mkvmcore
