// core/vmcore/load_segment.h - one PT_LOAD program header of a vmcore.
//
// A PT_LOAD maps a physical range (p_paddr, p_memsz) to bytes in the file (p_offset, p_filesz);
// bytes between p_filesz and p_memsz read as zero. Values are exactly what the file says, already
// validated by ElfVmcore::open (no overflow, inside the file).
#pragma once

#include <cstdint>

namespace kdf::vmcore {

struct LoadSegment {
    uint32_t phdr_index = 0;   // position in the program header table (for messages)
    uint64_t file_offset = 0;  // p_offset
    uint64_t vaddr = 0;        // p_vaddr: direct-map or kernel-image virtual address
    uint64_t paddr = 0;        // p_paddr: physical address
    uint64_t file_size = 0;    // p_filesz
    uint64_t mem_size = 0;     // p_memsz (>= file_size)
    uint32_t flags = 0;        // p_flags (PF_R/PF_W/PF_X)
    // True for the kernel-image segment real vmcores carry: a second virtual mapping (kernel text,
    // 0xffffffff8xxxxxxx on x86_64, the KASLR'd kimage mapping on arm64, where vaddr - paddr is
    // NUMBER(kimage_voffset)) of physical pages that a direct-map PT_LOAD already holds. The
    // kernel image is in the file twice; an alias stays out of the physical map so every physical
    // page has exactly one source.
    bool alias = false;

    uint64_t file_end() const noexcept { return file_offset + file_size; }
    uint64_t phys_end() const noexcept { return paddr + mem_size; }
};

}  // namespace kdf::vmcore
