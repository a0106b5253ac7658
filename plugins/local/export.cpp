// export.cpp - the plugin's one exported symbol (kdf/plugin_abi.h): kdf-transport-local.so.
#include "kdf/plugin_abi.h"
#include "local_transport.h"

KDF_EXPORT_TRANSPORT(kdf::local::LocalTransport, "local", "0.1.0")
