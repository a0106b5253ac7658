// tests/support/page_compare.h - does a dump hold the same memory as the vmcore it came from?
//
// Reads every page of the input's PageSet from the input (ElfVmcore) and from the dump (a
// kdump-compressed file through KdumpReader, or an ELF vmcore through ElfVmcore::read_phys) and
// compares them. Strict (levels 0/1): a page the dump left out (a zero page at level 1 reads back as
// zeros) must be zero in the input. Filtered (levels 2-31, or pages makedumpfile drops at every
// level such as hwpoison): a page the dump excludes (2nd-bitmap bit clear; in an ELF dump, no
// PT_LOAD or a page that reads as zeros where the input has data) is skipped; every page it holds must still equal the input. Whether the right pages were
// excluded is the filter tests' question, not this one's. Used by the tests and by the
// kdf-compare-pages tool for shell tests.
#pragma once

#include <cstdint>
#include <string>

namespace kdf::test {

enum class CompareMode { strict, filtered };

// "" when every page matches, else one line saying the first difference (or why it could not compare).
// `skipped` (when not null) gets the number of excluded pages a filtered comparison passed over.
std::string compare_pages(const std::string& input_vmcore, const std::string& dump,
                          CompareMode mode = CompareMode::strict, uint64_t* skipped = nullptr);

}  // namespace kdf::test
