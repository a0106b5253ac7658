// core/dmesg/kdump_image_memory.cpp - see kdump_image_memory.h.
#include "core/dmesg/kdump_image_memory.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace kdf::dmesg {

Result<KdumpImageMemory> KdumpImageMemory::open(const std::string& path) {
    auto reader = format::KdumpReader::open(path);
    if (!reader.is_ok()) return reader.take_status();
    const std::string& machine = reader->header().utsname.machine;
    if (machine != "x86_64")
        return Status::error(Code::not_supported, path + ": the kernel log of a kdump-compressed " + machine +
                                                      " dump cannot be read (x86_64 only); use the ELF vmcore");
    auto info = vmcore::VmcoreInfo::parse(reader->vmcoreinfo());
    if (!info.is_ok()) return info.take_status().with_context(path);
    if (info->empty())
        return Status::error(Code::corrupt, path + ": no VMCOREINFO in the dump: the kernel log cannot be found");
    const auto phys_base = info->number("phys_base");
    if (!phys_base)
        return Status::error(Code::corrupt, path + ": VMCOREINFO has no NUMBER(phys_base): kernel addresses cannot be translated");
    return KdumpImageMemory(std::move(reader).value(), std::move(info).value(), static_cast<uint64_t>(*phys_base));
}

Status KdumpImageMemory::read(uint64_t vaddr, std::span<std::byte> out) {
    const uint64_t page_size = reader_.block_size();
    page_.resize(page_size);
    size_t done = 0;
    while (done < out.size()) {
        const uint64_t at = vaddr + done;
        if (at < kStartKernelMap || at - kStartKernelMap >= kImageSpan) {
            char buf[200];
            std::snprintf(buf, sizeof buf,
                          ": address 0x%" PRIx64 " is outside the kernel image; a kdump-compressed file is read through "
                          "the image mapping only (log_buf_len= moves the log): use the ELF vmcore",
                          at);
            return Status::error(Code::not_supported, reader_.path() + buf);
        }
        const uint64_t paddr = at - kStartKernelMap + phys_base_;
        const uint64_t pfn = paddr / page_size;
        const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size() - done, page_size - paddr % page_size));
        if (pfn != page_pfn_) {
            page_pfn_ = UINT64_MAX;
            if (Status s = reader_.read_page(pfn, page_); !s.is_ok()) return s;
            page_pfn_ = pfn;
        }
        std::memcpy(out.data() + done, page_.data() + paddr % page_size, n);
        done += n;
    }
    return Status::ok();
}

}  // namespace kdf::dmesg
