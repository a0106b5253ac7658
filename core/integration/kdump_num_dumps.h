// core/integration/kdump_num_dumps.h - Debian's KDUMP_NUM_DUMPS as the targets' `keep`.
//
// kdump-tools keeps at most KDUMP_NUM_DUMPS dumps (0 or unset: all), read from
// /etc/default/kdump-tools, a file its scripts source as shell. When the chain runs under
// kdump-tools (`dump --kdump-tools FILE`), that number becomes the default `keep` of every target
// whose plugin offers retention and whose section does not set `keep` itself: a node that asked
// kdump-tools for N dumps gets N from the chain too. The config's own `keep` always wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/config/config.h"

namespace kdf::integration {

struct NumDumps {
    std::optional<uint64_t> keep;  // absent: unset, 0 or empty (keep everything), or not a number
    std::string where;             // "FILE:LINE" of the assignment that decided
    std::string problem;           // a line for the console when the value is not a number
};

// The last `KDUMP_NUM_DUMPS=...` assignment (optionally `export`ed, quoted or not) of `text`, as a
// shell sourcing the file would leave it. Lines that are comments or other commands are skipped.
NumDumps read_kdump_num_dumps(std::string_view text, const std::string& file_name);

// Adds `keep` (with its FILE:LINE) as an inherited default to every target of `config`; the
// plugin's schema decides later whether a target takes it (TargetSpec::inherited_defaults).
void inherit_keep(chain::Config& config, const NumDumps& num);

}  // namespace kdf::integration
