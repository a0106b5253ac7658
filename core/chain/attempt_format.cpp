#include "core/chain/attempt_format.h"

#include "kdf/transport.h"

namespace kdf::chain {

std::string format_key_where(const TargetSpec& target, const DumpSettings& dump) {
    const std::string& where = target.format.empty() ? dump.format_where : target.format_where;
    return where.empty() ? target.where : where;
}

Result<std::string> choose_dump_format(const TargetSpec& target, const DumpSettings& dump, uint32_t caps) {
    const bool own = !target.format.empty();
    const std::string& configured = own ? target.format : dump.format;
    const bool positional = has_cap(caps, TransportCap::positional_write);
    if (configured == "auto") return std::string(positional ? "kdump" : "flat");
    if (positional || configured == "flat") return configured;
    return Status::error(Code::invalid_config,
                         "format = " + configured + " needs positional writes, which plugin '" + target.type +
                             "' does not offer for this target (it can only stream); use format = auto or flat" +
                             (own ? "" : " (in [dump], or format = flat in [target " + target.name + "])"))
        .with_stage(Stage::config);
}

std::string final_dump_name(const std::string& format) { return format == "flat" ? "vmcore.flat" : "vmcore"; }

}  // namespace kdf::chain
