// lv_volume.cpp - reads and writes of an LV through its extent map, and opening one.
#include "lv_volume.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <algorithm>

#include "deadline.h"
#include "kdf/guard.h"
#include "kdf/size_text.h"
#include "pv_scan.h"
#include "vg_locator.h"

namespace kdf::lvm {

namespace {

std::string doubled_dashes(const std::string& name) {
    std::string out;
    for (char c : name) {
        out += c;
        if (c == '-') out += '-';
    }
    return out;
}

// The logical block size of a PV device; 512 for a regular file standing in for one.
uint32_t logical_block_size(int fd) {
    struct stat st {};
    int size = 0;
    if (::fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && ::ioctl(fd, BLKSSZGET, &size) == 0 && size > 0)
        return static_cast<uint32_t>(size);
    return 512;
}

}  // namespace

std::string mapper_path(const std::string& vg, const std::string& lv) {
    return "/dev/mapper/" + doubled_dashes(vg) + "-" + doubled_dashes(lv);
}

LvVolume::LvVolume(std::string location, LvExtentMap map, std::vector<Pv> pvs, uint32_t block_size)
    : location_(std::move(location)), map_(std::move(map)), pvs_(std::move(pvs)), block_size_(block_size) {}

Status LvVolume::check_range(const char* what, uint64_t offset, uint64_t length, const CallOptions& opts) const {
    if (offset > size() || length > size() - offset)
        return Status::error(Code::no_space, "lvm: " + std::string(what) + " of " + std::to_string(length) +
                                                 " bytes at " + std::to_string(offset) + " passes the end of " +
                                                 location_ + " (" + size_text(size()) + ")");
    return check_deadline(opts, std::string(what) + " on " + location_);
}

Status LvVolume::read_at(uint64_t offset, std::span<std::byte> out, const CallOptions& opts) noexcept {
    return guarded("lvm", [&]() -> Status {
        if (Status s = check_range("read", offset, out.size(), opts); !s.is_ok()) return s;
        for (const MappedPiece& p : map_.map(offset, out.size())) {
            const Pv& pv = pvs_[p.pv];
            const std::string what = "lvm: read " + location_ + " from " + pv.device;
            if (Status s = pread_full(pv.fd.get(), out.data() + (p.lv_offset - offset), p.length, p.pv_offset, what.c_str());
                !s.is_ok())
                return s;
        }
        return Status::ok();
    });
}

Status LvVolume::write_at(uint64_t offset, std::span<const std::byte> data, const CallOptions& opts) noexcept {
    return guarded("lvm", [&]() -> Status {
        if (Status s = check_range("write", offset, data.size(), opts); !s.is_ok()) return s;
        for (const MappedPiece& p : map_.map(offset, data.size())) {
            Pv& pv = pvs_[p.pv];
            const std::string what = "lvm: write " + location_ + " to " + pv.device;
            if (Status s =
                    pwrite_full(pv.fd.get(), data.data() + (p.lv_offset - offset), p.length, p.pv_offset, what.c_str());
                !s.is_ok())
                return s;
            if (!pv.writeback_started) {
                pv.writeback = BackgroundSync(pv.fd.get());
                pv.writeback_started = true;
            }
            pv.writeback.wrote(p.length);
        }
        return Status::ok();
    });
}

Status LvVolume::flush(const CallOptions& opts) noexcept {
    return guarded("lvm", [&]() -> Status {
        // Every PV: the header lives on one, the data on all of them, and the header must not say
        // "complete" before every piece is stable.
        for (Pv& pv : pvs_) {
            if (!pv.fd) continue;
            if (Status s = check_deadline(opts, "flushing " + pv.device); !s.is_ok()) return s;
            if (pv.writeback_started) {
                pv.writeback_started = false;  // the next write starts a new helper
                if (Status s = pv.writeback.finish(); !s.is_ok()) return s.with_context("lvm: " + pv.device);
            }
            if (::fsync(pv.fd.get()) != 0)
                return Status::from_errno(errno, "lvm: fsync " + pv.device + " (" + location_ + ")");
        }
        return Status::ok();
    });
}

std::string LvVolume::layout_summary() const {
    std::string devices;
    for (size_t i : map_.pvs_used()) devices += (devices.empty() ? "" : ", ") + pvs_[i].device;
    const size_t n = map_.runs().size();
    return std::to_string(n) + (n == 1 ? " segment" : " segments") + " on " + devices;
}

Result<std::unique_ptr<LvVolume>> open_lv_volume(const LvVolumeRequest& request, const CallOptions& opts) {
    const std::string location = "lvm://" + request.vg + "/" + request.lv;
    std::vector<std::string> devices = expand_device_globs(request.device_globs);
    Result<PvScan> scan = scan_devices(devices, opts);
    if (!scan.is_ok()) return scan.take_status();
    Result<LocatedVg> located = locate_volume_group(scan.value(), request.vg);
    if (!located.is_ok()) return located.take_status();
    Result<LvExtentMap> map = map_logical_volume(located->vg, request.lv);
    if (!map.is_ok()) return map.take_status();

    if (request.writable) {
        // The LV may be active as well (the crash kernel's lvm activated it): a filesystem mounted
        // from it must not get a dump under its feet. O_EXCL on the mapped device fails while it is.
        const std::string mapped = mapper_path(request.vg, request.lv);
        UniqueFd busy(::open(mapped.c_str(), O_RDONLY | O_EXCL | O_CLOEXEC));
        if (!busy && errno == EBUSY)
            return Status::from_errno(EBUSY, "lvm: " + location + " is active and in use as " + mapped + " (mounted?)");
    }

    std::vector<LvVolume::Pv> pvs(located->vg.pvs.size());
    uint32_t block_size = 512;
    for (size_t i : map->pvs_used()) {
        const std::string& device = located->pv_devices[i];
        if (Status s = check_deadline(opts, "opening " + device); !s.is_ok()) return s;
        // No O_EXCL: while the VG is active its LVs hold every PV, and that is fine; what we write
        // is confined to this LV's extents.
        UniqueFd fd(::open(device.c_str(), (request.writable ? O_RDWR : O_RDONLY) | O_CLOEXEC));
        if (!fd) return Status::from_errno(errno, "lvm: open PV " + located->vg.pvs[i].uuid + " at " + device);
        block_size = std::max(block_size, logical_block_size(fd.get()));
        pvs[i].device = device;
        pvs[i].fd = std::move(fd);
    }
    for (size_t i = 0; i < pvs.size(); ++i)
        if (!pvs[i].fd) pvs[i].device = located->pv_devices[i];
    return std::make_unique<LvVolume>(location, std::move(map.value()), std::move(pvs), block_size);
}

}  // namespace kdf::lvm
