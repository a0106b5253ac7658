// core/format/verify.h - check a dump file and say exactly what is wrong with it
// (`kdump-failover verify FILE`).
//
// Purpose: after a dump is saved, or before one is handed to crash, tell whether every page of it
// can be read back. For a kdump-compressed file that means: the header (signature, version, block
// size), the sub-header's offsets, the notes and VMCOREINFO, both bitmaps inside the file, bitmap 2
// a subset of bitmap 1, every page descriptor in bounds (offset + size inside the page data area,
// size <= block size, known flags), every page decompressing to exactly one block, and the
// INCOMPLETE flag. An ELF vmcore is checked by the ELF reader (structure, segments inside the file)
// plus its e_flags incomplete bit. A flattened file is recognised and not checked: it has to be
// reassembled first.
//
// Every problem is one line naming the pfn and/or byte offset. Lines of one kind are capped
// (kMaxLinesPerKind) and the rest counted, so a badly damaged 1 TiB dump gives a readable report.
// Memory is bounded as KdumpReader's is; the whole file is read once, page by page.
//
// Errors: the Result is an error only when the file cannot be read at all (not found, permission,
// I/O error). Damage, a wrong format or an incomplete dump are problems in the report.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kdf/status.h"

namespace kdf::format {

struct VerifyReport {
    enum class Format { unknown, kdump, elf, flattened };
    static constexpr uint64_t kMaxLinesPerKind = 20;

    std::string path;
    Format format = Format::unknown;
    // One line each; empty for a good dump.
    std::vector<std::string> problems;
    // Information that is not damage (a flattened file must be reassembled first, ...).
    std::vector<std::string> notes;
    // What drgn or crash need and the headers lack (reader_needs.h): the pages are fine, a reader
    // will not open the file or not all of it.
    std::vector<std::string> warnings;
    // False when the file was recognised but its pages were not checked (flattened).
    bool checked = false;
    bool incomplete = false;  // INCOMPLETE header flag (kdump) or e_flags bit 0 (ELF)

    // What the dump holds (kdump: from the bitmaps and descriptors; ELF: from the PT_LOADs).
    int header_version = 0;  // kdump only
    uint64_t block_size = 0;
    uint64_t max_mapnr = 0;
    uint64_t pages_present = 0;      // 1st bitmap
    uint64_t pages_dumped = 0;       // 2nd bitmap = descriptors
    uint64_t pages_zero_shared = 0;  // dumped pages whose descriptor points at the shared zero page
    uint64_t pages_checked = 0;      // pages read and decompressed without error
    std::map<std::string, uint64_t> pages_by_codec;  // page_flag_name() -> dumped pages

    // A dump that was checked and has no problem.
    bool ok() const noexcept { return checked && problems.empty(); }
};

// Checks the dump at `path`; see the file comment.
Result<VerifyReport> verify_dump(const std::string& path);

// The report as text: a summary line, the counts, then one line per problem or note, each ending
// in '\n'. The last line is "OK: ..." or "FAILED: N problems" or "NOT CHECKED: ...".
std::string to_text(const VerifyReport& report);

const char* to_string(VerifyReport::Format f) noexcept;

}  // namespace kdf::format
