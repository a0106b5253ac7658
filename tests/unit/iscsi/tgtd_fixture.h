// tgtd_fixture.h - a real tgtd (Debian's userspace iSCSI target) on 127.0.0.1 for the iscsi tests.
//
// One target IQN with file-backed LUNs (created sparse in a temp dir), an initiator ACL of ALL,
// and optional CHAP / mutual CHAP accounts, configured with tgtadm. Each fixture has its own
// control socket (tgtd -C N, N derived from its free port), so several can run at once and none
// touches a system tgtd. tgtd ignores SIGTERM: it is stopped by PID with SIGKILL, and its control
// socket files are removed. A second Tgtd over the same backing files stands for a second portal
// of the same target (tgtd reads and writes the files directly, without a cache of its own).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace kdf_test {

inline constexpr const char* kTgtdIqn = "iqn.2024-01.org.example:kdump";

struct TgtdLun {
    TgtdLun(int l, uint64_t b, uint32_t bs = 512, std::string file = "")
        : lun(l), bytes(b), block_size(bs), backing(std::move(file)) {}
    int lun = 1;
    uint64_t bytes = 16u << 20;
    uint32_t block_size = 512;
    std::string backing;  // "" = a new sparse file in the fixture's dir; else an existing file
};

struct TgtdChap {
    TgtdChap() = default;
    TgtdChap(std::string u, std::string s, std::string mu = "", std::string ms = "")
        : user(std::move(u)), secret(std::move(s)), mutual_user(std::move(mu)), mutual_secret(std::move(ms)) {}
    std::string user, secret;                // incoming: the initiator proves itself
    std::string mutual_user, mutual_secret;  // outgoing: the target proves itself ("" = none)
};

class Tgtd {
public:
    explicit Tgtd(std::vector<TgtdLun> luns, TgtdChap chap = {});
    ~Tgtd();
    Tgtd(const Tgtd&) = delete;
    Tgtd& operator=(const Tgtd&) = delete;

    bool ok() const { return ok_; }
    const std::string& why() const { return why_; }
    uint16_t port() const { return port_; }
    std::string portal() const { return "127.0.0.1:" + std::to_string(port_); }
    // iscsi://127.0.0.1:PORT/IQN/LUN
    std::string url(int lun) const;
    // The file behind `lun`.
    std::string backing(int lun) const;
    std::string log() const { return server_.log(); }

    void freeze() { server_.freeze(); }
    void thaw() { server_.thaw(); }
    void kill_now() { server_.kill_now(); }
    // SIGKILL tgtd (a target that dies mid-transfer), then start it again on the same portal with
    // the same target, LUNs (the same backing files) and accounts, as its own start-up would.
    bool kill_and_restart();

private:
    bool tgtadm(const std::string& args);
    bool configure();  // the target, its LUNs, accounts and ACL, through tgtadm
    void remove_control_socket();

    kdf::test::TempDir tmp_;
    kdf::test::ServerProcess server_;
    std::vector<TgtdLun> luns_;
    TgtdChap chap_;
    uint16_t port_ = 0;
    int control_ = 0;
    bool ok_ = false;
    std::string why_;
};

// A file holding `secret` with `mode`, owned by us (for chap_secret_file).
std::string write_secret_file(const kdf::test::TempDir& dir, const std::string& name, const std::string& secret,
                              unsigned mode = 0600);

}  // namespace kdf_test
