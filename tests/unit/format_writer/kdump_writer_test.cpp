// kdump-compressed writer: layout against real makedumpfile output, and our files read back by
// makedumpfile 1.7.2 and libkdumpfile (independent readers).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/format/file_output.h"
#include "core/format/kdump_compressed.h"
#include "core/format/kdump_header.h"
#include "tests/unit/format_writer/writer_test_support.h"

namespace kdf::format::test {
namespace {

using kdf::test::TempDir;

kdump::DiskDumpHeader header_of(const std::string& path) {
    auto bytes = read_file(path);
    auto h = kdump::decode_disk_dump_header(bytes);
    EXPECT_TRUE(h.is_ok()) << h.status().to_string();
    return h.is_ok() ? h.value() : kdump::DiskDumpHeader{};
}

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// makedumpfile -c -d 1 on the synthetic fixture uses zlib's compress2(Z_BEST_SPEED) per page, as
// our driver does, so everything after block 0 (sub-header, notes, bitmaps, descriptors, zero page,
// data) must be byte-identical; block 0 differs only in utsname fields we do not know.
TEST(KdumpWriter, SameLayoutAsMakedumpfileOnSyntheticFixture) {
    TempDir dir("kdf-fw");
    auto in = open_input(synthetic_fixture(dir));
    ASSERT_TRUE(in);
    struct Case {
        const char* reference;
        Codec codec;
        int level;
    } cases[] = {{"synthetic-d1-zlib.kdump", Codec::zlib, 1}, {"synthetic-d0-raw.kdump.xz", Codec::none, 0}};
    for (const Case& c : cases) {
        SCOPED_TRACE(c.reference);
        std::string ref = std::string(KDF_SHARED_DIR) + "/fixtures/dump/" + c.reference;
        if (ref.ends_with(".xz")) {
            std::string un = dir / "ref.kdump";
            ASSERT_EQ(run("xz -dc " + q(ref) + " > " + q(un)).exit_code, 0);
            ref = un;
        }
        const std::string ours = dir / "ours.kdump";
        WriteOptions opt;
        opt.codec = c.codec;
        opt.dump_level = c.level;
        ASSERT_TRUE(write_dump(*in, ours, opt).is_ok());
        auto a = read_file(ours), b = read_file(ref);
        ASSERT_EQ(a.size(), b.size());
        EXPECT_TRUE(std::equal(a.begin() + 4096, a.end(), b.begin() + 4096)) << "bytes after block 0 differ";
        auto ha = header_of(ours), hb = header_of(ref);
        EXPECT_EQ(ha.header_version, hb.header_version);
        EXPECT_EQ(ha.status, hb.status);
        EXPECT_EQ(ha.block_size, hb.block_size);
        EXPECT_EQ(ha.sub_hdr_size, hb.sub_hdr_size);
        EXPECT_EQ(ha.bitmap_blocks, hb.bitmap_blocks);
        EXPECT_EQ(ha.max_mapnr, hb.max_mapnr);
        EXPECT_EQ(ha.nr_cpus, hb.nr_cpus);
        EXPECT_EQ(ha.timestamp_sec, hb.timestamp_sec);
        EXPECT_EQ(ha.utsname.sysname, hb.utsname.sysname);
        EXPECT_EQ(ha.utsname.nodename, hb.utsname.nodename);
        EXPECT_EQ(ha.utsname.release, hb.utsname.release);
        EXPECT_EQ(ha.utsname.machine, hb.utsname.machine);
    }
}

// makedumpfile decodes every page of our zlib dump to rewrite it uncompressed; libkdumpfile then
// reads makedumpfile's file, and every page must equal the input. (makedumpfile refuses -E on any
// kdump-compressed input, so the uncompressed kdump stands in for the ELF.)
TEST(KdumpWriter, MakedumpfileRewritesOurZlibDump) {
    TempDir dir("kdf-fw");
    auto in = open_input(synthetic_fixture(dir));
    ASSERT_TRUE(in);
    const std::string ours = dir / "ours.kdump", again = dir / "again.kdump";
    ASSERT_TRUE(write_dump(*in, ours, {}).is_ok());
    RunResult r = run(q(makedumpfile()) + " -d 1 " + q(ours) + " " + q(again));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(header_of(again).status, 0u);
    EXPECT_EQ(compare_with_kdumpfile(*in, again, all_pfns(in->pages), false, "diskdump"), 0u);
}

TEST(KdumpWriter, LibkdumpfileReadsEveryPageOfGeneratedDumps) {
    TempDir dir("kdf-fw");
    auto in = open_input(mkvmcore(dir, "g.elf", "8M", 7));
    ASSERT_TRUE(in);
    for (Codec codec : {Codec::zlib, Codec::none}) {
        for (int level : {0, 1}) {
            SCOPED_TRACE(testing::Message() << "codec " << int(codec) << " level " << level);
            const std::string out = dir / "g.kdump";
            WriteOptions opt;
            opt.codec = codec;
            opt.dump_level = level;
            ASSERT_TRUE(write_dump(*in, out, opt).is_ok());
            auto h = header_of(out);
            EXPECT_EQ(h.status, codec == Codec::zlib ? kdump::kCompressedZlib : 0u);
            EXPECT_EQ(h.nr_cpus, 2);
            EXPECT_EQ(compare_with_kdumpfile(*in, out, all_pfns(in->pages), false, "diskdump"), 0u);
        }
    }
}

// The pipeline's lzo and zstd dumps (what `collect -l` / `collect -z` write, with our codec
// library) read back page for page by libkdumpfile, which decodes both with liblzo2 / libzstd.
// Debian's makedumpfile has no zstd, so libkdumpfile is the independent reader for it.
TEST(KdumpWriter, LibkdumpfileReadsOurLzoAndZstdDumps) {
    TempDir dir("kdf-fw");
    auto generated = open_input(mkvmcore(dir, "g.elf", "8M", 9));
    auto real = open_input(real_fixture());
    ASSERT_TRUE(generated && real);
    struct Case {
        const char* flag;
        uint32_t status;
    };
    for (Case c : {Case{"-l", kdump::kCompressedLzo}, Case{"-z", kdump::kCompressedZstd}}) {
        for (const Input* in : {generated.get(), real.get()}) {
            SCOPED_TRACE(testing::Message() << c.flag << " " << in->core.path());
            const std::string out = dir / "p.kdump";
            std::filesystem::remove(out);
            RunResult r = run(q(KDF_CLI) + " collect -d 1 " + c.flag + " " + q(in->core.path()) + " " + q(out));
            ASSERT_EQ(r.exit_code, 0) << r.output;
            EXPECT_EQ(header_of(out).status, c.status);
            const auto pfns = in == generated.get() ? all_pfns(in->pages) : sample_pfns(in->pages, 400, 13);
            EXPECT_EQ(compare_with_kdumpfile(*in, out, pfns, false, "diskdump"), 0u);
        }
    }
}

// The real Debian 6.1 vmcore: makedumpfile reads the kernel log out of our dump (VMCOREINFO,
// notes, page tables and printk pages all have to be right), libkdumpfile reads random pages.
TEST(KdumpWriter, RealVmcoreDmesgAndPages) {
    auto in = open_input(real_fixture());
    ASSERT_TRUE(in);
    TempDir dir("kdf-fw");
    const std::string out = dir / "real.kdump", txt = dir / "dmesg.txt";
    ASSERT_TRUE(write_dump(*in, out, {}).is_ok());
    RunResult r = run(q(makedumpfile()) + " --dump-dmesg " + q(out) + " " + q(txt));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(slurp(txt), slurp(std::string(KDF_SHARED_DIR) + "/fixtures/reference/vmcore-6.1-a.dmesg-1.7.2.txt"));
    EXPECT_EQ(compare_with_kdumpfile(*in, out, sample_pfns(in->pages, 400, 11), false, "diskdump"), 0u);
    auto h = header_of(out);
    EXPECT_EQ(h.utsname.release, "6.1.0-56-amd64");
    EXPECT_EQ(h.status, kdump::kCompressedZlib);
}

TEST(KdumpWriter, DumpCutShortStaysIncomplete) {
    TempDir dir("kdf-fw");
    auto in = open_input(mkvmcore(dir, "g.elf", "4M", 2));
    ASSERT_TRUE(in);
    const std::string out = dir / "cut.kdump";
    WriteOptions opt;
    opt.stop_after = 100;  // the writer is destroyed without finish()
    ASSERT_TRUE(write_dump(*in, out, opt).is_ok());
    EXPECT_EQ(header_of(out).status, kdump::kCompressedZlib | kdump::kCompressedIncomplete);
    opt.stop_after = UINT64_MAX;
    ASSERT_TRUE(write_dump(*in, out, opt).is_ok());
    EXPECT_EQ(header_of(out).status, kdump::kCompressedZlib);
}

TEST(KdumpWriter, RefusesPagesThePlanDoesNotHave) {
    TempDir dir("kdf-fw");
    auto in = open_input(mkvmcore(dir, "g.elf", "4M", 2));
    ASSERT_TRUE(in);
    DumpPlan plan;
    plan.core = &in->core;
    plan.pages = &in->pages;
    plan.dump_level = 1;
    const uint64_t first = in->pages.runs().front().first_pfn;
    std::vector<std::byte> page(in->pages.page_size()), big(in->pages.page_size() + 1);
    {
        auto file = FileOutput::create(dir / "a.kdump");
        ASSERT_TRUE(file.is_ok());
        auto w = make_kdump_writer(plan, file.value());
        ASSERT_TRUE(w->begin().is_ok());
        Status s = w->add_page(PageRecord{first + 1, page, 0, false});
        EXPECT_NE(s.message().find("out of order"), std::string::npos) << s.to_string();
        EXPECT_FALSE(w->add_page(PageRecord{first, page, 0, false}).is_ok()) << "a failed writer stays failed";
    }
    {
        auto file = FileOutput::create(dir / "b.kdump");
        ASSERT_TRUE(file.is_ok());
        auto w = make_kdump_writer(plan, file.value());
        ASSERT_TRUE(w->begin().is_ok());
        Status s = w->add_page(PageRecord{first, big, kdump::kCompressedZlib, false});
        EXPECT_FALSE(s.is_ok());
        EXPECT_NE(s.message().find("bytes"), std::string::npos) << s.to_string();
    }
    {
        auto file = FileOutput::create(dir / "c.kdump");
        ASSERT_TRUE(file.is_ok());
        auto w = make_kdump_writer(plan, file.value());
        ASSERT_TRUE(w->begin().is_ok());
        ASSERT_TRUE(w->add_page(PageRecord{first, page, 0, true}).is_ok());
        Status s = w->finish();
        EXPECT_NE(s.message().find("incomplete"), std::string::npos) << s.to_string();
    }
    EXPECT_EQ(header_of(dir / "c.kdump").status & kdump::kCompressedIncomplete, kdump::kCompressedIncomplete);
}

}  // namespace
}  // namespace kdf::format::test
