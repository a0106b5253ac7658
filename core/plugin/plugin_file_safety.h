// core/plugin/plugin_file_safety.h - may a plugin file be loaded into a process running as root?
//
// Loading a plugin runs its code with our privileges. When we run as root (always, in the crash
// kernel and from kdumpctl), a plugin file that someone else can write, or that sits in a
// directory someone else can write (they could put another file under its name), would let that
// someone run code as root. So, as root, a plugin is loaded only when the file and its directory
// are owned by root and writable by nobody else; for a symlinked plugin the same holds for the
// link's directory and for the file and directory it resolves to. As another user only that
// user's own files are at stake, and nothing is checked (tests and development builds).
// Higher directories are not checked: a search-path directory is the administrator's choice.
#pragma once

#include <string>

#include "kdf/status.h"

namespace kdf::plugin {

// ok, or Code::auth at Stage::load for the file already open as `fd` (opened from `file`): its
// owner and mode are read from the descriptor, so they are those of what will be loaded.
Status check_plugin_fd_safety(int fd, const std::string& file, bool as_root);

// The same for a path, opened here: ok, or Code::auth at Stage::load naming the path that is not safe and why ("owned by uid 1000",
// "writable by group or others (mode 0775)"). `as_root` is normally geteuid() == 0.
Status check_plugin_file_safety(const std::string& file, bool as_root);

}  // namespace kdf::plugin
