// raw_save.cpp - extract a dump from a raw target (see raw_save.h).
#include "core/format/raw_save.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string_view>

#include "core/common/zero_bytes.h"
#include "kdf/fd_raw_volume.h"
#include "kdf/raw_dump_header.h"
#include "kdf/unique_fd.h"

namespace kdf::format {

namespace {

constexpr size_t copy_chunk = 1u << 20;  // bounded memory, whatever the dump size
constexpr const char* incomplete_name = "vmcore-incomplete";

Status fail(Code code, const std::string& source, const std::string& text) {
    return Status::error(code, source + ": " + text);
}

Result<uint64_t> source_size(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return Status::from_errno(errno, "stat " + path);
    if (S_ISREG(st.st_mode)) return static_cast<uint64_t>(st.st_size);
    if (!S_ISBLK(st.st_mode)) return fail(Code::invalid_config, path, "neither a block device nor a regular file");
    uint64_t bytes = 0;
    if (::ioctl(fd, BLKGETSIZE64, &bytes) != 0) return Status::from_errno(errno, "BLKGETSIZE64 " + path);
    return bytes;
}

// A block device or a regular file as a volume, read-write: the header is marked saved.
Result<std::unique_ptr<RawVolume>> open_source(const std::string& source) {
    UniqueFd fd(::open(source.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd) return Status::from_errno(errno, "open " + source);
    Result<uint64_t> size = source_size(fd.get(), source);
    if (!size.is_ok()) return size.take_status();
    return std::unique_ptr<RawVolume>(
        std::make_unique<FdRawVolume>("save", std::move(fd), source, size.value(), false));
}

std::string utc_time(int64_t t) {
    if (t == 0) return "an unknown time";
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm {};
    char buf[64];
    if (!::gmtime_r(&tt, &tm) || std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        return std::to_string(t);
    return buf;
}

// Names come from the device: treat them as untrusted input and allow single components only.
bool plain_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos;
}

Status sync(int fd, const std::string& what) {
    while (::fsync(fd) != 0)
        if (errno != EINTR) return Status::from_errno(errno, "fsync " + what);
    return Status::ok();
}

using common::all_zero;

// Copies [offset, offset+length) of src to the start of dst in copy_chunk pieces. Zero chunks are
// skipped (dst is sized first), so a sparse dump stays sparse on the destination too.
Status copy_range(RawVolume& src, uint64_t offset, uint64_t length, int dst, const std::string& dst_path,
                  std::vector<std::byte>& buf) {
    if (::ftruncate(dst, static_cast<off_t>(length)) != 0) return Status::from_errno(errno, "resize " + dst_path);
    const std::string write_what = "write " + dst_path;
    const CallOptions no_deadline;  // an operator waits at a terminal; the volume has its own timeouts
    for (uint64_t done = 0; done < length;) {
        size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), length - done));
        if (Status s = src.read_at(offset + done, std::span<std::byte>(buf.data(), n), no_deadline); !s.is_ok())
            return s;
        std::span<const std::byte> chunk(buf.data(), n);
        if (!all_zero(chunk))
            if (Status s = pwrite_full(dst, chunk.data(), n, done, write_what.c_str()); !s.is_ok()) return s;
        done += n;
    }
    return Status::ok();
}

// Creates <dir>/<name> (0600, never over an existing file) holding the given source range.
Status extract_file(int dir_fd, const std::string& dir_path, const std::string& name, RawVolume& src,
                    uint64_t offset, uint64_t length, std::vector<std::byte>& buf) {
    const std::string path = dir_path + "/" + name;
    UniqueFd out(::openat(dir_fd, name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!out) {
        if (errno == EEXIST)
            return Status::from_errno(EEXIST, path + " already exists; remove it to extract the dump again");
        return Status::from_errno(errno, "create " + path);
    }
    if (Status s = copy_range(src, offset, length, out.get(), path, buf); !s.is_ok()) return s;
    if (Status s = sync(out.get(), path); !s.is_ok()) return s;
    return out.close(("close " + path).c_str());
}

// Checks that the header's regions lie inside the source and its names are usable.
Status check_layout(const raw::Header& h, uint64_t size, const std::string& source) {
    if (h.data_offset > size || h.data_length > size - h.data_offset)
        return fail(Code::corrupt, source,
                    "dump data (offset " + std::to_string(h.data_offset) + ", " + std::to_string(h.data_length) +
                        " bytes) extends past the end of the source (" + std::to_string(size) +
                        " bytes): header corrupt or source truncated");
    if (!plain_name(h.dump_name) || !plain_name(h.final_name) || h.final_name == incomplete_name)
        return fail(Code::corrupt, source, "raw dump header names an unusable dump directory or file ('" +
                                               h.dump_name + "', '" + h.final_name + "')");
    for (const raw::SideFile& f : h.side_files) {
        if (!plain_name(f.name) || f.name == h.final_name || f.name == incomplete_name)
            return fail(Code::corrupt, source, "raw dump header names an unusable side file '" + f.name + "'");
        if (f.offset < raw::header_size || f.offset > h.data_offset || f.length > h.data_offset - f.offset)
            return fail(Code::corrupt, source, "side file " + f.name + " lies outside the side-file region");
    }
    return Status::ok();
}

// Refuses states that are not meant to be saved without --force.
Status check_state(const raw::Header& h, const SaveOptions& opts, const std::string& source) {
    if (opts.force) return Status::ok();
    if (h.state == raw::State::writing || h.state == raw::State::aborted)
        return fail(Code::corrupt, source,
                    "dump '" + h.dump_name + "' is incomplete: its header says " +
                        (h.state == raw::State::writing ? "writing (the dump was interrupted), " +
                                                              std::to_string(h.data_length) +
                                                              " bytes written as of its last header update"
                                                        : "aborted (the attempt gave up), " +
                                                              std::to_string(h.data_length) + " bytes written") +
                        "; --force extracts it as " + incomplete_name);
    if (h.state == raw::State::saved)
        return fail(Code::not_supported, source,
                    "dump '" + h.dump_name + "' was already saved (dump finished at " + utc_time(h.finished) +
                        "); --force extracts it again");
    return Status::ok();
}

// <out_dir>/<dump_name>, created 0700 or reused when it holds no dump yet.
Result<UniqueFd> make_dump_dir(const std::string& out_dir, const std::string& dump_dir, const raw::Header& h) {
    UniqueFd parent(::open(out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent) return Status::from_errno(errno, "open directory " + out_dir);
    if (::mkdirat(parent.get(), h.dump_name.c_str(), 0700) != 0 && errno != EEXIST)
        return Status::from_errno(errno, "create directory " + dump_dir);
    UniqueFd dir(::openat(parent.get(), h.dump_name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) return Status::from_errno(errno, "open directory " + dump_dir);
    for (const std::string& name : {h.final_name, std::string("vmcore"), std::string(incomplete_name)}) {
        struct stat st {};
        if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
            return Status::from_errno(EEXIST, dump_dir + " already holds " + name +
                                                  "; remove it to extract the dump again");
    }
    // The new directory entry must survive a crash as well as the files in it.
    if (Status s = sync(parent.get(), out_dir); !s.is_ok()) return s;
    return dir;
}

Status mark_saved(RawVolume& src, raw::Header h, const std::string& source) {
    h.state = raw::State::saved;  // `finished` stays the commit time: the header has no save-time field
    std::vector<std::byte> block = raw::encode(h);
    if (block.empty()) return fail(Code::corrupt, source, "cannot re-encode the raw dump header");
    const CallOptions no_deadline;
    if (Status s = src.write_at(0, block, no_deadline); !s.is_ok()) return s.with_context("write header " + source);
    return src.flush(no_deadline);
}

}  // namespace

Result<SaveResult> save_raw_dump(const std::string& source, const std::string& out_dir, const SaveOptions& opts) {
    Result<std::unique_ptr<RawVolume>> volume = open_source(source);
    if (!volume.is_ok()) return volume.take_status();
    return save_raw_dump(*volume.value(), out_dir, opts);
}

Result<SaveResult> save_raw_dump(RawVolume& src, const std::string& out_dir, const SaveOptions& opts) {
    const std::string& source = src.location();
    if (src.size() < raw::header_size)
        return fail(Code::corrupt, source, "not a raw dump: smaller than the 4096-byte raw dump header");

    std::vector<std::byte> block(raw::header_size);
    if (Status s = src.read_at(0, block, CallOptions{}); !s.is_ok()) return s;
    raw::DecodeError err = raw::DecodeError::none;
    std::optional<raw::Header> decoded = raw::decode(block, err);
    if (!decoded) return fail(Code::corrupt, source, raw::to_string(err));
    const raw::Header& h = *decoded;

    if (Status s = check_state(h, opts, source); !s.is_ok()) return s;
    if (Status s = check_layout(h, src.size(), source); !s.is_ok()) return s;

    const bool complete = h.state == raw::State::complete || h.state == raw::State::saved;
    const std::string dump_dir = out_dir + "/" + h.dump_name;
    Result<UniqueFd> dir = make_dump_dir(out_dir, dump_dir, h);
    if (!dir.is_ok()) return dir.take_status();

    SaveResult result;
    result.complete = complete;
    result.bytes = h.data_length;
    std::vector<std::byte> buf(copy_chunk);
    // Side files first: vmcore-dmesg.txt is the part an engineer reads first.
    for (const raw::SideFile& f : h.side_files) {
        if (Status s = extract_file(dir.value().get(), dump_dir, f.name, src, f.offset, f.length, buf);
            !s.is_ok())
            return s;
        result.side_files.push_back(dump_dir + "/" + f.name);
    }
    if (Status s = extract_file(dir.value().get(), dump_dir, incomplete_name, src, h.data_offset,
                                h.data_length, buf);
        !s.is_ok())
        return s;
    result.dump_path = dump_dir + "/" + incomplete_name;
    if (complete) {
        const std::string what = "rename " + dump_dir + "/" + incomplete_name + " to " + h.final_name;
        if (Status s = rename_no_replace(dir.value().get(), incomplete_name, h.final_name.c_str(), what); !s.is_ok())
            return s;
        result.dump_path = dump_dir + "/" + h.final_name;
    }
    if (Status s = sync(dir.value().get(), dump_dir); !s.is_ok()) return s;

    // Only a complete dump is marked: an incomplete one must keep saying so on the device.
    if (h.state == raw::State::complete)
        if (Status s = mark_saved(src, h, source); !s.is_ok())
            return s.with_context("dump saved to " + result.dump_path + ", but marking the source saved failed");
    return result;
}

}  // namespace kdf::format
