// lv_mount.h - the filesystem of an active LV, mounted for a dump (mode mounted).
//
// The LV's node is /dev/mapper/VG-LV with every '-' inside a name doubled (device-mapper's
// escaping: "vg-data"/"lv-crash" -> vg--data-lv--crash), or the /dev/VG/LV link lvm2's udev rules
// make. If the filesystem is mounted already (the system's own fstab in a kdump-tools crash
// kernel), that mount is used and left alone; otherwise it is mounted on `mount_point` and
// unmounted when the LvMount is destroyed (lazily if busy: a dump that is complete stays complete).
#pragma once

#include <string>

#include "kdf/call_options.h"
#include "kdf/status.h"
#include "lvm_options.h"

namespace kdf::lvm {

class LvMount {
public:
    // Finds the node, reuses or makes the mount. Code::not_found names both nodes and how the
    // crash kernel activates an LV when neither exists.
    static Result<LvMount> mount(const LvmOptions& o, const CallOptions& opts);

    LvMount(LvMount&& other) noexcept;
    LvMount& operator=(LvMount&&) = delete;
    LvMount(const LvMount&) = delete;
    ~LvMount();

    const std::string& node() const noexcept { return node_; }
    const std::string& directory() const noexcept { return directory_; }  // where the filesystem is
    bool mounted_here() const noexcept { return mounted_here_; }
    // Unmounts now if this mount was made here; the error, if any, names the mount point.
    Status unmount() noexcept;

private:
    LvMount(std::string node, std::string directory, bool mounted_here)
        : node_(std::move(node)), directory_(std::move(directory)), mounted_here_(mounted_here) {}
    std::string node_;
    std::string directory_;
    bool mounted_here_ = false;
};

// The LV's device node, or "" when neither name exists.
std::string find_lv_node(const std::string& vg, const std::string& lv);

}  // namespace kdf::lvm
