// core/dmesg/kdump_image_memory.h - kernel-image addresses read out of a kdump-compressed file.
//
// arch::KernelMemory translates through an ElfVmcore (its page walk reads physical memory via
// ElfVmcore::read_phys), so it cannot sit on a kdump file without reworking core/arch. The kernel
// log does not need the walk: prb, printk_rb_static and its static descs/infos/text (or log_buf's
// __log_buf) are kernel-image variables, and on x86_64 an image address maps linearly:
// paddr = vaddr - __START_KERNEL_map + phys_base (what __pa_symbol() computes). Any other address
// (a ring moved by log_buf_len= into the direct map) is Code::not_supported with that hint.
// Not thread-safe: KdumpReader's block caches change on every read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/format/kdump_reader.h"
#include "core/vmcore/vmcoreinfo.h"
#include "kdf/status.h"

namespace kdf::dmesg {

class KdumpImageMemory {
public:
    static constexpr uint64_t kStartKernelMap = 0xffffffff80000000ULL;  // __START_KERNEL_map
    static constexpr uint64_t kImageSpan = 1ULL << 30;                  // KERNEL_IMAGE_SIZE (KASLR)

    // Code::not_supported for another architecture, Code::corrupt when the dump has no usable
    // VMCOREINFO; the reader's own errors otherwise.
    static Result<KdumpImageMemory> open(const std::string& path);

    const vmcore::VmcoreInfo& vmcoreinfo() const noexcept { return info_; }
    Status read(uint64_t vaddr, std::span<std::byte> out);

private:
    KdumpImageMemory(format::KdumpReader reader, vmcore::VmcoreInfo info, uint64_t phys_base)
        : reader_(std::move(reader)), info_(std::move(info)), phys_base_(phys_base) {}

    format::KdumpReader reader_;
    vmcore::VmcoreInfo info_;
    uint64_t phys_base_;
    std::vector<std::byte> page_;
    uint64_t page_pfn_ = UINT64_MAX;  // which page page_ holds
};

}  // namespace kdf::dmesg
