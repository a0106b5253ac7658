// The whole dump at every level on the real Debian 6.1 crash: the kdump file our pipeline writes
// has makedumpfile's 2nd bitmap bit for bit, every page it holds equals the input, and Debian's
// makedumpfile 1.7.2 reads it back (re-filtering it at -d 31 gives the same page set, and
// --dump-dmesg finds the panic).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/format/file_output.h"
#include "core/format/kdump_reader.h"
#include "core/pipeline/dump_job.h"
#include "core/vmcore/elf_reader.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/filter/filter_test_support.h"

namespace kdf::filter::test {
namespace {

const std::string kFixture = std::string(KDF_BUILD_DIR) + "/fixtures/vmcore-6.1-a";

// Writes `core` at `level` with `codec` to `path` through the real pipeline.
Result<pipeline::DumpJobResult> dump(const vmcore::ElfVmcore& core, const std::string& path, int level,
                                     const std::string& codec, std::string* warning = nullptr) {
    auto out = format::FileOutput::create(path);
    if (!out.is_ok()) return out.take_status();
    pipeline::DumpJobOptions job;
    job.level = level;
    job.codec = codec;
    job.threads = 2;
    job.warning = [&](const std::string& line) {
        if (warning) *warning = line;
    };
    auto r = pipeline::write_dump(core, out.value(), job);
    if (!r.is_ok()) return r;
    if (Status s = out->sync(); !s.is_ok()) return s;
    return r;
}

// Every page in the dump equals the input's; a page stored as the shared zero page is zero there.
std::string compare_dumped_pages(const vmcore::ElfVmcore& in, const std::string& path, uint64_t* count) {
    auto reader = format::KdumpReader::open(path);
    if (!reader.is_ok()) return reader.status().message();
    std::vector<std::byte> a(4096), b(4096);
    std::string problem;
    *count = 0;
    Status s = reader->for_each_dumped([&](uint64_t pfn, uint64_t) -> Status {
        if (Status r = reader->read_page(pfn, a); !r.is_ok()) return r;
        if (Status r = in.read_phys(pfn * 4096, b); !r.is_ok()) return r;
        if (a != b) return Status::error(Code::corrupt, "pfn " + std::to_string(pfn) + " differs from the input");
        ++*count;
        return Status::ok();
    });
    return s.is_ok() ? "" : s.message();
}

class DumpAgreement61 : public ::testing::TestWithParam<int> {};

TEST_P(DumpAgreement61, KdumpFileHasMakedumpfilesPageSetAndTheInputsBytes) {
    auto core = vmcore::ElfVmcore::open(kFixture);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    const int level = GetParam();
    kdf::test::TempDir dir("kdf-filter");
    const std::string out = dir / "vmcore";
    std::string warning;
    auto r = dump(core.value(), out, level, "lz4", &warning);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    EXPECT_EQ(warning, "");
    Bitmap ours = kdump_bitmap2(out);
    Bitmap ref = reference_bitmap("vmcore-6.1-a", level);
    ASSERT_EQ(ours.bytes.size(), ref.bytes.size());
    BitmapDiff d = diff(ours, ref);
    EXPECT_EQ(d.ours_only_count + d.theirs_only_count, 0u) << describe(d);
    uint64_t compared = 0;
    EXPECT_EQ(compare_dumped_pages(core.value(), out, &compared), "");
    EXPECT_EQ(compared, ref.count());
    EXPECT_EQ(r->excluded_pages, 163701 - ref.count());
}

INSTANTIATE_TEST_SUITE_P(Levels, DumpAgreement61, ::testing::Values(1, 2, 4, 8, 16, 31),
                         [](const auto& p) { return "d" + std::to_string(p.param); });

// Debian's makedumpfile 1.7.2 (the reference tool users switch from) takes our level-31 file as
// input: refiltering it keeps exactly our page set, and its --dump-dmesg finds the panic.
TEST(DumpAgreement61Makedumpfile, ReadsOurLevel31Dump) {
    auto core = vmcore::ElfVmcore::open(kFixture);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    kdf::test::TempDir dir("kdf-filter");
    const std::string ours = dir / "ours", again = dir / "again", dmesg = dir / "dmesg.txt";
    auto r = dump(core.value(), ours, 31, "zlib");
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    ASSERT_EQ(kdf_test::shell("makedumpfile -c -d 31 --message-level 0 " + ours + " " + again + " >" + dir.file("log") + " 2>&1"), 0)
        << read_file(dir.file("log")).size();
    Bitmap a = kdump_bitmap2(ours), b = kdump_bitmap2(again);
    ASSERT_FALSE(a.bytes.empty());
    BitmapDiff d = diff(a, b);
    EXPECT_EQ(d.ours_only_count + d.theirs_only_count, 0u) << describe(d);
    EXPECT_EQ(a.bytes, reference_bitmap("vmcore-6.1-a", 31).bytes);
    ASSERT_EQ(kdf_test::shell("makedumpfile --dump-dmesg " + ours + " " + dmesg + " >/dev/null 2>&1"), 0);
    std::vector<uint8_t> text = read_file(dmesg);
    const std::string s(text.begin(), text.end());
    EXPECT_NE(s.find("Kernel panic - not syncing"), std::string::npos);
    EXPECT_EQ(s, [] {
        auto t = read_file(std::string(KDF_SHARED_DIR) + "/fixtures/reference/vmcore-6.1-a.dmesg-1.7.2.txt");
        return std::string(t.begin(), t.end());
    }());
}

}  // namespace
}  // namespace kdf::filter::test
