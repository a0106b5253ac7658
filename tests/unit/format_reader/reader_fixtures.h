// tests/unit/format_reader/reader_fixtures.h - the dump fixtures makedumpfile made (the shared
// fixtures' dump/ directory, KDF_SHARED_DIR) and small helpers to damage copies of them.
//
// The fixtures are read in place or copied/decompressed into a test's TempDir; the repository
// never holds a copy. Helpers report failures with ADD_FAILURE so a broken setup cannot pass.
#pragma once

#include <cstdint>
#include <string>

#include "core/format/kdump_reader.h"
#include "core/vmcore/elf_reader.h"
#include "tests/support/temp_dir.h"

namespace kdf::format::test {

using kdf::test::TempDir;

// KDF_SHARED_DIR/fixtures/dump/<name>.
std::string dump_fixture(const std::string& name);
// `xz -dc` of fixtures/dump/<name>.xz into <dir>/<name>; returns that path.
std::string unxz_fixture(const TempDir& dir, const std::string& name);
// Copies fixtures/dump/<name> into <dir>/<as> (a file the test may damage); returns that path.
std::string copy_fixture(const TempDir& dir, const std::string& name, const std::string& as);

// Little-endian integers in a file, `width` bytes (1, 2, 4 or 8).
uint64_t get_le(const std::string& path, uint64_t offset, int width);
void put_le(const std::string& path, uint64_t offset, uint64_t value, int width);
// Overwrites `count` bytes at `offset` with `byte`.
void fill_bytes(const std::string& path, uint64_t offset, uint64_t count, uint8_t byte);
void truncate_file(const std::string& path, uint64_t size);
uint64_t file_size(const std::string& path);

// The ELF vmcore every fixture was made from, decompressed into `dir` and opened.
vmcore::ElfVmcore open_source_elf(const TempDir& dir);

// Reads every page of `elf` (its PageSet at 4 KiB) through `reader` and expects identical bytes, and
// no other page in the dump. Returns the number of pages compared.
uint64_t expect_same_pages(KdumpReader& reader, const vmcore::ElfVmcore& elf);

}  // namespace kdf::format::test
