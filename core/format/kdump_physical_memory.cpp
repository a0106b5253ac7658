// core/format/kdump_physical_memory.cpp - see kdump_physical_memory.h.
#include "core/format/kdump_physical_memory.h"

#include <algorithm>
#include <cstring>

#include "core/common/number_text.h"
#include "core/vmcore/elf_layout.h"

namespace kdf::format {

using common::hex;

namespace {

// The crashed kernel's architecture, from the header's utsname.machine (the kernel's own
// init_uts_ns, as makedumpfile copies it): the kdump format has no e_machine of its own.
uint16_t elf_machine_of(const std::string& utsname_machine) {
    if (utsname_machine == "x86_64") return vmcore::elf::kEmX86_64;
    if (utsname_machine == "aarch64") return vmcore::elf::kEmAarch64;
    return 0;
}

}  // namespace

Result<std::unique_ptr<KdumpPhysicalMemory>> KdumpPhysicalMemory::open(const std::string& path) {
    auto reader = KdumpReader::open(path);
    if (!reader.is_ok()) return reader.take_status();
    auto info = vmcore::VmcoreInfo::parse(reader->vmcoreinfo());
    if (!info.is_ok()) return info.take_status().with_context(path);
    return std::make_unique<KdumpPhysicalMemory>(Token{}, std::move(reader).value(), std::move(info).value());
}

KdumpPhysicalMemory::KdumpPhysicalMemory(Token, KdumpReader reader, vmcore::VmcoreInfo info)
    : reader_(std::move(reader)), info_(std::move(info)) {
    machine_ = elf_machine_of(reader_.header().utsname.machine);
}

Result<const KdumpPhysicalMemory::CachedPage*> KdumpPhysicalMemory::page(uint64_t pfn) const {
    CachedPage* oldest = &cache_.front();
    for (CachedPage& p : cache_) {
        if (p.pfn == pfn) {
            p.last_use = ++clock_;
            return &p;
        }
        if (p.last_use < oldest->last_use) oldest = &p;
    }
    auto dumped = reader_.is_dumped(pfn);
    if (!dumped.is_ok()) return dumped.take_status();
    if (!dumped.value())
        return Status::error(Code::not_found, reader_.path() + ": physical address " + hex(pfn * reader_.block_size()) +
                                                  " (pfn " + hex(pfn) +
                                                  ") is not in the dump: a hole, or a page its dump level excluded");
    oldest->pfn = UINT64_MAX;
    oldest->bytes.resize(reader_.block_size());
    if (Status s = reader_.read_page(pfn, oldest->bytes); !s.is_ok()) return s;
    oldest->pfn = pfn;
    oldest->last_use = ++clock_;
    return oldest;
}

Status KdumpPhysicalMemory::read_phys(uint64_t paddr, std::span<std::byte> out) const {
    const uint64_t page_size = reader_.block_size();
    if (paddr > UINT64_MAX - out.size())
        return Status::error(Code::not_found, reader_.path() + ": physical range at " + hex(paddr) + " wraps around");
    size_t done = 0;
    while (done < out.size()) {
        const uint64_t at = paddr + done;
        auto p = page(at / page_size);
        if (!p.is_ok()) return p.take_status();
        const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size() - done, page_size - at % page_size));
        std::memcpy(out.data() + done, p.value()->bytes.data() + at % page_size, n);
        done += n;
    }
    return Status::ok();
}

uint64_t KdumpPhysicalMemory::held_from(uint64_t paddr) const noexcept {
    try {
        const uint64_t page_size = reader_.block_size();
        auto dumped = reader_.is_dumped(paddr / page_size);
        return dumped.is_ok() && dumped.value() ? page_size - paddr % page_size : 0;
    } catch (...) {
        return 0;  // out of memory while asking: claim nothing, so the caller reads page by page
    }
}

}  // namespace kdf::format
