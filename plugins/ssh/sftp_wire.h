// sftp_wire.h - SFTP version 3 packets (draft-ietf-secsh-filexfer-02), the few this plugin sends.
//
// Why our own: libssh 0.10's sftp_write() sends one WRITE and waits for its answer, so throughput
// is bound by the round trip; it has no asynchronous write. Speaking the (small) protocol on our
// own "sftp" subsystem channel lets several WRITE requests be in flight (SftpChannel).
//
// Packet layout, all integers big-endian:
//
//   +---------+------+------------+-------------------------------+
//   | u32 len | u8   | u32 id     | type-specific fields          |
//   | (rest)  | type | (not INIT/ | string = u32 length + bytes   |
//   |         |      |  VERSION)  | u64 offsets, u32 flags        |
//   +---------+------+------------+-------------------------------+
//
// Pure encoding: no I/O, no libssh, so it is unit-tested on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kdf::ssh::sftp {

enum PacketType : uint8_t {
    fxp_init = 1,
    fxp_version = 2,
    fxp_open = 3,
    fxp_close = 4,
    fxp_write = 6,
    fxp_opendir = 11,
    fxp_readdir = 12,
    fxp_remove = 13,
    fxp_mkdir = 14,
    fxp_rmdir = 15,
    fxp_stat = 17,
    fxp_rename = 18,
    fxp_status = 101,
    fxp_handle = 102,
    fxp_name = 104,
    fxp_attrs = 105,
    fxp_extended = 200,
    fxp_extended_reply = 201,
};

enum StatusCode : uint32_t {
    fx_ok = 0,
    fx_eof = 1,
    fx_no_such_file = 2,
    fx_permission_denied = 3,
    fx_failure = 4,
    fx_bad_message = 5,
    fx_no_connection = 6,
    fx_connection_lost = 7,
    fx_op_unsupported = 8,
};

enum OpenFlags : uint32_t { fxf_read = 1, fxf_write = 2, fxf_append = 4, fxf_creat = 8, fxf_trunc = 0x10, fxf_excl = 0x20 };
enum AttrFlags : uint32_t { attr_size = 1, attr_uidgid = 2, attr_permissions = 4, attr_acmodtime = 8, attr_extended = 0x80000000u };

// The largest packet OpenSSH's sftp-server accepts is 256 KiB; a WRITE carries at most this much
// data so that its whole packet stays below (a bigger one makes the server drop the session).
inline constexpr size_t max_write_data = 255 * 1024;
// We never read file data, so every answer we expect is small; anything bigger is a broken stream.
inline constexpr uint32_t max_answer = 64 * 1024;

// Builds one packet: the length prefix is filled in by bytes().
class PacketWriter {
public:
    explicit PacketWriter(PacketType type);
    PacketWriter& u8(uint8_t v);
    PacketWriter& u32(uint32_t v);
    PacketWriter& u64(uint64_t v);
    PacketWriter& string(std::string_view s);
    PacketWriter& string(std::span<const std::byte> s);
    // Attributes holding only permissions (what OPEN and MKDIR send).
    PacketWriter& permissions(uint32_t mode);
    std::span<const std::byte> bytes();

private:
    std::vector<std::byte> buf_;
};

// Reads fields from one packet's body (after the length); every getter fails softly (nullopt) on
// a short packet, so a malformed answer is an error, never an out-of-bounds read.
class PacketReader {
public:
    explicit PacketReader(std::span<const std::byte> body) : data_(body) {}
    std::optional<uint8_t> u8();
    std::optional<uint32_t> u32();
    std::optional<uint64_t> u64();
    std::optional<std::string> string();
    size_t left() const { return data_.size() - pos_; }

private:
    std::span<const std::byte> data_;
    size_t pos_ = 0;
};

// What STAT answers with, the fields we use.
struct Attributes {
    bool has_size = false;
    uint64_t size = 0;
    bool has_permissions = false;
    uint32_t permissions = 0;
    bool is_dir() const { return has_permissions && (permissions & 0170000) == 0040000; }
    bool is_regular() const { return has_permissions && (permissions & 0170000) == 0100000; }
};
std::optional<Attributes> read_attributes(PacketReader& r);

// One entry of a READDIR answer (NAME packet: u32 count, then per entry filename, longname, ATTRS).
// The attributes are the entry's own (lstat), as servers send them.
struct DirEntry {
    std::string name;
    Attributes attrs;
};
// The entries of one NAME packet's body after its id; nullopt when malformed.
std::optional<std::vector<DirEntry>> read_names(PacketReader& r);

// statvfs@openssh.com's answer, the fields we use.
struct FsStats {
    uint64_t frsize = 0;
    uint64_t bavail = 0;
    uint64_t free_bytes() const { return frsize * bavail; }
};

// "no such file" for fx_no_such_file, etc.: the protocol's text for a status code.
const char* status_text(uint32_t code);

}  // namespace kdf::ssh::sftp
