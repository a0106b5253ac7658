// sftp_dump_store.cpp - list, remove and measure dump directories over SFTP.
#include "sftp_dump_store.h"

#include "kdf/names.h"

namespace kdf::ssh {

Result<std::vector<std::string>> SftpDumpStore::list(const CallOptions& opts) {
    auto entries = channel_.list_dir(path_, opts);
    if (!entries.is_ok()) return entries.take_status();
    std::vector<std::string> out;
    for (const sftp::DirEntry& e : entries.value())
        if (e.attrs.is_dir() && is_plain_name(e.name)) out.push_back(e.name);
    return out;
}

Result<bool> SftpDumpStore::complete(const std::string& name, const CallOptions& opts) {
    auto inside = channel_.list_dir(path_ + "/" + name, opts);
    // A directory we cannot read counts as incomplete: it is then never removed.
    if (!inside.is_ok()) return inside.status().code() == Code::timeout ? Result<bool>(inside.take_status()) : false;
    for (const sftp::DirEntry& f : inside.value())
        if ((f.name == "vmcore" || f.name == "vmcore.flat") && f.attrs.is_regular()) return true;
    return false;
}

Status SftpDumpStore::remove(const std::string& name, const CallOptions& opts) {
    if (!is_plain_name(name)) return Status::error(Code::invalid_config, "ssh: '" + name + "' is not a dump directory name");
    const std::string dir = path_ + "/" + name;
    auto inside = channel_.list_dir(dir, opts);
    if (!inside.is_ok()) return inside.take_status();
    for (const sftp::DirEntry& f : inside.value())
        if (!f.attrs.is_regular() || !is_plain_name(f.name))
            return Status::error(Code::corrupt, "ssh: " + dir + "/" + f.name +
                                                    " is not a plain file; the dump directory is left as it is");
    for (const sftp::DirEntry& f : inside.value())
        if (Status s = channel_.remove(dir + "/" + f.name, opts); !s.is_ok()) return s;
    return channel_.rmdir(dir, opts);
}

Result<uint64_t> SftpDumpStore::free_bytes(const CallOptions& opts) {
    auto fs = channel_.statvfs(path_, opts);
    if (!fs.is_ok()) return fs.take_status();
    return fs->free_bytes();
}

}  // namespace kdf::ssh
