// The part-size schedule of an s3 upload: every dump up to S3's 5 TiB object limit fits in its
// 10,000 parts, every part but the last is within S3's 5 MiB - 5 GiB, and the window's memory
// stays bounded as parts grow.
#include <gtest/gtest.h>

#include <algorithm>

#include "part_schedule.h"

namespace {

using namespace kdf::s3;

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kTiB = 1ull << 40;

uint64_t capacity_of(const PartSchedule& s) {
    uint64_t total = 0;
    for (uint32_t n = 1; n <= kMaxParts; ++n) total += s.size_of(n);
    return total;
}

void expect_valid_sizes(const PartSchedule& s) {
    uint64_t previous = 0;
    for (uint32_t n = 1; n <= kMaxParts; ++n) {
        const uint64_t size = s.size_of(n);
        ASSERT_GE(size, kMinPartSize) << "part " << n;
        ASSERT_LE(size, kMaxPartSize) << "part " << n;
        ASSERT_GE(size, previous) << "part " << n;
        previous = size;
    }
}

TEST(PartSchedule, WithoutAHintTenThousandPartsHoldMoreThanFiveTiB) {
    for (uint64_t configured : {5 * kMiB, 8 * kMiB, 64 * kMiB, 512 * kMiB}) {
        PartSchedule s(configured, 0, 4);
        expect_valid_sizes(s);
        EXPECT_GT(capacity_of(s), 5 * kTiB) << configured;
        EXPECT_EQ(s.size_of(1), configured);
        EXPECT_EQ(s.size_of(1000), configured);
        EXPECT_EQ(s.size_of(1001), std::min(2 * configured, kMaxPartSize));
    }
    // The default: 8 MiB parts for the first 8 GiB, as before, then doubling every 900 parts.
    PartSchedule d(8 * kMiB, 0, 4);
    EXPECT_EQ(d.size_of(2001), 32 * kMiB);
    EXPECT_EQ(d.size_of(1900), 16 * kMiB);
    EXPECT_EQ(d.size_of(1901), 32 * kMiB);
    EXPECT_EQ(d.size_of(10000), kMaxPartSize);
}

TEST(PartSchedule, AHintedDumpFitsInTheSteadyPartsWithSmallParts) {
    for (uint64_t hint : {uint64_t{1} << 30, uint64_t{80} << 30, 1 * kTiB, 5 * kTiB}) {
        PartSchedule s(8 * kMiB, hint, 4);
        expect_valid_sizes(s);
        uint64_t steady = 0;
        for (uint32_t n = 1; n <= 8000; ++n) steady += s.size_of(n);
        EXPECT_GE(steady, hint) << hint;
        EXPECT_GE(capacity_of(s), hint + hint / 2) << hint;
        // Parts are no larger than the hint needs.
        EXPECT_LE(s.first(), std::max<uint64_t>(8 * kMiB, hint / 8000 + kMiB)) << hint;
    }
    EXPECT_EQ(PartSchedule(8 * kMiB, 80ull << 30, 4).first(), 11 * kMiB);
}

TEST(PartSchedule, FewerPartsInFlightAsTheyGrowSoMemoryStaysBounded) {
    PartSchedule s(8 * kMiB, 0, 4);
    EXPECT_EQ(s.memory_budget(), 40 * kMiB);
    EXPECT_EQ(s.in_flight_for(s.size_of(1)), 4u);
    EXPECT_EQ(s.in_flight_for(s.size_of(1001)), 1u);  // 16 MiB: two buffers fill the budget
    EXPECT_EQ(s.in_flight_for(s.size_of(9001)), 1u);  // never fewer than one
    for (uint32_t n = 1; n <= kMaxParts; n += 97) {
        const uint64_t size = s.size_of(n);
        const uint64_t held = size * (s.in_flight_for(size) + 1ull);
        EXPECT_LE(held, std::max(s.memory_budget(), 2 * size)) << "part " << n;
    }
    PartSchedule wide(5 * kMiB, 0, 16);
    EXPECT_EQ(wide.in_flight_for(5 * kMiB), 16u);
    EXPECT_EQ(wide.in_flight_for(10 * kMiB), 7u);  // 85 MiB / 10 MiB = 8 buffers, one filling
}

}  // namespace
