// lv_extent_map.cpp - building and using the extent map of a linear or striped LV.
#include "lv_extent_map.h"

#include <algorithm>

namespace kdf::lvm {

namespace {

constexpr uint64_t sector = 512;

bool mul_overflows(uint64_t a, uint64_t b) { return b != 0 && a > UINT64_MAX / b; }

bool contains(const std::vector<std::string>& list, std::string_view word) {
    return std::find(list.begin(), list.end(), word) != list.end();
}

}  // namespace

Result<LvExtentMap> map_logical_volume(const VolumeGroup& vg, std::string_view lv_name) {
    const std::string name = "lvm: LV " + vg.name + "/" + std::string(lv_name);
    auto refuse = [&](Code code, const std::string& why) { return Status::error(code, name + ": " + why); };

    const LogicalVolume* lv = vg.find_lv(lv_name);
    if (!lv) {
        std::string known;
        for (const LogicalVolume& l : vg.lvs) known += (known.empty() ? "" : ", ") + l.name;
        return refuse(Code::not_found, "no such LV in VG " + vg.name + " (it has: " + (known.empty() ? "none" : known) + ")");
    }
    for (const LogicalVolume& other : vg.lvs)
        for (const Segment& s : other.segments)
            if (s.type == "snapshot" && s.origin == lv->name)
                return refuse(Code::not_supported, "has snapshot '" + other.name +
                                                       "'; a raw write would bypass its copy-on-write (remove the snapshot)");
    if (lv->segments.empty()) return refuse(Code::corrupt, "has no segments");
    if (mul_overflows(vg.extent_size, sector)) return refuse(Code::corrupt, "extent size overflows");
    const uint64_t extent_bytes = vg.extent_size * sector;

    LvExtentMap map;
    uint64_t next_extent = 0;
    for (const Segment& seg : lv->segments) {
        const std::string where = seg.section + " (extents " + std::to_string(seg.start_extent) + "+" +
                                  std::to_string(seg.extent_count) + ")";
        if (seg.type != "striped")
            return refuse(Code::not_supported, where + " is of type '" + seg.type +
                                                   "'; only linear and striped LVs can be written without device-mapper");
        if (seg.start_extent != next_extent || seg.extent_count == 0)
            return refuse(Code::corrupt, where + " does not follow the previous segment (expected start " +
                                             std::to_string(next_extent) + ")");
        const uint64_t stripes = seg.stripes.size();
        if (seg.extent_count % stripes != 0)
            return refuse(Code::corrupt, where + ": " + std::to_string(seg.extent_count) + " extents do not divide into " +
                                             std::to_string(stripes) + " stripes");
        const uint64_t area_extents = seg.extent_count / stripes;
        if (mul_overflows(seg.extent_count, extent_bytes) || mul_overflows(seg.stripe_size, sector))
            return refuse(Code::corrupt, where + ": size overflows");
        const uint64_t area_bytes = area_extents * extent_bytes;

        LvExtentMap::Run run;
        run.lv_offset = next_extent * extent_bytes;
        run.length = seg.extent_count * extent_bytes;
        run.stripe_size = stripes == 1 ? area_bytes : seg.stripe_size * sector;
        if (run.stripe_size == 0 || area_bytes % run.stripe_size != 0)
            return refuse(Code::corrupt, where + ": stripe size " + std::to_string(seg.stripe_size) +
                                             " sectors does not divide the area");
        for (const SegmentArea& a : seg.stripes) {
            const PhysicalVolume* pv = vg.find_pv(a.volume);
            if (!pv)
                return refuse(Code::not_supported, where + " lies on '" + a.volume +
                                                       "', which is not a PV of the VG (an LV: pvmove in progress?)");
            if (contains(pv->flags, "MISSING") || contains(pv->status, "MISSING"))
                return refuse(Code::not_found, where + " lies on PV " + pv->uuid + ", which lvm2 marks missing");
            if (a.first_extent > pv->pe_count || area_extents > pv->pe_count - a.first_extent)
                return refuse(Code::corrupt, where + ": extents " + std::to_string(a.first_extent) + "+" +
                                                 std::to_string(area_extents) + " pass the end of PV " + pv->uuid + " (" +
                                                 std::to_string(pv->pe_count) + " extents)");
            if (mul_overflows(pv->pe_start, sector) || mul_overflows(a.first_extent, extent_bytes))
                return refuse(Code::corrupt, where + ": PV offset overflows");
            const size_t index = static_cast<size_t>(pv - vg.pvs.data());
            MappedPiece area;
            area.pv = index;
            area.pv_offset = pv->pe_start * sector + a.first_extent * extent_bytes;
            area.length = area_bytes;
            run.areas.push_back(area);
            if (std::find(map.pvs_used_.begin(), map.pvs_used_.end(), index) == map.pvs_used_.end())
                map.pvs_used_.push_back(index);
        }
        next_extent += seg.extent_count;
        if (mul_overflows(next_extent, extent_bytes)) return refuse(Code::corrupt, "size overflows");
        map.runs_.push_back(std::move(run));
    }
    map.size_ = next_extent * extent_bytes;
    return map;
}

std::vector<MappedPiece> LvExtentMap::map(uint64_t offset, uint64_t length) const {
    std::vector<MappedPiece> out;
    if (offset > size_ || length > size_ - offset) return out;
    // First run that ends after offset.
    auto it = std::upper_bound(runs_.begin(), runs_.end(), offset,
                               [](uint64_t off, const Run& r) { return off < r.lv_offset + r.length; });
    while (length > 0 && it != runs_.end()) {
        const Run& run = *it;
        const uint64_t rel = offset - run.lv_offset;
        const uint64_t chunk = rel / run.stripe_size;
        const uint64_t within = rel % run.stripe_size;
        const uint64_t stripes = run.areas.size();
        const MappedPiece& area = run.areas[chunk % stripes];
        const uint64_t row = chunk / stripes;
        const uint64_t n = std::min(length, run.stripe_size - within);
        out.push_back(MappedPiece{area.pv, area.pv_offset + row * run.stripe_size + within, offset, n});
        offset += n;
        length -= n;
        if (offset >= run.lv_offset + run.length) ++it;
    }
    return out;
}

}  // namespace kdf::lvm
