// Agreement with makedumpfile on a real arm64 crash (Debian 6.1.0-57-arm64, 4 KiB pages, 48-bit VA,
// KASLR, pointer authentication): for each dump level, the set of dumped pfns (the 2nd bitmap)
// equals upstream makedumpfile 1.7.9's built for aarch64 vmcores. Zero tolerance. The kernel image
// is in the vmcore twice (its own PT_LOAD and inside the linear map): each page counts once.
#include <gtest/gtest.h>

#include <string>

#include "core/vmcore/elf_reader.h"
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
    Bitmap ref;
    ref.bytes = read_file(std::string(KDF_SHARED_DIR) + "/fixtures/reference/vmcore-6.1-arm64-f.d" +
                          std::to_string(level) + ".bitmap2");
    ASSERT_FALSE(ref.bytes.empty());
    ASSERT_EQ(run.bitmap.bytes.size(), ref.bytes.size());
    BitmapDiff d = diff(run.bitmap, ref);
    EXPECT_EQ(d.ours_only_count + d.theirs_only_count, 0u) << "level " << level << ": " << describe(d);
    EXPECT_EQ(run.bitmap.count(), ref.count());
}

INSTANTIATE_TEST_SUITE_P(Levels, AgreementArm64, ::testing::Values(1, 2, 4, 8, 16, 31),
                         [](const auto& p) { return "d" + std::to_string(p.param); });

}  // namespace
}  // namespace kdf::filter::test
