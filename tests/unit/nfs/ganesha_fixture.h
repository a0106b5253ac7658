// ganesha_fixture.h - a real nfs-ganesha (VFS FSAL) on 127.0.0.1 for the nfs transport tests.
//
// Everything lives in one temp dir: the generated ganesha.conf (every port a free high port, NLM
// and rquota off, Graceless so creates work at once), the recovery dir, the logs and the exported
// directories. NFSv3 needs rpcbind: if nothing listens on port 111 the fixture starts `rpcbind -f`
// and stops it afterwards; an rpcbind it did not start is never touched. Clients always get the
// ports in the URL (nfsport=/mountport=), so they do not depend on rpcbind's registrations.
// Exports may be a root_squash one and a small tmpfs (mounted here, unmounted at the end) for a
// real server-side ENOSPC. The server runs in the foreground and is stopped by PID.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace kdf_test {

struct GaneshaExport {
    std::string pseudo;          // "/export": what clients mount
    bool root_squash = false;
    std::string tmpfs_size;      // non-empty: the exported directory is a tmpfs of this size
    bool deny_all = false;       // Access_Type = None: the server refuses every client access
};

class Ganesha {
public:
    explicit Ganesha(std::vector<GaneshaExport> exports);
    ~Ganesha();
    Ganesha(const Ganesha&) = delete;
    Ganesha& operator=(const Ganesha&) = delete;

    bool ok() const { return ok_; }
    const std::string& why() const { return why_; }
    uint16_t nfs_port() const { return nfs_port_; }
    uint16_t mount_port() const { return mount_port_; }
    // The server-side directory behind `pseudo`.
    std::string dir_of(const std::string& pseudo) const;
    // nfs://127.0.0.1<pseudo>?nfsport=..&mountport=.. (v3) or ?version=4&nfsport=.. (v4)
    std::string url(const std::string& pseudo, int version = 3) const;
    std::string log() const;

    void freeze() { server_.freeze(); }
    void thaw() { server_.thaw(); }
    void kill_now() { server_.kill_now(); }
    // SIGKILL the server (a server that dies mid-transfer), then start it again with the same
    // configuration and ports, and wait until both ports accept.
    bool kill_and_restart();

private:
    kdf::test::TempDir tmp_;
    std::unique_ptr<kdf::test::ServerProcess> rpcbind_;  // only when this fixture started it
    kdf::test::ServerProcess server_;
    std::vector<GaneshaExport> exports_;
    std::vector<std::string> mounts_;
    uint16_t nfs_port_ = 0, mount_port_ = 0;
    bool ok_ = false;
    std::string why_;
};

}  // namespace kdf_test
