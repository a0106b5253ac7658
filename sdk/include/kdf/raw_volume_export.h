// kdf/raw_volume_export.h - how a plugin lets `kdump-failover save SCHEME://... DIR` read a dump
// back from its raw storage (an iSCSI LUN, an LV) without the core linking the plugin's library.
//
// Additive and optional, like kdf/plugin_command.h: a plugin may export a third Boost.DLL alias,
// `kdf_transport_raw_volumes`, returning a pointer to a kdf_raw_volume_table. The table carries its
// own abi_version/info_size/toolchain, checked like kdf_plugin_info before `open` is called.
//
//   `kdump-failover save iscsi://10.0.0.5/iqn.2026-01.com.example:dumps/1 /var/crash`
// finds the first plugin on the search path whose table's scheme is "iscsi", calls
//   open("iscsi://10.0.0.5/iqn.2026-01.com.example:dumps/1", opts)
// and reads the dump through the returned volume exactly as it reads a block device (marking the
// header saved goes through write_at + flush). `open` must not throw; its errors start with the
// plugin's name. The host keeps the library loaded while the volume lives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include <boost/dll/alias.hpp>

#include "kdf/plugin_abi.h"
#include "kdf/raw_volume.h"

namespace kdf {
using RawVolumeOpenFn = Result<std::unique_ptr<RawVolume>> (*)(std::string_view url, const CallOptions& opts) noexcept;
}

extern "C" {
struct kdf_raw_volume_table {
    uint32_t abi_version;   // KDF_TRANSPORT_ABI_VERSION the plugin was built with; first field forever
    uint32_t info_size;     // sizeof(kdf_raw_volume_table) as the plugin saw it
    const char* toolchain;  // KDF_TOOLCHAIN_TAG (Result and RawVolume cross the boundary)
    const char* scheme;     // the URL scheme before "://", e.g. "iscsi", "lvm"
    kdf::RawVolumeOpenFn open;
};
}

// Exports `open_fn` as the opener of `scheme_literal` URLs, e.g.
//   KDF_EXPORT_RAW_VOLUMES("iscsi", &kdf::iscsi::open_volume_url)
#define KDF_EXPORT_RAW_VOLUMES(scheme_literal, open_fn)                                                \
    namespace kdf_raw_volumes_export {                                                                 \
    static const ::kdf_raw_volume_table table_v = {KDF_TRANSPORT_ABI_VERSION,                          \
                                                   sizeof(::kdf_raw_volume_table), KDF_TOOLCHAIN_TAG, \
                                                   scheme_literal, (open_fn)};                         \
    const ::kdf_raw_volume_table* get_raw_volumes() noexcept { return &table_v; }                     \
    }                                                                                                  \
    BOOST_DLL_ALIAS(kdf_raw_volumes_export::get_raw_volumes, kdf_transport_raw_volumes)
