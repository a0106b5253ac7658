#include "core/format/note_bytes.h"

#include <cinttypes>
#include <cstdio>
#include <utility>

#include "core/vmcore/le_bytes.h"

namespace kdf::format {
namespace {

using vmcore::load_le16;
using vmcore::load_le32;
using vmcore::load_le64;

constexpr size_t kEhdrSize = 64;
constexpr size_t kPhdrSize = 56;
constexpr uint32_t kPtNote = 4;
constexpr uint16_t kPnXnum = 0xffff;

}  // namespace

Result<NoteBytes> read_note_bytes(const vmcore::ElfVmcore& core) {
    // ElfVmcore::open already validated the header and every PT_NOTE range; this only re-reads.
    std::byte ehdr[kEhdrSize];
    if (Status s = core.read(0, ehdr); !s.is_ok()) return s;
    const uint64_t phoff = load_le64(ehdr + 32);
    uint64_t phnum = load_le16(ehdr + 56);
    if (phnum == kPnXnum) {
        std::byte sh_info[4];
        if (Status s = core.read(load_le64(ehdr + 40) + 44, sh_info); !s.is_ok()) return s;
        phnum = load_le32(sh_info);
    }
    std::vector<std::pair<uint64_t, uint64_t>> ranges;  // (file offset, size) of each PT_NOTE
    std::vector<std::byte> chunk(kPhdrSize * 1024);
    for (uint64_t first = 0; first < phnum; first += 1024) {
        const uint64_t count = std::min<uint64_t>(1024, phnum - first);
        std::span<std::byte> part(chunk.data(), count * kPhdrSize);
        if (Status s = core.read(phoff + first * kPhdrSize, part); !s.is_ok()) return s;
        for (uint64_t k = 0; k < count; ++k) {
            const std::byte* p = part.data() + k * kPhdrSize;
            if (load_le32(p) == kPtNote && load_le64(p + 32) > 0) ranges.emplace_back(load_le64(p + 8), load_le64(p + 32));
        }
    }
    NoteBytes out;
    uint64_t total = 0;
    for (auto [offset, size] : ranges) total += size;
    if (total > vmcore::ElfVmcore::kMaxNoteBytes)
        return Status::error(Code::corrupt, core.path() + ": PT_NOTE segments are too large to copy");
    out.bytes.resize(total);
    uint64_t at = 0;
    for (auto [offset, size] : ranges) {
        if (Status s = core.read(offset, std::span<std::byte>(out.bytes.data() + at, size)); !s.is_ok()) return s;
        // Locate the VMCOREINFO desc by its file offset, as the parsed note recorded it.
        for (const vmcore::ElfNote& n : core.notes()) {
            if (out.has_vmcoreinfo || n.owner != vmcore::kOwnerVmcoreinfo || n.type != vmcore::kNtVmcoreinfo) continue;
            if (n.desc_file_offset >= offset && n.desc_file_offset < offset + size) {
                out.has_vmcoreinfo = true;
                out.vmcoreinfo_offset = at + (n.desc_file_offset - offset);
                out.vmcoreinfo_size = n.desc.size();
            }
        }
        at += size;
    }
    return out;
}

}  // namespace kdf::format
