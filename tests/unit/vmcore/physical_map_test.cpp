#include "core/vmcore/physical_map.h"

#include <gtest/gtest.h>

namespace kdf::vmcore {
namespace {

LoadSegment seg(uint32_t idx, uint64_t paddr, uint64_t size, uint64_t off, bool alias = false) {
    LoadSegment s;
    s.phdr_index = idx;
    s.paddr = paddr;
    s.mem_size = size;
    s.file_size = size;
    s.file_offset = off;
    s.alias = alias;
    return s;
}

TEST(PhysicalMap, SortsLooksUpAndCounts) {
    // The 6.1-a fixture's layout: alias first, low range ending mid-page, a crashkernel hole.
    std::vector<LoadSegment> s = {seg(1, 0xf800000, 0x3430000, 0x2000, true), seg(2, 0x1000, 0x9ec00, 0x3432000),
                                  seg(4, 0x2f000000, 0xfd7000, 0x2a3d1000), seg(3, 0x100000, 0x26f00000, 0x34d1000)};
    auto map = PhysicalMap::build(s);
    ASSERT_TRUE(map.is_ok()) << map.status().to_string();
    ASSERT_EQ(map->ranges().size(), 3u);
    EXPECT_EQ(map->ranges()[0].paddr, 0x1000u);
    EXPECT_EQ(map->ranges()[1].paddr, 0x100000u);
    EXPECT_EQ(map->ranges()[2].paddr, 0x2f000000u);
    EXPECT_EQ(map->find(0xfff), nullptr);
    ASSERT_NE(map->find(0x1000), nullptr);
    EXPECT_EQ(map->find(0x9fbff)->phdr_index, 2u);
    EXPECT_EQ(map->find(0x9fc00), nullptr);
    EXPECT_EQ(map->find(0xf800000)->phdr_index, 3u);  // the alias' pages come from the direct map
    EXPECT_EQ(map->find(0x27000000), nullptr);        // crashkernel hole
    EXPECT_EQ(map->find(0x2ffd6fff)->phdr_index, 4u);
    EXPECT_EQ(map->find(0x2ffd7000), nullptr);
    EXPECT_EQ(map->max_pfn(), 196567u);
    EXPECT_EQ(map->total_pages(), 163701u);  // makedumpfile's 1st bitmap on this layout
}

TEST(PhysicalMap, OverlapIsCorruptAndNamesBoth) {
    auto map = PhysicalMap::build({seg(1, 0x100000, 0x10000, 0), seg(2, 0x108000, 0x10000, 0x10000)});
    ASSERT_FALSE(map.is_ok());
    EXPECT_EQ(map.status().code(), Code::corrupt);
    EXPECT_EQ(map.status().message(),
              "PT_LOAD at program header 2 (physical 0x108000-0x118000) overlaps PT_LOAD at program header 1 "
              "(physical 0x100000-0x110000) and neither is a kernel-image alias");
}

TEST(PhysicalMap, EmptyAndZeroSizedRanges) {
    auto map = PhysicalMap::build({seg(1, 0x1000, 0, 0)});
    ASSERT_TRUE(map.is_ok());
    EXPECT_TRUE(map->ranges().empty());
    EXPECT_EQ(map->max_pfn(), 0u);
    EXPECT_EQ(map->total_pages(), 0u);
    EXPECT_EQ(map->find(0x1000), nullptr);
}

}  // namespace
}  // namespace kdf::vmcore
