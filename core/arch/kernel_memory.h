// core/arch/kernel_memory.h - read the crashed kernel's memory by virtual address.
//
// Purpose: the one way core code reads kernel data structures (mem_section, struct pages, the
// printk ring buffer) out of a dump. It translates mapping by mapping (a leaf page, or a linear
// region) with the architecture's AddressTranslator and reads through vmcore::PhysicalMemory (an
// ELF vmcore or a kdump-compressed file alike), so a structure that straddles two virtually
// contiguous but physically distant pages is read correctly. A page the dump does not hold reads
// as Code::not_found, never as zeros.
// Ownership: borrows the PhysicalMemory, which must outlive it. Immutable after open(); as safe to
// share between threads as the memory it reads (an ElfVmcore is: every read is a pread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/arch/address_translator.h"
#include "core/vmcore/physical_memory.h"
#include "kdf/status.h"

namespace kdf::arch {

class KernelMemory {
public:
    // Chooses the translator from memory.machine() and VMCOREINFO. Code::not_supported for an
    // architecture without one, or a kernel too old to export a key translation needs (naming
    // it); Code::corrupt (naming the key) when VMCOREINFO lacks or contradicts what it needs.
    static Result<KernelMemory> open(const vmcore::PhysicalMemory& memory);

    Result<uint64_t> to_physical(uint64_t vaddr) const { return translator_->to_physical(vaddr); }
    Result<Translation> translate(uint64_t vaddr) const { return translator_->translate(vaddr); }
    std::string describe() const { return translator_->describe(); }
    // A return address saved in the dump (the LR/x30 of a frame record or of saved registers)
    // made followable: on arm64 its pointer-authentication bits are stripped. Use it on return
    // addresses when unwinding; data pointers are never signed.
    uint64_t canonical_pointer(uint64_t pointer) const noexcept { return translator_->canonical_pointer(pointer); }
    uint64_t kernel_space_start() const noexcept { return translator_->kernel_space_start(); }
    int max_physmem_bits() const noexcept { return translator_->max_physmem_bits(); }

    // Reads out.size() bytes starting at `vaddr`, translating every page it touches.
    Status read(uint64_t vaddr, std::span<std::byte> out) const;
    Result<uint64_t> read_u64(uint64_t vaddr) const;
    Result<uint32_t> read_u32(uint64_t vaddr) const;

    const vmcore::PhysicalMemory& memory() const noexcept { return *memory_; }

private:
    KernelMemory(const vmcore::PhysicalMemory& memory, std::unique_ptr<AddressTranslator> translator)
        : memory_(&memory), translator_(std::move(translator)) {}

    const vmcore::PhysicalMemory* memory_;
    std::shared_ptr<const AddressTranslator> translator_;  // shared: KernelMemory is copyable
};

}  // namespace kdf::arch
