// core/format/kdump_compressed.h - the kdump-compressed ("diskdump") writer, the format
// makedumpfile writes by default; crash, libkdumpfile/drgn and makedumpfile read it. The on-disk
// structures and their layout diagram are in kdump_header.h.
//
// What this writer puts where (block = page size):
//   begin()    block 0 header (status = codec flag | INCOMPLETE), block 1.. sub-header + notes,
//              both bitmaps (built in 64 KiB windows from the PageSet's runs), and at level & 1
//              the shared zero page as the first bytes of the data area
//   add_page() one page_desc per page (buffered, written a block batch at a time) and the page
//              bytes at the data cursor (buffered 1 MiB); an excluded page gets no descriptor
//              and its bit cleared in a 64 KiB window of the 2nd bitmap, rewritten when the
//              pages move past it (begin() wrote the 2nd bitmap as a copy of the 1st)
//   finish()   the last descriptors and data, then block 0 again without INCOMPLETE; its status
//              is the plan's codec flag or'ed with the flag of every codec a page used, so a
//              dump that mixes codecs (`compress = auto`) names each of them
// Memory: fixed (descriptor batch + data buffer + one bitmap window), whatever the dump size.
// Page data is flushed before the descriptors that point at it, so a descriptor on disk never
// refers to bytes that were not written. One thread drives a writer.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/format/dump_writer.h"
#include "core/format/kdump_header.h"
#include "core/format/page_order.h"
#include "core/format/sequential_buffer.h"

namespace kdf::format {

class KdumpCompressedWriter final : public DumpWriter {
public:
    static constexpr size_t kDataBufferBytes = 1 << 20;
    static constexpr size_t kDescBatch = 2048;           // descriptors per write (48 KiB)
    static constexpr uint64_t kBitmapWindowBytes = 64 * 1024;

    KdumpCompressedWriter(const DumpPlan& plan, DumpOutput& out);

    Status begin() override;
    Status add_page(const PageRecord& page) override;
    Status finish() override;
    bool wants_compressed_pages() const override { return true; }
    uint64_t bytes_written() const override { return written_ + data_.bytes_flushed(); }

private:
    Status write(uint64_t offset, std::span<const std::byte> bytes);
    Status write_disk_header(uint32_t status);
    Status write_bitmaps(uint64_t first_offset, uint64_t bytes_per_bitmap);
    Status flush_descriptors();
    Status zero_unused_descriptors();
    Status clear_bitmap2_bit(uint64_t pfn);
    Status flush_bitmap2_window();
    Status fail(Status s);

    DumpPlan plan_;
    DumpOutput* out_;
    PageOrder order_;
    SequentialBuffer data_;
    kdump::DiskDumpHeader header_;
    uint64_t page_size_ = 4096;
    uint64_t desc_offset_ = 0;       // file offset of page_desc[0]
    uint64_t zero_page_offset_ = 0;  // the shared zero page (level & 1)
    uint64_t desc_flushed_ = 0;      // descriptors already on disk
    std::vector<std::byte> descs_;   // pending descriptors, 24 bytes each
    uint64_t written_ = 0;           // bytes written outside the data buffer
    uint64_t bitmap2_offset_ = 0;    // file offset of the 2nd bitmap
    uint64_t bitmap_bytes_ = 0;      // bytes per bitmap
    std::vector<std::byte> bm2_;     // the 2nd bitmap window being edited (empty: none)
    uint64_t bm2_first_byte_ = 0;    // its first byte within the bitmap
    uint64_t excluded_seen_ = 0;     // excluded records received
    uint32_t codec_flags_seen_ = 0;  // or of the page flags received (the codecs used)
    uint64_t unreadable_seen_ = 0;   // unreadable records received (descriptor slots left unused)
    enum class State { fresh, begun, finished, failed } state_ = State::fresh;
};

}  // namespace kdf::format
