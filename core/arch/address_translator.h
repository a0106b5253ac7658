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

class AddressTranslator {
public:
    virtual ~AddressTranslator() = default;

    // The physical address behind `vaddr`. Code::not_found when the kernel did not map it (a
    // non-present entry), Code::corrupt when the page tables themselves are unusable (an entry
    // pointing outside the dump, a non-canonical address).
    virtual Result<uint64_t> to_physical(uint64_t vaddr) const = 0;

    // One line for logs: "x86_64, 4-level paging, phys_base 0x..., page_offset 0x...".
    virtual std::string describe() const = 0;
};

}  // namespace kdf::arch
