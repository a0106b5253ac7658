// tools/mkvmcore/sample_notes.h - the PT_NOTE contents of a sample vmcore.
//
// One NT_PRSTATUS note per CPU (owner "CORE", a 336-byte x86_64 struct elf_prstatus), then the
// VMCOREINFO note (owner "VMCOREINFO", type 0, the KEY=VALUE text without a NUL), each laid out
// as the kernel does: 12-byte header, name and desc padded to 4 bytes.
// The VMCOREINFO values are plausible for a 6.1 x86_64 kernel, but no kernel structures exist
// behind them: the sample has no page tables or struct pages to walk.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "tools/mkvmcore/mkvmcore_options.h"
#include "tools/mkvmcore/sample_layout.h"

namespace kdf::mkvmcore {

inline constexpr size_t kPrstatusSize = 336;
inline constexpr const char* kSampleOsrelease = "6.1.0-kdf-sample";

std::string sample_vmcoreinfo(const MkvmcoreOptions& opts, const SampleLayout& layout);

// The pid the sample's NT_PRSTATUS note for `cpu` carries (CPU 0 ran the crashing task, others idle).
int32_t sample_pid(uint64_t seed, uint32_t cpu) noexcept;

std::vector<std::byte> sample_notes(const MkvmcoreOptions& opts, const SampleLayout& layout);

// Appends one ELF note (12-byte header, name and desc each padded to 4 bytes).
void append_note(std::vector<std::byte>& out, const char* name, uint32_t type, const std::byte* desc, size_t size);

// The same notes with the given VMCOREINFO text (the --kernel mode's).
std::vector<std::byte> sample_notes(const MkvmcoreOptions& opts, const SampleLayout& layout, const std::string& vmcoreinfo);

}  // namespace kdf::mkvmcore
