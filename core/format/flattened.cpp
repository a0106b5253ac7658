#include "core/format/flattened.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "core/format/dump_format.h"
#include "core/format/file_output.h"

namespace kdf::format {
namespace {

void put_be64(std::byte* p, int64_t v) {
    auto u = static_cast<uint64_t>(v);
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(u >> (56 - 8 * i));
}

int64_t get_be64(const std::byte* p) {
    uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u = (u << 8) | std::to_integer<uint64_t>(p[i]);
    return static_cast<int64_t>(u);
}

template <class... Args>
Status corrupt(const char* format, Args... args) {
    char buf[300];
    std::snprintf(buf, sizeof buf, format, args...);
    return Status::error(Code::corrupt, std::string("flattened dump: ") + buf);
}

// Reads up to `size` bytes from a file or pipe; returns the count (less only at end of input).
Result<size_t> read_upto(int fd, std::byte* buf, size_t size) {
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::read(fd, buf + got, size - got);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Status::from_errno(errno, "flattened dump: read");
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    return got;
}

}  // namespace

FlattenedOutput::FlattenedOutput(AppendFn append) : append_(std::move(append)) {}

Status FlattenedOutput::put(std::span<const std::byte> bytes) {
    if (Status s = append_(bytes); !s.is_ok()) return s;
    appended_ += bytes.size();
    return Status::ok();
}

Status FlattenedOutput::start() {
    if (started_) return Status::ok();
    std::vector<std::byte> h(flat::kHeaderSize);
    std::memcpy(h.data(), flat::kSignature, sizeof flat::kSignature - 1);
    put_be64(h.data() + 16, flat::kTypeFlatHeader);
    put_be64(h.data() + 24, flat::kVersion);
    if (Status s = put(h); !s.is_ok()) return s;
    started_ = true;
    return Status::ok();
}

Status FlattenedOutput::write_at(uint64_t offset, std::span<const std::byte> data) {
    if (ended_) return Status::error(Code::corrupt, "flattened output: write after the end marker");
    if (data.empty()) return Status::ok();
    constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (offset > kMax || data.size() > kMax - offset)
        return Status::error(Code::corrupt, "flattened output: offset does not fit a signed 64-bit record");
    if (Status s = start(); !s.is_ok()) return s;
    std::byte rec[flat::kRecordHeaderSize];
    put_be64(rec, static_cast<int64_t>(offset));
    put_be64(rec + 8, static_cast<int64_t>(data.size()));
    if (Status s = put(rec); !s.is_ok()) return s;
    return put(data);
}

Status FlattenedOutput::end() {
    if (ended_) return Status::ok();
    if (Status s = start(); !s.is_ok()) return s;
    std::byte rec[flat::kRecordHeaderSize];
    put_be64(rec, flat::kEndMarker);
    put_be64(rec + 8, flat::kEndMarker);
    if (Status s = put(rec); !s.is_ok()) return s;
    ended_ = true;
    return Status::ok();
}

ProbeResult flat::probe_flattened(std::span<const std::byte> head, std::string* why) {
    auto say = [why](ProbeResult r, std::string text) {
        if (why) *why = std::move(text);
        return r;
    };
    char sig[16] = {};
    std::memcpy(sig, flat::kSignature, sizeof flat::kSignature - 1);
    if (head.size() < sizeof sig || std::memcmp(head.data(), sig, sizeof sig) != 0)
        return say(ProbeResult::not_mine, "no \"makedumpfile\" signature");
    if (head.size() < 24)
        return say(ProbeResult::broken, "\"makedumpfile\" signature but only " + std::to_string(head.size()) +
                                            " bytes, shorter than the header's type field");
    return ProbeResult::mine;
}

Status reassemble_flattened(int in_fd, DumpOutput& out) {
    std::vector<std::byte> buf(1 << 20);
    auto got = read_upto(in_fd, buf.data(), flat::kHeaderSize);
    if (!got.is_ok()) return got.take_status();
    const DumpFileProbe probe = probe_dump_head(std::span<const std::byte>(buf.data(), got.value()));
    if (probe.format == nullptr || probe.format->format != DumpFormat::flat) {
        const std::string other = probe.result == ProbeResult::mine
                                      ? " (" + std::string(probe.format->title) + " format: nothing to reassemble)"
                                      : "";
        return corrupt("no \"makedumpfile\" signature at byte 0: not a flattened dump (%zu bytes read)%s", got.value(),
                       other.c_str());
    }
    if (got.value() < flat::kHeaderSize)
        return corrupt("input ends at byte %zu, inside the %zu-byte header", got.value(), flat::kHeaderSize);
    if (int64_t type = get_be64(buf.data() + 16); type != flat::kTypeFlatHeader)
        return corrupt("header type %" PRId64 " at byte 16, expected %" PRId64, type, flat::kTypeFlatHeader);
    if (int64_t version = get_be64(buf.data() + 24); version != flat::kVersion)
        return corrupt("header version %" PRId64 " at byte 24, expected %" PRId64, version, flat::kVersion);

    uint64_t pos = flat::kHeaderSize;  // stream offset of the next byte
    for (;;) {
        std::byte rec[flat::kRecordHeaderSize];
        auto n = read_upto(in_fd, rec, sizeof rec);
        if (!n.is_ok()) return n.take_status();
        if (n.value() == 0)
            return corrupt("stream ends at byte %" PRIu64 " without the end marker: truncated", pos);
        if (n.value() < sizeof rec)
            return corrupt("record header at byte %" PRIu64 " cut short (%zu of 16 bytes): truncated", pos, n.value());
        const int64_t offset = get_be64(rec), size = get_be64(rec + 8);
        if (offset == flat::kEndMarker && size == flat::kEndMarker) {
            std::byte extra;
            auto more = read_upto(in_fd, &extra, 1);
            if (!more.is_ok()) return more.take_status();
            if (more.value() != 0) return corrupt("bytes after the end marker at byte %" PRIu64, pos);
            return Status::ok();
        }
        if (offset < 0 || size < 0)
            return corrupt("record at byte %" PRIu64 " has offset %" PRId64 " and size %" PRId64
                           " (negative, and not the end marker)",
                           pos, offset, size);
        if (size > std::numeric_limits<int64_t>::max() - offset)
            return corrupt("record at byte %" PRIu64 ": offset %" PRId64 " + size %" PRId64 " overflows", pos, offset, size);
        pos += sizeof rec;
        for (uint64_t done = 0; done < static_cast<uint64_t>(size);) {
            const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), static_cast<uint64_t>(size) - done));
            auto r = read_upto(in_fd, buf.data(), want);
            if (!r.is_ok()) return r.take_status();
            if (r.value() > 0) {
                Status s = out.write_at(static_cast<uint64_t>(offset) + done, std::span<const std::byte>(buf.data(), r.value()));
                if (!s.is_ok()) return s.with_context("reassemble");
            }
            if (r.value() < want)
                return corrupt("record at byte %" PRIu64 " (%" PRId64 " bytes for offset %" PRId64
                               ") cut short after %" PRIu64 " bytes: truncated",
                               pos - sizeof rec, size, offset, done + r.value());
            done += want;
        }
        pos += static_cast<uint64_t>(size);
    }
}

Status reassemble_flattened_file(const std::string& in_path, const std::string& out_path) {
    UniqueFd in;
    if (in_path == "-") {
        in.reset(::dup(STDIN_FILENO));
        if (!in) return Status::from_errno(errno, "reassemble: dup stdin");
    } else {
        in.reset(::open(in_path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!in) return Status::from_errno(errno, "reassemble: open " + in_path);
    }
    auto out = FileOutput::create(out_path);
    if (!out.is_ok()) return out.take_status().with_context("reassemble");
    Status s = reassemble_flattened(in.get(), out.value());
    if (s.is_ok()) s = out->sync();
    if (!s.is_ok()) {
        ::unlink(out_path.c_str());
        return s.with_context(in_path == "-" ? std::string("reassemble stdin") : "reassemble " + in_path);
    }
    return Status::ok();
}

}  // namespace kdf::format
