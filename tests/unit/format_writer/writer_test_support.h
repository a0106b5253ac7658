// tests/unit/format_writer/writer_test_support.h - inputs, drivers and independent readers shared
// by the dump writer tests. The driver plays the pipeline's part: every page of the PageSet, read
// with ElfVmcore::read_phys, zlib-compressed (compress2, Z_BEST_SPEED: what makedumpfile -c does)
// or raw, stored raw when compression does not make it smaller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/format/dump_writer.h"
#include "core/format/page_set.h"
#include "core/vmcore/elf_reader.h"
#include "tests/support/temp_dir.h"

namespace kdf::format::test {

struct Input {
    vmcore::ElfVmcore core;
    PageSet pages;
};

enum class Codec { none, zlib };
enum class Format { kdump, flat, elf };

std::unique_ptr<Input> open_input(const std::string& path);  // ADD_FAILUREs and returns null on error
std::vector<std::byte> input_page(const Input& in, uint64_t pfn);
bool all_zero(const std::vector<std::byte>& page);

struct WriteOptions {
    Format format = Format::kdump;
    Codec codec = Codec::zlib;
    int dump_level = 1;
    uint64_t stop_after = UINT64_MAX;  // pages handed over before the writer is dropped unfinished
};

// Drives a writer over the whole input into `path`; returns the first error.
Status write_dump(const Input& in, const std::string& path, const WriteOptions& opt);

std::string mkvmcore(const kdf::test::TempDir& dir, const std::string& name, const std::string& size, int seed,
                     const std::string& mix = "");
std::string synthetic_fixture(const kdf::test::TempDir& dir);  // fixtures/dump/synthetic.elf, unpacked
std::string real_fixture();  // vmcore-6.1-a, from the build tree's fixture or decompressed once
std::string makedumpfile();  // its path; FAILs the test when missing

struct RunResult {
    int exit_code = -1;
    std::string output;
};
RunResult run(const std::string& cmd);
std::string q(const std::string& s);  // shell quoting

std::vector<std::byte> read_file(const std::string& path);

// libkdumpfile's view of physical pages: code 0 = read, 1 = no data (excluded/absent), 2 = error.
struct PageRead {
    int code = 2;
    std::vector<std::byte> data;
};
std::vector<PageRead> kdumpfile_read(const std::string& dump, uint64_t page_size, const std::vector<uint64_t>& pfns,
                                     std::string* format = nullptr);

// The first and last page of every run plus `random` pages picked with `seed`.
std::vector<uint64_t> sample_pfns(const PageSet& pages, size_t random, unsigned seed);
std::vector<uint64_t> all_pfns(const PageSet& pages);

// Checks libkdumpfile's pages against the input: kept pages equal; a zero page dropped at level 1
// may read as zeros or as "no data". Returns the number of mismatches (each ADD_FAILUREd, max 5).
size_t compare_with_kdumpfile(const Input& in, const std::string& dump, const std::vector<uint64_t>& pfns,
                              bool zero_may_be_absent, const std::string& expect_format);

}  // namespace kdf::format::test
