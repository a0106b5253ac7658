// core/vmcore/elf_note.h - ELF notes as found in a vmcore's PT_NOTE segments.
//
// Notes are small (one NT_PRSTATUS per CPU plus the VMCOREINFO text, a few KiB), so the reader
// copies them; ElfVmcore caps their total size so a hostile file cannot make it allocate much.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kdf::vmcore {

// Note types and owners a Linux vmcore uses.
inline constexpr uint32_t kNtPrstatus = 1;     // owner "CORE": struct elf_prstatus of one CPU
inline constexpr uint32_t kNtVmcoreinfo = 0;   // owner "VMCOREINFO": KEY=VALUE text
inline constexpr const char* kOwnerCore = "CORE";
inline constexpr const char* kOwnerVmcoreinfo = "VMCOREINFO";

struct ElfNote {
    std::string owner;               // n_name up to its first NUL
    uint32_t type = 0;               // n_type
    std::vector<std::byte> desc;     // n_desc, n_descsz bytes
    uint64_t desc_file_offset = 0;   // where desc starts in the vmcore file (for messages/tools)
};

// One NT_PRSTATUS note: the registers of one CPU at the crash, in note order (the kernel writes
// them per online CPU, in CPU number order).
struct CpuNote {
    uint32_t cpu = 0;                 // 0-based position among the NT_PRSTATUS notes
    int32_t pid = 0;                  // pr_pid: the task running on that CPU (0 = idle)
    std::vector<std::byte> prstatus;  // the raw struct elf_prstatus (336 bytes on x86_64)
};

// Offset of pr_pid in struct elf_prstatus on every 64-bit Linux architecture:
// elf_siginfo (12) + pr_cursig (2) + pad (2) + pr_sigpend (8) + pr_sighold (8).
inline constexpr size_t kPrstatusPidOffset = 32;

}  // namespace kdf::vmcore
