// lv_extent_map.h - where each byte of a logical volume lives: (PV, byte offset on the PV).
//
// An LV is a list of segments, each covering a run of logical extents. A linear segment puts its
// run on one PV, starting at extent `first_extent`; a striped one with N stripes of stripe_size
// bytes spreads it over N PVs round-robin, stripe_size bytes at a time:
//
//   LV bytes:  | s0 | s1 | s2 | s3 | s4 | s5 | ...      (N = 2)
//   PV a:      | s0 | s2 | s4 | ...   from pe_start + first_extent(a) * extent_size
//   PV b:      | s1 | s3 | s5 | ...   from pe_start + first_extent(b) * extent_size
//
// Only those two kinds map plain bytes to plain bytes. Every other segment type (thin, raid,
// mirror, cache, vdo, snapshot, writecache, integrity, ...) keeps data that a raw write would
// corrupt or that lvm2 translates itself, and an LV with a snapshot needs copy-on-write on every
// write: those are refused, naming what was found. The map does no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kdf/status.h"
#include "volume_group.h"

namespace kdf::lvm {

// One contiguous piece of an LV range on one PV.
struct MappedPiece {
    size_t pv = 0;            // index into VolumeGroup::pvs
    uint64_t pv_offset = 0;   // byte offset on that PV's device
    uint64_t lv_offset = 0;   // where the piece starts in the LV
    uint64_t length = 0;
};

class LvExtentMap {
public:
    uint64_t size() const noexcept { return size_; }
    // The PVs (indexes into VolumeGroup::pvs) that hold any of the LV, each once.
    const std::vector<size_t>& pvs_used() const noexcept { return pvs_used_; }

    // The pieces of [offset, offset + length), in LV order; the range must lie inside the LV.
    std::vector<MappedPiece> map(uint64_t offset, uint64_t length) const;

    struct Run {
        uint64_t lv_offset = 0;
        uint64_t length = 0;
        uint64_t stripe_size = 0;            // bytes; == area length for a single stripe
        std::vector<MappedPiece> areas;      // per stripe: pv and the area's first byte
    };
    const std::vector<Run>& runs() const noexcept { return runs_; }

private:
    friend Result<LvExtentMap> map_logical_volume(const VolumeGroup& vg, std::string_view lv_name);
    uint64_t size_ = 0;
    std::vector<size_t> pvs_used_;
    std::vector<Run> runs_;
};

// The map of LV `lv_name`, or why it cannot be written raw: not found, a segment type other than
// striped, a snapshot of it, an area on a PV lvm2 marks missing or on another LV (pvmove), extents
// outside the PV, segments that do not follow each other. Messages start "lvm: LV VG/LV".
Result<LvExtentMap> map_logical_volume(const VolumeGroup& vg, std::string_view lv_name);

}  // namespace kdf::lvm
