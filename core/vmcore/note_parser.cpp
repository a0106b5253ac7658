#include "core/vmcore/note_parser.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "core/common/printf_text.h"
#include "core/vmcore/le_bytes.h"

namespace kdf::vmcore {

using common::printf_text;
namespace {

constexpr uint64_t kHeaderSize = 12;

uint64_t pad4(uint64_t n) noexcept { return (n + 3) & ~uint64_t{3}; }

}  // namespace

Status parse_notes(std::span<const std::byte> segment, uint64_t file_offset, std::vector<ElfNote>& out) {
    uint64_t pos = 0;
    const uint64_t size = segment.size();
    while (pos < size) {
        const uint64_t left = size - pos;
        const uint64_t at = file_offset + pos;
        if (left < kHeaderSize) {
            bool padding = std::all_of(segment.begin() + static_cast<ptrdiff_t>(pos), segment.end(),
                                       [](std::byte b) { return b == std::byte{0}; });
            if (padding) break;
            return Status::error(Code::corrupt,
                                 printf_text("note at file offset 0x%" PRIx64 ": header cut short (%" PRIu64
                                             " bytes left in the PT_NOTE segment, a note header is 12)",
                                             at, left));
        }
        const std::byte* h = segment.data() + pos;
        const uint64_t namesz = load_le32(h);
        const uint64_t descsz = load_le32(h + 4);
        const uint32_t type = load_le32(h + 8);
        if (namesz == 0) break;  // terminating empty note
        const uint64_t body_left = left - kHeaderSize;
        if (pad4(namesz) > body_left) {
            return Status::error(Code::corrupt,
                                 printf_text("note at file offset 0x%" PRIx64 ": namesz %" PRIu64
                                             " runs past the end of the PT_NOTE segment (%" PRIu64 " bytes left)",
                                             at, namesz, body_left));
        }
        const uint64_t desc_pos = pos + kHeaderSize + pad4(namesz);
        // The last note may omit the padding after its desc; the desc itself must be whole.
        if (descsz > size - desc_pos) {
            return Status::error(Code::corrupt,
                                 printf_text("note at file offset 0x%" PRIx64 ": descsz %" PRIu64
                                             " runs past the end of the PT_NOTE segment (%" PRIu64 " bytes left)",
                                             at, descsz, size - desc_pos));
        }
        const auto* name = reinterpret_cast<const char*>(h + kHeaderSize);
        ElfNote note;
        note.owner.assign(name, std::find(name, name + namesz, '\0'));
        note.type = type;
        note.desc.assign(segment.begin() + static_cast<ptrdiff_t>(desc_pos),
                         segment.begin() + static_cast<ptrdiff_t>(desc_pos + descsz));
        note.desc_file_offset = file_offset + desc_pos;
        out.push_back(std::move(note));
        pos = std::min(size, desc_pos + pad4(descsz));
    }
    return Status::ok();
}

}  // namespace kdf::vmcore
