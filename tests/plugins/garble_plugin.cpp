// Behaviour: open() writes a line that is not an attempt message into every pipe the process holds
// above stderr, i.e. the attempt's report pipe, as a plugin scribbling on a file descriptor it does
// not own would. The supervisor must refuse the report with a clear error, never guess or crash.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "test_transport.h"

namespace {

void scribble_on_pipes() {
    DIR* dir = ::opendir("/proc/self/fd");
    if (!dir) return;
    const int own = ::dirfd(dir);
    while (const dirent* e = ::readdir(dir)) {
        const int fd = std::atoi(e->d_name);
        struct stat st{};
        if (fd <= 2 || fd == own || ::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) continue;
        static constexpr char line[] = "stage warp\n";
        (void)!::write(fd, line, sizeof line - 1);  // a read end just refuses: nothing to handle
    }
    ::closedir(dir);
}

class Garble final : public kdf_test::TestTransport {
public:
    Garble() : TestTransport("garble") {}
    kdf::Result<std::unique_ptr<kdf::Sink>> open(const kdf::TargetConfig& t, const kdf::DumpInfo& d,
                                                 const kdf::CallOptions& o) noexcept override {
        scribble_on_pipes();
        return TestTransport::open(t, d, o);
    }
};

}  // namespace
KDF_EXPORT_TRANSPORT(Garble, "garble", "0.0.1")
