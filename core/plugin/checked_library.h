// core/plugin/checked_library.h - the one way a plugin file is opened and loaded.
//
// Every loader (transports, plugin commands, raw-volume sources) goes through here so that the
// safety rules of plugin_file_safety.h hold for each of them, and hold for the very file that is
// loaded: the file is opened once, its owner and mode are checked on that open descriptor, and the
// dynamic loader is then given "/proc/self/fd/<fd>", which is the same inode. Checking a path and
// loading the path again would let someone swap the file in between.
#pragma once

#include <memory>
#include <string>

#include "kdf/status.h"

namespace boost::dll {
class shared_library;
}

namespace kdf::plugin {

// The loaded library (RTLD_LOCAL | RTLD_NOW), or an error at Stage::load naming `file`: Code::auth
// when it is not safe to load as root, Code::not_found when it cannot be opened or dlopen refuses
// it ("plugin FILE: cannot be loaded: REASON", REASON being dlerror()'s text about FILE).
// `as_root` is normally geteuid() == 0.
Result<std::shared_ptr<boost::dll::shared_library>> load_checked_library(const std::string& file, bool as_root);

}  // namespace kdf::plugin
