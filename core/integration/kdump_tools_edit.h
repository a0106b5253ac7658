// core/integration/kdump_tools_edit.h - wires kdump-failover into Debian's /etc/default/kdump-tools.
//
// That file is sourced as shell by /etc/init.d/kdump-tools and read as the EnvironmentFile of
// kdump-tools(-dump).service. kdump-failover's drop-in (packaging/kdump-tools/) makes those units
// run our helper in the crash boot; the helper reads one variable from this file:
//   KDUMP_FAILOVER_CONFIG='/etc/kdump-failover.conf'    the chain's config
// written inside our managed block at the end of the file (a sourced file: the last assignment
// wins). Every other line stays byte for byte. A USE_KDUMP=0 is reported, not changed: whether kdump
// runs at all is the user's decision.
#pragma once

#include <string>
#include <string_view>

#include "core/integration/conf_edit.h"

namespace kdf::integration {

struct KdumpToolsWants {
    std::string config_path;  // absolute
};

// The variable the helper reads.
inline constexpr const char* kConfigVariable = "KDUMP_FAILOVER_CONFIG";

ConfEdit edit_kdump_tools(std::string_view text, const std::string& file_name, const KdumpToolsWants& wants);

// Undoes edit_kdump_tools: the block goes and the file is what it was before the first generate.
// No block: the text is returned unchanged. A hand-broken block is an error.
ConfEdit remove_from_kdump_tools(std::string_view text, const std::string& file_name);

// `s` quoted for a POSIX shell: single quotes, embedded ones as '\''.
std::string shell_single_quote(const std::string& s);

}  // namespace kdf::integration
