// nfs_dump_store.h - an nfs target's dump directory as a kdf::DumpStore, for keep/min_free.
//
// Works over the attempt's own mount (no second one): READDIRPLUS to list the dump root and each
// dump directory, REMOVE and RMDIR to delete one, FSSTAT for free space. Entry types come from the
// server (a symbolic link is neither a dump directory nor a file inside one).
#pragma once

#include <string>
#include <vector>

#include "kdf/retention.h"
#include "nfs_client.h"

namespace kdf::nfs {

class NfsDumpStore final : public DumpStore {
public:
    explicit NfsDumpStore(NfsClient& client) : client_(client) {}

    Result<std::vector<std::string>> list(const CallOptions& opts) override;
    Result<bool> complete(const std::string& name, const CallOptions& opts) override;
    Status remove(const std::string& name, const CallOptions& opts) override;
    Result<uint64_t> free_bytes(const CallOptions& opts) override;

private:
    std::string path_of(const std::string& name) const;
    NfsClient& client_;
};

}  // namespace kdf::nfs
