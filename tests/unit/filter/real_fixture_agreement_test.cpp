// Agreement with makedumpfile on a real Debian 6.1 crash: for each dump level, the set of dumped
// pfns (the 2nd bitmap) equals upstream makedumpfile 1.7.9's, which is bit-identical to Debian's
// 1.7.2 on this kernel (the reference bitmaps were made with both). Zero tolerance.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/vmcore/elf_reader.h"
#include "tests/unit/filter/filter_test_support.h"

namespace kdf::filter::test {
namespace {

const std::string kFixture = std::string(KDF_BUILD_DIR) + "/fixtures/vmcore-6.1-a";

class Agreement61 : public ::testing::TestWithParam<int> {};

TEST_P(Agreement61, FilterPfnSetEqualsMakedumpfile) {
    auto core = vmcore::ElfVmcore::open(kFixture);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    const int level = GetParam();
    FilterRun run = filter_bitmap(core.value(), level);
    EXPECT_TRUE(run.open_error.empty()) << run.open_error;
    EXPECT_TRUE(run.disabled.empty()) << run.disabled.front();
    EXPECT_EQ(run.unclassified, 0u);
    Bitmap ref = reference_bitmap("vmcore-6.1-a", level);
    ASSERT_FALSE(ref.bytes.empty());
    ASSERT_EQ(run.bitmap.bytes.size(), ref.bytes.size());
    BitmapDiff d = diff(run.bitmap, ref);
    EXPECT_EQ(d.ours_only_count + d.theirs_only_count, 0u) << "level " << level << ": " << describe(d);
    EXPECT_EQ(run.bitmap.count(), ref.count());
}

INSTANTIATE_TEST_SUITE_P(Levels, Agreement61, ::testing::Values(1, 2, 4, 8, 16, 31),
                         [](const auto& p) { return "d" + std::to_string(p.param); });

}  // namespace
}  // namespace kdf::filter::test

namespace kdf::filter::test {
namespace {

// Debian 6.12 (folio orders in _flags_1, slab as a page type, page types in the top byte): the
// reference is upstream 1.7.9 (Debian's 1.7.2 is wrong at level 8 here). The rules are chosen from
// the VMCOREINFO keys, so the same code agrees. KDF_FILTER_DIFF_DIR=dir writes the differing pfns
// (dLEVEL.ours_only / .ref_only) for tools/vmcore-pageinfo.py.
class Agreement612 : public ::testing::TestWithParam<int> {};

TEST_P(Agreement612, FilterPfnSetEqualsMakedumpfile179) {
    auto core = vmcore::ElfVmcore::open(std::string(KDF_BUILD_DIR) + "/fixtures/vmcore-6.12-c");
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    const int level = GetParam();
    FilterRun run = filter_bitmap(core.value(), level);
    EXPECT_TRUE(run.open_error.empty()) << run.open_error;
    Bitmap ref = reference_bitmap("vmcore-6.12-c", level);
    ASSERT_EQ(run.bitmap.bytes.size(), ref.bytes.size());
    BitmapDiff d = diff(run.bitmap, ref, 100000);
    EXPECT_EQ(d.ours_only_count + d.theirs_only_count, 0u) << "level " << level << ": " << describe(diff(run.bitmap, ref));
    if (const char* out = std::getenv("KDF_FILTER_DIFF_DIR")) {
        FILE* f = std::fopen((std::string(out) + "/d" + std::to_string(level) + ".ours_only").c_str(), "w");
        ASSERT_NE(f, nullptr);
        for (uint64_t p : d.ours_only) std::fprintf(f, "%llu\n", static_cast<unsigned long long>(p));
        std::fclose(f);
        f = std::fopen((std::string(out) + "/d" + std::to_string(level) + ".ref_only").c_str(), "w");
        ASSERT_NE(f, nullptr);
        for (uint64_t p : d.theirs_only) std::fprintf(f, "%llu\n", static_cast<unsigned long long>(p));
        std::fclose(f);
    }
}

INSTANTIATE_TEST_SUITE_P(Levels, Agreement612, ::testing::Values(1, 2, 4, 8, 16, 31),
                         [](const auto& p) { return "d" + std::to_string(p.param); });

}  // namespace
}  // namespace kdf::filter::test

namespace kdf::filter::test {
namespace {

// One counting pass over every present page at level 31 (what a dump does twice), timed; prints
// "filter pass: ..." for bench/vs_makedumpfile.sh. KDF_FILTER_BENCH_VMCORE points it at another
// vmcore (a generated one); the default is the 6.1 fixture. Checks only that it classified.
TEST(FilterPass, TimedCountingPassAtLevel31) {
    const char* env = std::getenv("KDF_FILTER_BENCH_VMCORE");
    const std::string path = env ? env : kFixture;
    auto core = vmcore::ElfVmcore::open(path);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    const auto start = std::chrono::steady_clock::now();
    FilterRun run = filter_bitmap(core.value(), 31);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(run.open_error.empty()) << run.open_error;
    EXPECT_EQ(run.unclassified, 0u);
    std::printf("filter pass: %s: %.3f s, %llu pages kept of %llu bits\n", path.c_str(), secs,
                static_cast<unsigned long long>(run.bitmap.count()),
                static_cast<unsigned long long>(run.bitmap.bytes.size() * 8));
}

}  // namespace
}  // namespace kdf::filter::test
