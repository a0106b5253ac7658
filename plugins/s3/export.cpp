// export.cpp - the plugin's exported symbols: kdf-transport-s3.so's transport (kdf/plugin_abi.h)
// and its after-reboot commands (kdf/plugin_command.h).
#include "kdf/plugin_abi.h"
#include "kdf/plugin_command.h"
#include "s3_commands.h"
#include "s3_transport.h"

KDF_EXPORT_TRANSPORT(kdf::s3::S3Transport, "s3", "0.1.0")

namespace {
const kdf_plugin_command s3_commands[] = {
    {"s3-save", "TARGET s3://BUCKET/KEY DIR [--force]",
     "after reboot: download a dump from a bucket (ranged GETs, resumable)\nand reassemble it into DIR/vmcore", true,
     &kdf::s3::run_s3_save},
    {"s3-list", "TARGET s3://BUCKET[/PREFIX]", "the dumps below PREFIX: complete, incomplete or unfinished", true,
     &kdf::s3::run_s3_list},
};
}  // namespace

KDF_EXPORT_PLUGIN_COMMANDS(s3_commands)
