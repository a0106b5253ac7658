// core/compress/kdump_page_flags.h - how a kdump-compressed file marks a page's codec.
//
// makedumpfile's page_desc.flags (diskdump_mod.h) names the codec a page was compressed with; the
// header's status field reuses the same bits to say which codecs a dump holds. The codecs own these
// values (each registers under its flag), and the kdump format reads them from here, so the
// codecs need nothing from the format code.
#pragma once

#include <cstdint>

namespace kdf::compress::kdump_page_flags {

inline constexpr uint32_t kCompressedZlib = 0x1;
inline constexpr uint32_t kCompressedLzo = 0x2;
inline constexpr uint32_t kCompressedSnappy = 0x4;  // makedumpfile -p; no codec here reads it
inline constexpr uint32_t kCompressedZstd = 0x20;
// kdump-failover extension: lz4 pages. Not understood by makedumpfile, crash or libkdumpfile;
// `kdump-failover convert` rewrites such a dump into zlib or zstd.
inline constexpr uint32_t kCompressedLz4Kdf = 0x100;

}  // namespace kdf::compress::kdump_page_flags
