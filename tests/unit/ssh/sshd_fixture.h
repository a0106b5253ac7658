// sshd_fixture.h - a real OpenSSH sshd on 127.0.0.1 for the ssh transport tests.
//
// Everything lives in one temp dir: host key, client key pair (made with ssh-keygen, so the tests
// do not trust our own key code to set up the server), authorized_keys, sshd_config, log. sshd runs
// in the foreground (-D -e) on a free port, through ServerProcess, and is stopped by PID.
//
// sshd forks one process per connection into a new session (setsid), so stopping the listener's
// process group does not reach them: freeze_sessions() SIGSTOPs every descendant of the listener
// (what a server that hangs mid-transfer looks like), thaw_sessions() resumes them. The destructor
// thaws before stopping, so no stopped process outlives the test.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "tests/support/server_process.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"

namespace kdf_test {

class Sshd {
public:
    Sshd();
    ~Sshd();

    bool ok() const { return ok_; }
    const std::string& dir() const { return tmp_.path(); }
    uint16_t port() const { return port_; }
    std::string host_label() const { return "[127.0.0.1]:" + std::to_string(port_); }
    std::string client_key() const { return tmp_.file("client_key"); }
    std::string host_pub() const { return tmp_.file("hostkey_ed25519.pub"); }
    // A known_hosts file that trusts this server (made once, from the host key's .pub).
    std::string known_hosts() const { return tmp_.file("known_hosts"); }
    // SHA256:... of the host key, as ssh-keygen -l prints it.
    std::string host_fingerprint() const;
    std::string log() const { return server_.log(); }

    void freeze_listener() { server_.freeze(); }
    void thaw_listener() { server_.thaw(); }
    // SIGSTOP/SIGCONT every process below the listener (the per-connection sshd and its children).
    int freeze_sessions();
    void thaw_sessions();
    // SIGKILL every session and the listener (a server that dies mid-transfer), then start the
    // same sshd again on the same port and wait until it accepts.
    bool kill_and_restart();

private:
    kdf::test::TempDir tmp_;
    kdf::test::ServerProcess server_;
    uint16_t port_ = 0;
    bool ok_ = false;
    std::vector<pid_t> frozen_;
};

// Every descendant of `pid` (children, grandchildren...), from /proc.
std::vector<pid_t> descendants(pid_t pid);

}  // namespace kdf_test
