// sftp_wire.cpp - SFTP v3 packet encoding and decoding.
#include "sftp_wire.h"

namespace kdf::ssh::sftp {

PacketWriter::PacketWriter(PacketType type) {
    buf_.reserve(64);
    u32(0);  // length, patched in bytes()
    u8(type);
}

PacketWriter& PacketWriter::u8(uint8_t v) {
    buf_.push_back(std::byte{v});
    return *this;
}

PacketWriter& PacketWriter::u32(uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) buf_.push_back(static_cast<std::byte>(v >> shift));
    return *this;
}

PacketWriter& PacketWriter::u64(uint64_t v) {
    u32(static_cast<uint32_t>(v >> 32));
    return u32(static_cast<uint32_t>(v));
}

PacketWriter& PacketWriter::string(std::string_view s) {
    return string(std::as_bytes(std::span<const char>(s.data(), s.size())));
}

PacketWriter& PacketWriter::string(std::span<const std::byte> s) {
    u32(static_cast<uint32_t>(s.size()));
    buf_.insert(buf_.end(), s.begin(), s.end());
    return *this;
}

PacketWriter& PacketWriter::permissions(uint32_t mode) { return u32(attr_permissions).u32(mode); }

std::span<const std::byte> PacketWriter::bytes() {
    const uint32_t len = static_cast<uint32_t>(buf_.size() - 4);
    for (int i = 0; i < 4; ++i) buf_[static_cast<size_t>(i)] = static_cast<std::byte>(len >> (24 - 8 * i));
    return buf_;
}

std::optional<uint8_t> PacketReader::u8() {
    if (left() < 1) return std::nullopt;
    return std::to_integer<uint8_t>(data_[pos_++]);
}

std::optional<uint32_t> PacketReader::u32() {
    if (left() < 4) return std::nullopt;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | std::to_integer<uint32_t>(data_[pos_++]);
    return v;
}

std::optional<uint64_t> PacketReader::u64() {
    auto hi = u32();
    auto lo = u32();
    if (!hi || !lo) return std::nullopt;
    return (uint64_t{*hi} << 32) | *lo;
}

std::optional<std::string> PacketReader::string() {
    auto n = u32();
    if (!n || *n > left()) return std::nullopt;
    std::string s(reinterpret_cast<const char*>(data_.data() + pos_), *n);
    pos_ += *n;
    return s;
}

std::optional<Attributes> read_attributes(PacketReader& r) {
    Attributes a;
    auto flags = r.u32();
    if (!flags) return std::nullopt;
    if (*flags & attr_size) {
        auto v = r.u64();
        if (!v) return std::nullopt;
        a.has_size = true;
        a.size = *v;
    }
    if (*flags & attr_uidgid)
        if (!r.u32() || !r.u32()) return std::nullopt;
    if (*flags & attr_permissions) {
        auto v = r.u32();
        if (!v) return std::nullopt;
        a.has_permissions = true;
        a.permissions = *v;
    }
    if (*flags & attr_acmodtime)
        if (!r.u32() || !r.u32()) return std::nullopt;
    if (*flags & attr_extended) {
        auto count = r.u32();
        if (!count) return std::nullopt;
        for (uint32_t i = 0; i < *count; ++i)
            if (!r.string() || !r.string()) return std::nullopt;
    }
    return a;
}

std::optional<std::vector<DirEntry>> read_names(PacketReader& r) {
    auto count = r.u32();
    // Each entry takes at least 12 bytes (two empty strings and the flags), so a count the packet
    // cannot hold is refused before anything is reserved for it.
    if (!count || *count > r.left() / 12) return std::nullopt;
    std::vector<DirEntry> out;
    out.reserve(*count);
    for (uint32_t i = 0; i < *count; ++i) {
        auto name = r.string();
        if (!name || !r.string()) return std::nullopt;
        auto attrs = read_attributes(r);
        if (!attrs) return std::nullopt;
        out.push_back({std::move(*name), *attrs});
    }
    return out;
}

const char* status_text(uint32_t code) {
    switch (code) {
    case fx_ok: return "ok";
    case fx_eof: return "end of file";
    case fx_no_such_file: return "no such file or directory";
    case fx_permission_denied: return "permission denied";
    case fx_failure: return "failure";
    case fx_bad_message: return "bad message";
    case fx_no_connection: return "no connection";
    case fx_connection_lost: return "connection lost";
    case fx_op_unsupported: return "operation not supported";
    }
    return "unknown status";
}

}  // namespace kdf::ssh::sftp
