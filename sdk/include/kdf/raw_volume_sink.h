// kdf/raw_volume_sink.h - a dump written to a RawVolume behind a kdf::raw header: the one
// implementation of the raw layout, whatever the volume is (a local device or file, an iSCSI LUN,
// an LV).
//
// Volume layout (kdf/raw_dump_header.h has the byte-level header diagram):
//
//   0        4096                      data_offset (1 MiB aligned)            volume end
//   | header | side files, 4 KiB aligned | dump data (data_length bytes) ...     |
//
// Order of durable steps, so the header never claims more than the volume holds:
//   open()     header {state writing} written and flushed before any data
//   put_file() side file data, flush, header with the new entry and data_offset, flush
//              (only before the first write_at: data_offset moves)
//   write_at() data at data_offset + offset; every 16 MiB of growth the header's data_length is
//              refreshed (not flushed) so an interrupted dump says roughly how much it holds
//   commit()   flush (the data is stable), header {complete, data_length, finished}, flush
//   abort()    header {aborted, data_length, finished}, flush; data kept (also on destruction)
// A write that would pass the volume's end fails with Code::no_space before anything is written:
// the data never wraps and never touches the header or the side files. The call rules (states,
// stage labels, side-file names, side files first) are kdf::SinkBase's.
#pragma once

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <utility>

#include "kdf/raw_dump_header.h"
#include "kdf/raw_volume.h"
#include "kdf/sink_base.h"
#include "kdf/size_text.h"

namespace kdf {

class RawVolumeSink final : public SinkBase {
public:
    // Checks the volume's size against header + 1 MiB + dump.size_hint, writes the header
    // {writing} and flushes it. `plugin` (a string literal) prefixes every message. Nothing is
    // written when the volume is too small or a header field does not fit.
    static Result<std::unique_ptr<Sink>> open(const char* plugin, std::unique_ptr<RawVolume> volume,
                                              const DumpInfo& dump, const CallOptions& opts) {
        const std::string where = volume->location();
        if (opts.expired())
            return Status::error(Code::timeout, std::string(plugin) + ": deadline passed before opening " + where);
        const uint64_t data_offset = raw::data_alignment;
        const uint64_t needed = raw::header_size + raw::data_alignment + dump.size_hint;
        if (volume->size() < needed)
            return Status::error(Code::no_space, std::string(plugin) + ": device " + where + " holds " +
                                                     size_text(volume->size()) + ", less than the " +
                                                     size_text(needed) +
                                                     " needed (header, 1 MiB, and the dump's size hint of " +
                                                     size_text(dump.size_hint) + ")");
        raw::Header h;
        h.state = raw::State::writing;
        h.data_offset = data_offset;
        h.started = dump.started_unix != 0 ? dump.started_unix : static_cast<int64_t>(std::time(nullptr));
        h.host = dump.host;
        h.dump_name = dump.dir_name;
        h.final_name = dump.final_name;
        h.format = dump.format;
        if (raw::encode(h).empty())
            return Status::error(Code::invalid_config,
                                 std::string(plugin) +
                                     ": host, dump name, file name or format too long for the raw dump header "
                                     "(63, 63, 31, 15 characters)");
        auto sink = std::unique_ptr<RawVolumeSink>(
            new RawVolumeSink(plugin, std::move(volume), std::move(h), dump.size_hint));  // private constructor
        // The header is stable before any data, so a crash from here on leaves "writing".
        if (Status s = sink->write_header(true, opts); !s.is_ok()) {
            sink->volume_.reset();  // nothing to abort: the header may not even be there
            return s;
        }
        return std::unique_ptr<Sink>(std::move(sink));
    }

    ~RawVolumeSink() override { abort_if_writing(std::chrono::seconds(5)); }

private:
    // How much the written extent grows before the header's data_length is refreshed: often enough
    // that an interrupted dump reports a useful size, rarely enough to cost nothing.
    static constexpr uint64_t header_refresh_step = 16ull << 20;
    static constexpr uint64_t side_file_alignment = 4096;

    static uint64_t round_up(uint64_t v, uint64_t align) { return (v + align - 1) / align * align; }

    RawVolumeSink(const char* plugin, std::unique_ptr<RawVolume> volume, raw::Header header, uint64_t size_hint)
        : SinkBase(plugin, header.final_name, volume->location() + " (raw, dump " + header.dump_name + ")"),
          volume_(std::move(volume)),
          header_(std::move(header)),
          size_hint_(size_hint) {}

    std::string prefix() const { return std::string(plugin()) + ": "; }

    Status write_header(bool durable, const CallOptions& opts) {
        std::vector<std::byte> block = raw::encode(header_);
        if (block.empty()) return Status::error(Code::invalid_config, prefix() + "raw dump header fields do not fit");
        if (Status s = volume_->write_at(0, block, opts); !s.is_ok()) return s.with_context(prefix() + "write header");
        return durable ? volume_->flush(opts) : Status::ok();
    }

    Status do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) override {
        if (name.size() >= 48)
            return Status::error(Code::invalid_config, prefix() + "side file name '" + std::string(name) +
                                                           "' is longer than the 47 bytes a raw dump header holds");
        if (header_.side_files.size() >= raw::max_side_files)
            return Status::error(Code::not_supported, prefix() + "the raw dump header holds at most 8 side files");
        const uint64_t size = volume_->size();
        const uint64_t offset = round_up(next_side_offset_, side_file_alignment);
        const uint64_t end = offset + data.size();
        const uint64_t new_data_offset = std::max(header_.data_offset, round_up(end, raw::data_alignment));
        if (end < offset || new_data_offset > size || size - new_data_offset < size_hint_ + raw::header_size)
            return Status::error(Code::no_space, prefix() + "side file " + std::string(name) + " (" +
                                                     size_text(data.size()) + ") does not fit on " +
                                                     volume_->location() + " (" + size_text(size) +
                                                     ") in front of the dump");
        if (Status s = volume_->write_at(offset, data, opts); !s.is_ok())
            return s.with_context(prefix() + "write side file " + std::string(name));
        if (Status s = volume_->flush(opts); !s.is_ok()) return s;  // data before the header names it
        header_.side_files.push_back(raw::SideFile{std::string(name), offset, data.size()});
        header_.data_offset = new_data_offset;
        next_side_offset_ = end;
        return write_header(true, opts);
    }

    Status do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) override {
        const uint64_t room = volume_->size() - header_.data_offset;
        if (offset > room || data.size() > room - offset)
            return Status::error(Code::no_space, prefix() + "write of " + std::to_string(data.size()) +
                                                     " bytes at dump offset " + std::to_string(offset) +
                                                     " passes the end of " + volume_->location() + " (room for " +
                                                     size_text(room) + " of dump data)");
        if (Status s = volume_->write_at(header_.data_offset + offset, data, opts); !s.is_ok()) return s;
        data_end_ = std::max(data_end_, offset + data.size());
        if (data_end_ >= recorded_length_ + header_refresh_step) {
            header_.data_length = data_end_;
            if (Status s = write_header(false, opts); !s.is_ok()) return s;
            recorded_length_ = data_end_;
        }
        return Status::ok();
    }

    Status do_commit(const CallOptions& opts) override {
        // The data must be stable before the header says "complete" (the header is the commit record).
        if (Status s = volume_->flush(opts); !s.is_ok()) return s;
        header_.state = raw::State::complete;
        header_.data_length = data_end_;
        header_.finished = static_cast<int64_t>(std::time(nullptr));
        if (Status s = write_header(true, opts); !s.is_ok()) {
            header_.state = raw::State::writing;  // abort() may still mark it aborted
            return s;
        }
        // The header says complete: from here on abort() must not touch it.
        volume_.reset();
        return Status::ok();
    }

    Status do_abort(const CallOptions& opts) override {
        if (!volume_) return Status::ok();  // the commit record is written: the dump is complete
        header_.state = raw::State::aborted;
        header_.data_length = data_end_;
        header_.finished = static_cast<int64_t>(std::time(nullptr));
        // Best effort: if this fails the header still says "writing", which save treats as incomplete too.
        Status s = write_header(true, opts);
        volume_.reset();
        return s;
    }

    std::unique_ptr<RawVolume> volume_;  // released once the header is final (complete or aborted)
    raw::Header header_;
    uint64_t size_hint_;
    uint64_t next_side_offset_ = raw::header_size;  // where the next side file goes
    uint64_t data_end_ = 0;                         // highest dump offset + length written so far
    uint64_t recorded_length_ = 0;                  // data_length the header on disk carries
};

}  // namespace kdf
