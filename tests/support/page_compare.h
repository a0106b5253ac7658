// tests/support/page_compare.h - does a dump hold the same memory as the vmcore it came from?
//
// Reads every page of the input's PageSet from the input (ElfVmcore) and from the dump (a
// kdump-compressed file through KdumpReader, or an ELF vmcore through ElfVmcore::read_phys) and
// compares them. A page the dump left out (a zero page at level 1 reads back as zeros) must be zero
// in the input. Used by the tests and by the kdf-compare-pages tool for shell tests.
#pragma once

#include <string>

namespace kdf::test {

// "" when every page matches, else one line saying the first difference (or why it could not compare).
std::string compare_pages(const std::string& input_vmcore, const std::string& dump);

}  // namespace kdf::test
