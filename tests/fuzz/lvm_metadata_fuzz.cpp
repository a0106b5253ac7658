// tests/fuzz/lvm_metadata_fuzz.cpp - the LVM2 side of the lvm transport: PV label, metadata area
// header and the metadata text, which decide where on the disks a dump is written.
//
// The input is either a metadata text or the start of a PV (it begins with a 512-byte sector and
// "LABELONE" in sector 1). A PV is read as the transport reads one: label, then the text of its
// first metadata area. Every text that parses is mapped LV by LV, and every piece of every mapping
// must lie inside its PV's data area and add up to the range asked for: a piece outside would
// overwrite the PV's metadata or another LV's filesystem.
// Seeds: the shared image's vgcfgbackup text and the first sectors of that image (label and
// metadata area), as lvm2 wrote them.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_files.h"
#include "lv_extent_map.h"
#include "metadata_area.h"
#include "pv_label.h"
#include "volume_group.h"

namespace {

using namespace kdf::lvm;

void check_maps(std::string_view text) {
    auto vg = parse_volume_group(text);
    if (!vg.is_ok()) {
        if (vg.status().message().empty()) kdf::fuzz::broken("a refusal without a message");
        return;
    }
    for (const LogicalVolume& lv : vg->lvs) {
        auto map = map_logical_volume(vg.value(), lv.name);
        if (!map.is_ok()) continue;
        const uint64_t size = map->size();
        for (uint64_t off : {uint64_t{0}, size / 3, size > 4096 ? size - 4096 : 0}) {
            const uint64_t len = std::min<uint64_t>(size - off, 1 << 20);
            uint64_t total = 0;
            for (const MappedPiece& p : map->map(off, len)) {
                if (p.pv >= vg->pvs.size()) kdf::fuzz::broken("a mapped piece on a PV the VG does not have", lv.name);
                const PhysicalVolume& pv = vg->pvs[p.pv];
                // The data area in bytes; a size that overflows 64 bits cannot hold the piece.
                uint64_t begin = 0, extents_bytes = 0, area = 0, end = 0;
                if (__builtin_mul_overflow(pv.pe_start, 512, &begin) ||
                    __builtin_mul_overflow(pv.pe_count, vg->extent_size, &extents_bytes) ||
                    __builtin_mul_overflow(extents_bytes, 512, &area) || __builtin_add_overflow(begin, area, &end))
                    kdf::fuzz::broken("a mapping on a PV whose data area does not fit 64 bits", lv.name);
                if (p.pv_offset < begin || p.pv_offset > end || p.length > end - p.pv_offset)
                    kdf::fuzz::broken("a mapped piece outside its PV's data area", lv.name);
                total += p.length;
            }
            if (total != len) kdf::fuzz::broken("mapped pieces do not add up to the range", lv.name);
        }
    }
}

void read_as_device(const uint8_t* data, size_t size) {
    const kdf::fuzz::MemoryFile device({data, size});
    auto label = read_pv_label(device.fd(), device.path());
    if (!label.is_ok() || !label.value()) return;
    for (const DiskArea& area : label.value()->metadata_areas) {
        auto text = read_metadata_text(device.fd(), device.path(), area);
        if (text.is_ok() && text.value()) check_maps(*text.value());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size >= 1024 && std::memcmp(data + 512, "LABELONE", 8) == 0)
        read_as_device(data, size);
    else
        check_maps(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
