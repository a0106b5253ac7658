// `kdump-failover save SOURCE DIR [--force] [--config F]`: after reboot, turn a dump left on a raw
// target into files. SOURCE is a block device or a file, or SCHEME://... (iscsi://portal/iqn/lun),
// read through the plugin that exports a raw volume opener for SCHEME (kdf/raw_volume_export.h),
// found on the plugin search path (the config's [chain] plugin_path when there is a config). A dump
// kept as an object (s3://BUCKET/KEY) has no raw volume: the plugin of the config's target of that
// type downloads and reassembles it (object_store_command.h).
#include <cstdio>

#include "core/cli/command.h"
#include "core/cli/object_store_command.h"
#include "core/format/raw_save.h"
#include "core/plugin/raw_volume_plugins.h"
#include "core/plugin/search_path.h"

namespace kdf::cli {

namespace {

Result<format::SaveResult> save_from(const std::string& source, const std::string& dir, const format::SaveOptions& options,
                                     const std::optional<chain::Config>& config) {
    if (plugin::url_scheme(source).empty()) return format::save_raw_dump(source, dir, options);
    const auto search = plugin::plugin_search_path(config ? config->chain.plugin_path : std::vector<std::string>{});
    auto volume = plugin::open_plugin_raw_volume(source, search, CallOptions{});
    if (!volume.is_ok()) return volume.take_status();
    return format::save_raw_dump(*volume.value(), dir, options);
}

}  // namespace

int cmd_save(const Args& args) {
    ArgScanner scan(args, {"--config"}, {"--force"});
    if (!scan.ok() || scan.positionals().size() != 2) {
        error_line(scan.ok() ? "save needs SOURCE and DIR" : scan.error());
        error_line("usage: kdump-failover save SOURCE DIR [--force] [--config F]");
        return 2;
    }
    std::optional<chain::Config> config;
    if (!load_optional_config(scan.value("--config"), true, config)) return 2;
    // A dump kept as an object (s3://BUCKET/KEY): the plugin of the config's target of that type
    // downloads and reassembles it.
    Args object_args = {scan.positionals()[1]};
    if (scan.flag("--force")) object_args.push_back("--force");
    if (auto rc = run_object_store_command("save", scan.positionals()[0], object_args, scan.value("--config"), config))
        return *rc;
    format::SaveOptions options;
    options.force = scan.flag("--force");
    auto saved = save_from(scan.positionals()[0], scan.positionals()[1], options, config);
    if (!saved.is_ok()) {
        error_line(saved.status().to_string());
        return 1;
    }
    if (!saved->complete)
        error_line("warning: the dump on " + scan.positionals()[0] +
                   " is incomplete; extracted as-is (forced), named vmcore-incomplete");
    std::printf("saved %llu bytes to %s\n", static_cast<unsigned long long>(saved->bytes), saved->dump_path.c_str());
    return 0;
}

}  // namespace kdf::cli
