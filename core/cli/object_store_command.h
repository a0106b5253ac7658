// core/cli/object_store_command.h - `save SCHEME://...` and `list SCHEME://...` for dumps kept as
// objects (an S3 bucket), which have no raw volume to read: the plugin of that type does the work
// through its own commands `<scheme>-save` and `<scheme>-list` (kdf/plugin_command.h), run for the
// config's first target of type SCHEME, which names the endpoint and the keys to read with.
#pragma once

#include <optional>
#include <string>

#include "core/cli/command.h"

namespace kdf::cli {

// Runs `<scheme>-<verb> TARGET URL ARGS... --config PATH` when the config has a target of type
// url_scheme(url) and that plugin offers the command; nullopt otherwise (the caller goes on as
// before).
std::optional<int> run_object_store_command(const std::string& verb, const std::string& url, const Args& args,
                                            const std::optional<std::string>& config_flag,
                                            const std::optional<chain::Config>& config);

}  // namespace kdf::cli
