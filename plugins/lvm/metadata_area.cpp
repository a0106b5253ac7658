// metadata_area.cpp - reading and checking the current metadata text of an LVM2 metadata area.
#include "metadata_area.h"

#include <array>
#include <cstring>
#include <vector>

#include "kdf/unique_fd.h"
#include "le_bytes.h"
#include "lvm_checksum.h"

namespace kdf::lvm {

namespace {

constexpr size_t mda_header_size = 512;
constexpr char mda_magic[] = " LVM2 x[5A%r0N*>";
constexpr uint32_t raw_locn_ignored = 1;

}  // namespace

Result<std::optional<std::string>> read_metadata_text(int fd, const std::string& device, const DiskArea& area) {
    const std::string where = "lvm: metadata area at byte " + std::to_string(area.offset) + " of " + device;
    auto broken = [&](const std::string& why) { return Status::error(Code::corrupt, where + ": " + why); };

    std::array<std::byte, mda_header_size> h{};
    if (Status s = pread_full(fd, h.data(), h.size(), area.offset, (where + ": read header").c_str()); !s.is_ok())
        return s;
    if (std::memcmp(h.data() + 4, mda_magic, 16) != 0) return broken("no metadata area header (bad magic)");
    if (get_le32(h.data()) != lvm_checksum(std::span<const std::byte>(h.data() + 4, h.size() - 4)))
        return broken("header checksum mismatch");
    if (get_le32(h.data() + 20) != 1) return broken("header version " + std::to_string(get_le32(h.data() + 20)) + " is not 1");
    const uint64_t start = get_le64(h.data() + 24);
    const uint64_t size = get_le64(h.data() + 32);
    if (start != area.offset) return broken("header says it starts at byte " + std::to_string(start));
    if (size <= mda_header_size || (area.size != 0 && size > area.size))
        return broken("header gives an area size of " + std::to_string(size) + " bytes");

    const std::byte* locn = h.data() + 40;
    const uint64_t text_offset = get_le64(locn);
    const uint64_t text_size = get_le64(locn + 8);
    const uint32_t text_checksum = get_le32(locn + 16);
    const uint32_t flags = get_le32(locn + 20);
    if ((flags & raw_locn_ignored) != 0 || (text_offset == 0 && text_size == 0)) return std::optional<std::string>();
    if (text_offset < mda_header_size || text_offset >= size || text_size > size - mda_header_size)
        return broken("text location " + std::to_string(text_offset) + "+" + std::to_string(text_size) +
                      " lies outside the area");

    std::vector<std::byte> text(text_size);
    const uint64_t first = std::min<uint64_t>(text_size, size - text_offset);
    if (Status s = pread_full(fd, text.data(), first, start + text_offset, (where + ": read text").c_str()); !s.is_ok())
        return s;
    if (first < text_size)  // wrapped: the rest follows the header
        if (Status s = pread_full(fd, text.data() + first, text_size - first, start + mda_header_size,
                                  (where + ": read text").c_str());
            !s.is_ok())
            return s;
    if (lvm_checksum(text) != text_checksum) return broken("metadata text checksum mismatch (torn or damaged metadata)");

    std::string out(reinterpret_cast<const char*>(text.data()), text.size());
    while (!out.empty() && out.back() == '\0') out.pop_back();  // lvm2 stores the text's terminating NUL
    return std::optional<std::string>(std::move(out));
}

}  // namespace kdf::lvm
