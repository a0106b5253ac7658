// core/config/dm_name.h - decodes an LVM device-mapper name ("vg--data-lv--crash") into VG and LV.
//
// LVM names its dm devices "<VG>-<LV>" and doubles every '-' inside the VG and LV names, so the
// separator is the one '-' that is not part of a "--" pair. kdump-failover 0.2 split at the first
// '-' and broke on "vg--data"; this is the fix.
//
// Rule (the one libdevmapper applies): scan left to right; "--" is a literal '-', a lone '-' ends
// the current part. So pairs are taken greedily: "a---b" is VG "a-", LV "b" (LVM names may not
// start with '-', so "a" + "-b" would not be a valid reading anyway).
// Returns nullopt when the name is not a plain VG-LV pair:
//   - no lone '-' ("abc", "a--b"): not an LVM volume name (e.g. a LUKS mapping "cryptroot");
//   - an empty VG or LV ("-lv", "vg-", "-"): LVM never makes these;
//   - more than two parts ("vg-lv-real", "vg-pool_tdata-tpool"... with a layer suffix): an internal
//     layer device, not a volume a user mounts.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace kdf::chain {

std::optional<std::pair<std::string, std::string>> split_dm_name(std::string_view name);

}  // namespace kdf::chain
