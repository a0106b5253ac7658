#include "core/common/number_text.h"
#include "core/format/kdump_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "core/compress/codec_registry.h"

namespace kdf::format {

using common::hex;
using common::num;

namespace {

// Set bits of `bytes` (bitmap order: bit i of byte b is pfn 8*b + i), counting only the first
// `bits` of them.
uint64_t count_bits(std::span<const std::byte> bytes, uint64_t bits) {
    uint64_t full = std::min<uint64_t>(bits / 8, bytes.size());
    uint64_t n = 0;
    size_t i = 0;
    for (; i + 8 <= full; i += 8) {
        uint64_t w;
        std::memcpy(&w, bytes.data() + i, 8);
        n += static_cast<uint64_t>(std::popcount(w));
    }
    for (; i < full; ++i) n += static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(bytes[i])));
    if (full < bytes.size() && bits % 8 != 0) {
        auto last = static_cast<uint8_t>(bytes[full]);
        n += static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(last & ((1u << (bits % 8)) - 1))));
    }
    return n;
}

}  // namespace

std::string page_flag_name(uint32_t flags) {
    switch (flags) {
    case 0: return "none";
    case kdump::kCompressedZlib: return "zlib";
    case kdump::kCompressedLzo: return "lzo";
    case kdump::kCompressedSnappy: return "snappy";
    case kdump::kCompressedZstd: return "zstd";
    case kdump::kCompressedLz4Kdf: return "lz4 (kdump-failover extension)";
    default: return "unknown " + hex(flags);
    }
}

bool page_flag_known(uint32_t flags) {
    return flags == 0 || flags == kdump::kCompressedZlib || flags == kdump::kCompressedLzo ||
           flags == kdump::kCompressedSnappy || flags == kdump::kCompressedZstd ||
           flags == kdump::kCompressedLz4Kdf;
}

ProbeResult probe_kdump(std::span<const std::byte> head, std::string* why) {
    auto say = [&](ProbeResult r, const std::string& text) {
        if (why) *why = text;
        return r;
    };
    if (head.size() < sizeof kdump::kSignature) return say(ProbeResult::not_mine, "shorter than a signature");
    if (std::memcmp(head.data(), kdump::kSignature, sizeof kdump::kSignature) != 0)
        return say(ProbeResult::not_mine, "no \"KDUMP   \" signature");
    if (head.size() < kdump::kDiskDumpHeaderSize)
        return say(ProbeResult::broken, "\"KDUMP   \" signature but only " + num(head.size()) +
                                            " bytes, shorter than the 464-byte disk_dump_header");
    return ProbeResult::mine;
}

Status KdumpReader::fail(Code code, const std::string& what) const {
    return Status::error(code, path_ + ": " + what);
}

Result<KdumpReader> KdumpReader::open(const std::string& path) {
    KdumpReader r;
    r.path_ = path;
    r.fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!r.fd_) return Status::from_errno(errno, "open " + path);
    // lseek rather than st_size: a dump on a block device has st_size 0.
    off_t end = ::lseek(r.fd_.get(), 0, SEEK_END);
    if (end < 0) return Status::from_errno(errno, "size of " + path);
    Status st = r.load(static_cast<uint64_t>(end));
    if (!st.is_ok()) return st;
    return r;
}

Status KdumpReader::load(uint64_t st_size) {
    file_size_ = st_size;
    std::vector<std::byte> head(std::min<uint64_t>(file_size_, kdump::kDiskDumpHeaderSize));
    if (!head.empty()) {
        Status st = pread_full(fd_.get(), head.data(), head.size(), 0, "read the kdump header");
        if (!st.is_ok()) return st.with_context(path_);
    }
    std::string why;
    ProbeResult pr = probe_kdump(head, &why);
    if (pr == ProbeResult::not_mine) return fail(Code::corrupt, "not a kdump-compressed file: " + why);
    if (pr == ProbeResult::broken) return fail(Code::corrupt, "truncated kdump header: " + why);
    auto hdr = kdump::decode_disk_dump_header(head);
    if (!hdr.is_ok()) return fail(Code::corrupt, hdr.status().message());
    header_ = hdr.value();

    if (header_.header_version > kdump::kHeaderVersion)
        return fail(Code::not_supported, "header_version " + num(static_cast<uint32_t>(header_.header_version)) +
                                             " is newer than this reader knows (makedumpfile writes 6)");
    if (header_.header_version < 1)
        return fail(Code::corrupt, "header_version " + std::to_string(header_.header_version) + " is not valid (1 to 6)");
    int32_t bs = header_.block_size;
    if (bs < 1024 || bs > (1 << 20) || !std::has_single_bit(static_cast<uint32_t>(bs)))
        return fail(Code::corrupt, "block_size " + std::to_string(bs) +
                                       " is not a page size (a power of two from 1024 to 1048576)");
    block_size_ = static_cast<uint32_t>(bs);
    if (header_.sub_hdr_size < 1)
        return fail(Code::corrupt, "sub_hdr_size " + std::to_string(header_.sub_hdr_size) + " blocks: there must be at least one");
    if (header_.bitmap_blocks == 0 || header_.bitmap_blocks % 2 != 0)
        return fail(Code::corrupt, "bitmap_blocks " + num(header_.bitmap_blocks) +
                                       " is not a positive even number (two bitmaps of the same size)");

    // All products below fit in 64 bits: 32-bit counts times a block size of at most 2^20.
    layout_.sub_header = block_size_;
    uint64_t sub_end = (1 + static_cast<uint64_t>(header_.sub_hdr_size)) * block_size_;
    if (sub_end > file_size_)
        return fail(Code::corrupt, "truncated: the sub-header blocks end at byte " + num(sub_end) +
                                       " but the file is " + num(file_size_) + " bytes");
    std::vector<std::byte> sub(kdump::kSubHeaderSize);
    Status st = pread_full(fd_.get(), sub.data(), sub.size(), layout_.sub_header, "read the kdump sub-header");
    if (!st.is_ok()) return st.with_context(path_);
    auto sh = kdump::decode_sub_header(sub);
    if (!sh.is_ok()) return fail(Code::corrupt, sh.status().message());
    sub_ = sh.value();
    // Fields a version does not have are whatever the notes hold there: forget them.
    if (header_.header_version < 3) sub_.offset_vmcoreinfo = sub_.size_vmcoreinfo = 0;
    if (header_.header_version < 4) sub_.offset_note = sub_.size_note = 0;
    if (header_.header_version < 5) sub_.offset_eraseinfo = sub_.size_eraseinfo = 0;
    if (header_.header_version < 6) sub_.start_pfn_64 = sub_.end_pfn_64 = sub_.max_mapnr_64 = 0;
    max_mapnr_ = header_.header_version >= 6 ? sub_.max_mapnr_64 : header_.max_mapnr;

    layout_.bitmap_bytes = static_cast<uint64_t>(header_.bitmap_blocks / 2) * block_size_;
    layout_.bitmap1 = sub_end;
    layout_.bitmap2 = layout_.bitmap1 + layout_.bitmap_bytes;
    layout_.descriptors = layout_.bitmap2 + layout_.bitmap_bytes;
    if (max_mapnr_ > layout_.bitmap_bytes * 8)
        return fail(Code::corrupt, "max_mapnr " + num(max_mapnr_) + " needs more bits than the bitmaps hold (" +
                                       num(layout_.bitmap_bytes * 8) + " pfns in " +
                                       num(header_.bitmap_blocks / 2) + " blocks each)");
    if (layout_.descriptors > file_size_)
        return fail(Code::corrupt, "truncated: the bitmaps end at byte " + num(layout_.descriptors) +
                                       " but the file is " + num(file_size_) + " bytes");
    st = load_notes();
    if (!st.is_ok()) return st;
    st = build_prefix_index();
    if (!st.is_ok()) return st;
    layout_.data = layout_.descriptors + num_dumpable_ * kdump::kPageDescSize;
    return Status::ok();
}

Status KdumpReader::load_notes() {
    // makedumpfile puts the notes (and VMCOREINFO, a part of them) right after the sub-header, in
    // the sub-header blocks; anything pointing elsewhere is damage.
    uint64_t lo = layout_.sub_header + kdump::kSubHeaderSize;
    uint64_t hi = layout_.bitmap1;
    auto check = [&](const char* what, uint64_t off, uint64_t size) -> Status {
        if (size == 0) return Status::ok();
        if (size > kMaxNoteBytes)
            return fail(Code::corrupt, std::string(what) + " size " + num(size) + " is more than the " +
                                           num(kMaxNoteBytes) + " bytes a reader accepts");
        if (off < lo || off > hi || size > hi - off)
            return fail(Code::corrupt, std::string(what) + " at bytes " + num(off) + ".." + num(off + size) +
                                           " lie outside the sub-header blocks (bytes " + num(lo) + ".." +
                                           num(hi) + ")");
        return Status::ok();
    };
    Status st = check("the ELF notes", sub_.offset_note, sub_.size_note);
    if (!st.is_ok()) return st;
    st = check("VMCOREINFO", sub_.offset_vmcoreinfo, sub_.size_vmcoreinfo);
    if (!st.is_ok()) return st;
    notes_.resize(sub_.size_note);
    if (!notes_.empty()) {
        st = pread_full(fd_.get(), notes_.data(), notes_.size(), sub_.offset_note, "read the ELF notes");
        if (!st.is_ok()) return st.with_context(path_);
    }
    vmcoreinfo_.resize(sub_.size_vmcoreinfo);
    if (!vmcoreinfo_.empty()) {
        st = pread_full(fd_.get(), vmcoreinfo_.data(), vmcoreinfo_.size(), sub_.offset_vmcoreinfo, "read VMCOREINFO");
        if (!st.is_ok()) return st.with_context(path_);
    }
    return Status::ok();
}

Status KdumpReader::build_prefix_index() {
    uint64_t blocks = header_.bitmap_blocks / 2;
    prefix_.assign(blocks + 1, 0);
    uint64_t bits_per_block = static_cast<uint64_t>(block_size_) * 8;
    uint64_t total = 0;
    Status st = for_each_bitmap_block(2, [&](uint64_t first_pfn, std::span<const std::byte> bytes) {
        uint64_t b = first_pfn / bits_per_block;
        prefix_[b] = total;
        if (first_pfn < max_mapnr_) total += count_bits(bytes, std::min(bits_per_block, max_mapnr_ - first_pfn));
        return Status::ok();
    });
    if (!st.is_ok()) return st;
    prefix_[blocks] = total;
    num_dumpable_ = total;
    return Status::ok();
}

Status KdumpReader::for_each_bitmap_block(
    int which, const std::function<Status(uint64_t first_pfn, std::span<const std::byte>)>& fn) {
    uint64_t base = which == 1 ? layout_.bitmap1 : layout_.bitmap2;
    uint64_t blocks = header_.bitmap_blocks / 2;
    std::vector<std::byte> buf(block_size_);
    for (uint64_t b = 0; b < blocks; ++b) {
        Status st = pread_full(fd_.get(), buf.data(), buf.size(), base + b * block_size_,
                               which == 1 ? "read the 1st bitmap" : "read the 2nd bitmap");
        if (!st.is_ok()) return st.with_context(path_);
        st = fn(b * block_size_ * 8, buf);
        if (!st.is_ok()) return st;
    }
    return Status::ok();
}

Result<std::span<const std::byte>> KdumpReader::bitmap_block(int which, uint64_t block) {
    BlockCache& c = bitmap_cache_[which - 1];
    if (c.block != block) {
        c.bytes.resize(block_size_);
        uint64_t base = which == 1 ? layout_.bitmap1 : layout_.bitmap2;
        Status st = pread_full(fd_.get(), c.bytes.data(), c.bytes.size(), base + block * block_size_,
                               which == 1 ? "read the 1st bitmap" : "read the 2nd bitmap");
        if (!st.is_ok()) {
            c.block = UINT64_MAX;
            return st.with_context(path_);
        }
        c.block = block;
    }
    return std::span<const std::byte>(c.bytes);
}

Result<bool> KdumpReader::bit(int which, uint64_t pfn) {
    if (pfn >= max_mapnr_) return false;
    uint64_t bits_per_block = static_cast<uint64_t>(block_size_) * 8;
    auto blk = bitmap_block(which, pfn / bits_per_block);
    if (!blk.is_ok()) return blk.take_status();
    uint64_t i = pfn % bits_per_block;
    return (static_cast<uint8_t>(blk.value()[i / 8]) >> (i % 8) & 1) != 0;
}

Result<bool> KdumpReader::is_present(uint64_t pfn) { return bit(1, pfn); }
Result<bool> KdumpReader::is_dumped(uint64_t pfn) { return bit(2, pfn); }

Result<kdump::PageDesc> KdumpReader::descriptor(uint64_t pfn) {
    auto dumped = is_dumped(pfn);
    if (!dumped.is_ok()) return dumped.take_status();
    if (!dumped.value()) return fail(Code::not_found, "pfn " + hex(pfn) + " is not in the dump");
    uint64_t bits_per_block = static_cast<uint64_t>(block_size_) * 8;
    uint64_t b = pfn / bits_per_block;
    auto blk = bitmap_block(2, b);  // cached by is_dumped() just above
    if (!blk.is_ok()) return blk.take_status();
    uint64_t index = prefix_[b] + count_bits(blk.value(), pfn % bits_per_block);
    auto d = descriptor_at(index);
    if (!d.is_ok()) return d.take_status().with_context("pfn " + hex(pfn));
    return d;
}

Result<kdump::PageDesc> KdumpReader::descriptor_at(uint64_t index) {
    if (index >= num_dumpable_)
        return fail(Code::not_found, "descriptor #" + num(index) + " does not exist (the dump has " +
                                         num(num_dumpable_) + ")");
    uint64_t per_block = block_size_ / kdump::kPageDescSize;
    uint64_t first = index - index % per_block;
    uint64_t at = layout_.descriptors + index * kdump::kPageDescSize;
    if (at + kdump::kPageDescSize > file_size_)
        return fail(Code::corrupt, "truncated: descriptor #" + num(index) + " at byte " + num(at) +
                                       " is past the end of the file (" + num(file_size_) + " bytes)");
    if (desc_cache_.block != first) {
        uint64_t from = layout_.descriptors + first * kdump::kPageDescSize;
        uint64_t count = std::min(per_block, num_dumpable_ - first);
        uint64_t bytes = std::min(count * kdump::kPageDescSize, file_size_ - from);  // a truncated table
        desc_cache_.bytes.resize(bytes);
        Status st = pread_full(fd_.get(), desc_cache_.bytes.data(), bytes, from, "read page descriptors");
        if (!st.is_ok()) {
            desc_cache_.block = UINT64_MAX;
            return st.with_context(path_);
        }
        desc_cache_.block = first;
    }
    size_t off = (index - first) * kdump::kPageDescSize;
    return kdump::decode_page_desc(std::span<const std::byte>(desc_cache_.bytes).subspan(off, kdump::kPageDescSize));
}

Status KdumpReader::read_stored(uint64_t pfn, const kdump::PageDesc& desc, std::span<std::byte> out) {
    std::string who = "pfn " + hex(pfn) + ": ";
    if (desc.size == 0 || desc.size > block_size_)
        return fail(Code::corrupt, who + "descriptor gives a stored size of " + num(desc.size) +
                                       " bytes (must be 1 to the block size " + num(block_size_) + ")");
    if (desc.offset < layout_.data)
        return fail(Code::corrupt, who + "descriptor points at byte " + num(desc.offset) +
                                       ", before the page data area (starts at byte " + num(layout_.data) + ")");
    if (desc.offset > file_size_ || desc.size > file_size_ - desc.offset)
        return fail(Code::corrupt, who + "page data at bytes " + num(desc.offset) + ".." +
                                       num(desc.offset + desc.size) + " is past the end of the file (" +
                                       num(file_size_) + " bytes)");
    if (out.size() < desc.size) return fail(Code::corrupt, who + "buffer smaller than the stored page");
    Status st = pread_full(fd_.get(), out.data(), desc.size, desc.offset, "read page data");
    if (!st.is_ok()) return st.with_context(path_ + ": " + who);
    return Status::ok();
}

Status KdumpReader::read_raw(uint64_t offset, std::span<std::byte> out, const char* what) {
    if (offset > file_size_ || out.size() > file_size_ - offset)
        return fail(Code::corrupt, std::string(what) + ": bytes " + num(offset) + ".." + num(offset + out.size()) +
                                       " are past the end of the file (" + num(file_size_) + " bytes)");
    Status st = pread_full(fd_.get(), out.data(), out.size(), offset, what);
    if (!st.is_ok()) return st.with_context(path_);
    return Status::ok();
}

Result<compress::Codec*> KdumpReader::codec_for(uint32_t flags) {
    for (auto& [f, codec] : codecs_)
        if (f == flags) return codec.get();
    auto made = compress::builtin_codecs().create_for_flag(flags);
    if (!made.is_ok()) return made.take_status();
    codecs_.emplace_back(flags, std::move(made.value()));
    return codecs_.back().second.get();
}

Status KdumpReader::read_page(uint64_t pfn, const kdump::PageDesc& desc, std::span<std::byte> scratch,
                              std::span<std::byte> out) {
    std::string who = "pfn " + hex(pfn) + ": ";
    if (out.size() != block_size_)
        return fail(Code::corrupt, who + "page buffer is " + num(out.size()) + " bytes, not the block size " +
                                       num(block_size_));
    if (!page_flag_known(desc.flags))
        return fail(Code::corrupt, who + "descriptor has unknown page flags " + hex(desc.flags));
    if (desc.flags == 0) {
        // Stored raw: makedumpfile keeps a page uncompressed only as the whole block.
        if (desc.size != block_size_)
            return fail(Code::corrupt, who + "stored uncompressed but its descriptor says " + num(desc.size) +
                                           " bytes, not the block size " + num(block_size_));
        return read_stored(pfn, desc, out);
    }
    Status st = read_stored(pfn, desc, scratch);
    if (!st.is_ok()) return st;
    auto codec = codec_for(desc.flags);
    if (!codec.is_ok()) return codec.take_status().with_context(path_ + ": " + who + "page flags " + hex(desc.flags));
    st = codec.value()->decompress(scratch.first(desc.size), out);
    if (!st.is_ok())
        return st.with_context(path_ + ": " + who + "page data at byte " + num(desc.offset) + " (" + num(desc.size) +
                               " bytes, " + page_flag_name(desc.flags) + ") does not decompress to " +
                               num(block_size_) + " bytes");
    return Status::ok();
}

Status KdumpReader::read_page(uint64_t pfn, std::span<std::byte> out) {
    auto d = descriptor(pfn);
    if (!d.is_ok()) return d.take_status();
    std::vector<std::byte> scratch(block_size_);
    return read_page(pfn, d.value(), scratch, out);
}

Status KdumpReader::for_each_dumped(const std::function<Status(uint64_t pfn, uint64_t index)>& fn) {
    uint64_t index = 0;
    return for_each_bitmap_block(2, [&](uint64_t first_pfn, std::span<const std::byte> bytes) -> Status {
        if (first_pfn >= max_mapnr_) return Status::ok();
        uint64_t limit = std::min<uint64_t>(bytes.size() * 8, max_mapnr_ - first_pfn);
        for (size_t w = 0; w * 64 < limit; ++w) {
            // Assembled byte by byte so bit i of the word is pfn w*64+i on any host byte order.
            uint64_t word = 0;
            for (size_t k = std::min<size_t>(8, bytes.size() - w * 8); k-- > 0;)
                word = (word << 8) | static_cast<uint8_t>(bytes[w * 8 + k]);
            while (word != 0) {
                uint64_t bitno = w * 64 + static_cast<uint64_t>(std::countr_zero(word));
                word &= word - 1;
                if (bitno >= limit) return Status::ok();
                Status st = fn(first_pfn + bitno, index++);
                if (!st.is_ok()) return st;
            }
        }
        return Status::ok();
    });
}

}  // namespace kdf::format
