// `kdump-failover save SOURCE DIR [--force]`: after reboot, turn a dump left on a raw target into files.
#include <cstdio>

#include "core/cli/command.h"
#include "core/format/raw_save.h"

namespace kdf::cli {

int cmd_save(const Args& args) {
    ArgScanner scan(args, {}, {"--force"});
    if (!scan.ok() || scan.positionals().size() != 2) {
        error_line(scan.ok() ? "save needs SOURCE and DIR" : scan.error());
        error_line("usage: kdump-failover save SOURCE DIR [--force]");
        return 2;
    }
    format::SaveOptions options;
    options.force = scan.flag("--force");
    auto saved = format::save_raw_dump(scan.positionals()[0], scan.positionals()[1], options);
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
