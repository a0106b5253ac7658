// core/vmcore/note_parser.h - split the bytes of one PT_NOTE segment into ElfNotes.
//
// Layout of each note (Linux uses 4-byte alignment for core notes, even in ELF64):
//   +0  u32 n_namesz  (includes the NUL)
//   +4  u32 n_descsz
//   +8  u32 n_type
//   +12 name, padded to 4 bytes
//   ..  desc, padded to 4 bytes
// A note whose n_namesz is 0 ends the segment (the kernel's own merge of crash notes stops there
// too, and kexec-tools leaves an empty terminating note). Trailing bytes too short for a header must
// be zero padding. Every size is checked against the bytes that remain before anything is copied.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/vmcore/elf_note.h"
#include "kdf/status.h"

namespace kdf::vmcore {

// Appends the notes in `segment` (the PT_NOTE bytes, read from file offset `file_offset`) to `out`.
// On error `out` may hold the notes before the bad one; the message names the file offset.
Status parse_notes(std::span<const std::byte> segment, uint64_t file_offset, std::vector<ElfNote>& out);

}  // namespace kdf::vmcore
