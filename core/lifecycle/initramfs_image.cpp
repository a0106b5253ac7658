#include "core/lifecycle/initramfs_image.h"

#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string_view>

namespace kdf::lifecycle {

namespace {

constexpr size_t kNewcHeader = 110;
constexpr size_t kMaxUnpacked = size_t{4} << 30;  // a stream claiming more is not an initramfs

bool has_prefix(std::string_view data, size_t at, std::string_view magic) {
    return data.size() - at >= magic.size() && data.compare(at, magic.size(), magic) == 0;
}

std::optional<uint64_t> hex_field(std::string_view h) {
    uint64_t v = 0;
    for (char c : h) {
        v <<= 4;
        if (c >= '0' && c <= '9') v |= static_cast<uint64_t>(c - '0');
        else if (c >= 'a' && c <= 'f') v |= static_cast<uint64_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= static_cast<uint64_t>(c - 'A' + 10);
        else return std::nullopt;
    }
    return v;
}

size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

std::string clean_name(std::string n) {
    while (n.starts_with("./")) n.erase(0, 2);
    while (n.starts_with("/")) n.erase(0, 1);
    return n;
}

// One newc archive from `at`; returns the offset after its trailer, or nullopt (error set).
std::optional<size_t> read_cpio(std::string_view data, size_t at, const std::set<std::string>& want,
                                InitramfsListing& out, const std::string& label) {
    for (;;) {
        if (data.size() - at < kNewcHeader || !(has_prefix(data, at, "070701") || has_prefix(data, at, "070702"))) {
            out.error = label + ": offset " + std::to_string(at) + ": not a newc cpio header";
            return std::nullopt;
        }
        auto field = [&](int i) { return hex_field(data.substr(at + 6 + static_cast<size_t>(i) * 8, 8)); };
        const auto mode = field(1), size = field(6), namesize = field(11);
        if (!mode || !size || !namesize || *namesize == 0) {
            out.error = label + ": offset " + std::to_string(at) + ": malformed cpio header";
            return std::nullopt;
        }
        const size_t name_at = at + kNewcHeader;
        const size_t data_at = align4(name_at + *namesize);
        if (data_at > data.size() || *size > data.size() - data_at) {
            out.error = label + ": offset " + std::to_string(at) + ": cpio entry runs past the end";
            return std::nullopt;
        }
        std::string name(data.substr(name_at, *namesize - 1));
        at = align4(data_at + *size);
        if (name == "TRAILER!!!") return std::min(at, data.size());
        InitramfsEntry e{clean_name(name), static_cast<uint32_t>(*mode), *size};
        if ((e.mode & 0170000) == 0100000) out.unpacked_bytes += e.size;
        if (want.count(e.name)) out.contents[e.name] = std::string(data.substr(data_at, *size));
        out.entries.push_back(std::move(e));
        if (at > data.size()) return data.size();
    }
}

struct Unpacked {
    std::string bytes;
    size_t consumed = 0;
    std::string error;
};

Unpacked gunzip(std::string_view in) {
    Unpacked u;
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) return {{}, 0, "zlib init failed"};
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(std::min(in.size(), size_t{UINT32_MAX}));
    char buf[1 << 16];
    int rc;
    do {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        u.bytes.append(buf, sizeof buf - z.avail_out);
    } while (rc == Z_OK && u.bytes.size() < kMaxUnpacked);
    if (rc != Z_STREAM_END) u.error = std::string("gzip stream: ") + (z.msg ? z.msg : "truncated or corrupt");
    u.consumed = z.total_in;
    inflateEnd(&z);
    return u;
}

Unpacked unzstd(std::string_view in) {
    Unpacked u;
    std::unique_ptr<ZSTD_DStream, decltype(&ZSTD_freeDStream)> ds(ZSTD_createDStream(), &ZSTD_freeDStream);
    if (!ds) return {{}, 0, "zstd init failed"};
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    std::string buf(ZSTD_DStreamOutSize(), '\0');
    // Frames follow each other until something that is not a zstd frame (the next archive, padding).
    while (ib.pos < ib.size && has_prefix(in, ib.pos, "\x28\xb5\x2f\xfd")) {
        ZSTD_initDStream(ds.get());
        size_t rc;
        do {
            ZSTD_outBuffer ob{buf.data(), buf.size(), 0};
            rc = ZSTD_decompressStream(ds.get(), &ob, &ib);
            if (ZSTD_isError(rc)) return {{}, 0, std::string("zstd stream: ") + ZSTD_getErrorName(rc)};
            u.bytes.append(buf.data(), ob.pos);
            if (rc != 0 && ib.pos == ib.size && ob.pos < ob.size) return {{}, 0, "zstd stream: truncated"};
        } while (rc != 0 && u.bytes.size() < kMaxUnpacked);
    }
    u.consumed = ib.pos;
    return u;
}

Unpacked unxz(std::string_view in) {
    Unpacked u;
    lzma_stream s = LZMA_STREAM_INIT;
    if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK) return {{}, 0, "xz init failed"};
    s.next_in = reinterpret_cast<const uint8_t*>(in.data());
    s.avail_in = in.size();
    uint8_t buf[1 << 16];
    lzma_ret rc;
    do {
        s.next_out = buf;
        s.avail_out = sizeof buf;
        rc = lzma_code(&s, LZMA_FINISH);
        u.bytes.append(reinterpret_cast<char*>(buf), sizeof buf - s.avail_out);
    } while (rc == LZMA_OK && u.bytes.size() < kMaxUnpacked);
    if (rc != LZMA_STREAM_END) u.error = "xz stream: truncated or corrupt (" + std::to_string(rc) + ")";
    u.consumed = s.total_in;
    lzma_end(&s);
    return u;
}

void read_sequence(std::string_view data, const std::string& label, const std::set<std::string>& want,
                   InitramfsListing& out, bool top) {
    size_t at = 0;
    while (at < data.size()) {
        if (data[at] == '\0') {
            ++at;
            continue;
        }
        if (has_prefix(data, at, "0707")) {
            if (top) out.segments.push_back("cpio");
            auto next = read_cpio(data, at, want, out, label);
            if (!next) return;
            at = *next;
            continue;
        }
        Unpacked u;
        std::string kind;
        if (has_prefix(data, at, "\x1f\x8b")) kind = "gzip", u = gunzip(data.substr(at));
        else if (has_prefix(data, at, "\x28\xb5\x2f\xfd")) kind = "zstd", u = unzstd(data.substr(at));
        else if (has_prefix(data, at, std::string_view("\xfd" "7zXZ\0", 6))) kind = "xz", u = unxz(data.substr(at));
        else {
            char hex[16];
            std::snprintf(hex, sizeof hex, "%02x%02x", static_cast<unsigned char>(data[at]),
                          at + 1 < data.size() ? static_cast<unsigned char>(data[at + 1]) : 0u);
            out.error = label + ": offset " + std::to_string(at) + ": neither a cpio archive nor a gzip, zstd or xz "
                        "stream (starts with " + hex + ")";
            return;
        }
        out.segments.push_back(kind);
        if (!u.error.empty()) {
            out.error = label + ": offset " + std::to_string(at) + ": " + u.error;
            return;
        }
        read_sequence(u.bytes, label + " (" + kind + " stream at " + std::to_string(at) + ")", want, out, false);
        if (!out.error.empty() || u.consumed == 0) return;
        at += u.consumed;
    }
}

}  // namespace

InitramfsListing read_initramfs_bytes(const std::string& bytes, const std::string& label, const std::set<std::string>& want) {
    InitramfsListing out;
    read_sequence(bytes, label, want, out, true);
    if (out.error.empty() && out.entries.empty()) out.error = label + ": holds no files";
    return out;
}

InitramfsListing read_initramfs(const std::string& path, const std::set<std::string>& want) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        InitramfsListing out;
        out.error = path + ": cannot read: " + std::strerror(errno);
        return out;
    }
    std::ostringstream s;
    s << in.rdbuf();
    return read_initramfs_bytes(s.str(), path, want);
}

}  // namespace kdf::lifecycle
