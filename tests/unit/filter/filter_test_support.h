// tests/unit/filter/filter_test_support.h - helpers shared by the filter tests: the 2nd bitmap a
// PageFilter gives for a vmcore (present pages minus excluded ones), reference bitmaps, diffs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/vmcore/elf_reader.h"

namespace kdf::filter::test {

struct Bitmap {
    std::vector<uint8_t> bytes;  // LSB first, as in a kdump file
    bool get(uint64_t pfn) const { return pfn / 8 < bytes.size() && ((bytes[pfn / 8] >> (pfn % 8)) & 1); }
    uint64_t count() const;
};

struct FilterRun {
    Bitmap bitmap;                 // present and not excluded
    std::vector<std::string> disabled;
    std::string open_error;        // PageFilter::open failed (then bitmap = present pages)
    uint64_t unclassified = 0;
};

// Runs PageFilter over every present page of `core` at `level`.
FilterRun filter_bitmap(const vmcore::ElfVmcore& core, int level);

// Reads a whole file.
std::vector<uint8_t> read_file(const std::string& path);

// The pfns set in exactly one of the two bitmaps ("ours only" / "theirs only"), at most `limit` each.
struct BitmapDiff {
    std::vector<uint64_t> ours_only, theirs_only;
    uint64_t ours_only_count = 0, theirs_only_count = 0;
};
BitmapDiff diff(const Bitmap& ours, const Bitmap& theirs, size_t limit = 16);
std::string describe(const BitmapDiff& d);

// The reference 2nd bitmap upstream makedumpfile wrote for the shared fixture `name` (e.g.
// "vmcore-6.1-a") at dump `level`; empty when the file is missing.
Bitmap reference_bitmap(const std::string& name, int level);

// The 2nd bitmap of a kdump-compressed file.
Bitmap kdump_bitmap2(const std::string& path);

}  // namespace kdf::filter::test
