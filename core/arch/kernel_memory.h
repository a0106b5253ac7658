// core/arch/kernel_memory.h - read the crashed kernel's memory by virtual address.
//
// Purpose: the one way core code reads kernel data structures (mem_section, struct pages, the
// printk ring buffer) out of a vmcore. It translates mapping by mapping (a leaf page, or a linear
// region) with the architecture's AddressTranslator and reads through ElfVmcore::read_phys, so a
// structure that straddles two virtually contiguous but physically distant pages is read correctly.
// Ownership: borrows the ElfVmcore, which must outlive it. Immutable after open(); safe to share
// between threads (every read is a pread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/arch/address_translator.h"
#include "core/vmcore/elf_reader.h"
#include "kdf/status.h"

namespace kdf::arch {

class KernelMemory {
public:
    // Chooses the translator from core.machine() and VMCOREINFO. Code::not_supported for an
    // architecture without one; Code::corrupt (naming the key) when VMCOREINFO lacks or
    // contradicts what translation needs.
    static Result<KernelMemory> open(const vmcore::ElfVmcore& core);

    Result<uint64_t> to_physical(uint64_t vaddr) const { return translator_->to_physical(vaddr); }
    Result<Translation> translate(uint64_t vaddr) const { return translator_->translate(vaddr); }
    std::string describe() const { return translator_->describe(); }

    // Reads out.size() bytes starting at `vaddr`, translating every page it touches.
    Status read(uint64_t vaddr, std::span<std::byte> out) const;
    Result<uint64_t> read_u64(uint64_t vaddr) const;
    Result<uint32_t> read_u32(uint64_t vaddr) const;

    const vmcore::ElfVmcore& core() const noexcept { return *core_; }

private:
    KernelMemory(const vmcore::ElfVmcore& core, std::unique_ptr<AddressTranslator> translator)
        : core_(&core), translator_(std::move(translator)) {}

    const vmcore::ElfVmcore* core_;
    std::shared_ptr<const AddressTranslator> translator_;  // shared: KernelMemory is copyable
};

}  // namespace kdf::arch
