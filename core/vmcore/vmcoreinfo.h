// core/vmcore/vmcoreinfo.h - the kernel's VMCOREINFO table (KEY=VALUE lines).
//
// The crashed kernel describes itself in the VMCOREINFO note: release, page size, symbol
// addresses, structure sizes and member offsets that page filtering and address translation need.
// Value encodings follow the kernel's printers (kernel/vmcore_info.c):
//   SYMBOL(x)=%lx  OFFSET(x)=%lu  SIZE(x)=%lu  LENGTH(x)=%lu  NUMBER(x)=%ld (signed:
//   NUMBER(phys_base)=-31457280 is real)  KERNELOFFSET=%lx  PAGESIZE=%ld  CRASHTIME=%lld
// Lines are kept in file order; a key that appears twice answers with its first value.
// Immutable after parse(); safe to share between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kdf/status.h"

namespace kdf::vmcore {

class VmcoreInfo {
public:
    struct Entry {
        std::string key;
        std::string value;
    };

    VmcoreInfo() = default;

    // Parses the note text (trailing NULs allowed). Every non-empty line must be KEY=VALUE with a
    // non-empty key; anything else is Code::corrupt naming the line.
    static Result<VmcoreInfo> parse(std::string_view text);

    std::optional<std::string_view> get(std::string_view key) const;
    const std::vector<Entry>& entries() const noexcept { return entries_; }
    bool empty() const noexcept { return entries_.empty(); }

    std::optional<uint64_t> symbol(std::string_view name) const;   // SYMBOL(name), hex
    std::optional<int64_t> number(std::string_view name) const;    // NUMBER(name), signed decimal
    // NUMBER(name) as 64 bits, in either form the kernel prints: "0x..." hex (arm64 writes
    // kimage_voffset, PHYS_OFFSET, TCR_EL1_T1SZ, KERNELPACMASK that way) or signed decimal.
    std::optional<uint64_t> number_bits(std::string_view name) const;
    std::optional<uint64_t> offset(std::string_view member) const; // OFFSET(type.member), decimal
    std::optional<uint64_t> size(std::string_view type) const;     // SIZE(type), decimal
    std::optional<uint64_t> length(std::string_view name) const;   // LENGTH(name), decimal
    std::optional<uint64_t> page_size() const;                     // PAGESIZE
    std::optional<std::string_view> osrelease() const;             // OSRELEASE
    std::optional<uint64_t> kerneloffset() const;                  // KERNELOFFSET, hex
    std::optional<int64_t> crashtime() const;                      // CRASHTIME, seconds

    // Value parsers, public so other readers (kdump-compressed input) decode the same way.
    // Whole string must be consumed; empty or overflowing input gives nullopt.
    static std::optional<uint64_t> parse_hex(std::string_view s);       // optional 0x prefix
    static std::optional<uint64_t> parse_unsigned(std::string_view s);  // decimal
    static std::optional<int64_t> parse_signed(std::string_view s);     // decimal, optional '-'

private:
    std::optional<std::string_view> get_wrapped(std::string_view kind, std::string_view name) const;

    std::vector<Entry> entries_;
};

}  // namespace kdf::vmcore
