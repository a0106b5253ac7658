// sftp_dump_store.h - an ssh target's remote directory as a kdf::DumpStore, for keep/min_free.
//
// Works over the open SFTP channel of the attempt (no second connection): OPENDIR/READDIR to list
// the target directory and each dump directory in it, REMOVE and RMDIR to delete one, and
// statvfs@openssh.com for free space. READDIR's attributes are the entries' own, so a symbolic
// link is neither a dump directory nor a file inside one.
#pragma once

#include <string>
#include <vector>

#include "kdf/retention.h"
#include "sftp_channel.h"

namespace kdf::ssh {

class SftpDumpStore final : public DumpStore {
public:
    SftpDumpStore(SftpChannel& channel, std::string path) : channel_(channel), path_(std::move(path)) {}

    Result<std::vector<std::string>> list(const CallOptions& opts) override;
    Result<bool> complete(const std::string& name, const CallOptions& opts) override;
    Status remove(const std::string& name, const CallOptions& opts) override;
    Result<uint64_t> free_bytes(const CallOptions& opts) override;

private:
    SftpChannel& channel_;
    std::string path_;
};

}  // namespace kdf::ssh
