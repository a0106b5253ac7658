// UnreadableRanges: consecutive pfns merge into one range, each range is announced once when it
// closes, and the note stays bounded however many ranges there are.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/pipeline/unreadable_ranges.h"

namespace {

using kdf::pipeline::UnreadableRanges;

TEST(UnreadableRanges, MergesConsecutivePfnsAndAnnouncesEachRangeOnce) {
    std::vector<std::string> lines;
    UnreadableRanges r(4096, [&](const std::string& line) { lines.push_back(line); });
    for (uint64_t pfn : {0x10, 0x11, 0x12, 0x20, 0x22, 0x23}) r.add(pfn, "Input/output error (EIO)");
    EXPECT_EQ(lines.size(), 2u);  // 0x22-0x23 is still open
    r.finish();
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0], "unreadable memory: pfn 0x10-0x12 (3 pages, physical 0x10000-0x12fff): left out of the dump as if "
                        "filtered: Input/output error (EIO)");
    EXPECT_EQ(lines[1].rfind("unreadable memory: pfn 0x20-0x20 (1 page, physical 0x20000-0x20fff)", 0), 0u) << lines[1];
    EXPECT_EQ(lines[2].rfind("unreadable memory: pfn 0x22-0x23 (2 pages, physical 0x22000-0x23fff)", 0), 0u) << lines[2];
    EXPECT_EQ(r.pages(), 6u);
    EXPECT_EQ(r.ranges(), 3u);
    const std::string note = r.note_text();
    EXPECT_NE(note.find("(6 pages in 3 ranges)"), std::string::npos) << note;
    for (const std::string& line : lines) EXPECT_NE(note.find(line + "\n"), std::string::npos) << note;
}

TEST(UnreadableRanges, TheNoteIsBoundedButCountsEverything) {
    size_t announced = 0;
    UnreadableRanges r(4096, [&](const std::string&) { ++announced; });
    for (uint64_t i = 0; i < 3000; ++i) r.add(i * 2, "EIO");  // 3000 single-page ranges
    r.finish();
    EXPECT_EQ(announced, 3000u);
    EXPECT_EQ(r.ranges(), 3000u);
    EXPECT_EQ(r.listed().size(), UnreadableRanges::kMaxListed);
    EXPECT_NE(r.note_text().find("# ... and 1976 more ranges, not listed"), std::string::npos);
}

TEST(UnreadableRanges, NothingUnreadableIsEmpty) {
    UnreadableRanges r(4096);
    r.finish();
    EXPECT_TRUE(r.empty());
    EXPECT_EQ(r.ranges(), 0u);
}

}  // namespace
