// raw_sink.cpp - mode raw of the `local` transport.
#include "raw_sink.h"

#include <algorithm>
#include <chrono>
#include <ctime>

#include "file_util.h"
#include "kdf/size_text.h"
#include "raw_device.h"

namespace kdf::local {

namespace {

// How much the written extent grows before the header's data_length is refreshed: often enough that
// an interrupted dump reports a useful size, rarely enough to cost nothing.
constexpr uint64_t header_refresh_step = 16ull << 20;
constexpr uint64_t side_file_alignment = 4096;

uint64_t round_up(uint64_t v, uint64_t align) { return (v + align - 1) / align * align; }

int64_t now_unix() { return static_cast<int64_t>(std::time(nullptr)); }

}  // namespace

Result<std::unique_ptr<Sink>> RawSink::open(const LocalOptions& options, const DumpInfo& dump,
                                            const CallOptions& opts) {
    const std::string& path = options.device;
    if (Status s = check_deadline(opts, "opening " + path); !s.is_ok()) return s;
    Result<RawDevice> dev = open_raw_device(path);
    if (!dev.is_ok()) return dev.take_status();

    const uint64_t data_offset = round_up(raw::header_size, raw::data_alignment);
    const uint64_t needed = raw::header_size + raw::data_alignment + dump.size_hint;
    if (dev.value().size < needed)
        return Status::error(Code::no_space, "local: device " + path + " holds " + size_text(dev.value().size) +
                                                 ", less than the " + size_text(needed) +
                                                 " needed (header, 1 MiB, and the dump's size hint of " +
                                                 size_text(dump.size_hint) + ")");

    raw::Header h;
    h.state = raw::State::writing;
    h.data_offset = data_offset;
    h.data_length = 0;
    h.started = dump.started_unix != 0 ? dump.started_unix : now_unix();
    h.host = dump.host;
    h.dump_name = dump.dir_name;
    h.final_name = dump.final_name;
    h.format = dump.format;
    if (raw::encode(h).empty())
        return Status::error(Code::invalid_config,
                             "local: host, dump name, file name or format too long for the raw dump header "
                             "(63, 63, 31, 15 characters)");

    // Checked before the sink exists: nothing is written yet, so the device stays as it was.
    if (Status s = check_deadline(opts, "writing the raw dump header"); !s.is_ok()) return s;
    auto sink = std::make_unique<RawSink>(path, std::move(dev.value().fd), dev.value().size, std::move(h),
                                          dump.size_hint, options.fsync);
    // The header goes to stable storage before any data, so a crash from here on leaves "writing".
    if (Status s = sink->write_header(true); !s.is_ok()) return s;
    return std::unique_ptr<Sink>(std::move(sink));
}

RawSink::RawSink(std::string device, UniqueFd fd, uint64_t device_size, raw::Header header, uint64_t size_hint,
                 bool fsync)
    : SinkBase("local", header.final_name, device + " (raw, dump " + header.dump_name + ")"),
      device_(std::move(device)),
      fd_(std::move(fd)),
      device_size_(device_size),
      header_(std::move(header)),
      size_hint_(size_hint),
      fsync_(fsync) {
    if (fsync_) writeback_ = BackgroundSync(fd_.get());
}

RawSink::~RawSink() { abort_if_writing(std::chrono::seconds(5)); }

Status RawSink::write_header(bool durable) {
    std::vector<std::byte> block = raw::encode(header_);
    if (block.empty()) return Status::error(Code::invalid_config, "local: raw dump header fields do not fit");
    if (Status s = pwrite_full(fd_.get(), block.data(), block.size(), 0, ("local: write header " + device_).c_str());
        !s.is_ok())
        return s;
    return durable ? sync_fd(fd_.get(), device_) : Status::ok();
}

Status RawSink::do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) {
    if (name.size() >= 48)
        return Status::error(Code::invalid_config,
                             "local: side file name '" + std::string(name) +
                                 "' is longer than the 47 bytes a raw dump header holds");
    if (header_.side_files.size() >= raw::max_side_files)
        return Status::error(Code::not_supported, "local: the raw dump header holds at most 8 side files");
    if (Status s = check_deadline(opts, "writing side file " + std::string(name)); !s.is_ok()) return s;

    const uint64_t offset = round_up(next_side_offset_, side_file_alignment);
    const uint64_t end = offset + data.size();
    const uint64_t new_data_offset = std::max(header_.data_offset, round_up(end, raw::data_alignment));
    if (end < offset || new_data_offset > device_size_ || device_size_ - new_data_offset < size_hint_ + raw::header_size)
        return Status::error(Code::no_space, "local: side file " + std::string(name) + " (" + size_text(data.size()) +
                                                 ") does not fit on " + device_ + " (" + size_text(device_size_) +
                                                 ") in front of the dump");

    if (Status s = pwrite_full(fd_.get(), data.data(), data.size(), offset,
                               ("local: write side file " + std::string(name) + " to " + device_).c_str());
        !s.is_ok())
        return s;
    if (Status s = sync_fd(fd_.get(), device_); !s.is_ok()) return s;  // data before the header names it
    header_.side_files.push_back(raw::SideFile{std::string(name), offset, data.size()});
    header_.data_offset = new_data_offset;
    next_side_offset_ = end;
    return write_header(true);
}

Status RawSink::do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) {
    const uint64_t room = device_size_ - header_.data_offset;
    if (offset > room || data.size() > room - offset)
        return Status::error(Code::no_space, "local: write of " + std::to_string(data.size()) + " bytes at dump offset " +
                                                 std::to_string(offset) + " passes the end of " + device_ + " (room for " +
                                                 size_text(room) + " of dump data)");
    if (Status s = check_deadline(opts, "writing to " + device_); !s.is_ok()) return s;
    if (Status s = pwrite_full(fd_.get(), data.data(), data.size(), header_.data_offset + offset,
                               ("local: write " + device_).c_str());
        !s.is_ok())
        return s;
    writeback_.wrote(data.size());
    data_end_ = std::max(data_end_, offset + data.size());
    if (data_end_ >= recorded_length_ + header_refresh_step) {
        header_.data_length = data_end_;
        if (Status s = write_header(false); !s.is_ok()) return s;
        recorded_length_ = data_end_;
    }
    return Status::ok();
}

Status RawSink::do_commit(const CallOptions& opts) {
    if (Status s = check_deadline(opts, "committing " + location()); !s.is_ok()) return s;
    // The data must be stable before the header says "complete" (the header is the commit record).
    if (fsync_) {
        if (Status s = writeback_.finish(); !s.is_ok()) return s.with_context("local: " + device_);
        if (Status s = sync_fd(fd_.get(), device_); !s.is_ok()) return s;
    }
    header_.state = raw::State::complete;
    header_.data_length = data_end_;
    header_.finished = now_unix();
    Status s = write_header(true);
    if (!s.is_ok()) {
        header_.state = raw::State::writing;  // abort() may still mark it aborted
        return s;
    }
    // The header says complete: from here on abort() must not touch it, even if close fails.
    return fd_.close(("local: close " + device_).c_str());
}

Status RawSink::do_abort(const CallOptions&) {
    if (!fd_) return Status::ok();  // the commit record is written: the dump is complete
    header_.state = raw::State::aborted;
    header_.data_length = data_end_;
    header_.finished = now_unix();
    (void)writeback_.finish();  // stops the helper; its error changes nothing here
    // Best effort: if this fails the header still says "writing", which save treats as incomplete too.
    Status s = write_header(true);
    Status closed = fd_.close(("local: close " + device_).c_str());
    return s.is_ok() ? closed : s;
}

}  // namespace kdf::local
