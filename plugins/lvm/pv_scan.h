// pv_scan.h - finding LVM2 physical volumes and their metadata on the devices a target names.
//
// Every device matching the `devices` globs is opened read-only and its first sectors are read:
// a LABELONE label makes it a PV; each metadata area the label lists gives one copy of the VG
// metadata text. Nothing is written and nothing lvm2 keeps (udev, lvmetad, the devices file, the
// device-mapper) is needed, so this works in a crash kernel with only our binary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "pv_label.h"

namespace kdf::lvm {

struct FoundPv {
    std::string device;
    PvLabel label;
};

struct MetadataCopy {
    std::string device;
    std::string pv_uuid;   // undashed, from the label of the PV that carries it
    std::string text;      // checksum verified; empty when `error` is set
    std::optional<Status> error;  // a damaged area: kept, so a VG it belongs to can be refused by name
};

struct PvScan {
    std::vector<std::string> devices;  // every device looked at, in order
    std::vector<FoundPv> pvs;
    std::vector<MetadataCopy> copies;
    std::vector<std::string> broken_labels;  // "DEVICE: why" for labels that failed their checks
};

// The globs as given (`devices` option); an empty list means every block device in /dev but
// floppy (fd*) and optical (sr*) drives.
// Paths that are neither block devices nor regular files (an image file standing in for a disk)
// are skipped; a glob matching nothing is not an error (a disk may be absent).
std::vector<std::string> expand_device_globs(const std::vector<std::string>& globs);

// Reads the labels and metadata areas of `devices`. Fails only on the deadline; an unreadable or
// damaged device is recorded, not fatal, because it may belong to another VG.
Result<PvScan> scan_devices(const std::vector<std::string>& devices, const CallOptions& opts);

}  // namespace kdf::lvm
