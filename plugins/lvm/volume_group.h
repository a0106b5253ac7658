// volume_group.h - the parts of an LVM2 volume group's metadata a raw dump needs.
//
// Read from the metadata text (config_tree.h): the VG section is the text's one top-level
// section, named after the VG. Sizes in the text are 512-byte sectors (extent_size, pe_start,
// stripe_size); extents are counted in extents. Segment areas name PVs by their key in
// physical_volumes ("pv0"), and PVs carry their UUID; the device names in the text are hints only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config_tree.h"
#include "kdf/status.h"

namespace kdf::lvm {

struct PhysicalVolume {
    std::string key;            // "pv0": how segments refer to it
    std::string uuid;           // dashed, as in the text
    std::string device_hint;    // the device lvm2 last saw it on
    uint64_t pe_start = 0;      // sectors
    uint64_t pe_count = 0;
    std::vector<std::string> status;  // ALLOCATABLE, ...
    std::vector<std::string> flags;   // MISSING when lvm2 lost it
};

// One area of a segment: a PV (or, during pvmove and for raid/mirror legs, another LV) and the
// first extent on it.
struct SegmentArea {
    std::string volume;  // a key of physical_volumes, or an LV name
    uint64_t first_extent = 0;
};

struct Segment {
    std::string section;         // "segment1"
    uint64_t start_extent = 0;
    uint64_t extent_count = 0;
    std::string type;            // "striped" for linear and striped; "thin", "raid1", "snapshot", ...
    uint64_t stripe_size = 0;    // sectors; set when there is more than one stripe
    std::vector<SegmentArea> stripes;  // type striped only
    std::string origin;          // type snapshot: the LV it is a snapshot of
};

struct LogicalVolume {
    std::string name;
    std::string id;
    std::vector<std::string> status;
    std::vector<Segment> segments;
};

struct VolumeGroup {
    std::string name;
    std::string id;
    uint64_t seqno = 0;
    uint64_t extent_size = 0;  // sectors
    std::vector<PhysicalVolume> pvs;
    std::vector<LogicalVolume> lvs;

    const PhysicalVolume* find_pv(std::string_view key) const noexcept;
    const LogicalVolume* find_lv(std::string_view name) const noexcept;
};

// The VG described by a metadata text. Code::corrupt with "line N: ..." for text lvm2 would not
// have written (a missing or mistyped key, a duplicate PV or LV, a negative count).
Result<VolumeGroup> parse_volume_group(std::string_view text);

}  // namespace kdf::lvm
