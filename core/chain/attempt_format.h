// core/chain/attempt_format.h - which dump format a target gets, from its configured format and the
// capabilities its plugin reports for it (kdf::Transport::capabilities, per target).
//
//   configured   positional_write      no positional_write (a stream)
//   auto         kdump (in place)      flat (makedumpfile's flattened stream)
//   kdump, elf   as configured         refused: neither can be written front to back
//   flat         flat                  flat
//
// `kdump-failover check` and every attempt call the same function, so a target whose format cannot
// be streamed is caught offline, with the line of the format key, before a crash kernel meets it.
#pragma once

#include <cstdint>
#include <string>

#include "core/config/config.h"
#include "kdf/status.h"

namespace kdf::chain {

// The format for `target` ("kdump", "flat" or "elf"), or an invalid_config Status (Stage::config)
// "format = kdump needs positional writes, ..." for the caller to place with format_key_where().
// `caps` are the target's TransportCap bits.
Result<std::string> choose_dump_format(const TargetSpec& target, const DumpSettings& dump, uint32_t caps);

// "file:line" of the format key in force for `target` (its own, else [dump]'s), or the target's
// section header when neither was written.
std::string format_key_where(const TargetSpec& target, const DumpSettings& dump);

// The file name a dump of `format` gets when committed: "vmcore.flat" for a flattened stream.
std::string final_dump_name(const std::string& format);

}  // namespace kdf::chain
