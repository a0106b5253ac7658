// tests/unit/vmcore/vmcore_builder.h - tiny ELF vmcores built in memory from a spec, for tests.
//
// Independent of core/vmcore (it writes the bytes by hand), so the reader is checked against a
// second implementation. Layout: Elf64_Ehdr, program headers (PT_NOTEs first, then PT_LOADs),
// note data, then each PT_LOAD's file bytes in order. PT_LOAD contents: every 8-byte word holds
// its own physical address (little-endian), so any read_phys result can be checked by arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kdf::vmcore::test {

using Bytes = std::vector<std::byte>;

struct LoadSpec {
    uint64_t vaddr = 0;
    uint64_t paddr = 0;
    uint64_t file_size = 0;
    uint64_t mem_size = 0;                   // 0 = same as file_size
    std::optional<uint64_t> file_offset;     // override the computed offset
};

struct VmcoreSpec {
    uint16_t machine = 62;                   // EM_X86_64
    std::vector<Bytes> note_segments;        // raw contents of each PT_NOTE
    std::vector<LoadSpec> loads;
};

inline constexpr uint64_t kDirectMap = 0xffff888000000000ULL;

// One note, laid out as the kernel does.
Bytes make_note(const std::string& owner, uint32_t type, const Bytes& desc);
Bytes make_prstatus(int32_t pid);                  // 336-byte desc with pr_pid set
Bytes text_bytes(const std::string& text);
Bytes concat(const std::vector<Bytes>& parts);

// A plausible small vmcore: 2 CPUs, VMCOREINFO, a kernel-image alias and two RAM ranges.
VmcoreSpec default_spec();
const std::string& default_vmcoreinfo();

struct Built {
    Bytes bytes;
    uint64_t notes_offset = 0;   // where the first PT_NOTE's data starts
    uint64_t notes_end = 0;      // end of all note data (start of PT_LOAD data)
    std::vector<uint64_t> load_offsets;
};

Built build_vmcore(const VmcoreSpec& spec);

// Offsets for patching headers in tests.
inline constexpr size_t kPhoff = 64;
inline constexpr size_t kPhdrSize = 56;
inline size_t phdr_at(size_t index) { return kPhoff + index * kPhdrSize; }

void store_le(Bytes& b, size_t offset, uint64_t value, int size);
uint64_t word_at(uint64_t paddr);  // the value a PT_LOAD word at `paddr` (8-aligned) holds

bool write_file(const std::string& path, const Bytes& bytes);

}  // namespace kdf::vmcore::test
