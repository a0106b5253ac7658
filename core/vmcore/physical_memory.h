// core/vmcore/physical_memory.h - the crashed machine's physical memory, as a dump holds it.
//
// Purpose: address translation and everything above it (the kernel log, the mem_map walk) read
// memory through this interface only, so they work the same on an ELF vmcore (ElfVmcore) and on a
// kdump-compressed file (format::KdumpPhysicalMemory), and tests can hand them synthetic memory.
// Contract of read_phys(): every byte asked for is either returned as the dump holds it or the
// call fails with Code::not_found naming the address. Memory the dump does not hold (a hole
// between RAM ranges, a page the dump level excluded) is never returned as zeros.
// Threads and ownership: implementations say whether they may be shared between threads (the ELF
// reader may; the kdump reader keeps a page cache and may not). Readers that borrow one (KernelMemory,
// the translators) must not outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/vmcore/load_segment.h"
#include "core/vmcore/vmcoreinfo.h"
#include "kdf/status.h"

namespace kdf::vmcore {

class PhysicalMemory {
public:
    virtual ~PhysicalMemory() = default;

    // The dump's file name, for messages.
    virtual const std::string& path() const noexcept = 0;
    // The crashed kernel's architecture as an ELF e_machine value (EM_X86_64 = 62; 0 = unknown).
    virtual uint16_t machine() const noexcept = 0;
    virtual bool has_vmcoreinfo() const noexcept = 0;
    virtual const VmcoreInfo& vmcoreinfo() const noexcept = 0;

    // Reads out.size() bytes at physical address `paddr` (see the contract above).
    virtual Status read_phys(uint64_t paddr, std::span<std::byte> out) const = 0;
    // How many bytes from `paddr` on the dump holds in one piece; 0 when it does not hold `paddr`.
    virtual uint64_t held_from(uint64_t paddr) const noexcept = 0;
    // The virtual addresses the dump itself records for its physical ranges (an ELF vmcore's
    // PT_LOAD p_vaddr), which a translator may prove and use as a shortcut; empty when the format
    // records none.
    virtual std::span<const LoadSegment> load_segments() const noexcept { return {}; }

protected:
    PhysicalMemory() = default;
    PhysicalMemory(const PhysicalMemory&) = default;
    PhysicalMemory(PhysicalMemory&&) = default;
    PhysicalMemory& operator=(const PhysicalMemory&) = default;
    PhysicalMemory& operator=(PhysicalMemory&&) = default;
};

}  // namespace kdf::vmcore
