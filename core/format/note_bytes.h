// core/format/note_bytes.h - the raw bytes of a vmcore's PT_NOTE segments, for writers that copy
// them verbatim (the kdump sub-header's note area, the ELF writer's PT_NOTE).
//
// ElfVmcore keeps the notes parsed; readers of our dumps (crash, makedumpfile, libkdumpfile) want
// the original byte layout, including any padding the kernel left, so this re-reads the PT_NOTE
// contents (a few KiB, capped by ElfVmcore::kMaxNoteBytes) in program-header order, concatenated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/vmcore/elf_reader.h"
#include "kdf/status.h"

namespace kdf::format {

struct NoteBytes {
    std::vector<std::byte> bytes;    // every PT_NOTE's contents, in program-header order
    bool has_vmcoreinfo = false;
    uint64_t vmcoreinfo_offset = 0;  // offset of the VMCOREINFO note's desc inside `bytes`
    uint64_t vmcoreinfo_size = 0;    // its n_descsz
};

Result<NoteBytes> read_note_bytes(const vmcore::ElfVmcore& core);

}  // namespace kdf::format
