// export.cpp - the plugin's exported symbols (kdf/plugin_abi.h): kdf-transport-iscsi.so, and the
// iscsi:// volume opener `kdump-failover save` uses (kdf/raw_volume_export.h).
#include "iscsi_transport.h"
#include "iscsi_volume.h"
#include "kdf/plugin_abi.h"
#include "kdf/raw_volume_export.h"

KDF_EXPORT_TRANSPORT(kdf::iscsi::IscsiTransport, "iscsi", "0.1.0")
KDF_EXPORT_RAW_VOLUMES("iscsi", &kdf::iscsi::open_volume_url)
