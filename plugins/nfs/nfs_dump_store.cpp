// nfs_dump_store.cpp - list, remove and measure dump directories over NFS.
#include "nfs_dump_store.h"

#include <nfsc/libnfs-raw-nfs.h>

#include "kdf/names.h"

namespace kdf::nfs {

std::string NfsDumpStore::path_of(const std::string& name) const {
    const std::string& root = client_.options().dump_root();
    return (root == "/" ? std::string() : root) + "/" + name;
}

Result<std::vector<std::string>> NfsDumpStore::list(const CallOptions& opts) {
    auto entries = client_.list_dir(client_.options().dump_root(), opts);
    if (!entries.is_ok()) return entries.take_status();
    std::vector<std::string> out;
    for (const NfsClient::DirEntry& e : entries.value())
        if (e.type == NF3DIR && is_plain_name(e.name)) out.push_back(e.name);
    return out;
}

Result<bool> NfsDumpStore::complete(const std::string& name, const CallOptions& opts) {
    auto inside = client_.list_dir(path_of(name), opts);
    // A directory we cannot read counts as incomplete: it is then never removed. A broken
    // connection is not "incomplete": it fails the attempt.
    if (!inside.is_ok()) return client_.health().is_ok() ? Result<bool>(false) : Result<bool>(inside.take_status());
    for (const NfsClient::DirEntry& f : inside.value())
        if ((f.name == "vmcore" || f.name == "vmcore.flat") && f.type == NF3REG) return true;
    return false;
}

Status NfsDumpStore::remove(const std::string& name, const CallOptions& opts) {
    if (!is_plain_name(name)) return Status::error(Code::invalid_config, "nfs: '" + name + "' is not a dump directory name");
    const std::string dir = path_of(name);
    auto inside = client_.list_dir(dir, opts);
    if (!inside.is_ok()) return inside.take_status();
    for (const NfsClient::DirEntry& f : inside.value())
        if (f.type != NF3REG || !is_plain_name(f.name))
            return Status::error(Code::corrupt, "nfs: " + dir + "/" + f.name +
                                                    " is not a plain file; the dump directory is left as it is");
    for (const NfsClient::DirEntry& f : inside.value())
        if (Status s = client_.unlink(dir + "/" + f.name, opts); !s.is_ok()) return s;
    return client_.rmdir(dir, opts);
}

Result<uint64_t> NfsDumpStore::free_bytes(const CallOptions& opts) {
    Result<nfs_statvfs_64> vfs = client_.statvfs(client_.options().dump_root(), opts);
    if (!vfs.is_ok()) return vfs.take_status();
    const uint64_t unit = vfs->f_frsize ? vfs->f_frsize : vfs->f_bsize;
    return vfs->f_bavail * unit;
}

}  // namespace kdf::nfs
