// export.cpp - the plugin's exported symbols (kdf/plugin_abi.h, kdf/raw_volume_export.h):
// kdf-transport-lvm.so, and its opener of lvm:// URLs for `kdump-failover save`.
#include "kdf/plugin_abi.h"
#include "kdf/raw_volume_export.h"
#include "lvm_transport.h"

KDF_EXPORT_TRANSPORT(kdf::lvm::LvmTransport, "lvm", "0.1.0")
KDF_EXPORT_RAW_VOLUMES("lvm", &kdf::lvm::open_lvm_url)
