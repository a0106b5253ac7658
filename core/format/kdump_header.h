// core/format/kdump_header.h - the on-disk structures of makedumpfile's kdump-compressed format
// ("diskdump"), shared by the writer (kdump_compressed.cpp) and the reader (kdump_reader.cpp).
//
// File layout (block_size = page size, 4096 on x86_64; all integers little-endian on x86_64):
//
//   block 0                  disk_dump_header (464 bytes used)
//   block 1 ..               kdump_sub_header (104 bytes), then the ELF note bytes at offset_note
//                            (offset_vmcoreinfo points at the VMCOREINFO text inside them);
//                            sub_hdr_size blocks in all
//   next bitmap_blocks/2     1st bitmap: bit N set = page frame N exists (not a hole)
//   next bitmap_blocks/2     2nd bitmap: bit N set = page frame N is in the dump
//   next (not aligned)       page_desc[num_dumpable], 24 bytes each, in PFN order of the 2nd bitmap
//   then                     page data, not aligned, each page as its descriptor says
//
// disk_dump_header (x86_64 offsets):
//     0  char  signature[8]   "KDUMP   "
//     8  int   header_version  6 (what makedumpfile 1.7 writes)
//    12  new_utsname utsname   6 x 65 chars: sysname, nodename, release, version, machine, domainname
//                              (the crashed kernel's init_uts_ns, as makedumpfile copies it)
//   408  timeval timestamp     tv_sec (8), tv_usec (8): the crash time, VMCOREINFO CRASHTIME (usec 0)
//   424  uint  status          DUMP_DH_* flags (COMPRESSED_INCOMPLETE while unfinished)
//   428  int   block_size
//   432  int   sub_hdr_size    in blocks
//   436  uint  bitmap_blocks   both bitmaps together, in blocks
//   440  uint  max_mapnr       32-bit, obsolete (max_mapnr_64 in the sub-header is the real one)
//   444  uint  total_ram_blocks, 448 device_blocks, 452 written_blocks, 456 current_cpu (unused: 0)
//   460  int   nr_cpus
// kdump_sub_header (from block 1; `unsigned long` is 8 bytes on x86_64), 104 bytes:
//     0  u64 phys_base        8 int dump_level      12 int split
//    16  u64 start_pfn       24 u64 end_pfn         (32-bit values, obsolete since version 6)
//    32  u64 offset_vmcoreinfo   40 u64 size_vmcoreinfo
//    48  u64 offset_note         56 u64 size_note
//    64  u64 offset_eraseinfo    72 u64 size_eraseinfo
//    80  u64 start_pfn_64        88 u64 end_pfn_64      96 u64 max_mapnr_64
// page_desc: u64 offset, u32 size, u32 flags, u64 page_flags (always 0).
//
// History notes: header_version 6 added the 64-bit pfn fields; the 32-bit max_mapnr is kept for
// old readers and saturates. A zero page excluded by dump level 1 keeps its 2nd-bitmap bit and
// points at one shared zero page written first in the data area (makedumpfile's pd_zero).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/compress/kdump_page_flags.h"
#include "kdf/status.h"

namespace kdf::format::kdump {

inline constexpr char kSignature[8] = {'K', 'D', 'U', 'M', 'P', ' ', ' ', ' '};
inline constexpr int32_t kHeaderVersion = 6;

// disk_dump_header.status and page_desc.flags (makedumpfile's diskdump_mod.h). The codec bits
// belong to the codecs; the header-only bits are the format's own.
using compress::kdump_page_flags::kCompressedLz4Kdf;
using compress::kdump_page_flags::kCompressedLzo;
using compress::kdump_page_flags::kCompressedSnappy;
using compress::kdump_page_flags::kCompressedZlib;
using compress::kdump_page_flags::kCompressedZstd;
inline constexpr uint32_t kCompressedIncomplete = 0x8;  // header only
inline constexpr uint32_t kExcludedVmemmap = 0x10;      // header only

inline constexpr size_t kUtsFieldSize = 65;
inline constexpr size_t kDiskDumpHeaderSize = 464;
inline constexpr size_t kSubHeaderSize = 104;
inline constexpr size_t kPageDescSize = 24;

struct Utsname {
    std::string sysname = "Linux", nodename, release, version, machine = "x86_64", domainname;
};

struct DiskDumpHeader {
    int32_t header_version = kHeaderVersion;
    Utsname utsname;
    int64_t timestamp_sec = 0;
    int64_t timestamp_usec = 0;
    uint32_t status = 0;
    int32_t block_size = 4096;
    int32_t sub_hdr_size = 0;
    uint32_t bitmap_blocks = 0;
    uint32_t max_mapnr = 0;
    int32_t nr_cpus = 0;
};

struct SubHeader {
    uint64_t phys_base = 0;
    int32_t dump_level = 0;
    int32_t split = 0;
    uint64_t start_pfn = 0;  // obsolete 32-bit-range copies of the _64 fields
    uint64_t end_pfn = 0;
    uint64_t offset_vmcoreinfo = 0;
    uint64_t size_vmcoreinfo = 0;
    uint64_t offset_note = 0;
    uint64_t size_note = 0;
    uint64_t offset_eraseinfo = 0;
    uint64_t size_eraseinfo = 0;
    uint64_t start_pfn_64 = 0;
    uint64_t end_pfn_64 = 0;
    uint64_t max_mapnr_64 = 0;
};

struct PageDesc {
    uint64_t offset = 0;
    uint32_t size = 0;
    uint32_t flags = 0;
    uint64_t page_flags = 0;
};

// Encoders write exactly k*Size bytes into `out` (which must be at least that long).
void encode(const DiskDumpHeader& h, std::span<std::byte> out);
void encode(const SubHeader& h, std::span<std::byte> out);
void encode(const PageDesc& d, std::span<std::byte> out);

// Decoders check what can be checked locally (signature, sizes); the reader checks the rest.
Result<DiskDumpHeader> decode_disk_dump_header(std::span<const std::byte> in);
Result<SubHeader> decode_sub_header(std::span<const std::byte> in);
PageDesc decode_page_desc(std::span<const std::byte> in);

// Sizes derived from the header, as makedumpfile computes them.
uint64_t bitmap_bytes_per_bitmap(uint64_t max_mapnr, uint32_t block_size);  // one bitmap, block-rounded

}  // namespace kdf::format::kdump
