// s3_commands.h - the after-reboot commands the `s3` plugin adds to kdump-failover
// (kdf/plugin_command.h), run with a configured s3 target for the endpoint and the keys:
//
//   kdump-failover s3-save TARGET s3://BUCKET/KEY DIR [--config F]
//       downloads the object by ranged GETs (resumable: run it again after an interruption) into
//       DIR, with its vmcore-dmesg.txt when there is one; a flattened dump (KEY ends in .flat) is
//       then reassembled into DIR/vmcore by `kdump-failover reassemble`.
//   kdump-failover s3-list TARGET s3://BUCKET[/PREFIX] [--config F]
//       one line per dump below PREFIX: its directory, state and size.
//
// Reading needs keys with GET and List rights: a node's put-only keys are refused (403), so these
// commands usually run with an admin target of their own (docs/s3.md).
#pragma once

#include <cstdio>

#include "kdf/options.h"

namespace kdf::s3 {

int run_s3_save(const TargetConfig* target, int argc, const char* const* argv, std::FILE* out, std::FILE* err) noexcept;
int run_s3_list(const TargetConfig* target, int argc, const char* const* argv, std::FILE* out, std::FILE* err) noexcept;

}  // namespace kdf::s3
