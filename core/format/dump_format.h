// core/format/dump_format.h - the dump formats this program reads and writes, in one table.
//
// Each format is one entry: the name configs and commands use, the name reports print, its
// three-way probe on a file's first bytes, and the factory of the writer that lays out its pages.
// Everything that needs a list of formats (config checks, verify, dmesg, convert, reassemble, the
// dump job) reads this table, so a new format is one new entry, not one more list to keep in step.
//
//   format   probe sees                           writer lays out
//   kdump    "KDUMP   " signature (8 bytes)       makedumpfile's kdump-compressed file
//   flat     "makedumpfile" signature (16 bytes)  the same kdump layout; the caller's output
//                                                 turns it into flattened records (flattened.h)
//   elf      ELF64 ET_CORE header (64 bytes)      an ELF vmcore (makedumpfile -E)
//
// lz4 pages are not a format: they are a codec (core/compress) inside a kdump file.
// The table is constant data; every function here is safe to call from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/probe_result.h"
#include "core/format/dump_writer.h"
#include "kdf/status.h"

namespace kdf::format {

using common::ProbeResult;

enum class DumpFormat { kdump, flat, elf };

struct DumpFormatEntry {
    DumpFormat format;
    std::string_view name;   // as configs and commands write it: "kdump", "flat", "elf"
    std::string_view title;  // as reports print it: "kdump-compressed", ...
    bool compressed_pages;   // whether its pages may go through a codec (ELF holds raw pages)
    // Three-way probe on the first bytes of a file; `why` (when not null) gets the reason for
    // not_mine and broken, without the file name.
    ProbeResult (*probe)(std::span<const std::byte> head, std::string* why);
    std::unique_ptr<DumpWriter> (*make_writer)(const DumpPlan& plan, DumpOutput& out);
};

// Every format, in probe order.
std::span<const DumpFormatEntry> dump_formats() noexcept;
const DumpFormatEntry& dump_format(DumpFormat format) noexcept;
// nullptr for a name no format has.
const DumpFormatEntry* find_dump_format(std::string_view name) noexcept;
// The names, in table order: "kdump", "flat", "elf".
std::vector<std::string> dump_format_names();

// What a file is. result mine: `format` is it. broken: `format` recognised the file but cannot
// use its header, and `why` says what is wrong. not_mine: no format recognised it; `why` gives
// each format's reason, in table order, joined by "; ".
struct DumpFileProbe {
    ProbeResult result = ProbeResult::not_mine;
    const DumpFormatEntry* format = nullptr;
    std::string why;
    std::vector<std::byte> head;  // the bytes probed (the first kProbeBytes of the file, or fewer)
};

inline constexpr size_t kProbeBytes = 4096;  // enough for every probe (the kdump header is 464 bytes)

// Probes bytes already read (a pipe's first bytes, say).
DumpFileProbe probe_dump_head(std::span<const std::byte> head);
// Reads the first kProbeBytes of `path` and probes them. The Result is an error only when the file
// cannot be opened or read (the message names it); a file no format knows is result not_mine.
Result<DumpFileProbe> probe_dump_file(const std::string& path);

}  // namespace kdf::format
