// core/dmesg/kernel_log.cpp - see kernel_log.h: chooses the layout, and opens files of either format.
#include "core/dmesg/kernel_log.h"

#include "core/dmesg/cached_virtual_reader.h"
#include "core/dmesg/log_layouts.h"
#include "core/format/dump_format.h"
#include "core/format/kdump_physical_memory.h"
#include "core/vmcore/elf_reader.h"

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
    auto log = read_kernel_log(memory.memory().vmcoreinfo(), read, limits);
    if (!log.is_ok()) return log.take_status().with_context(memory.memory().path());
    return log;
}

Result<KernelLog> read_kernel_log_file(const std::string& path, const KernelLogLimits& limits) {
    auto probed = format::probe_dump_file(path);
    if (!probed.is_ok()) return probed.take_status();
    if (probed->format == nullptr)
        return Status::error(Code::corrupt, path + ": neither an ELF vmcore nor a kdump-compressed dump (" + probed->why + ")");
    if (probed->result == format::ProbeResult::broken) return Status::error(Code::corrupt, path + ": " + probed->why);

    // Both formats are read the same way: physical memory, translated by the crashed kernel's own
    // page tables.
    switch (probed->format->format) {
    case format::DumpFormat::elf: {
        auto core = vmcore::ElfVmcore::open(path);
        if (!core.is_ok()) return core.take_status();
        auto memory = arch::KernelMemory::open(core.value());
        if (!memory.is_ok()) return memory.take_status();
        return read_kernel_log(memory.value(), limits);
    }
    case format::DumpFormat::kdump: {
        auto physical = format::KdumpPhysicalMemory::open(path);
        if (!physical.is_ok()) return physical.take_status();
        const std::string& machine = physical.value()->reader().header().utsname.machine;
        if (machine != "x86_64" && machine != "aarch64")
            return Status::error(Code::not_supported, path + ": the kernel log of a kdump-compressed " + machine +
                                                          " dump cannot be read (x86_64 and aarch64 only); use the ELF vmcore");
        if (!physical.value()->has_vmcoreinfo())
            return Status::error(Code::corrupt, path + ": no VMCOREINFO in the dump: the kernel log cannot be found");
        auto memory = arch::KernelMemory::open(*physical.value());
        if (!memory.is_ok()) return memory.take_status();
        return read_kernel_log(memory.value(), limits);
    }
    case format::DumpFormat::flat: break;
    }
    return Status::error(Code::not_supported, path + ": a flattened dump (makedumpfile -F): reassemble it first with "
                                                     "`kdump-failover reassemble " + path + " OUT`, then read OUT");
}

}  // namespace kdf::dmesg
