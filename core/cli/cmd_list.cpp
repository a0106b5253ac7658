// `kdump-failover list s3://BUCKET[/PREFIX] [--config F]`: after reboot, the dumps kept as objects
// below PREFIX, each with its state (complete; incomplete: aborted, with its marker; unfinished: no
// dump and no marker, a writer killed mid-dump). The config's target of that type lists them.
#include "core/cli/command.h"
#include "core/cli/object_store_command.h"
#include "core/plugin/raw_volume_plugins.h"

namespace kdf::cli {

int cmd_list(const Args& args) {
    ArgScanner scan(args, {"--config"}, {});
    if (!scan.ok() || scan.positionals().size() != 1) {
        error_line(scan.ok() ? "list needs one SCHEME://... address" : scan.error());
        error_line("usage: kdump-failover list s3://BUCKET[/PREFIX] [--config F]");
        return 2;
    }
    std::optional<chain::Config> config;
    if (!load_optional_config(scan.value("--config"), true, config)) return 2;
    const std::string& url = scan.positionals()[0];
    if (auto rc = run_object_store_command("list", url, {}, scan.value("--config"), config)) return *rc;
    error_line("list: no target of type '" + plugin::url_scheme(url) + "' in the config to read " + url +
               " with (give --config F with such a target)");
    return 2;
}

}  // namespace kdf::cli
