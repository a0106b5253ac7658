#include "tests/unit/ssh/sshd_fixture.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace kdf_test {

std::vector<pid_t> descendants(pid_t root) {
    std::map<pid_t, std::vector<pid_t>> children;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(e.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) continue;
        // pid (comm) state ppid ...: comm may hold spaces, so parse after the last ')'.
        size_t close = line.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream rest(line.substr(close + 2));
        char state;
        pid_t ppid;
        if (rest >> state >> ppid) children[ppid].push_back(static_cast<pid_t>(std::stoi(name)));
    }
    std::vector<pid_t> out, todo{root};
    while (!todo.empty()) {
        pid_t p = todo.back();
        todo.pop_back();
        for (pid_t c : children[p]) {
            out.push_back(c);
            todo.push_back(c);
        }
    }
    return out;
}

Sshd::Sshd() : tmp_("kdf-sshd") {
    const std::string d = tmp_.path();
    ::mkdir("/run/sshd", 0755);
    if (shell("ssh-keygen -q -t ed25519 -N '' -f " + d + "/hostkey_ed25519 && ssh-keygen -q -t ed25519 -N '' -f " + d +
              "/client_key && cp " + d + "/client_key.pub " + d + "/authorized_keys && chmod 600 " + d +
              "/authorized_keys") != 0) {
        ADD_FAILURE() << "ssh-keygen failed (is openssh-client installed?)";
        return;
    }
    port_ = kdf::test::free_tcp_port();
    tmp_.write("sshd_config", "Port " + std::to_string(port_) +
                                  "\nListenAddress 127.0.0.1\nHostKey " + d + "/hostkey_ed25519\nPidFile " + d +
                                  "/sshd.pid\nAuthorizedKeysFile " + d +
                                  "/authorized_keys\nPermitRootLogin prohibit-password\nPubkeyAuthentication yes\n"
                                  "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
                                  "StrictModes no\nSubsystem sftp internal-sftp\nLogLevel INFO\nMaxStartups 50\n");
    // The trusted entry, exactly as OpenSSH writes it for a non-22 port.
    tmp_.write("known_hosts", host_label() + " " + shell_output("cut -d' ' -f1,2 " + host_pub()) + "\n");
    kdf::test::ServerProcess::Options o;
    o.argv = {"/usr/sbin/sshd", "-D", "-e", "-f", d + "/sshd_config"};
    o.log_path = d + "/sshd.log";
    std::string why;
    if (!server_.start(o, &why)) {
        ADD_FAILURE() << "cannot start sshd: " << why;
        return;
    }
    if (!server_.wait_port(port_, std::chrono::seconds(10))) {
        ADD_FAILURE() << "sshd did not listen on " << port_ << ": " << server_.log();
        return;
    }
    ok_ = true;
}

Sshd::~Sshd() {
    thaw_listener();
    thaw_sessions();
    // Session processes are in their own sessions: end them by PID too, after the listener.
    std::vector<pid_t> sessions = server_.pid() > 0 ? descendants(server_.pid()) : std::vector<pid_t>{};
    server_.stop();
    for (pid_t p : sessions) ::kill(p, SIGTERM);
}

std::string Sshd::host_fingerprint() const {
    std::string line = shell_output("ssh-keygen -l -E sha256 -f " + host_pub());
    size_t a = line.find("SHA256:");
    if (a == std::string::npos) return "";
    return line.substr(a, line.find(' ', a) - a);
}

int Sshd::freeze_sessions() {
    int n = 0;
    for (pid_t p : descendants(server_.pid()))
        if (::kill(p, SIGSTOP) == 0) {
            frozen_.push_back(p);
            ++n;
        }
    return n;
}

bool Sshd::kill_and_restart() {
    thaw_sessions();
    for (pid_t p : descendants(server_.pid())) ::kill(p, SIGKILL);
    return server_.restart() && server_.wait_port(port_, std::chrono::seconds(10));
}

void Sshd::thaw_sessions() {
    for (pid_t p : frozen_) ::kill(p, SIGCONT);
    frozen_.clear();
}

}  // namespace kdf_test
