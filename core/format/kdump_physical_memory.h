// core/format/kdump_physical_memory.h - a kdump-compressed file read as physical memory.
//
// Purpose: let address translation (core/arch) and the readers above it (the kernel log) work on a
// kdump-compressed dump exactly as on an ELF vmcore: read_phys() finds each page through the 2nd
// bitmap and its descriptor and decompresses it with its codec. A page the file does not hold (a
// hole, or a page its dump level excluded) is Code::not_found naming the address and the pfn,
// never zeros; a zero page that makedumpfile kept as the shared zero page reads as the zeros it is.
// The crashed kernel's VMCOREINFO comes from the file's own notes.
// Memory: the few most recently read pages (kCachedPages), so a page walk that visits the same
// table pages again does not decompress them again.
// Threads: not thread-safe (the reader's caches and the page cache change on every read); one per
// thread. Not movable: translators keep a pointer to it, so open() hands it out on the heap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/format/kdump_reader.h"
#include "core/vmcore/physical_memory.h"
#include "core/vmcore/vmcoreinfo.h"
#include "kdf/status.h"

namespace kdf::format {

class KdumpPhysicalMemory final : public vmcore::PhysicalMemory {
public:
    static constexpr size_t kCachedPages = 8;

    // Opens `path` with KdumpReader and parses its VMCOREINFO. Errors: the reader's, or
    // Code::corrupt (naming the file) for VMCOREINFO text that does not parse.
    static Result<std::unique_ptr<KdumpPhysicalMemory>> open(const std::string& path);

private:
    struct Token {};  // only open() may construct one

public:
    KdumpPhysicalMemory(Token, KdumpReader reader, vmcore::VmcoreInfo info);
    KdumpPhysicalMemory(const KdumpPhysicalMemory&) = delete;
    KdumpPhysicalMemory& operator=(const KdumpPhysicalMemory&) = delete;

    const std::string& path() const noexcept override { return reader_.path(); }
    // From the header's utsname.machine: "x86_64" is EM_X86_64 (62), "aarch64" EM_AARCH64 (183);
    // anything else is 0 (unknown).
    uint16_t machine() const noexcept override { return machine_; }
    bool has_vmcoreinfo() const noexcept override { return !info_.empty(); }
    const vmcore::VmcoreInfo& vmcoreinfo() const noexcept override { return info_; }
    Status read_phys(uint64_t paddr, std::span<std::byte> out) const override;
    // To the end of the page holding `paddr` when the file holds that page, else 0.
    uint64_t held_from(uint64_t paddr) const noexcept override;

    const KdumpReader& reader() const noexcept { return reader_; }

private:
    struct CachedPage {
        uint64_t pfn = UINT64_MAX;
        uint64_t last_use = 0;
        std::vector<std::byte> bytes;
    };

    // The cached page `pfn`, read (and decompressed) first if needed.
    Result<const CachedPage*> page(uint64_t pfn) const;

    mutable KdumpReader reader_;
    vmcore::VmcoreInfo info_;
    uint16_t machine_ = 0;
    mutable std::array<CachedPage, kCachedPages> cache_;
    mutable uint64_t clock_ = 0;
};

}  // namespace kdf::format
