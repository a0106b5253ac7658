// core/format/kdump_reader.h - read a kdump-compressed ("KDUMP   ") file, page by page.
//
// Purpose: the reading side of makedumpfile's diskdump format (layout in kdump_header.h), used by
// `verify`, `convert` and the tests that read our own output back. open() checks everything the
// rest relies on (signature, header version, block size, sub-header, notes, VMCOREINFO and both
// bitmaps inside the file); descriptors and page data are checked when they are read, so a dump
// whose page data is truncated still opens and `verify` can say which pages are missing.
//
// Memory: bounded whatever the dump size. Bitmaps are read one block at a time (one cached block per
// bitmap); descriptor lookups use a prefix-count index of 8 bytes per bitmap block (64 KiB of
// index per TiB of 4 KiB pages), built by one streaming pass at open(); one
// block of descriptors is cached for sequential walks. The notes are capped (kMaxNoteBytes).
//
// I/O: pread only (no mmap, no file position), so a dump on any file works.
// Ownership and threads: KdumpReader owns its fd and is move-only. The block caches make every
// reading call a mutation: one reader must not be used from two threads at once (open one reader
// per thread instead; they share nothing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/compress/codec.h"
#include "core/format/kdump_header.h"
#include "core/vmcore/elf_reader.h"
#include "kdf/status.h"
#include "kdf/unique_fd.h"

namespace kdf::format {

using common::ProbeResult;

// Three-way probe on the first bytes of a file. mine: "KDUMP   " signature and a
// header that can be decoded. not_mine: another signature (ELF, flattened "makedumpfile", anything
// else) or fewer than 8 bytes. broken: the signature is there but the 464-byte header is not.
// `why` (when not null) gets the reason for not_mine and broken, without the file name.
ProbeResult probe_kdump(std::span<const std::byte> head, std::string* why = nullptr);

// Name of a page_desc flag value for messages and reports: "none", "zlib", "lzo", "snappy",
// "zstd", "lz4 (kdump-failover extension)"; "unknown 0x.." for anything else.
std::string page_flag_name(uint32_t flags);
// True for the page_desc flag values a reader can meet: 0 and exactly one codec bit.
bool page_flag_known(uint32_t flags);

class KdumpReader {
public:
    static constexpr uint64_t kMaxNoteBytes = 16 * 1024 * 1024;

    // Where the regions of the file start and end (byte offsets), derived from the header.
    struct Layout {
        uint64_t sub_header = 0;       // block 1
        uint64_t bitmap1 = 0;          // 1st bitmap
        uint64_t bitmap2 = 0;          // 2nd bitmap
        uint64_t bitmap_bytes = 0;     // bytes of one bitmap (block multiple)
        uint64_t descriptors = 0;      // page_desc table
        uint64_t data = 0;             // first byte after the page_desc table
    };

    // Opens and checks `path`. Errors: Code::not_found/system for open/read failures, Code::corrupt
    // (message starting with the path) for a file that is not a usable kdump file, Code::
    // not_supported for a kdump file this reader does not handle (header_version > 6).
    static Result<KdumpReader> open(const std::string& path);

    KdumpReader(KdumpReader&&) noexcept = default;
    KdumpReader& operator=(KdumpReader&&) noexcept = default;
    KdumpReader(const KdumpReader&) = delete;
    KdumpReader& operator=(const KdumpReader&) = delete;
    ~KdumpReader() = default;

    const std::string& path() const noexcept { return path_; }
    uint64_t file_size() const noexcept { return file_size_; }
    const kdump::DiskDumpHeader& header() const noexcept { return header_; }
    const kdump::SubHeader& sub_header() const noexcept { return sub_; }
    uint32_t block_size() const noexcept { return block_size_; }
    const Layout& layout() const noexcept { return layout_; }
    // max_mapnr_64 for header_version 6, the 32-bit header field before.
    uint64_t max_mapnr() const noexcept { return max_mapnr_; }
    // Pages in the 2nd bitmap (below max_mapnr) = entries of the page_desc table.
    uint64_t num_dumpable() const noexcept { return num_dumpable_; }
    bool incomplete() const noexcept { return (header_.status & kdump::kCompressedIncomplete) != 0; }
    // The ELF note bytes the sub-header points at (empty before header_version 4).
    const std::vector<std::byte>& notes() const noexcept { return notes_; }
    // The VMCOREINFO text (empty before header_version 3 or when the dump has none).
    std::string_view vmcoreinfo() const noexcept { return vmcoreinfo_; }

    // Bit `pfn` of the 1st bitmap (page exists) and of the 2nd (page is in the dump). A pfn at or
    // past max_mapnr() is false. Errors only for I/O failures.
    Result<bool> is_present(uint64_t pfn);
    Result<bool> is_dumped(uint64_t pfn);

    // Descriptor of a dumped page; its index is the number of 2nd-bitmap bits before `pfn`.
    // Code::not_found when the page is not in the dump, Code::corrupt when the descriptor lies past
    // the end of the file.
    Result<kdump::PageDesc> descriptor(uint64_t pfn);
    // Descriptor number `index` (0 .. num_dumpable()-1), read through the one-block cache.
    Result<kdump::PageDesc> descriptor_at(uint64_t index);

    // Reads the page `pfn` into `out` (exactly block_size() bytes), decompressing it with the codec
    // its descriptor names. Code::not_found for a page not in the dump, Code::corrupt for a bad
    // descriptor or data that does not decompress to exactly one block, Code::not_supported for a
    // codec that is not compiled in.
    Status read_page(uint64_t pfn, std::span<std::byte> out);
    // The same for a descriptor already in hand (messages name `pfn`). `scratch` must hold
    // block_size() bytes; it receives the stored bytes.
    Status read_page(uint64_t pfn, const kdump::PageDesc& desc, std::span<std::byte> scratch,
                     std::span<std::byte> out);
    // Reads the stored bytes of a page (desc.size of them, <= block_size()) into `out`.
    Status read_stored(uint64_t pfn, const kdump::PageDesc& desc, std::span<std::byte> out);

    // Any bytes of the file (headers, eraseinfo, ...): Code::corrupt if the range is not inside it.
    Status read_raw(uint64_t offset, std::span<std::byte> out, const char* what);

    // Block `block` of bitmap 1 or 2 (block_size() bytes), through that bitmap's one-block cache:
    // the span stays valid until the next call for the same bitmap.
    Result<std::span<const std::byte>> bitmap_block(int which, uint64_t block);

    // Streaming walk of one bitmap (1 or 2) in ascending order, one block at a time: calls `fn` with
    // each block's bytes and the pfn of its first bit. A non-ok Status from `fn` stops the walk and
    // is returned.
    Status for_each_bitmap_block(int which, const std::function<Status(uint64_t first_pfn,
                                                                       std::span<const std::byte>)>& fn);

    // Streaming walk of every dumped page in ascending pfn order with its descriptor index (reads the
    // 2nd bitmap and the descriptor table sequentially). `fn` returning non-ok stops the walk.
    // A descriptor past the end of the file stops the walk with Code::corrupt.
    Status for_each_dumped(const std::function<Status(uint64_t pfn, uint64_t index)>& fn);

private:
    KdumpReader() = default;

    Status load(uint64_t st_size);
    Status check_layout();
    Status load_notes();
    Status build_prefix_index();
    Result<bool> bit(int which, uint64_t pfn);
    Status fail(Code code, const std::string& what) const;
    Result<compress::Codec*> codec_for(uint32_t flags);

    struct BlockCache {
        uint64_t block = UINT64_MAX;
        std::vector<std::byte> bytes;
    };

    std::string path_;
    UniqueFd fd_;
    uint64_t file_size_ = 0;
    kdump::DiskDumpHeader header_;
    kdump::SubHeader sub_;
    uint32_t block_size_ = 0;
    Layout layout_;
    uint64_t max_mapnr_ = 0;
    uint64_t num_dumpable_ = 0;
    std::vector<std::byte> notes_;
    std::string vmcoreinfo_;
    // prefix_[b] = 2nd-bitmap bits (below max_mapnr) in blocks 0 .. b-1.
    std::vector<uint64_t> prefix_;
    BlockCache bitmap_cache_[2];
    BlockCache desc_cache_;  // `block` = index of the first descriptor held
    // Decompressors made on first use, one per page flag met (at most a handful).
    std::vector<std::pair<uint32_t, std::unique_ptr<compress::Codec>>> codecs_;
};

}  // namespace kdf::format
