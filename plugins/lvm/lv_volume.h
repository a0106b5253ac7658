// lv_volume.h - a logical volume as a kdf::RawVolume, reached through its PVs without
// device-mapper: each read or write is split at extent and stripe boundaries (lv_extent_map.h)
// and sent to the PV devices at the offsets lvm2's metadata gives.
//
// Writes go through the page cache of each PV device (no O_DIRECT), so any range works: the
// kernel merges a partial block with what the device holds (read-modify-write). A helper thread
// per PV writes the data back during the dump; flush() collects its first error, then fsyncs
// every PV the LV lies on. No byte outside the LV's extents is ever written: every range is
// checked against the LV's size and mapped before any I/O, and one past the end fails with
// Code::no_space having written nothing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kdf/background_sync.h"
#include "kdf/raw_volume.h"
#include "kdf/unique_fd.h"
#include "lv_extent_map.h"

namespace kdf::lvm {

struct LvVolumeRequest {
    std::string vg;
    std::string lv;
    std::vector<std::string> device_globs;  // empty: every block device
    bool writable = true;
};

class LvVolume final : public RawVolume {
public:
    struct Pv {
        std::string device;
        UniqueFd fd;  // null for PVs of the VG this LV does not use
        // Writes this PV's share of the dump back while the dump goes on, so flush() at commit
        // finds little left (kdf/background_sync.h). Started at the first write after a flush:
        // the header's durable writes at open would otherwise stop it again at once.
        BackgroundSync writeback;
        bool writeback_started = false;
    };

    LvVolume(std::string location, LvExtentMap map, std::vector<Pv> pvs, uint32_t block_size);

    uint64_t size() const noexcept override { return map_.size(); }
    uint32_t block_size() const noexcept override { return block_size_; }
    const std::string& location() const noexcept override { return location_; }
    Status read_at(uint64_t offset, std::span<std::byte> out, const CallOptions& opts) noexcept override;
    Status write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) noexcept override;
    Status flush(const CallOptions& opts) noexcept override;

    // For probe reports: "2 segments on /dev/sdb, /dev/sdc".
    std::string layout_summary() const;

private:
    Status check_range(const char* what, uint64_t offset, uint64_t length, const CallOptions& opts) const;

    std::string location_;
    LvExtentMap map_;
    std::vector<Pv> pvs_;
    uint32_t block_size_;
};

// Scans the devices, finds the VG's newest metadata, maps the LV and opens the PVs it lies on
// (read-write unless !writable). Every refusal of vg_locator.h and lv_extent_map.h applies. When
// the LV is active too (/dev/mapper/VG-LV exists) and something holds it open exclusively (a
// mounted filesystem), a writable open is refused.
Result<std::unique_ptr<LvVolume>> open_lv_volume(const LvVolumeRequest& request, const CallOptions& opts);

// "/dev/mapper/" + the device-mapper name of VG/LV: each '-' inside a name doubled, then
// VG-LV ("vg-data", "lv-crash" -> "vg--data-lv--crash").
std::string mapper_path(const std::string& vg, const std::string& lv);

}  // namespace kdf::lvm
