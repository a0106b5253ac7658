// core/fleet/rendered_file.h - one file of a rendering, and writing a whole rendering to a directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kdf/status.h"

namespace kdf::fleet {

struct RenderedFile {
    std::string path;    // relative to the output directory ("skyhook_dir/apply.sh")
    uint32_t mode = 0644;
    std::string bytes;
};

// Writes every file below `dir` (created if missing, its parents must exist), each through a
// temporary name and a rename, so a file is either the old one or the whole new one; the mode is
// set exactly (no umask). A file already holding the same bytes and mode is left untouched. Errors
// name the file.
Status write_rendered_files(const std::string& dir, const std::vector<RenderedFile>& files);

}  // namespace kdf::fleet
