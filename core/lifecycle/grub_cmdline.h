// core/lifecycle/grub_cmdline.h - the crashkernel= word in /etc/default/grub, as a text edit.
//
// /etc/default/grub is a shell fragment that people edit by hand, so the editor changes only the
// value of the last GRUB_CMDLINE_LINUX assignment (the one the shell keeps) and gives every other
// byte back: other words, quotes, comments, line endings. The kernel uses the last crashkernel= of
// its command line; we keep a single one: the first existing word takes the new size in place and
// any later ones are dropped, or the word is appended when there was none.
#pragma once

#include <optional>
#include <string>

#include "core/integration/conf_edit.h"

namespace kdf::lifecycle {

inline constexpr const char* kGrubDefault = "/etc/default/grub";
// Debian's and Ubuntu's grub-mkconfig source /etc/default/grub.d/*.cfg after /etc/default/grub, in
// name order. kdump-tools installs kdump-tools.cfg there with its own crashkernel=; "zz-" sorts
// this file after it, and the kernel keeps the last crashkernel= it is given.
inline constexpr const char* kGrubDropIn = "/etc/default/grub.d/zz-kdump-failover.cfg";

// The value of the crashkernel= word in the last GRUB_CMDLINE_LINUX assignment, if any.
std::optional<std::string> grub_crashkernel(const std::string& text);

// Sets crashkernel=`value` in GRUB_CMDLINE_LINUX (nullopt removes every crashkernel= word there).
// A file without a GRUB_CMDLINE_LINUX line gets one appended (only when setting).
integration::ConfEdit set_grub_crashkernel(const std::string& text, const std::string& file,
                                           const std::optional<std::string>& value);

// The whole drop-in file for `value`.
std::string grub_drop_in_text(const std::string& value);

// The crashkernel= value in a drop-in we wrote, if `text` is one.
std::optional<std::string> grub_drop_in_value(const std::string& text);

// The value of the last crashkernel= word of a kernel command line (/proc/cmdline), if any.
std::optional<std::string> cmdline_crashkernel(const std::string& cmdline);

}  // namespace kdf::lifecycle
