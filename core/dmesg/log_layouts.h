// core/dmesg/log_layouts.h - the two kernel log layouts kernel_log.cpp chooses between (internal).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/dmesg/cached_virtual_reader.h"
#include "core/dmesg/kernel_log.h"
#include "core/vmcore/vmcoreinfo.h"

namespace kdf::dmesg {

// Lockless printk_ringbuffer (5.10+): needs SYMBOL(prb).
Result<KernelLog> read_printk_ringbuffer_log(const vmcore::VmcoreInfo& info, CachedVirtualReader& mem,
                                             const KernelLogLimits& limits);
// log_buf (before 5.10): needs SYMBOL(log_buf) and SYMBOL(log_buf_len).
Result<KernelLog> read_log_buf_log(const vmcore::VmcoreInfo& info, CachedVirtualReader& mem,
                                   const KernelLogLimits& limits);

// A VMCOREINFO value the layout cannot do without: Code::corrupt naming the key when it is absent.
inline Result<uint64_t> required(std::optional<uint64_t> value, std::string_view kind, std::string_view name) {
    if (value) return *value;
    return Status::error(Code::corrupt, "VMCOREINFO has no " + std::string(kind) + "(" + std::string(name) +
                                            "): the kernel log cannot be read");
}

}  // namespace kdf::dmesg
