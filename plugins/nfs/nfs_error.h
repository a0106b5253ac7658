// nfs_error.h - libnfs's errors turned into kdf::Status, in one place (the layer's edge).
//
// libnfs reports a negative errno to callbacks and leaves its own text on the context
// ("NFS: MKDIR of /d failed with NFS3ERR_ACCES(-13)", "command timed out", "Command was
// cancelled"). The text names the NFS status; the errno decides the Code (ENOSPC/EDQUOT ->
// no_space, ENOENT -> not_found, timeouts -> timeout), so the supervisor never parses messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kdf/status.h"

namespace kdf::nfs {

// The errno an error stands for: the "(-N)" libnfs appends to NFS status names when present (more
// precise than the callback's status, which is -EFAULT for every failed WRITE), else -status.
int errno_of(int status, std::string_view libnfs_text);

// True for libnfs's own deadline texts ("command timed out", "Command was cancelled").
bool is_timeout_text(std::string_view libnfs_text);

// "nfs: <what>: <libnfs text>" with the errno and Code derived from both. `status` is the
// callback's (negative) status, or 0 when only the text is known.
Status nfs_error(std::string_view what, int status, std::string_view libnfs_text);

// " (owner 1000:1000, mode 0755)": who owns a directory we may not write to.
std::string owner_text(uint64_t uid, uint64_t gid, uint64_t mode);

// The explanation appended to EACCES/EPERM on create: who we are to the server and what
// root_squash does to uid 0.
std::string permission_hint(int uid, int gid);

}  // namespace kdf::nfs
