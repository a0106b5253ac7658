// core/arch/address_translator.h - one architecture's virtual -> physical translation.
//
// Filtering (the mem_map walk) and the kernel log reader need the crashed kernel's data structures,
// which live at kernel virtual addresses. Each architecture implements this interface from what
// VMCOREINFO exports and the page tables inside the dump; KernelMemory picks the implementation
// from the ELF e_machine, so arm64 can be added beside x86_64 without touching the callers.
// Implementations are immutable after construction and safe to call from several threads.
#pragma once

#include <cstdint>
#include <string>

#include "kdf/status.h"

namespace kdf::arch {

// Where a virtual address lands, and how far the mapping goes on from there without a break.
struct Translation {
    uint64_t paddr = 0;
    // Bytes from vaddr on that map to paddr on, in one piece (at least 1): the rest of the leaf
    // page (4 KiB, 2 MiB or 1 GiB) or of a linear region. Readers step by it, so a large mapping
    // (vmemmap is mapped with 2 MiB pages) costs one translation, not one per 4 KiB.
    uint64_t contiguous = 1;
};

class AddressTranslator {
public:
    virtual ~AddressTranslator() = default;

    // The physical address behind `vaddr` and the extent of its mapping. Code::not_found when the
    // kernel did not map it (a non-present entry), Code::corrupt when the page tables themselves
    // are unusable (an entry pointing outside the dump, a non-canonical address).
    virtual Result<Translation> translate(uint64_t vaddr) const = 0;

    Result<uint64_t> to_physical(uint64_t vaddr) const {
        auto t = translate(vaddr);
        if (!t.is_ok()) return t.take_status();
        return t.value().paddr;
    }

    // A pointer read out of the dump as the CPU would follow it. arm64 kernels sign return
    // addresses only (pac-ret): the link register (x30) saved in frame records and in saved
    // registers carries a PAC in its top bits, to be stripped before the address is translated
    // or symbolised. Data and other function pointers are not signed. Identity elsewhere.
    virtual uint64_t canonical_pointer(uint64_t pointer) const noexcept { return pointer; }

    // The lowest virtual address of the kernel's half of the address space.
    virtual uint64_t kernel_space_start() const noexcept { return 1ULL << 63; }

    // MAX_PHYSMEM_BITS: NUMBER(MAX_PHYSMEM_BITS) when the kernel exports it, otherwise what this
    // architecture's kernel was built with (the sparse memory model's section count follows it).
    virtual int max_physmem_bits() const noexcept = 0;

    // One line for logs: "x86_64, 4-level paging, phys_base 0x..., page_offset 0x...".
    virtual std::string describe() const = 0;
};

}  // namespace kdf::arch
