// core/plugin/raw_volume_plugins.h - opening a plugin's raw volume by URL scheme, for
// `kdump-failover save SCHEME://... DIR` (kdf/raw_volume_export.h: the `kdf_transport_raw_volumes`
// alias).
//
// The table is checked like kdf_plugin_info (abi_version, info_size, toolchain, a scheme and a
// function) before `open` is called. The returned volume keeps the plugin's library loaded: the
// library is unloaded only after the plugin's volume object is destroyed.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kdf/call_options.h"
#include "kdf/raw_volume.h"
#include "kdf/status.h"

namespace kdf::plugin {

// "iscsi" for "iscsi://host/iqn/0"; "" when `source` has no "SCHEME://" prefix (a device path).
std::string url_scheme(std::string_view source);

// Finds the first plugin in `search` whose raw volume table has url_scheme(url) and opens `url`
// with it. Code::not_found (Stage::load) when no plugin offers the scheme.
Result<std::unique_ptr<RawVolume>> open_plugin_raw_volume(const std::string& url, const std::vector<std::string>& search,
                                                          const CallOptions& opts);

}  // namespace kdf::plugin
