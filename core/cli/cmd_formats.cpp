// The dump-file tools: `verify DUMP`, `reassemble IN OUT`, `convert IN OUT --compress C`.
#include <cstdio>

#include "core/cli/command.h"
#include "core/compress/codec_registry.h"
#include "core/format/convert.h"
#include "core/format/flattened.h"
#include "core/format/verify.h"

namespace kdf::cli {

int cmd_verify(const Args& args) {
    ArgScanner scan(args, {}, {});
    if (!scan.ok() || scan.positionals().size() != 1) {
        error_line(scan.ok() ? "usage: kdump-failover verify DUMP" : scan.error());
        return 2;
    }
    auto report = format::verify_dump(scan.positionals()[0]);
    if (!report.is_ok()) {
        error_line(report.status().to_string());
        return 1;
    }
    std::fputs(format::to_text(report.value()).c_str(), stdout);
    return report->ok() ? 0 : 1;
}

int cmd_reassemble(const Args& args) {
    ArgScanner scan(args, {}, {});
    if (!scan.ok() || scan.positionals().size() != 2) {
        error_line(scan.ok() ? "usage: kdump-failover reassemble IN OUT   (IN may be - for stdin)" : scan.error());
        return 2;
    }
    if (Status s = format::reassemble_flattened_file(scan.positionals()[0], scan.positionals()[1]); !s.is_ok()) {
        error_line("reassemble: " + s.to_string());
        return 1;
    }
    return 0;
}

int cmd_convert(const Args& args) {
    ArgScanner scan(args, {"--compress", "--level"}, {});
    auto codec = scan.value("--compress");
    if (!scan.ok() || scan.positionals().size() != 2 || !codec) {
        std::string codecs;  // the registry's names, so the usage never lists a codec that is not there
        for (const std::string& name : compress::builtin_codecs().names()) codecs += (codecs.empty() ? "" : "|") + name;
        error_line(scan.ok() ? "usage: kdump-failover convert IN OUT --compress " + codecs + " [--level N]" : scan.error());
        return 2;
    }
    std::optional<int> level;
    if (auto l = scan.value("--level")) {
        auto n = parse_integer(*l);
        if (!n) {
            error_line("convert: --level needs a number, not '" + *l + "'");
            return 2;
        }
        level = static_cast<int>(*n);
    }
    if (Status s = format::convert_dump(scan.positionals()[0], scan.positionals()[1], *codec, level); !s.is_ok()) {
        error_line(s.to_string());
        return 1;
    }
    return 0;
}

}  // namespace kdf::cli
