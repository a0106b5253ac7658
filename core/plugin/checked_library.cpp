#include "core/plugin/checked_library.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <boost/dll/shared_library.hpp>

#include <cerrno>
#include <cstring>

#include "core/plugin/plugin_file_safety.h"
#include "kdf/unique_fd.h"

namespace kdf::plugin {
namespace {

// Boost.DLL puts dlerror()'s text inside its exception message; keep just that part, and name the
// plugin file rather than the descriptor path it was loaded through.
std::string dl_reason(const std::exception& e, const std::string& fd_path, const std::string& file) {
    std::string what = e.what();
    const std::string marker = "dlerror system message: ";
    if (size_t from = what.find(marker); from != std::string::npos) {
        from += marker.size();
        size_t to = what.rfind("): ");
        if (to == std::string::npos || to < from) to = what.size();
        what = what.substr(from, to - from);
    }
    for (size_t at = what.find(fd_path); at != std::string::npos; at = what.find(fd_path, at + file.size()))
        what.replace(at, fd_path.size(), file);
    return what;
}

// The library and the descriptor it was loaded through, released in that order.
//
// The dynamic loader remembers a library by the name it was opened with and hands out the already
// loaded one for a later dlopen() of the same name. Were the descriptor closed while the library
// stays loaded, its number could be reused for another plugin file, and loading that file through
// "/proc/self/fd/<n>" would return the old library. So the descriptor lives as long as the
// library; and if unloading leaves the library in memory (a library can be marked never to unload),
// the number is kept for the rest of the process rather than closed.
struct FdBackedLibrary {
    UniqueFd fd;
    std::string fd_path;
    boost::dll::shared_library library;

    ~FdBackedLibrary() {
        if (!library.is_loaded()) return;
        library.unload();
        if (void* still = ::dlopen(fd_path.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {
            ::dlclose(still);
            (void)fd.release();
        }
    }
};

}  // namespace

Result<std::shared_ptr<boost::dll::shared_library>> load_checked_library(const std::string& file, bool as_root) {
    namespace dll = boost::dll;
    auto held = std::make_shared<FdBackedLibrary>();
    held->fd.reset(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!held->fd)
        return Status::error(Code::not_found, "plugin " + file + ": cannot be loaded: cannot open it: " +
                                                  std::string(std::strerror(errno)))
            .with_stage(Stage::load);
    // Before dlopen: loading runs the plugin's constructors with our privileges.
    if (Status s = check_plugin_fd_safety(held->fd.get(), file, as_root); !s.is_ok()) return s;
    held->fd_path = "/proc/self/fd/" + std::to_string(held->fd.get());
    // Without /proc (a chroot, an early initramfs) the file is loaded by its name; the check above
    // made sure that name still was the file it checked.
    if (::access("/proc/self", F_OK) != 0) held->fd_path = file;
    try {
        held->library.load(dll::fs::path(held->fd_path), dll::load_mode::rtld_local | dll::load_mode::rtld_now);
    } catch (const std::exception& e) {
        return Status::error(Code::not_found, "plugin " + file + ": cannot be loaded: " + dl_reason(e, held->fd_path, file))
            .with_stage(Stage::load);
    }
    dll::shared_library* library = &held->library;
    return std::shared_ptr<dll::shared_library>(std::move(held), library);
}

}  // namespace kdf::plugin
