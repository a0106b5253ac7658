// core/config/target_validation.h - checks a [target NAME] section against its plugin's schema.
//
// The config parser keeps a target's plugin keys as text with their file:line; once the plugin is
// loaded (or just described, for `kdump-failover check`), this checks each key against the plugin's
// OptionSpec table (kdf/options.h): unknown keys (with a suggestion), types, choices, required keys,
// and fills in defaults. The plugin's own check() then only sees well-formed values.
//
// Value rules per OptionType: string - any text; path - absolute ("/..."), because a crash kernel's
// working directory is meaningless; integer/size/duration/boolean - the kdf::parse_* syntax;
// choice - one of OptionSpec::choices.
#pragma once

#include <string>
#include <vector>

#include "core/config/config.h"
#include "kdf/options.h"
#include "kdf/transport.h"

namespace kdf::chain {

// Returns the errors, each "FILE:LINE: target 'x': ..."; when there are none, fills `out` (name,
// type, where and the plugin options with defaults applied; defaults have an empty `where`).
// `out` is left untouched on error.
std::vector<std::string> validate_target(const TargetSpec& spec, const kdf::Description& plugin,
                                         kdf::TargetConfig& out);

// "" when `text` is a valid value of `type`, otherwise the accepted form ("expected a size such as
// 512M, 10G or 4096"). `choices` is used for OptionType::choice.
std::string check_option_value(kdf::OptionType type, std::string_view text, std::string_view choices = {});

}  // namespace kdf::chain
