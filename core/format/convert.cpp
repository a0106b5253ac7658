#include "core/format/convert.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "core/common/zero_bytes.h"
#include "core/compress/codec_registry.h"
#include "core/format/dump_format.h"
#include "core/format/file_output.h"
#include "core/format/kdump_reader.h"
#include "core/format/sequential_buffer.h"
#include "core/format/verify.h"

namespace kdf::format {

namespace {

constexpr size_t kDataBufferBytes = 1 << 20;
constexpr size_t kDescBatch = 2048;  // descriptors per write (48 KiB)
constexpr size_t kCopyChunk = 1 << 20;
constexpr uint32_t kCodecBits = kdump::kCompressedZlib | kdump::kCompressedLzo | kdump::kCompressedSnappy |
                                kdump::kCompressedZstd | kdump::kCompressedLz4Kdf;

Status err(Code code, const std::string& what) { return Status::error(code, "convert: " + what); }
Status ctx(Status s) { return std::move(s.with_context("convert")); }

using common::all_zero;

// One conversion; the output file is removed by the caller if run() fails.
class Converter {
public:
    Converter(KdumpReader& in, FileOutput& out, compress::Codec& codec)
        : in_(in), out_(out), codec_(codec), data_(out, kDataBufferBytes) {}

    Status run() {
        const uint32_t bs = in_.block_size();
        header_ = in_.header();
        header_.status = (header_.status & ~kCodecBits & ~kdump::kCompressedIncomplete) | codec_.kdump_flag();
        if (Status s = write_header(header_.status | kdump::kCompressedIncomplete); !s.is_ok()) return s;
        if (Status s = copy_sub_header_blocks(); !s.is_ok()) return s;
        for (int which = 1; which <= 2; ++which) {
            uint64_t base = which == 1 ? in_.layout().bitmap1 : in_.layout().bitmap2;
            Status s = in_.for_each_bitmap_block(which, [&](uint64_t first_pfn, std::span<const std::byte> bytes) {
                return out_.write_at(base + first_pfn / 8, bytes);
            });
            if (!s.is_ok()) return s;
        }

        data_.start_at(in_.layout().data);
        const bool share_zero = (in_.sub_header().dump_level & 1) != 0;
        if (share_zero)  // makedumpfile's pd_zero: the first bytes of the data area, stored raw
            if (Status s = data_.append_zeros(bs); !s.is_ok()) return s;
        std::vector<std::byte> scratch(bs), page(bs), packed(codec_.max_compressed_size(bs));
        descs_.reserve(kDescBatch * kdump::kPageDescSize);
        Status st = in_.for_each_dumped([&](uint64_t pfn, uint64_t index) -> Status {
            auto d = in_.descriptor_at(index);
            if (!d.is_ok()) return d.take_status().with_context("pfn " + std::to_string(pfn));
            if (Status s = in_.read_page(pfn, d.value(), scratch, page); !s.is_ok()) return s;
            kdump::PageDesc nd;
            if (share_zero && all_zero(page)) {
                nd.offset = in_.layout().data;
                nd.size = bs;
            } else {
                std::span<const std::byte> stored = page;
                if (codec_.kdump_flag() != 0) {
                    auto n = codec_.compress(page, packed);
                    if (!n.is_ok()) return n.take_status().with_context("pfn " + std::to_string(pfn));
                    // makedumpfile's rule: keep the page raw unless compression made it smaller.
                    if (n.value() < bs) {
                        stored = std::span<const std::byte>(packed).first(n.value());
                        nd.flags = codec_.kdump_flag();
                    }
                }
                nd.offset = data_.cursor();
                nd.size = static_cast<uint32_t>(stored.size());
                if (Status s = data_.append(stored); !s.is_ok()) return s;
            }
            descs_.resize(descs_.size() + kdump::kPageDescSize);
            kdump::encode(nd, std::span<std::byte>(descs_).last(kdump::kPageDescSize));
            if (descs_.size() >= kDescBatch * kdump::kPageDescSize) return flush_descriptors();
            return Status::ok();
        });
        if (!st.is_ok()) return st;
        if (Status s = flush_descriptors(); !s.is_ok()) return s;
        if (Status s = copy_eraseinfo(); !s.is_ok()) return s;
        if (Status s = out_.sync(); !s.is_ok()) return s;
        // Only now, with every byte durable, does the header stop saying INCOMPLETE.
        if (Status s = write_header(header_.status); !s.is_ok()) return s;
        return out_.sync();
    }

private:
    Status write_header(uint32_t status) {
        std::vector<std::byte> block(in_.block_size());
        kdump::DiskDumpHeader h = header_;
        h.status = status;
        kdump::encode(h, block);
        return out_.write_at(0, block);
    }

    // Blocks 1 .. sub_hdr_size: the sub-header and the notes, byte for byte.
    Status copy_sub_header_blocks() {
        const auto& lay = in_.layout();
        std::vector<std::byte> block(in_.block_size());
        for (uint64_t at = lay.sub_header; at < lay.bitmap1; at += block.size()) {
            if (Status s = in_.read_raw(at, block, "read the sub-header blocks"); !s.is_ok()) return s;
            if (Status s = out_.write_at(at, block); !s.is_ok()) return s;
        }
        return Status::ok();
    }

    Status flush_descriptors() {
        if (Status s = data_.flush(); !s.is_ok()) return s;  // data before the descriptors that point at it
        if (descs_.empty()) return Status::ok();
        uint64_t at = in_.layout().descriptors + desc_flushed_ * kdump::kPageDescSize;
        if (Status s = out_.write_at(at, descs_); !s.is_ok()) return s;
        desc_flushed_ += descs_.size() / kdump::kPageDescSize;
        descs_.clear();
        return Status::ok();
    }

    // makedumpfile appends eraseinfo after the page data; its offset moves with the data.
    Status copy_eraseinfo() {
        kdump::SubHeader sub = in_.sub_header();
        if (sub.size_eraseinfo == 0) return Status::ok();
        uint64_t to = data_.cursor();
        std::vector<std::byte> chunk(std::min<uint64_t>(kCopyChunk, sub.size_eraseinfo));
        for (uint64_t done = 0; done < sub.size_eraseinfo; done += chunk.size()) {
            std::span<std::byte> part(chunk.data(), std::min<uint64_t>(chunk.size(), sub.size_eraseinfo - done));
            if (Status s = in_.read_raw(sub.offset_eraseinfo + done, part, "read eraseinfo"); !s.is_ok()) return s;
            if (Status s = out_.write_at(to + done, part); !s.is_ok()) return s;
        }
        sub.offset_eraseinfo = to;
        std::vector<std::byte> bytes(kdump::kSubHeaderSize);
        kdump::encode(sub, bytes);
        return out_.write_at(in_.layout().sub_header, bytes);
    }

    KdumpReader& in_;
    FileOutput& out_;
    compress::Codec& codec_;
    SequentialBuffer data_;
    kdump::DiskDumpHeader header_;
    std::vector<std::byte> descs_;
    uint64_t desc_flushed_ = 0;
};

Status fsync_parent_dir(const std::string& path) {
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return Status::from_errno(errno, "open directory " + dir);
    if (::fsync(fd.get()) != 0) return Status::from_errno(errno, "fsync directory " + dir);
    return Status::ok();
}

// The rewrite copies the headers and bitmaps byte for byte, so damage the page walk does not meet
// (a header flag of unknown meaning, bitmap bits past max_mapnr, ...) would come out in a file that
// looks standard. Whatever `verify` finds in the input refuses the output before it gets its name.
// The pages are read a second time: convert is an offline tool, and a second read is cheaper than
// a converted dump nobody can trust.
Status damage_the_rewrite_copied(const std::string& in_path) {
    auto checked = verify_dump(in_path);
    if (!checked.is_ok()) return checked.take_status();
    if (!checked->checked || checked->problems.empty()) return Status::ok();
    const size_t more = checked->problems.size() - 1;
    return Status::error(Code::corrupt, in_path + ": " + checked->problems.front() +
                                            (more > 0 ? " (and " + std::to_string(more) + " more problems)" : ""));
}

}  // namespace

Status convert_dump(const std::string& in_path, const std::string& out_path, const std::string& codec_name,
                    std::optional<int> level) {
    auto codec = compress::builtin_codecs().create(codec_name, level);
    if (!codec.is_ok()) return ctx(codec.take_status());

    // Another dump format gets a hint; a kdump file (broken or not) is left to the reader's checks.
    auto probed = probe_dump_file(in_path);
    if (!probed.is_ok()) return ctx(probed.take_status());
    if (probed->result == ProbeResult::mine && probed->format->format != DumpFormat::kdump)
        return err(Code::corrupt, in_path + ": not a kdump-compressed file but " +
                                      (probed->format->format == DumpFormat::flat
                                           ? "a flattened dump (makedumpfile -F): reassemble it first"
                                           : "an ELF vmcore: convert reads kdump-compressed dumps only"));
    auto in = KdumpReader::open(in_path);
    if (!in.is_ok()) return ctx(in.take_status());
    KdumpReader& rd = in.value();
    if (rd.incomplete())
        return err(Code::corrupt, in_path + " is marked incomplete (the writer did not finish): refusing to turn it "
                                            "into a dump that looks complete");
    if (rd.sub_header().size_eraseinfo > 0 && rd.header().header_version < 6)
        return err(Code::not_supported, in_path + ": moving eraseinfo is supported for header_version 6 only (this is " +
                                            std::to_string(rd.header().header_version) + ")");

    struct stat st {};
    if (::stat(out_path.c_str(), &st) == 0)
        return err(Code::invalid_config, out_path + " already exists: convert never replaces a file");
    std::string tmp = out_path + ".incomplete";
    auto out = FileOutput::create(tmp);
    if (!out.is_ok()) return ctx(out.take_status());

    Converter conv(rd, out.value(), *codec.value());
    Status s = conv.run();
    if (s.is_ok()) s = damage_the_rewrite_copied(in_path);
    if (s.is_ok()) s = rename_no_replace(AT_FDCWD, tmp.c_str(), out_path.c_str(), "rename " + tmp + " to " + out_path);
    if (s.is_ok()) s = fsync_parent_dir(out_path);
    if (!s.is_ok()) {
        ::unlink(tmp.c_str());
        if (s.code() == Code::corrupt || s.code() == Code::not_supported)
            s.with_context("refusing a damaged input (`kdump-failover verify " + in_path + "` lists every problem)");
        return ctx(std::move(s));
    }
    return Status::ok();
}

}  // namespace kdf::format
