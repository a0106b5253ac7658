// core/dmesg/kernel_log.h - the crashed kernel's log (vmcore-dmesg.txt), read out of a vmcore.
//
// Purpose: give an engineer the kernel messages up to the panic, byte for byte what Debian's
// `makedumpfile --dump-dmesg` 1.7.2 writes for the same input, so scripts that read either agree.
// Two kernel layouts are read, chosen by what VMCOREINFO exports:
//   - the lockless printk_ringbuffer (kernels 5.10+): SYMBOL(prb) and the prb_*/printk_info keys;
//   - the older log_buf (3.5 - 5.9: variable-length struct printk_log records, SYMBOL(log_buf),
//     log_buf_len, log_first_idx, log_next_idx; before 3.5: plain text up to SYMBOL(log_end)).
// Line format (makedumpfile's): "[%5llu.%06llu] " then the text; a '\n' inside a record continues
// on a new line indented to the text column; bytes that are neither printable nor white space in
// the C locale become "\xNN" (bytes >= 0x80 as "\xffffffNN": makedumpfile passes a signed char to
// printf, and 1.7.2 is the reference). Records not committed/finalized (reserved, reusable, or
// whose descriptor holds another id) are skipped, as are data-less ones. No caller id unless
// KernelLogLimits::print_caller_id asks for 1.7.9's column.
//
// Bounds: memory is a few cached pages plus the text produced (capped by Limits::max_text_bytes);
// the walk visits at most one ring's worth of records, so a corrupt ring (ids that do not advance,
// sizes out of range, offsets outside the buffer) ends with Code::corrupt naming the bad value, or,
// once some lines were produced, with the lines so far and KernelLog::note saying why it stopped.
// Threads: no shared state; each call is independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/arch/kernel_memory.h"
#include "core/vmcore/vmcoreinfo.h"
#include "kdf/status.h"

namespace kdf::dmesg {

// Reads out.size() bytes of the crashed kernel's memory at kernel virtual address `vaddr`.
using ReadVirtual = std::function<Status(uint64_t vaddr, std::span<std::byte> out)>;

struct KernelLog {
    std::string text;        // exactly the bytes makedumpfile --dump-dmesg writes
    std::string layout;      // "printk_ringbuffer", "log_buf" or "log_buf text (before 3.5)"
    uint64_t records = 0;    // records printed
    std::string note;        // empty, or one line: why the log is shorter than the ring
    bool truncated() const noexcept { return !note.empty(); }
};

struct KernelLogLimits {
    // Text kept in memory at most; past it the log stops with a note. The largest ring a kernel
    // allows (log_buf_len=2G) would not fit a crash kernel, but no real log comes near this.
    uint64_t max_text_bytes = 64ull * 1024 * 1024;
    // Print each record's caller id after its timestamp, as makedumpfile 1.7.9 does ("[    T123] ",
    // "[      C1] "), when the kernel exports OFFSET(printk_info.caller_id) (or printk_log's, 5.1 -
    // 5.9). Off by default: 1.7.2 and the kernel's own dmesg print none.
    bool print_caller_id = false;
};

// The kernel log through any reader of kernel virtual memory. Code::not_found when VMCOREINFO
// exports neither layout, Code::corrupt for missing keys, out-of-range sizes or unreadable
// structures (message names the key or address), Code::not_supported for an address the reader
// cannot translate.
Result<KernelLog> read_kernel_log(const vmcore::VmcoreInfo& info, const ReadVirtual& read,
                                  const KernelLogLimits& limits = {});

// The same over an opened ELF vmcore.
Result<KernelLog> read_kernel_log(const arch::KernelMemory& memory, const KernelLogLimits& limits = {});

// Opens `path` (an ELF vmcore such as /proc/vmcore, or a kdump-compressed file: ours or
// makedumpfile's) and reads its log. Both are read through the crashed kernel's page tables, so a
// ring that log_buf_len= moved into the direct map is found in either; a page of the ring that a
// kdump file's dump level excluded is Code::not_found, never read as zeros.
Result<KernelLog> read_kernel_log_file(const std::string& path, const KernelLogLimits& limits = {});

}  // namespace kdf::dmesg
