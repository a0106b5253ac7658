// directory_store.h - the `local` target directory as a kdf::DumpStore, for keep/min_free.
//
// Lists the directories directly under the target's `path`, removes one dump directory (its plain
// files, then itself; anything else inside stops the removal), and reports free space. Symbolic
// links are never followed: a link named like a dump could point anywhere on the system.
#pragma once

#include <string>
#include <vector>

#include "kdf/retention.h"

namespace kdf::local {

class DirectoryStore final : public DumpStore {
public:
    explicit DirectoryStore(std::string path) : path_(std::move(path)) {}

    Result<std::vector<std::string>> list(const CallOptions& opts) override;
    Result<bool> complete(const std::string& name, const CallOptions& opts) override;
    Status remove(const std::string& name, const CallOptions& opts) override;
    Result<uint64_t> free_bytes(const CallOptions& opts) override;

private:
    std::string path_;
};

}  // namespace kdf::local
