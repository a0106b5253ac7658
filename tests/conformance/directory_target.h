// directory_target.h - read-back for transports that write files into a directory the test can
// read: a local path, or the directory behind a loopback server (sshd's remote path, an NFS export).
//
// Layout the suite checks (the one every file transport uses; docs/architecture.md):
//   <root>/<dump.dir_name>/<incomplete_name>   while the dump is written, after abort or a crash
//   <root>/<dump.dir_name>/<dump.final_name>   after commit
//   <root>/<dump.dir_name>/<side file>         put_file()
#pragma once

#include <string>

#include "tests/conformance/conformance_target.h"

namespace kdf::conformance {

// The bytes of a file, or nullopt when it does not exist (or is not a regular file).
std::optional<Bytes> read_whole_file(const std::string& path);

class DirectoryTarget : public ConformanceTarget {
public:
    // The directory the dated dump directories appear in (on the server's side).
    virtual std::string root() const = 0;
    // The name a dump has until commit(); "vmcore-incomplete" for our plugins.
    virtual std::string incomplete_name() const { return "vmcore-incomplete"; }

    std::optional<Bytes> final_dump(const DumpInfo& dump) const override;
    std::optional<Bytes> incomplete_dump(const DumpInfo& dump, uint64_t size) const override;
    std::optional<Bytes> side_file(const DumpInfo& dump, const std::string& name) const override;
    // ".../<dir_name>/<incomplete_name>", then ".../<dir_name>/<final_name>".
    std::string location_names(const DumpInfo& dump, bool committed) const override {
        return dump.dir_name + "/" + (committed ? dump.final_name : incomplete_name());
    }

    std::string dump_dir(const DumpInfo& dump) const { return root() + "/" + dump.dir_name; }
};

}  // namespace kdf::conformance
