// kdf/target_options.h - reading a target's options inside a plugin.
//
// The host has already checked keys, types and choices against the plugin's schema; what every
// plugin still needs is a key's value with the schema's default applied, and its own config
// errors in the one-line form the host uses ("FILE:LINE: PLUGIN: what is wrong"), pointing at the
// key's line (or the section header when the key is absent).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kdf/options.h"
#include "kdf/status.h"

namespace kdf {

// The trimmed value of `key`, or the schema's default when the config does not set it.
inline std::string option_value(const TargetConfig& target, const std::vector<OptionSpec>& specs, std::string_view key) {
    if (const OptionValue* v = target.find(key)) return std::string(trim(v->text));
    for (const OptionSpec& s : specs)
        if (s.key == key) return s.default_value;
    return {};
}

// Code::invalid_config at Stage::config, naming the target: "FILE:LINE: PLUGIN: TEXT".
inline Status option_error(const TargetConfig& target, std::string_view plugin, std::string_view key,
                           std::string_view text) {
    const std::string where = target.where_of(key);
    std::string msg = where.empty() ? std::string() : where + ": ";
    msg.append(plugin).append(": ").append(text);
    return Status::error(Code::invalid_config, msg).with_target(target.name).with_stage(Stage::config);
}

}  // namespace kdf
