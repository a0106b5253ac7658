// kdf/names.h - the file names a dump on a file target uses, and the checks every plugin needs.
//
// A dump directory holds <final_name> (after commit) or vmcore-incomplete (while it is written),
// plus side files such as vmcore-dmesg.txt. Names come from the core, but a plugin turns them
// into paths on someone else's server, so it checks them before use: a name with a '/' or a ".."
// would write outside the dump directory.
#pragma once

#include <array>
#include <cerrno>
#include <string>
#include <string_view>

#include "kdf/status.h"
#include "kdf/transport.h"

namespace kdf {

// The dump's name until commit(): an interrupted dump is recognisable by it after any crash.
inline constexpr std::string_view incomplete_dump_name = "vmcore-incomplete";

// A single path component: not empty, not "." or "..", no '/' and no NUL.
inline bool is_plain_name(std::string_view name) noexcept {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

// A side file may not take the dump's own names, and may not start with '.': plugins write side
// files through hidden temporary names (".<name>.part") that a visible name never collides with.
inline bool is_side_file_name(std::string_view name, std::string_view final_name) noexcept {
    return is_plain_name(name) && name != incomplete_dump_name && name != final_name && !name.starts_with(".");
}

// A dump directory that holds one of these already holds a finished dump, which is never written
// over: this dump's final name, or the other format's (an earlier dump as "vmcore" when this one
// is "vmcore.flat", and the other way round).
inline std::array<std::string, 2> finished_dump_names(const std::string& final_name) {
    return {final_name, final_name == "vmcore" ? "vmcore.flat" : "vmcore"};
}

// The refusal when `dir` (as messages show it) already holds the finished dump `name`.
inline Status dump_exists_error(const char* plugin, std::string_view dir, std::string_view name) {
    return Status::from_errno(EEXIST, std::string(plugin) + ": " + std::string(dir) + " already holds a dump (" +
                                          std::string(name) + "); refusing to write over it");
}

// ok, or Code::invalid_config saying which of dump.dir_name / dump.final_name cannot be used as a
// file name. `plugin` prefixes the message ("nfs").
inline Status check_dump_names(const char* plugin, const DumpInfo& dump) noexcept {
    try {
        if (!is_plain_name(dump.dir_name))
            return Status::error(Code::invalid_config, std::string(plugin) + ": dump directory name '" +
                                                           dump.dir_name + "' is not a single path component");
        if (!is_plain_name(dump.final_name) || dump.final_name == incomplete_dump_name)
            return Status::error(Code::invalid_config,
                                 std::string(plugin) + ": dump file name '" + dump.final_name + "' is not usable");
        return Status::ok();
    } catch (...) {
        return Status::error(Code::invalid_config, "dump directory or file name is not usable");
    }
}

}  // namespace kdf
