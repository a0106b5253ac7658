// pv_label.cpp - finding and checking the LABELONE label of an LVM2 physical volume.
#include "pv_label.h"

#include <array>
#include <cstring>

#include "kdf/unique_fd.h"
#include "lvm_checksum.h"
#include "le_bytes.h"

namespace kdf::lvm {

namespace {

constexpr size_t sector_size = 512;
constexpr size_t label_scan_sectors = 4;
constexpr size_t label_header_size = 32;
constexpr size_t pv_uuid_length = 32;

}  // namespace

Result<std::optional<PvLabel>> read_pv_label(int fd, const std::string& device) {
    std::array<std::byte, sector_size * label_scan_sectors> head{};
    ssize_t got = ::pread(fd, head.data(), head.size(), 0);
    if (got < 0) return Status::from_errno(errno, "lvm: read the label sectors of " + device);
    const size_t sectors = static_cast<size_t>(got) / sector_size;

    for (size_t s = 0; s < sectors; ++s) {
        const std::byte* sec = head.data() + s * sector_size;
        if (std::memcmp(sec, "LABELONE", 8) != 0) continue;
        auto broken = [&](const std::string& why) {
            return Status::error(Code::corrupt, "lvm: PV label in sector " + std::to_string(s) + " of " + device + ": " +
                                                    why);
        };
        if (get_le64(sec + 8) != s) return broken("it names sector " + std::to_string(get_le64(sec + 8)));
        const uint32_t stored = get_le32(sec + 16);
        const uint32_t computed = lvm_checksum(std::span<const std::byte>(sec + 20, sector_size - 20));
        if (stored != computed) return broken("checksum mismatch (label damaged)");
        if (std::memcmp(sec + 24, "LVM2 001", 8) != 0) return broken("type is not 'LVM2 001'");
        const uint32_t pv_offset = get_le32(sec + 20);
        if (pv_offset < label_header_size || pv_offset > sector_size - (pv_uuid_length + 8 + 32))
            return broken("PV header offset " + std::to_string(pv_offset) + " lies outside the sector");

        const std::byte* ph = sec + pv_offset;
        PvLabel label;
        label.uuid.assign(reinterpret_cast<const char*>(ph), pv_uuid_length);
        label.device_size = get_le64(ph + pv_uuid_length);
        const std::byte* p = ph + pv_uuid_length + 8;
        const std::byte* end = sec + sector_size;
        for (std::vector<DiskArea>* list : {&label.data_areas, &label.metadata_areas}) {
            for (;;) {
                if (end - p < 16) return broken("area list runs past the end of the sector");
                DiskArea a{get_le64(p), get_le64(p + 8)};
                p += 16;
                if (a.offset == 0 && a.size == 0) break;
                list->push_back(a);
            }
        }
        return std::optional<PvLabel>(std::move(label));
    }
    return std::optional<PvLabel>();
}

std::string dashed_uuid(const std::string& uuid) {
    if (uuid.size() != pv_uuid_length) return uuid;
    // lvm2 groups the 32 characters 6-4-4-4-4-4-6.
    static constexpr size_t groups[] = {6, 4, 4, 4, 4, 4, 6};
    std::string out;
    size_t pos = 0;
    for (size_t g : groups) {
        if (!out.empty()) out += '-';
        out.append(uuid, pos, g);
        pos += g;
    }
    return out;
}

std::string undashed_uuid(const std::string& uuid) {
    std::string out;
    for (char c : uuid)
        if (c != '-') out += c;
    return out;
}

}  // namespace kdf::lvm
