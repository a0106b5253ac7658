// export.cpp - the plugin's one exported symbol (kdf/plugin_abi.h): kdf-transport-nfs.so.
#include "kdf/plugin_abi.h"
#include "nfs_transport.h"

KDF_EXPORT_TRANSPORT(kdf::nfs::NfsTransport, "nfs", "0.1.0")
