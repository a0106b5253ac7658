// tools/mkvmcore/vmcore_writer.h - write a sample ELF vmcore file.
//
// File layout (as /proc/vmcore presents it):
//   0x0     Elf64_Ehdr (ET_CORE, EM_X86_64; EM_AARCH64 for --arch arm64)
//   0x40    Elf64_Phdr x (1 + segments): PT_NOTE first, then the PT_LOADs in layout order
//   0x1000  note data (NT_PRSTATUS per CPU, VMCOREINFO)
//   page-aligned after the notes: PT_LOAD data, segment after segment
// Zero pages are never written (the file is sparse), and memory use is one fixed chunk buffer
// whatever the size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kdf/status.h"
#include "tools/mkvmcore/mkvmcore_options.h"
#include "tools/mkvmcore/sample_layout.h"

namespace kdf::mkvmcore {

struct WriteSummary {
    SampleLayout layout;
    uint64_t file_size = 0;
    uint64_t pages = 0;        // pages in all PT_LOADs (alias included)
    uint64_t zero_pages = 0;   // of those, left as holes
    uint64_t note_bytes = 0;
};

inline constexpr uint64_t kNoteOffset = 0x1000;
inline constexpr uint16_t kEmX86_64 = 62, kEmAarch64 = 183;

// ELF header + program headers + notes: everything before the first PT_LOAD (segments' file
// offsets must be assigned).
std::vector<std::byte> vmcore_headers(const SampleLayout& layout, const std::vector<std::byte>& notes,
                                      uint16_t machine = kEmX86_64);

// Writes opts.out (created or truncated, mode 0644). On failure the partial file is removed.
Result<WriteSummary> write_sample_vmcore(const MkvmcoreOptions& opts);

}  // namespace kdf::mkvmcore
