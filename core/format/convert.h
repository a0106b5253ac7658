// core/format/convert.h - rewrite a kdump-compressed file page by page with another codec
// (`kdump-failover convert IN OUT --compress zlib|zstd`).
//
// Purpose: our lz4 pages use an extension flag (0x100) that makedumpfile, crash and libkdumpfile do
// not know; convert turns such a dump (or any kdump file) into the standard form. The output keeps
// the input's header fields, sub-header, notes, VMCOREINFO and both bitmaps byte for byte; only the
// header status (the new codec's flag), the page descriptors, the page data and eraseinfo's
// offset change. Every page is decompressed, recompressed with makedumpfile's rule (stored raw when
// compression does not make it smaller) and, at dump level & 1, an all-zero page shares one raw
// zero page at the start of the data area, as makedumpfile and our writer do.
//
// Safety: the output is written as OUT.incomplete with the INCOMPLETE header flag, fsynced, the flag
// cleared, and renamed to OUT without ever replacing an existing OUT; on any failure
// OUT.incomplete is removed and OUT does not appear. An input that is marked incomplete, or whose
// pages do not all read back, or that `verify` finds any other problem in (the rewrite copies the
// headers and bitmaps byte for byte, damage included), is refused with the first problem.
//
// Memory: bounded (a few pages, one descriptor batch, a 1 MiB data buffer), whatever the dump size.
// The layout is the input's (same header, bitmap and descriptor offsets), so no layout is computed
// here beyond the data area; the writer for fresh dumps is core/format/kdump_compressed.cpp.
#pragma once

#include <optional>
#include <string>

#include "kdf/status.h"

namespace kdf::format {

// `codec_name` is a CodecRegistry name ("zlib", "zstd", "none", "lzo", "lz4"); `level` the codec's
// level (its default when empty). Errors: Code::invalid_config for an unknown codec or level,
// Code::corrupt for a damaged or incomplete input, Code::system/no_space for I/O; each one line
// starting with "convert: ".
Status convert_dump(const std::string& in_path, const std::string& out_path, const std::string& codec_name,
                    std::optional<int> level = {});

}  // namespace kdf::format
