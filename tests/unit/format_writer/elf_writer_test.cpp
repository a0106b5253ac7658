// ELF writer: read back by libkdumpfile and makedumpfile, PT_LOAD layout, incomplete flag.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/format/elf_writer.h"
#include "core/format/file_output.h"
#include "tests/unit/format_writer/writer_test_support.h"

namespace kdf::format::test {
namespace {

using kdf::test::TempDir;

uint32_t e_flags_of(const std::string& path) {
    auto b = read_file(path);
    if (b.size() < 64) return 0xffffffff;
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | std::to_integer<uint32_t>(b[48 + i]);
    return v;
}

// Every kept page is in the ELF at its physical address (our reader on our file), and every page
// of the original PT_LOADs is covered by some PT_LOAD's memsz.
void check_with_our_reader(const Input& in, const std::string& path, int level) {
    auto out = open_input(path);
    ASSERT_TRUE(out);
    EXPECT_EQ(out->core.notes().size(), in.core.notes().size());
    EXPECT_EQ(out->core.vmcoreinfo().entries().size(), in.core.vmcoreinfo().entries().size());
    size_t bad = 0;
    for (uint64_t pfn : all_pfns(in.pages)) {
        std::vector<std::byte> want = input_page(in, pfn), got(want.size());
        Status s = out->core.read_phys(pfn * want.size(), got);
        if ((!s.is_ok() || got != want) && ++bad < 5) {
            ADD_FAILURE() << "pfn 0x" << std::hex << pfn << " " << s.to_string();
        }
    }
    EXPECT_EQ(bad, 0u);
    if (level == 0) {
        // One PT_LOAD per run, plus the input's kernel-image alias, whole.
        auto aliases = [](const vmcore::ElfVmcore& c) {
            return std::count_if(c.segments().begin(), c.segments().end(), [](const auto& s) { return s.alias; });
        };
        EXPECT_EQ(out->core.segments().size() - static_cast<size_t>(aliases(out->core)), in.pages.runs().size());
        EXPECT_EQ(aliases(out->core), aliases(in.core));
    }
}

TEST(ElfWriter, GeneratedVmcoreReadBackByLibkdumpfile) {
    TempDir dir("kdf-fw");
    auto in = open_input(mkvmcore(dir, "g.elf", "8M", 9));
    ASSERT_TRUE(in);
    for (int level : {0, 1}) {
        SCOPED_TRACE(level);
        const std::string out = dir / "g-out.elf";
        WriteOptions opt;
        opt.format = Format::elf;
        opt.dump_level = level;
        ASSERT_TRUE(write_dump(*in, out, opt).is_ok());
        EXPECT_EQ(e_flags_of(out), 0u);
        check_with_our_reader(*in, out, level);
        EXPECT_EQ(compare_with_kdumpfile(*in, out, all_pfns(in->pages), level == 1, "elf"), 0u);
    }
}

// Long runs of zero pages split the PT_LOADs at level 1: the file shrinks, kept pages stay exact.
TEST(ElfWriter, LongZeroRunsSplitSegments) {
    TempDir dir("kdf-fw");
    auto in = open_input(mkvmcore(dir, "z.elf", "8M", 4, "zero=400,random=1"));
    ASSERT_TRUE(in);
    const std::string l0 = dir / "l0.elf", l1 = dir / "l1.elf";
    WriteOptions opt;
    opt.format = Format::elf;
    opt.dump_level = 0;
    ASSERT_TRUE(write_dump(*in, l0, opt).is_ok());
    opt.dump_level = 1;
    ASSERT_TRUE(write_dump(*in, l1, opt).is_ok());
    EXPECT_LT(read_file(l1).size(), read_file(l0).size() / 4);
    check_with_our_reader(*in, l1, 1);
    // More PT_LOADs than runs (split), some with fewer file bytes than memory, and together they
    // still cover every page of the input.
    auto out = open_input(l1);
    ASSERT_TRUE(out);
    // The kernel-image alias is kept as well, cut into pieces that together map all it mapped.
    uint64_t memsz = 0, filesz = 0, alias_memsz = 0, alias_in = 0;
    for (const auto& s : out->core.segments()) {
        (s.alias ? alias_memsz : memsz) += s.mem_size;
        if (!s.alias) filesz += s.file_size;
    }
    for (const auto& s : in->core.segments())
        if (s.alias) alias_in += s.mem_size;
    EXPECT_GT(alias_in, 0u);
    EXPECT_EQ(alias_memsz, alias_in);
    EXPECT_GT(out->core.segments().size(), in->pages.runs().size());
    EXPECT_EQ(memsz, in->pages.count() * in->pages.page_size());
    EXPECT_LT(filesz, memsz / 4);
    EXPECT_EQ(compare_with_kdumpfile(*in, l1, all_pfns(in->pages), true, "elf"), 0u);
}

// makedumpfile reads our ELF and writes its own ELF from it: same PT_LOAD contents.
TEST(ElfWriter, MakedumpfileRewritesOurElf) {
    TempDir dir("kdf-fw");
    auto in = open_input(synthetic_fixture(dir));
    ASSERT_TRUE(in);
    for (int level : {0, 1}) {
        SCOPED_TRACE(level);
        const std::string ours = dir / "ours.elf", again = dir / "again.elf";
        WriteOptions opt;
        opt.format = Format::elf;
        opt.dump_level = level;
        ASSERT_TRUE(write_dump(*in, ours, opt).is_ok());
        std::filesystem::remove(again);  // makedumpfile refuses to replace a file
        RunResult r = run(q(makedumpfile()) + " -d 0 -E " + q(ours) + " " + q(again));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        check_with_our_reader(*in, again, 0);
        EXPECT_EQ(compare_with_kdumpfile(*in, ours, all_pfns(in->pages), level == 1, "elf"), 0u);
    }
}

TEST(ElfWriter, RealVmcoreDmesgAndPages) {
    auto in = open_input(real_fixture());
    ASSERT_TRUE(in);
    TempDir dir("kdf-fw");
    const std::string out = dir / "real.elf", txt = dir / "dmesg.txt";
    WriteOptions opt;
    opt.format = Format::elf;
    ASSERT_TRUE(write_dump(*in, out, opt).is_ok());
    RunResult r = run(q(makedumpfile()) + " --dump-dmesg " + q(out) + " " + q(txt));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::ifstream a(txt), b(std::string(KDF_SHARED_DIR) + "/fixtures/reference/vmcore-6.1-a.dmesg-1.7.2.txt");
    std::stringstream sa, sb;
    sa << a.rdbuf();
    sb << b.rdbuf();
    EXPECT_EQ(sa.str(), sb.str());
    EXPECT_EQ(compare_with_kdumpfile(*in, out, sample_pfns(in->pages, 400, 12), true, "elf"), 0u);
}

TEST(ElfWriter, CutShortKeepsIncompleteFlagAndRefusesCompressedPages) {
    TempDir dir("kdf-fw");
    auto in = open_input(mkvmcore(dir, "g.elf", "4M", 3));
    ASSERT_TRUE(in);
    const std::string out = dir / "cut.elf";
    WriteOptions opt;
    opt.format = Format::elf;
    opt.stop_after = 10;
    ASSERT_TRUE(write_dump(*in, out, opt).is_ok());
    EXPECT_EQ(e_flags_of(out), 1u);

    DumpPlan plan;
    plan.core = &in->core;
    plan.pages = &in->pages;
    auto file = FileOutput::create(dir / "bad.elf");
    ASSERT_TRUE(file.is_ok());
    auto w = make_elf_writer(plan, file.value());
    EXPECT_FALSE(w->wants_compressed_pages());
    ASSERT_TRUE(w->begin().is_ok());
    std::vector<std::byte> small(100);
    Status s = w->add_page(PageRecord{in->pages.runs().front().first_pfn, small, 1, false});
    EXPECT_NE(s.message().find("raw"), std::string::npos) << s.to_string();
}

}  // namespace
}  // namespace kdf::format::test
