// core/dmesg/kernel_log.cpp - see kernel_log.h: chooses the layout, and opens files of either format.
#include "core/dmesg/kernel_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "core/dmesg/cached_virtual_reader.h"
#include "core/dmesg/kdump_image_memory.h"
#include "core/dmesg/log_layouts.h"
#include "core/format/kdump_reader.h"
#include "core/vmcore/elf_reader.h"
#include "kdf/unique_fd.h"

namespace kdf::dmesg {

Result<KernelLog> read_kernel_log(const vmcore::VmcoreInfo& info, const ReadVirtual& read, const KernelLogLimits& limits) {
    CachedVirtualReader mem(read);
    // makedumpfile's order: the lockless ring whenever the kernel exports prb.
    if (info.symbol("prb")) return read_printk_ringbuffer_log(info, mem, limits);
    if (info.symbol("log_buf")) return read_log_buf_log(info, mem, limits);
    return Status::error(Code::not_found,
                         "VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf): the kernel log cannot be found");
}

Result<KernelLog> read_kernel_log(const arch::KernelMemory& memory, const KernelLogLimits& limits) {
    const ReadVirtual read = [&memory](uint64_t vaddr, std::span<std::byte> out) { return memory.read(vaddr, out); };
    auto log = read_kernel_log(memory.core().vmcoreinfo(), read, limits);
    if (!log.is_ok()) return log.take_status().with_context(memory.core().path());
    return log;
}

Result<KernelLog> read_kernel_log_file(const std::string& path, const KernelLogLimits& limits) {
    std::array<std::byte, 4096> head{};  // enough for either probe (the kdump header is 464 bytes)
    size_t got = 0;
    {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return Status::from_errno(errno, "open " + path);
        const ssize_t n = ::pread(fd.get(), head.data(), head.size(), 0);
        if (n < 0) return Status::from_errno(errno, "read " + path);
        got = static_cast<size_t>(n);
    }
    const std::span<const std::byte> first(head.data(), got);
    std::string why_elf, why_kdump;
    const auto elf = vmcore::probe_elf_vmcore(first, &why_elf);
    if (elf == vmcore::ProbeResult::mine) {
        auto core = vmcore::ElfVmcore::open(path);
        if (!core.is_ok()) return core.take_status();
        auto memory = arch::KernelMemory::open(core.value());
        if (!memory.is_ok()) return memory.take_status();
        return read_kernel_log(memory.value(), limits);
    }
    if (elf == vmcore::ProbeResult::broken) return Status::error(Code::corrupt, path + ": " + why_elf);
    const auto kdump = format::probe_kdump(first, &why_kdump);
    if (kdump == format::ProbeResult::mine) {
        auto memory = KdumpImageMemory::open(path);
        if (!memory.is_ok()) return memory.take_status();
        const ReadVirtual read = [&memory](uint64_t vaddr, std::span<std::byte> out) {
            return memory.value().read(vaddr, out);
        };
        auto log = read_kernel_log(memory->vmcoreinfo(), read, limits);
        if (!log.is_ok()) return log.take_status().with_context(path);
        return log;
    }
    if (kdump == format::ProbeResult::broken) return Status::error(Code::corrupt, path + ": " + why_kdump);
    return Status::error(Code::corrupt, path + ": neither an ELF vmcore nor a kdump-compressed dump (" + why_elf +
                                            "; " + why_kdump + ")");
}

}  // namespace kdf::dmesg
