// core/format/flattened.h - makedumpfile's flattened format (-F), for sinks that can only append,
// and its reassembly (-R) back into a normal file.
//
// Stream layout (all integers BIG-endian, whatever the host; makedumpfile bswaps on x86_64):
//
//   0     4096-byte header: char signature[16] = "makedumpfile" NUL-padded,
//                           int64 type = 1 (TYPE_FLAT_HEADER), int64 version = 1, zeros
//   4096  record:           int64 offset, int64 size, then `size` bytes that belong at `offset`
//   ...   more records, in any order; a later record overwrites an earlier one where they overlap
//   end   end marker:       int64 offset = -1, int64 size = -1
//
// Every write_at of a DumpWriter becomes one record, so `makedumpfile -R OUT < stream` (or
// reassemble_flattened) rebuilds byte for byte the file the writer would have written directly.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/common/probe_result.h"
#include "core/format/dump_writer.h"
#include "kdf/status.h"

namespace kdf::format::flat {

inline constexpr size_t kHeaderSize = 4096;
inline constexpr size_t kRecordHeaderSize = 16;
inline constexpr char kSignature[] = "makedumpfile";  // 12 chars, NUL-padded to 16 on disk
inline constexpr int64_t kTypeFlatHeader = 1;
inline constexpr int64_t kVersion = 1;

// Three-way probe on the first bytes of a file. mine: the 16-byte "makedumpfile" signature and the
// header's type field after it. not_mine: anything else. broken: the signature, cut short.
common::ProbeResult probe_flattened(std::span<const std::byte> head, std::string* why = nullptr);
inline constexpr int64_t kEndMarker = -1;

}  // namespace kdf::format::flat

namespace kdf::format {

// A DumpOutput that appends flattened records through `append` (a stream Sink's append, a pipe).
// The stream header goes out with the first record (or with end() if there was none). Not
// thread-safe; memory is constant (records are appended as two pieces, header then data).
class FlattenedOutput final : public DumpOutput {
public:
    using AppendFn = std::function<Status(std::span<const std::byte>)>;

    explicit FlattenedOutput(AppendFn append);

    Status write_at(uint64_t offset, std::span<const std::byte> data) override;
    // Writes the end marker. Without it `makedumpfile -R` and reassemble_flattened refuse the
    // stream, so a stream cut short is never mistaken for a whole dump. No write_at afterwards.
    Status end();
    uint64_t bytes_appended() const noexcept { return appended_; }

private:
    Status put(std::span<const std::byte> bytes);
    Status start();

    AppendFn append_;
    uint64_t appended_ = 0;
    bool started_ = false;
    bool ended_ = false;
};

// Replays a flattened stream read sequentially from `in_fd` (a file or a pipe) into `out`.
// Every defect is one line naming the stream byte offset: no "makedumpfile" signature, wrong
// type/version, a record header or data cut short, a negative offset or size that is not the end
// marker, offset + size overflowing, the stream ending without the end marker, bytes after it.
// Memory: a 1 MiB copy buffer.
Status reassemble_flattened(int in_fd, DumpOutput& out);

// `kdump-failover reassemble IN OUT`: IN is a path ("-" = stdin), OUT is created 0600 (an existing
// file is replaced). On any error OUT is removed, so no half-rebuilt dump is left that looks whole.
Status reassemble_flattened_file(const std::string& in_path, const std::string& out_path);

}  // namespace kdf::format
