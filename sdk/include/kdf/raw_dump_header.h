// kdf/raw_dump_header.h - the self-describing header in front of a dump written to a raw block
// device (a partition, an LV, an iSCSI LUN) or a file standing in for one.
//
// A raw target has no file names and no rename, so the header carries what a directory would: the
// state (writing -> complete), the dump's length and name, the host, timestamps, and the side files
// (vmcore-dmesg.txt). `kdump-failover save DEVICE DIR` reads it after reboot. Any transport that
// writes to raw storage uses this header, so the same `save` works for all of them.
//
// Layout: one 4096-byte block at byte 0 of the device; all integers little-endian.
//
//   offset size  field
//   ------ ----  ---------------------------------------------------------------
//      0     8   magic "KDFRAW01"
//      8     4   header_version (1)
//     12     4   state: 1 writing, 2 complete, 3 aborted, 4 saved (extracted after reboot)
//     16     8   data_offset: byte where the dump starts (after the side files, 1 MiB aligned)
//     24     8   data_length: bytes of dump data (final when complete; bytes so far otherwise)
//     32     8   started: seconds since the epoch (UTC)
//     40     8   finished: seconds since the epoch when committed/aborted, else 0
//     48     4   side_file_count (0..8)
//     52     4   reserved (0)
//     56    64   host, NUL-padded
//    120    64   dump_name (directory name, e.g. "node1-2026-11-23-19:04:05"), NUL-padded
//    184    32   final_name ("vmcore", "vmcore.flat"), NUL-padded
//    216    16   format ("elf", "kdump", "flat"), NUL-padded
//    232    24   reserved (0)
//    256   512   side files: 8 entries of 64 bytes: name[48] NUL-padded, offset u64, length u64
//    768  3324   reserved (0)
//   4092     4   crc32 (IEEE, as zlib's crc32) of bytes 0..4091
//
// The data region is written while state is "writing"; the header is rewritten with state
// "complete" and the final length only after the data is on stable storage. A crash in between
// leaves "writing": save refuses it unless forced, and names what it extracts incomplete.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kdf::raw {

inline constexpr size_t header_size = 4096;
inline constexpr uint32_t header_version = 1;
inline constexpr char magic[8] = {'K', 'D', 'F', 'R', 'A', 'W', '0', '1'};
inline constexpr size_t max_side_files = 8;
inline constexpr uint64_t data_alignment = 1u << 20;

enum class State : uint32_t { writing = 1, complete = 2, aborted = 3, saved = 4 };

inline const char* to_string(State s) noexcept {
    switch (s) {
    case State::writing: return "writing (incomplete)";
    case State::complete: return "complete";
    case State::aborted: return "aborted (incomplete)";
    case State::saved: return "saved";
    }
    return "unknown";
}

struct SideFile {
    std::string name;
    uint64_t offset = 0;
    uint64_t length = 0;
};

struct Header {
    State state = State::writing;
    uint64_t data_offset = data_alignment;
    uint64_t data_length = 0;
    int64_t started = 0;
    int64_t finished = 0;
    std::string host;
    std::string dump_name;
    std::string final_name = "vmcore";
    std::string format;
    std::vector<SideFile> side_files;
};

inline uint32_t crc32(std::span<const std::byte> data) noexcept {
    uint32_t crc = 0xFFFFFFFFu;
    for (std::byte b : data) {
        crc ^= static_cast<uint8_t>(b);
        for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

namespace detail {
inline void put_u32(std::byte* p, uint32_t v) {
    for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
inline void put_u64(std::byte* p, uint64_t v) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>(v >> (8 * i));
}
inline uint32_t get_u32(const std::byte* p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
    return v;
}
inline uint64_t get_u64(const std::byte* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
    return v;
}
// Copies s into a NUL-padded field; false when it does not fit (one byte is kept for the NUL).
inline bool put_str(std::byte* p, size_t field, std::string_view s) {
    if (s.size() >= field) return false;
    std::memcpy(p, s.data(), s.size());
    return true;
}
inline std::optional<std::string> get_str(const std::byte* p, size_t field) {
    const char* c = reinterpret_cast<const char*>(p);
    size_t n = strnlen(c, field);
    if (n == field) return std::nullopt;  // no terminating NUL: corrupt
    return std::string(c, n);
}
}  // namespace detail

// Encodes `h`; an empty result means a field does not fit (name too long, too many side files).
inline std::vector<std::byte> encode(const Header& h) {
    using namespace detail;
    std::vector<std::byte> b(header_size);
    std::byte* p = b.data();
    std::memcpy(p, magic, sizeof magic);
    put_u32(p + 8, header_version);
    put_u32(p + 12, static_cast<uint32_t>(h.state));
    put_u64(p + 16, h.data_offset);
    put_u64(p + 24, h.data_length);
    put_u64(p + 32, static_cast<uint64_t>(h.started));
    put_u64(p + 40, static_cast<uint64_t>(h.finished));
    if (h.side_files.size() > max_side_files) return {};
    put_u32(p + 48, static_cast<uint32_t>(h.side_files.size()));
    if (!put_str(p + 56, 64, h.host) || !put_str(p + 120, 64, h.dump_name) || !put_str(p + 184, 32, h.final_name) ||
        !put_str(p + 216, 16, h.format))
        return {};
    for (size_t i = 0; i < h.side_files.size(); ++i) {
        std::byte* e = p + 256 + 64 * i;
        if (!put_str(e, 48, h.side_files[i].name)) return {};
        put_u64(e + 48, h.side_files[i].offset);
        put_u64(e + 56, h.side_files[i].length);
    }
    put_u32(p + 4092, crc32(std::span<const std::byte>(p, 4092)));
    return b;
}

enum class DecodeError { none, not_raw_dump, bad_crc, bad_version, bad_field };

inline const char* to_string(DecodeError e) noexcept {
    switch (e) {
    case DecodeError::none: return "ok";
    case DecodeError::not_raw_dump: return "no kdump-failover raw dump header (magic KDFRAW01 not found)";
    case DecodeError::bad_crc: return "raw dump header checksum mismatch (header corrupt)";
    case DecodeError::bad_version: return "raw dump header version not supported by this kdump-failover";
    case DecodeError::bad_field: return "raw dump header has an invalid field";
    }
    return "?";
}

// Decodes the first header_size bytes of a device. `error` says why it failed.
inline std::optional<Header> decode(std::span<const std::byte> block, DecodeError& error) {
    using namespace detail;
    error = DecodeError::none;
    if (block.size() < header_size || std::memcmp(block.data(), magic, sizeof magic) != 0) {
        error = DecodeError::not_raw_dump;
        return std::nullopt;
    }
    const std::byte* p = block.data();
    if (get_u32(p + 4092) != crc32(block.first(4092))) {
        error = DecodeError::bad_crc;
        return std::nullopt;
    }
    if (get_u32(p + 8) != header_version) {
        error = DecodeError::bad_version;
        return std::nullopt;
    }
    Header h;
    uint32_t state = get_u32(p + 12);
    uint32_t count = get_u32(p + 48);
    if (state < 1 || state > 4 || count > max_side_files) {
        error = DecodeError::bad_field;
        return std::nullopt;
    }
    h.state = static_cast<State>(state);
    h.data_offset = get_u64(p + 16);
    h.data_length = get_u64(p + 24);
    h.started = static_cast<int64_t>(get_u64(p + 32));
    h.finished = static_cast<int64_t>(get_u64(p + 40));
    auto host = get_str(p + 56, 64), name = get_str(p + 120, 64), final_name = get_str(p + 184, 32),
         format = get_str(p + 216, 16);
    if (!host || !name || !final_name || !format || h.data_offset < header_size) {
        error = DecodeError::bad_field;
        return std::nullopt;
    }
    h.host = *host;
    h.dump_name = *name;
    h.final_name = *final_name;
    h.format = *format;
    for (uint32_t i = 0; i < count; ++i) {
        const std::byte* e = p + 256 + 64 * i;
        auto fname = get_str(e, 48);
        if (!fname) {
            error = DecodeError::bad_field;
            return std::nullopt;
        }
        h.side_files.push_back(SideFile{*fname, get_u64(e + 48), get_u64(e + 56)});
    }
    return h;
}

}  // namespace kdf::raw
