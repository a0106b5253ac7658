// Agreement with Debian's makedumpfile 1.7.2, run in the test, on vmcores from the generator's
// kernel mode (page tables, vmemmap mem_map, 6.1 VMCOREINFO, a mix of every page class): 4- and
// 5-level paging, KASLR, holes between PT_LOADs. Our 2nd bitmap must equal its, bit for bit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/format/file_output.h"
#include "core/pipeline/dump_job.h"
#include "core/vmcore/elf_reader.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/filter/filter_test_support.h"

namespace kdf::filter::test {
namespace {

struct Layout {
    const char* name;
    const char* options;
};

class GeneratedAgreement : public ::testing::TestWithParam<Layout> {};

TEST_P(GeneratedAgreement, EveryLevelMatchesMakedumpfile) {
    kdf::test::TempDir dir("kdf-filter-gen");
    const std::string vm = dir / "vmcore";
    ASSERT_EQ(kdf_test::shell(std::string(KDF_MKVMCORE) + " --kernel --size 128M --seed 7 " + GetParam().options + " " + vm +
                  " >/dev/null"),
              0);
    auto core = vmcore::ElfVmcore::open(vm);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    for (int level : {1, 2, 4, 8, 16, 31}) {
        SCOPED_TRACE("level " + std::to_string(level));
        const std::string ours = dir / "ours", theirs = dir / "theirs";
        std::remove(theirs.c_str());
        auto out = format::FileOutput::create(ours);
        ASSERT_TRUE(out.is_ok());
        pipeline::DumpJobOptions job;
        job.level = level;
        job.codec = "zlib";
        std::string warning;
        job.warning = [&](const std::string& w) { warning = w; };
        auto r = pipeline::write_dump(core.value(), out.value(), job);
        ASSERT_TRUE(r.is_ok()) << r.status().message();
        ASSERT_TRUE(out->sync().is_ok());
        EXPECT_EQ(warning, "");
        ASSERT_EQ(kdf_test::shell("makedumpfile -c -d " + std::to_string(level) + " --message-level 0 " + vm + " " + theirs +
                      " >/dev/null 2>&1"),
                  0);
        Bitmap a = kdump_bitmap2(ours), b = kdump_bitmap2(theirs);
        ASSERT_FALSE(b.bytes.empty());
        ASSERT_EQ(a.bytes.size(), b.bytes.size());
        BitmapDiff d = diff(a, b);
        EXPECT_EQ(d.ours_only_count + d.theirs_only_count, 0u) << describe(d);
        std::remove(ours.c_str());
    }
}

INSTANTIATE_TEST_SUITE_P(Layouts, GeneratedAgreement,
                         ::testing::Values(Layout{"FourLevel", "--paging 4"},
                                           Layout{"FourLevelKaslrHoles", "--paging 4 --kaslr --holes 4"},
                                           Layout{"FiveLevelKaslr", "--paging 5 --kaslr --holes 2"}),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace kdf::filter::test
