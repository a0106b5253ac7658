// bench/codec_speed.cpp - kdf-codec-bench: how fast each page codec compresses a real file.
//
//   kdf-codec-bench FILE [--codecs none,zlib,zlib-ref,zlib-c2,lzo,lz4,zstd] [--level N] [--skip-zero] [--mib N]
//
// Reads FILE (a vmcore, say) and, for each codec in turn, compresses it one 4096-byte page at a
// time on one thread, as a dump writer does, then decompresses every stored page and checks it.
// Only the codec calls are timed (the file is read in 4 MiB chunks outside the clock). A page
// whose compressed form is not smaller is counted at 4096 bytes (makedumpfile's rule), so "ratio"
// is what a dump of these pages would save. --skip-zero leaves all-zero pages out, as dump
// level 1 does. Two reference rows use zlib itself at level 1, for comparison with our
// libdeflate-based "zlib": "zlib-ref" reuses one deflate stream (zlib's own speed); "zlib-c2"
// (not in the default list) calls compress2() per page as makedumpfile -c does, which also pays
// for a fresh 256 KiB deflate state - and, with glibc, brk calls - on every page.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "core/compress/codec_registry.h"
#include "kdf/unique_fd.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kPage = 4096;
constexpr size_t kChunk = 4u << 20;

struct Row {
    std::string name;
    int level = 0;
    uint64_t pages = 0, raw_pages = 0, in_bytes = 0, out_bytes = 0;
    double compress_s = 0, decompress_s = 0;
    bool mismatch = false;
};

bool is_zero(const std::byte* p) {
    static const std::byte zero[kPage] = {};
    return std::memcmp(p, zero, kPage) == 0;
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Runs `compress(page, out) -> size` and `decompress(in, page_out) -> ok` over the file.
template <class Compress, class Decompress>
bool run(int fd, uint64_t limit, bool skip_zero, size_t bound, Row& row, Compress compress, Decompress decompress) {
    std::vector<std::byte> chunk(kChunk), packed(bound), back(kPage);
    uint64_t offset = 0;
    while (offset < limit) {
        ssize_t got = pread(fd, chunk.data(), std::min<uint64_t>(kChunk, limit - offset), static_cast<off_t>(offset));
        if (got < 0) {
            std::perror("pread");
            return false;
        }
        if (got == 0) break;
        offset += static_cast<uint64_t>(got);
        for (size_t at = 0; at + kPage <= static_cast<size_t>(got); at += kPage) {
            const std::byte* page = chunk.data() + at;
            if (skip_zero && is_zero(page)) continue;
            auto t0 = Clock::now();
            std::optional<size_t> n = compress(page, packed);
            row.compress_s += seconds_since(t0);
            if (!n) return false;
            ++row.pages;
            row.in_bytes += kPage;
            if (*n >= kPage) {  // stored raw
                ++row.raw_pages;
                row.out_bytes += kPage;
                continue;
            }
            row.out_bytes += *n;
            t0 = Clock::now();
            bool ok = decompress(packed.data(), *n, back);
            row.decompress_s += seconds_since(t0);
            if (!ok) return false;
            if (std::memcmp(back.data(), page, kPage) != 0) row.mismatch = true;
        }
    }
    return true;
}

void print(const Row& r) {
    const double mb = static_cast<double>(r.in_bytes) / 1e6;
    const double stored = static_cast<double>(r.pages - r.raw_pages) * kPage / 1e6;
    std::printf("%-9s %6d %9llu %9.1f %9.1f %7.2f %8llu %10.1f %10.1f%s\n", r.name.c_str(), r.level,
                static_cast<unsigned long long>(r.pages), mb, static_cast<double>(r.out_bytes) / 1e6,
                r.out_bytes ? static_cast<double>(r.in_bytes) / static_cast<double>(r.out_bytes) : 0.0,
                static_cast<unsigned long long>(r.raw_pages), r.compress_s > 0 ? mb / r.compress_s : 0.0,
                r.decompress_s > 0 ? stored / r.decompress_s : 0.0, r.mismatch ? "  MISMATCH" : "");
}

int usage() {
    std::fprintf(stderr,
                 "usage: kdf-codec-bench FILE [--codecs none,zlib,zlib-ref,zlib-c2,lzo,lz4,zstd] [--level N] "
                 "[--skip-zero] [--mib N]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    std::string file, codecs = "none,zlib,zlib-ref,lzo,lz4,zstd";
    std::optional<int> level;
    bool skip_zero = false;
    uint64_t limit = UINT64_MAX;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--codecs" && i + 1 < argc) codecs = argv[++i];
        else if (a == "--level" && i + 1 < argc) level = std::atoi(argv[++i]);
        else if (a == "--skip-zero") skip_zero = true;
        else if (a == "--mib" && i + 1 < argc) limit = std::strtoull(argv[++i], nullptr, 10) << 20;
        else if (!a.empty() && a[0] != '-' && file.empty()) file = a;
        else return usage();
    }
    kdf::UniqueFd fd(open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        std::perror(file.c_str());
        return 1;
    }
    posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);

    std::printf("%s: one thread, %zu-byte pages%s; MB = 10^6 bytes; decompress MB/s counts stored "
                "(compressed) pages only\n",
                file.c_str(), kPage, skip_zero ? ", zero pages skipped" : "");
    std::printf("%-9s %6s %9s %9s %9s %7s %8s %10s %10s\n", "codec", "level", "pages", "in MB", "out MB", "ratio",
                "raw", "comp MB/s", "dec MB/s");
    const kdf::compress::CodecRegistry& registry = kdf::compress::builtin_codecs();
    size_t start = 0;
    while (start <= codecs.size()) {
        size_t comma = codecs.find(',', start);
        if (comma == std::string::npos) comma = codecs.size();
        std::string name = codecs.substr(start, comma - start);
        start = comma + 1;
        if (name.empty()) continue;
        Row row;
        row.name = name;
        bool ok;
        const auto zlib_uncompress = [](const std::byte* in, size_t n, std::vector<std::byte>& out) {
            uLongf len = out.size();
            return uncompress(reinterpret_cast<Bytef*>(out.data()), &len, reinterpret_cast<const Bytef*>(in), n) ==
                       Z_OK &&
                   len == kPage;
        };
        if (name == "zlib-ref") {
            // zlib's deflate at level 1 with one stream reused (deflateReset): zlib's own speed.
            row.level = Z_BEST_SPEED;
            z_stream zs{};
            if (deflateInit(&zs, Z_BEST_SPEED) != Z_OK) return 1;
            ok = run(
                fd.get(), limit, skip_zero, compressBound(kPage), row,
                [&zs](const std::byte* page, std::vector<std::byte>& out) -> std::optional<size_t> {
                    deflateReset(&zs);
                    zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(page));
                    zs.avail_in = kPage;
                    zs.next_out = reinterpret_cast<Bytef*>(out.data());
                    zs.avail_out = static_cast<uInt>(out.size());
                    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) return std::nullopt;
                    return zs.total_out;
                },
                zlib_uncompress);
            deflateEnd(&zs);
        } else if (name == "zlib-c2") {
            // compress2() per page, as makedumpfile -c calls it: a fresh deflate state each page.
            row.level = Z_BEST_SPEED;
            ok = run(
                fd.get(), limit, skip_zero, compressBound(kPage), row,
                [](const std::byte* page, std::vector<std::byte>& out) -> std::optional<size_t> {
                    uLongf n = out.size();
                    if (compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(page), kPage,
                                  Z_BEST_SPEED) != Z_OK)
                        return std::nullopt;
                    return n;
                },
                zlib_uncompress);
        } else {
            auto made = registry.create(name, level);
            if (!made.is_ok()) {
                std::fprintf(stderr, "%s\n", made.status().to_string().c_str());
                return 2;
            }
            kdf::compress::Codec& c = *made.value();
            row.level = c.level();
            ok = run(
                fd.get(), limit, skip_zero, c.max_compressed_size(kPage), row,
                [&c](const std::byte* page, std::vector<std::byte>& out) -> std::optional<size_t> {
                    auto r = c.compress({page, kPage}, out);
                    if (!r.is_ok()) {
                        std::fprintf(stderr, "%s\n", r.status().to_string().c_str());
                        return std::nullopt;
                    }
                    return r.value();
                },
                [&c](const std::byte* in, size_t n, std::vector<std::byte>& out) {
                    kdf::Status s = c.decompress({in, n}, out);
                    if (!s.is_ok()) std::fprintf(stderr, "%s\n", s.to_string().c_str());
                    return s.is_ok();
                });
        }
        if (!ok) {
            std::fprintf(stderr, "%s: failed\n", name.c_str());
            return 1;
        }
        print(row);
        std::fflush(stdout);
        if (row.mismatch) return 1;
    }
    return 0;
}
