// core/arch/x86_64/x86_64_translator.h - x86_64 kernel virtual -> physical, from the dump itself.
//
// What it uses from VMCOREINFO (kernel/crash_core.c, arch/x86/kernel/machine_kexec_64.c):
//   SYMBOL(init_top_pgt) (SYMBOL(swapper_pg_dir) on kernels before 4.13)  the page-table root
//   NUMBER(phys_base)          where the kernel image was loaded, relative to its link address
//   NUMBER(pgtable_l5_enabled) 4- or 5-level paging (absent before 4.14 = 4-level)
//   NUMBER(sme_mask)           the memory-encryption bit to strip from page-table entries
//   KERNELOFFSET               KASLR slide of the image (reported only: the symbols already carry it)
// The kernel image is mapped linearly, so a kernel-image address (the root, every SYMBOL() of a
// static variable) follows from phys_base alone, as the kernel's __pa_symbol() computes it:
// paddr = vaddr - __START_KERNEL_map + phys_base. Every other address is found by walking the
// tables (PGD [P4D] PUD PMD PTE, 1 GiB and 2 MiB leaves honoured), which covers the direct map
// and vmemmap under KASLR without knowing page_offset_base or vmemmap_base.
// A direct-map shortcut is taken only after it is proven: the PT_LOADs' p_vaddr - p_paddr must be
// one constant and the walk must agree with it on the first and last page of each PT_LOAD. A dump
// that records no PT_LOADs (kdump-compressed) is always walked.
// All memory is read through vmcore::PhysicalMemory; the translator does no other I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/arch/address_translator.h"
#include "core/vmcore/physical_memory.h"
#include "kdf/status.h"

namespace kdf::arch {

class X86_64Translator final : public AddressTranslator {
public:
    static constexpr uint64_t kStartKernelMap = 0xffffffff80000000ULL;  // __START_KERNEL_map

    // Code::corrupt naming the missing or unusable VMCOREINFO key.
    // `memory` must outlive the translator.
    static Result<std::unique_ptr<X86_64Translator>> create(const vmcore::PhysicalMemory& memory);

    Result<Translation> translate(uint64_t vaddr) const override;
    std::string describe() const override;

    int levels() const noexcept { return levels_; }
    // Kernels before the key: 46 bits with 4-level paging, 52 with 5-level.
    int max_physmem_bits() const noexcept override {
        return static_cast<int>(memory_->vmcoreinfo().number("MAX_PHYSMEM_BITS").value_or(levels_ == 5 ? 52 : 46));
    }
    // The proven direct-map base (page_offset_base), if the PT_LOADs gave one.
    std::optional<uint64_t> page_offset() const noexcept { return page_offset_; }

private:
    struct Token {};  // only create() may construct one

public:
    X86_64Translator(Token, const vmcore::PhysicalMemory& memory) : memory_(&memory) {}

private:
    Result<Translation> walk(uint64_t vaddr) const;
    void prove_direct_map();

    const vmcore::PhysicalMemory* memory_;
    int levels_ = 4;
    uint64_t phys_base_ = 0;
    uint64_t root_paddr_ = 0;
    uint64_t entry_mask_ = 0;  // physical-address bits of an entry, sme bit removed
    uint64_t image_size_ = 0;  // KERNEL_IMAGE_SIZE
    std::optional<uint64_t> page_offset_;
};

}  // namespace kdf::arch
