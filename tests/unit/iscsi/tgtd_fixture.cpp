#include "tests/unit/iscsi/tgtd_fixture.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace kdf_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

Tgtd::Tgtd(std::vector<TgtdLun> luns, TgtdChap chap) : tmp_("kdf-tgtd"), luns_(std::move(luns)), chap_(std::move(chap)) {
    port_ = kdf::test::free_tcp_port();
    control_ = 1 + port_ % 32000;  // tgtd takes 0..32767; a port is unique among running fixtures
    kdf::test::ServerProcess::Options so;
    so.argv = {"tgtd", "-f", "-C", std::to_string(control_), "--iscsi", "portal=" + portal()};
    so.log_path = tmp_.file("tgtd.log");
    so.stop_grace = 100ms;  // it ignores SIGTERM anyway
    if (!server_.start(so, &why_) || !server_.wait_port(port_, 10s)) {
        why_ = "tgtd did not start on " + portal() + ": " + why_ + " " + server_.log();
        return;
    }
    ok_ = configure();
}

bool Tgtd::configure() {
    if (!tgtadm("--op new --mode target --tid 1 -T " + std::string(kTgtdIqn))) return false;
    for (TgtdLun& l : luns_) {
        if (l.backing.empty()) {
            l.backing = tmp_.file("lun" + std::to_string(l.lun) + ".img");
            fs::resize_file(tmp_.write("lun" + std::to_string(l.lun) + ".img", ""), l.bytes);
        }
        std::string args = "--op new --mode logicalunit --tid 1 --lun " + std::to_string(l.lun) + " -b " + l.backing;
        if (l.block_size != 512) args += " --blocksize=" + std::to_string(l.block_size);
        if (!tgtadm(args)) return false;
    }
    if (!chap_.user.empty()) {
        if (!tgtadm("--op new --mode account --user " + chap_.user + " --password " + chap_.secret) ||
            !tgtadm("--op bind --mode account --tid 1 --user " + chap_.user))
            return false;
    }
    if (!chap_.mutual_user.empty()) {
        if (!tgtadm("--op new --mode account --user " + chap_.mutual_user + " --password " + chap_.mutual_secret) ||
            !tgtadm("--op bind --mode account --tid 1 --user " + chap_.mutual_user + " --outgoing"))
            return false;
    }
    if (!tgtadm("--op bind --mode target --tid 1 -I ALL")) return false;
    return true;
}

bool Tgtd::kill_and_restart() {
    server_.kill_now();
    remove_control_socket();  // a killed tgtd leaves it behind
    ok_ = server_.restart(&why_) && server_.wait_port(port_, 10s) && configure();
    return ok_;
}

void Tgtd::remove_control_socket() {
    for (const char* suffix : {"", ".lock"}) {
        std::error_code ec;
        fs::remove("/var/run/tgtd/socket." + std::to_string(control_) + suffix, ec);
    }
}

Tgtd::~Tgtd() {
    server_.kill_now();
    remove_control_socket();
}

bool Tgtd::tgtadm(const std::string& args) {
    const std::string out = tmp_.file("tgtadm.out");
    const std::string cmd = "tgtadm -C " + std::to_string(control_) + " --lld iscsi " + args + " >" + out + " 2>&1";
    if (std::system(cmd.c_str()) == 0) return true;
    why_ = "tgtadm " + args + " failed";
    return false;
}

std::string Tgtd::url(int lun) const { return "iscsi://" + portal() + "/" + kTgtdIqn + "/" + std::to_string(lun); }

std::string Tgtd::backing(int lun) const {
    for (const TgtdLun& l : luns_)
        if (l.lun == lun) return l.backing;
    return "";
}

std::string write_secret_file(const kdf::test::TempDir& dir, const std::string& name, const std::string& secret,
                              unsigned mode) {
    std::string path = dir.write(name, secret + "\n");
    ::chmod(path.c_str(), mode);
    return path;
}

}  // namespace kdf_test
