// raw_sink.h - a dump written to a raw block device behind a kdf::raw header (`local`, mode raw).
//
// Device layout (kdf/raw_dump_header.h has the byte-level header diagram):
//
//   0        4096                      data_offset (1 MiB aligned)            device end
//   | header | side files, 4 KiB aligned | dump data (data_length bytes) ...     |
//
// Order of durable steps, so the header never claims more than the device holds:
//   open()     header {state writing} written and fsync'ed before any data
//   put_file() side file data, fsync, header with the new entry and data_offset, fsync
//              (only before the first write_at: data_offset moves)
//   write_at() data at data_offset + offset; every 16 MiB of growth the header's data_length is
//              refreshed (not synced) so an interrupted dump says roughly how much it holds
//              (with option fsync a helper thread also writes the data back every 16 MiB,
//              kdf/background_sync.h, so commit's fsync has little left)
//   commit()   fsync data (option fsync), header {complete, data_length, finished}, fsync
//   abort()    header {aborted, data_length, finished}, fsync; data kept (also on destruction)
// `kdump-failover save` (core/format/raw_save.h) turns the device back into files after reboot.
// The call rules (states, stage labels, side-file names, side files first) are kdf::SinkBase's.
#pragma once

#include <memory>
#include <string>

#include "kdf/background_sync.h"
#include "kdf/raw_dump_header.h"
#include "kdf/sink_base.h"
#include "kdf/transport.h"
#include "kdf/unique_fd.h"
#include "local_options.h"

namespace kdf::local {

class RawSink final : public SinkBase {
public:
    // Opens the existing device read-write (never creates it; block devices O_EXCL, so a mounted
    // one is refused), checks its size against header + 1 MiB + dump.size_hint, writes the header.
    static Result<std::unique_ptr<Sink>> open(const LocalOptions& options, const DumpInfo& dump,
                                              const CallOptions& opts);

    // Takes over an open device whose header is already on disk; open() is the way to get one.
    RawSink(std::string device, UniqueFd fd, uint64_t device_size, raw::Header header, uint64_t size_hint,
            bool fsync);
    ~RawSink() override;

private:
    Status do_write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_put_file(std::string_view name, std::span<const std::byte> data, const CallOptions& opts) override;
    Status do_commit(const CallOptions& opts) override;
    Status do_abort(const CallOptions& opts) override;
    Status write_header(bool durable);

    std::string device_;
    UniqueFd fd_;  // closed by a commit that wrote the complete header: abort() then leaves it complete
    uint64_t device_size_;
    raw::Header header_;
    uint64_t size_hint_;
    bool fsync_;
    BackgroundSync writeback_;  // with fsync_: writes data back during the dump; finished before fd_ closes
    uint64_t next_side_offset_ = raw::header_size;  // where the next side file goes
    uint64_t data_end_ = 0;                         // highest dump offset + length written so far
    uint64_t recorded_length_ = 0;                  // data_length the header on disk carries
};

}  // namespace kdf::local
