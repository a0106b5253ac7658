// core/arch/arm64/arm64_translator.h - arm64 kernel virtual -> physical, from the dump itself.
//
// The layout (granule, VA size, linear map, kimage_voffset, 52-bit PAs) comes from VMCOREINFO
// (arm64_layout.h). Translation walks the kernel's own tables from swapper_pg_dir, whose physical
// address follows from kimage_voffset (the image is mapped linearly at load time: paddr = vaddr -
// kimage_voffset), as the kernel's __pa_symbol() computes it. The walk is the authority; it
// covers the linear map, vmemmap, vmalloc and the image under KASLR alike:
//   granule  levels (lookup levels walked)          block (section) entries allowed at
//   4 KiB    3 (1..3), 4 (0..3), 5 (-1..3, LPA2)   level 1 (1 GiB), 2 (2 MiB); level 0 with LPA2
//   16 KiB   2 (2..3), 3 (1..3), 4 (0..3)          level 2 (32 MiB); level 1 (64 GiB) with LPA2
//   64 KiB   2 (2..3), 3 (1..3)                    level 2 (512 MiB); level 1 (4 TiB) with 52-bit PA
// An entry with bit 0 clear is not mapped (Code::not_found); a block where the architecture has
// none, or a table outside the dump, is Code::corrupt.
// Two shortcuts skip the walk, each taken only once the walk agrees with it:
//   linear map   paddr = vaddr - linear_base + PHYS_OFFSET, proven at both ends of every RAM
//                PT_LOAD and at SYMBOL(mem_section) (a linear address), so a kdump-compressed
//                input without PT_LOADs gets it too;
//   kernel image paddr = vaddr - kimage_voffset over the kernel-image PT_LOAD from _stext on (the
//                image header before it is not mapped), proven at the first page of every 64 KiB
//                segment: the kernel maps and unmaps its image in 64 KiB-aligned segments
//                (SEGMENT_ALIGN), and after boot it unmaps the init section, so the segments
//                the walk finds unmapped are left to the walk.
// Debian's kernels map the linear map page by page (rodata=full), so without the first shortcut
// every 4 KiB of mem_map would cost a 4-level walk.
// All memory is read through vmcore::PhysicalMemory; the translator does no other I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/arch/address_translator.h"
#include "core/arch/arm64/arm64_layout.h"
#include "core/vmcore/physical_memory.h"
#include "kdf/status.h"

namespace kdf::arch {

class Arm64Translator final : public AddressTranslator {
public:
    // Code::corrupt naming the missing or unusable VMCOREINFO key.
    // `memory` must outlive the translator.
    static Result<std::unique_ptr<Arm64Translator>> create(const vmcore::PhysicalMemory& memory);

    Result<Translation> translate(uint64_t vaddr) const override;
    std::string describe() const override;
    uint64_t canonical_pointer(uint64_t pointer) const noexcept override { return layout_.strip_pac(pointer); }
    uint64_t kernel_space_start() const noexcept override { return layout_.kernel_space_start(); }
    int max_physmem_bits() const noexcept override { return layout_.pa_bits; }

    const Arm64Layout& layout() const noexcept { return layout_; }
    bool linear_map_proven() const noexcept { return linear_proven_; }
    bool kernel_image_proven() const noexcept { return image_end_ > image_start_; }

    // Only the walk, no shortcut: tests compare it with the shortcuts.
    Result<Translation> walk(uint64_t vaddr) const;

private:
    struct Token {};  // only create() may construct one

public:
    Arm64Translator(Token, const vmcore::PhysicalMemory& memory, Arm64Layout layout)
        : memory_(&memory), layout_(std::move(layout)) {}

private:
    uint64_t output_address(uint64_t entry) const noexcept;
    bool block_allowed(int level) const noexcept;
    void prove_linear_map();
    void prove_kernel_image();

    const vmcore::PhysicalMemory* memory_;
    Arm64Layout layout_;
    uint64_t root_paddr_ = 0;
    bool linear_proven_ = false;
    uint64_t image_start_ = 0, image_end_ = 0;  // proven kernel-image range; empty when not proven
    std::vector<uint64_t> image_holes_;          // sorted starts of 64 KiB segments the walk disagrees on
};

}  // namespace kdf::arch
