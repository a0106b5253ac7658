// own_file.h - opening a file that s3-save writes into, refusing one it must not touch.
//
// s3-save runs as root in a directory a user may name, and resumes files left by an earlier run.
// A name there may have been planted: a symbolic link to /etc/shadow, a hard link to another
// file, a FIFO that would block the open. So the file is opened without following a link and
// without blocking, and kept only if it is a regular file owned by us with no other name.
#pragma once

#include <string>

#include "kdf/status.h"
#include "kdf/unique_fd.h"

namespace kdf::s3 {

// Opens `path` for reading and writing, creating it with mode 0600 if it does not exist. Refuses
// a symbolic link, anything but a regular file, a file of another owner and one with more than
// one hard link, with a one-line error naming `path`.
Result<UniqueFd> open_own_file(const std::string& path);

// The whole content of the open file `fd` (at most `limit` bytes), read from offset 0.
Result<std::string> read_whole(int fd, const std::string& path, size_t limit);

// Replaces the content of the open file `fd` by `text`, and syncs it.
Status rewrite(int fd, const std::string& path, const std::string& text);

}  // namespace kdf::s3
