#include "tests/unit/format_writer/writer_test_support.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <zlib.h>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/format/file_output.h"
#include "core/format/flattened.h"
#include "core/format/kdump_header.h"

namespace kdf::format::test {

std::unique_ptr<Input> open_input(const std::string& path) {
    auto core = vmcore::ElfVmcore::open(path);
    if (!core.is_ok()) {
        ADD_FAILURE() << core.status().to_string();
        return nullptr;
    }
    const uint64_t ps = core->vmcoreinfo().page_size().value_or(4096);
    PageSet pages(core->phys_map(), ps);
    return std::make_unique<Input>(Input{std::move(core.value()), std::move(pages)});
}

std::vector<std::byte> input_page(const Input& in, uint64_t pfn) {
    std::vector<std::byte> page(in.pages.page_size());
    Status s = in.core.read_phys(pfn * page.size(), page);
    if (!s.is_ok()) ADD_FAILURE() << s.to_string();
    return page;
}

bool all_zero(const std::vector<std::byte>& page) {
    return std::all_of(page.begin(), page.end(), [](std::byte b) { return b == std::byte{0}; });
}

namespace {

Status drive(const Input& in, DumpWriter& w, const WriteOptions& opt) {
    if (Status s = w.begin(); !s.is_ok()) return s;
    const uint64_t ps = in.pages.page_size();
    std::vector<std::byte> page(ps), packed(compressBound(static_cast<uLong>(ps)));
    auto end_stream = [](z_stream* z) {
        deflateEnd(z);
        delete z;
    };
    std::unique_ptr<z_stream, decltype(end_stream)> zs(new z_stream{}, end_stream);
    if (deflateInit(zs.get(), Z_BEST_SPEED) != Z_OK) return Status::error(Code::system, "deflateInit failed");
    uint64_t handed = 0;
    for (const PageSet::Run& r : in.pages.runs()) {
        for (uint64_t pfn = r.first_pfn; pfn < r.end_pfn(); ++pfn) {
            if (handed++ == opt.stop_after) return Status::ok();
            if (Status s = in.core.read_phys(pfn * ps, page); !s.is_ok()) return s;
            PageRecord rec;
            rec.pfn = pfn;
            rec.zero = std::all_of(page.begin(), page.end(), [](std::byte b) { return b == std::byte{0}; });
            rec.data = page;
            if (opt.codec == Codec::zlib && w.wants_compressed_pages()) {
                // Same bytes as compress2(Z_BEST_SPEED), without a deflate state allocation per page.
                deflateReset(zs.get());
                zs->next_in = reinterpret_cast<Bytef*>(page.data());
                zs->avail_in = static_cast<uInt>(ps);
                zs->next_out = reinterpret_cast<Bytef*>(packed.data());
                zs->avail_out = static_cast<uInt>(packed.size());
                if (deflate(zs.get(), Z_FINISH) == Z_STREAM_END && zs->total_out < ps) {
                    rec.data = std::span<const std::byte>(packed.data(), zs->total_out);
                    rec.flags = kdump::kCompressedZlib;
                }
            }
            if (Status s = w.add_page(rec); !s.is_ok()) return s;
        }
    }
    return w.finish();
}

}  // namespace

Status write_dump(const Input& in, const std::string& path, const WriteOptions& opt) {
    DumpPlan plan;
    plan.core = &in.core;
    plan.pages = &in.pages;
    plan.dump_level = opt.dump_level;
    plan.codec_flag = opt.codec == Codec::zlib && opt.format != Format::elf ? kdump::kCompressedZlib : 0;
    auto file = FileOutput::create(path);
    if (!file.is_ok()) return file.take_status();
    if (opt.format == Format::flat) {
        int fd = file->fd();
        FlattenedOutput flat([fd](std::span<const std::byte> b) { return write_full(fd, b.data(), b.size(), "append"); });
        auto w = make_kdump_writer(plan, flat);
        if (Status s = drive(in, *w, opt); !s.is_ok()) return s;
        return opt.stop_after == UINT64_MAX ? flat.end() : Status::ok();
    }
    auto w = opt.format == Format::elf ? make_elf_writer(plan, file.value()) : make_kdump_writer(plan, file.value());
    return drive(in, *w, opt);
}

RunResult run(const std::string& cmd) {
    RunResult r;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    int status = ::pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return r;
}

std::string q(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string mkvmcore(const kdf::test::TempDir& dir, const std::string& name, const std::string& size, int seed,
                     const std::string& mix) {
    std::string out = dir / name;
    std::string cmd = q(KDF_MKVMCORE) + " --size " + size + " --seed " + std::to_string(seed);
    if (!mix.empty()) cmd += " --mix " + mix;
    RunResult r = run(cmd + " " + q(out));
    if (r.exit_code != 0) ADD_FAILURE() << "kdf-mkvmcore failed (" << r.exit_code << "): " << r.output;
    return out;
}

std::string synthetic_fixture(const kdf::test::TempDir& dir) {
    std::string out = dir / "synthetic.elf";
    RunResult r = run("xz -dc " + q(std::string(KDF_SHARED_DIR) + "/fixtures/dump/synthetic.elf.xz") + " > " + q(out));
    if (r.exit_code != 0) ADD_FAILURE() << "xz: " << r.output;
    return out;
}

std::string real_fixture() {
    constexpr uint64_t kSize = 725254144;
    std::error_code ec;
    const std::string built = std::string(KDF_BUILD_DIR) + "/fixtures/vmcore-6.1-a";
    if (std::filesystem::file_size(built, ec) == kSize) return built;
    // Decompressed once per test process; the TempDir removes it at exit.
    static kdf::test::TempDir dir("kdf-fw-fixture");
    const std::string out = dir / "vmcore-6.1-a";
    if (std::filesystem::file_size(out, ec) != kSize) {
        RunResult r = run("zstd -q -d --long=27 -f " + q(std::string(KDF_SHARED_DIR) + "/fixtures/vmcore-6.1-a.zst") +
                          " -o " + q(out));
        if (r.exit_code != 0) ADD_FAILURE() << "zstd: " << r.output;
    }
    return out;
}

std::string makedumpfile() {
    for (const char* p : {"/usr/sbin/makedumpfile", "/usr/bin/makedumpfile", "/sbin/makedumpfile"})
        if (::access(p, X_OK) == 0) return p;
    ADD_FAILURE() << "makedumpfile not installed: run tools/install-deps.sh";
    return "makedumpfile-missing";
}

std::vector<std::byte> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::vector<char> v((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(v.size());
    std::memcpy(out.data(), v.data(), v.size());
    return out;
}

std::vector<PageRead> kdumpfile_read(const std::string& dump, uint64_t page_size, const std::vector<uint64_t>& pfns,
                                     std::string* format) {
    std::vector<PageRead> result;
    const std::string out = dump + ".kdumpfile-pages";
    std::vector<std::byte> all;
    for (size_t first = 0; first < pfns.size(); first += 2000) {  // keep the command line short
        // libkdumpfile 0.5.1 leaks a few small blocks when reading ELF files; under the ASan build
        // the helper would report them as its own failure, so leak checking is off for it alone.
        std::string cmd = "ASAN_OPTIONS=detect_leaks=0 " + q(KDF_KDUMPFILE_PAGES) + " " + q(dump) + " " + q(out) + " " + std::to_string(page_size);
        for (size_t i = first; i < std::min(pfns.size(), first + 2000); ++i) {
            char a[32];
            std::snprintf(a, sizeof a, " %llx", static_cast<unsigned long long>(pfns[i] * page_size));
            cmd += a;
        }
        RunResult r = run(cmd);
        if (r.exit_code != 0) {
            ADD_FAILURE() << "libkdumpfile helper failed (" << r.exit_code << "): " << r.output;
            return {};
        }
        if (format) *format = r.output.substr(0, r.output.find('\n'));
        std::vector<std::byte> part = read_file(out);
        all.insert(all.end(), part.begin(), part.end());
    }
    std::filesystem::remove(out);
    if (all.size() != pfns.size() * (page_size + 1)) {
        ADD_FAILURE() << "libkdumpfile helper wrote " << all.size() << " bytes";
        return {};
    }
    for (size_t i = 0; i < pfns.size(); ++i) {
        const std::byte* p = all.data() + i * (page_size + 1);
        result.push_back(PageRead{std::to_integer<int>(p[0]), std::vector<std::byte>(p + 1, p + 1 + page_size)});
    }
    return result;
}

std::vector<uint64_t> sample_pfns(const PageSet& pages, size_t random, unsigned seed) {
    std::vector<uint64_t> out;
    for (const PageSet::Run& r : pages.runs()) {
        out.push_back(r.first_pfn);
        out.push_back(r.end_pfn() - 1);
    }
    std::mt19937_64 rng(seed);
    for (size_t i = 0; i < random && pages.count() > 0; ++i) {
        uint64_t k = rng() % pages.count();
        for (const PageSet::Run& r : pages.runs()) {
            if (k < r.count) {
                out.push_back(r.first_pfn + k);
                break;
            }
            k -= r.count;
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<uint64_t> all_pfns(const PageSet& pages) {
    std::vector<uint64_t> out;
    for (const PageSet::Run& r : pages.runs())
        for (uint64_t p = r.first_pfn; p < r.end_pfn(); ++p) out.push_back(p);
    return out;
}

size_t compare_with_kdumpfile(const Input& in, const std::string& dump, const std::vector<uint64_t>& pfns,
                              bool zero_may_be_absent, const std::string& expect_format) {
    std::string format;
    auto got = kdumpfile_read(dump, in.pages.page_size(), pfns, &format);
    if (got.size() != pfns.size()) return pfns.size();
    EXPECT_EQ(format, expect_format) << dump;
    size_t bad = 0;
    for (size_t i = 0; i < pfns.size(); ++i) {
        std::vector<std::byte> want = input_page(in, pfns[i]);
        bool ok = got[i].code == 0 ? got[i].data == want : got[i].code == 1 && zero_may_be_absent && all_zero(want);
        if (!ok && ++bad <= 5)
            ADD_FAILURE() << dump << ": pfn 0x" << std::hex << pfns[i] << std::dec << " libkdumpfile code " << got[i].code
                          << (got[i].code == 0 ? ", contents differ from the input" : "");
    }
    return bad;
}

}  // namespace kdf::format::test
