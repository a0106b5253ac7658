// vg_locator.h - one volume group out of a PV scan: its newest metadata and a device for each PV.
//
// lvm2 keeps a copy of the VG metadata on each PV with a metadata area and stamps each version
// with a sequence number; the highest wins. Here every check that decides whether bytes may be
// written is strict, because a wrong answer overwrites someone's data:
//   - two VGs of the same name (different VG ids) are refused;
//   - a damaged metadata copy on a PV of the VG is refused (naming the PV UUID and the device):
//     lvm2 would repair it from another copy, but we cannot tell whether the damaged one was newer;
//   - a PV of the VG found on two devices (multipath, a cloned disk) is refused, naming the UUID;
//   - a PV of the VG not found on any scanned device is refused, naming the UUID.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kdf/status.h"
#include "pv_scan.h"
#include "volume_group.h"

namespace kdf::lvm {

struct LocatedVg {
    VolumeGroup vg;
    std::vector<std::string> pv_devices;  // device of vg.pvs[i]
    std::string metadata_device;          // where the chosen copy was read (for messages)
};

Result<LocatedVg> locate_volume_group(const PvScan& scan, std::string_view vg_name);

}  // namespace kdf::lvm
