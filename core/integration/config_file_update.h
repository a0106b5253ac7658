// core/integration/config_file_update.h - replaces another tool's config file safely.
//
// Before the first change kdump-failover ever makes to FILE, the original is copied to
// FILE.kdump-failover.bak (once: later runs keep that first backup, the state before kdump-failover,
// instead of piling up dated copies as the 0.2 generator did). The new text is written to a
// temporary file in the same directory with the original's mode and owner, synced, and renamed
// over FILE, so a crash leaves either the old or the new file, never half of one.
#pragma once

#include <string>

#include "kdf/status.h"

namespace kdf::integration {

struct FileUpdate {
    bool changed = false;         // FILE was replaced
    bool backup_written = false;  // FILE.kdump-failover.bak was created by this call
    std::string backup_path;
};

inline constexpr const char* kBackupSuffix = ".kdump-failover.bak";

// Replaces `path` (whose current contents are `old_text`) with `new_text`; no-op when equal.
Result<FileUpdate> update_config_file(const std::string& path, const std::string& old_text, const std::string& new_text);

}  // namespace kdf::integration
