// core/lifecycle/kdump_auto_reset.h - kdumpctl's auto_reset_crashkernel, as a text edit of kdump.conf.
//
// With `auto_reset_crashkernel` anything but "no" (the default when the line is absent), kdump-utils
// resets crashkernel= of every newly installed kernel to its own recommendation (its kernel-install
// plugin runs `kdumpctl _reset-crashkernel-for-installed_kernel`): the size setup chose would be
// gone after the next kernel update. setup therefore sets it to "no", in place when the line is
// there, else on a line it appends after a comment that marks it; uninstall puts back the value
// that was there, or takes the two appended lines out again.
#pragma once

#include <optional>
#include <string>

#include "core/integration/conf_edit.h"

namespace kdf::lifecycle {

inline constexpr const char* kKdumpConf = "/etc/kdump.conf";

// The value of the active auto_reset_crashkernel line; nullopt when there is none.
std::optional<std::string> kdump_auto_reset(const std::string& text);

// Sets the value (on the existing line, or on a marked appended one).
integration::ConfEdit set_kdump_auto_reset(const std::string& text, const std::string& file, const std::string& value);

// Back to `before`: nullopt takes out the marked lines setup appended; a value sets it in place.
integration::ConfEdit restore_kdump_auto_reset(const std::string& text, const std::string& file,
                                               const std::optional<std::string>& before);

}  // namespace kdf::lifecycle
