// Agreement with makedumpfile on a real arm64 crash (Debian 6.1.0-57-arm64, 4 KiB pages, 48-bit VA,
// KASLR, pointer authentication): for each dump level, the set of dumped pfns (the 2nd bitmap)
// equals upstream makedumpfile 1.7.9's built for aarch64 vmcores, through the filter alone and
// through the dump pipeline. Zero tolerance. The kernel image is in the vmcore twice (its own
// PT_LOAD and inside the linear map): each page counts once.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/format/file_output.h"
#include "core/format/kdump_reader.h"
#include "core/pipeline/dump_job.h"
#include "core/vmcore/elf_reader.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/filter/filter_test_support.h"

namespace kdf::filter::test {
namespace {

const std::string kArm64Fixture = std::string(KDF_BUILD_DIR) + "/fixtures/vmcore-6.1-arm64-f";

class AgreementArm64 : public ::testing::TestWithParam<int> {};

TEST_P(AgreementArm64, FilterPfnSetEqualsMakedumpfile179) {
    auto core = vmcore::ElfVmcore::open(kArm64Fixture);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    const int level = GetParam();
    FilterRun run = filter_bitmap(core.value(), level);
    EXPECT_TRUE(run.open_error.empty()) << run.open_error;
    EXPECT_TRUE(run.disabled.empty()) << run.disabled.front();
    EXPECT_EQ(run.unclassified, 0u);
    Bitmap ref = reference_bitmap("vmcore-6.1-arm64-f", level);
    ASSERT_FALSE(ref.bytes.empty());
    ASSERT_EQ(run.bitmap.bytes.size(), ref.bytes.size());
    BitmapDiff d = diff(run.bitmap, ref);
    EXPECT_EQ(d.ours_only_count + d.theirs_only_count, 0u) << "level " << level << ": " << describe(d);
    EXPECT_EQ(run.bitmap.count(), ref.count());
}

INSTANTIATE_TEST_SUITE_P(Levels, AgreementArm64, ::testing::Values(1, 2, 4, 8, 16, 31),
                         [](const auto& p) { return "d" + std::to_string(p.param); });

// The same through the whole pipeline: the kdump file written at levels 1 (zero pages keep their
// bit) and 31 carries the reference 2nd bitmap, and every page it holds is the input's.
class DumpAgreementArm64 : public ::testing::TestWithParam<int> {};

TEST_P(DumpAgreementArm64, KdumpFileHasMakedumpfilesPageSetAndTheInputsBytes) {
    auto core = vmcore::ElfVmcore::open(kArm64Fixture);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    const int level = GetParam();
    kdf::test::TempDir dir("kdf-filter-arm64");
    const std::string path = dir / "vmcore";
    auto out = format::FileOutput::create(path);
    ASSERT_TRUE(out.is_ok()) << out.status().message();
    pipeline::DumpJobOptions job;
    job.level = level;
    job.codec = "lz4";
    job.threads = 2;
    std::string warning;
    job.warning = [&](const std::string& line) { warning = line; };
    auto r = pipeline::write_dump(core.value(), out.value(), job);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    ASSERT_TRUE(out->sync().is_ok());
    EXPECT_EQ(warning, "");
    Bitmap ours = kdump_bitmap2(path);
    Bitmap ref = reference_bitmap("vmcore-6.1-arm64-f", level);
    ASSERT_EQ(ours.bytes.size(), ref.bytes.size());
    BitmapDiff d = diff(ours, ref);
    EXPECT_EQ(d.ours_only_count + d.theirs_only_count, 0u) << describe(d);
    EXPECT_EQ(r->excluded_pages, 131072 - ref.count());  // RAM pages of the two linear-map PT_LOADs

    // Every dumped page is the input's; checked at level 31 only, to keep the level-1 case short.
    if (level != 31) return;
    auto reader = format::KdumpReader::open(path);
    ASSERT_TRUE(reader.is_ok()) << reader.status().message();
    std::vector<std::byte> a(4096), b(4096);
    uint64_t compared = 0;
    Status s = reader->for_each_dumped([&](uint64_t pfn, uint64_t) -> Status {
        if (Status e = reader->read_page(pfn, a); !e.is_ok()) return e;
        if (Status e = core->read_phys(pfn * 4096, b); !e.is_ok()) return e;
        if (a != b) return Status::error(Code::corrupt, "pfn " + std::to_string(pfn) + " differs from the input");
        ++compared;
        return Status::ok();
    });
    EXPECT_TRUE(s.is_ok()) << s.message();
    EXPECT_EQ(compared, ref.count());
}

INSTANTIATE_TEST_SUITE_P(Levels, DumpAgreementArm64, ::testing::Values(1, 31),
                         [](const auto& p) { return "d" + std::to_string(p.param); });

}  // namespace
}  // namespace kdf::filter::test
