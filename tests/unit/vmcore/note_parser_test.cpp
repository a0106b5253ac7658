#include "core/vmcore/note_parser.h"

#include <gtest/gtest.h>

#include "vmcore_builder.h"

namespace kdf::vmcore {
namespace {

using test::Bytes;

TEST(NoteParser, SplitsNotesAndRecordsOffsets) {
    Bytes seg = test::concat({test::make_note("CORE", 1, test::make_prstatus(7)),
                              test::make_note("VMCOREINFO", 0, test::text_bytes("PAGESIZE=4096\n"))});
    std::vector<ElfNote> notes;
    ASSERT_TRUE(parse_notes(seg, 0x1000, notes).is_ok());
    ASSERT_EQ(notes.size(), 2u);
    EXPECT_EQ(notes[0].owner, "CORE");
    EXPECT_EQ(notes[0].type, 1u);
    EXPECT_EQ(notes[0].desc.size(), 336u);
    EXPECT_EQ(notes[0].desc_file_offset, 0x1000u + 12 + 8);
    EXPECT_EQ(notes[1].owner, "VMCOREINFO");
    EXPECT_EQ(notes[1].desc.size(), 14u);
}

TEST(NoteParser, EmptyTerminatorAndZeroPaddingEndTheSegment) {
    Bytes seg = test::concat({test::make_note("CORE", 1, test::make_prstatus(1)), Bytes(12), Bytes(20, std::byte{0x77})});
    std::vector<ElfNote> notes;
    ASSERT_TRUE(parse_notes(seg, 0, notes).is_ok());
    EXPECT_EQ(notes.size(), 1u);
    Bytes padded = test::concat({test::make_note("CORE", 1, test::make_prstatus(1)), Bytes(8)});
    notes.clear();
    ASSERT_TRUE(parse_notes(padded, 0, notes).is_ok());
    EXPECT_EQ(notes.size(), 1u);
}

TEST(NoteParser, CutShortHeaderIsAnError) {
    Bytes seg = test::concat({test::make_note("CORE", 1, test::make_prstatus(1)), Bytes(8, std::byte{1})});
    std::vector<ElfNote> notes;
    Status s = parse_notes(seg, 0x1000, notes);
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.message(),
              "note at file offset 0x1164: header cut short (8 bytes left in the PT_NOTE segment, a note header is 12)");
}

TEST(NoteParser, HugeSizesNeverOverflow) {
    Bytes seg = test::make_note("CORE", 1, test::make_prstatus(1));
    test::store_le(seg, 0, 0xffffffffu, 4);
    std::vector<ElfNote> notes;
    EXPECT_FALSE(parse_notes(seg, 0, notes).is_ok());
    seg = test::make_note("CORE", 1, test::make_prstatus(1));
    test::store_le(seg, 4, 0xfffffffdu, 4);
    EXPECT_FALSE(parse_notes(seg, 0, notes).is_ok());
}

}  // namespace
}  // namespace kdf::vmcore
