#include "tests/unit/nfs/ganesha_fixture.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace kdf_test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string dir_name(const std::string& pseudo) { return "exp" + (pseudo == "/" ? std::string("root") : pseudo.substr(1)); }

}  // namespace

Ganesha::Ganesha(std::vector<GaneshaExport> exports) : tmp_("kdf-ganesha"), exports_(std::move(exports)) {
    const std::string& d = tmp_.path();
    fs::create_directories(d + "/recov");
    fs::create_directories("/var/run/ganesha");  // its default pid/socket dir must exist

    if (!kdf::test::wait_tcp_port("127.0.0.1", 111, 0ms)) {
        rpcbind_ = std::make_unique<kdf::test::ServerProcess>();
        kdf::test::ServerProcess::Options ro;
        ro.argv = {"rpcbind", "-f"};  // not "-h 127.0.0.1": it crashes with a double free
        ro.log_path = d + "/rpcbind.log";
        if (!rpcbind_->start(ro, &why_) || !rpcbind_->wait_port(111, 5s)) {
            why_ = "rpcbind did not start: " + why_ + rpcbind_->log();
            return;
        }
    }

    nfs_port_ = kdf::test::free_tcp_port();
    mount_port_ = kdf::test::free_tcp_port();
    while (mount_port_ == nfs_port_) mount_port_ = kdf::test::free_tcp_port();
    std::ostringstream conf;
    conf << "NFS_CORE_PARAM {\n  Bind_Addr = 127.0.0.1;\n  NFS_Port = " << nfs_port_ << ";\n  MNT_Port = " << mount_port_
         << ";\n  NLM_Port = " << kdf::test::free_tcp_port() << ";\n  Rquota_Port = " << kdf::test::free_tcp_port()
         << ";\n  NFS_Protocols = 3, 4;\n  Enable_NLM = false;\n  Enable_RQUOTA = false;\n  Enable_UDP = false;\n"
            "  Mount_Path_Pseudo = true;\n}\n"
            "NFSV4 {\n  Graceless = true;\n  RecoveryBackend = fs;\n  RecoveryRoot = "
         << d << "/recov;\n  Allow_Numeric_Owners = true;\n  Only_Numeric_Owners = true;\n}\n"
         << "NFS_KRB5 { Active_krb5 = false; }\nLOG { Default_Log_Level = EVENT; }\n";
    int id = 1;
    for (const GaneshaExport& e : exports_) {
        std::string path = d + "/" + dir_name(e.pseudo);
        fs::create_directories(path);
        if (!e.tmpfs_size.empty()) {
            std::string cmd = "mount -t tmpfs -o size=" + e.tmpfs_size + ",mode=0755 kdf-nfs-test '" + path + "'";
            if (std::system(cmd.c_str()) != 0) {
                why_ = "cannot mount a tmpfs at " + path + " (the tests need root)";
                return;
            }
            mounts_.push_back(path);
        }
        conf << "EXPORT {\n  Export_Id = " << id++ << ";\n  Path = " << path << ";\n  Pseudo = " << e.pseudo
             << ";\n  Access_Type = " << (e.deny_all ? "None" : "RW")
             << ";\n  Squash = " << (e.root_squash ? "Root_Squash" : "No_Root_Squash")
             << ";\n  SecType = sys;\n  Protocols = 3, 4;\n  Transports = TCP;\n  FSAL { Name = VFS; }\n}\n";
    }
    std::ofstream(d + "/ganesha.conf") << conf.str();

    kdf::test::ServerProcess::Options so;
    so.argv = {"ganesha.nfsd", "-F", "-f", d + "/ganesha.conf", "-L", d + "/ganesha.log", "-p", d + "/ganesha.pid",
               "-N", "NIV_EVENT"};
    so.log_path = d + "/ganesha.out";
    if (!server_.start(so, &why_)) return;
    // Serving once the log says so (ports open a little earlier than the exports are ready).
    auto until = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < until) {
        if (read_all(d + "/ganesha.log").find("NFS SERVER INITIALIZED") != std::string::npos) {
            ok_ = server_.wait_port(nfs_port_, 5s) && server_.wait_port(mount_port_, 5s);
            if (!ok_) why_ = "ganesha initialised but its ports do not accept: " + log();
            return;
        }
        if (!server_.running()) break;
        std::this_thread::sleep_for(20ms);
    }
    why_ = "ganesha did not start: " + log();
}

Ganesha::~Ganesha() {
    server_.stop();
    if (rpcbind_) rpcbind_->stop();
    for (const std::string& m : mounts_) std::system(("umount -l '" + m + "' 2>/dev/null").c_str());
}

bool Ganesha::kill_and_restart() {
    ok_ = server_.restart(&why_) && server_.wait_port(nfs_port_, 15s) && server_.wait_port(mount_port_, 5s);
    return ok_;
}

std::string Ganesha::dir_of(const std::string& pseudo) const { return tmp_.path() + "/" + dir_name(pseudo); }

std::string Ganesha::url(const std::string& pseudo, int version) const {
    if (version == 4) return "nfs://127.0.0.1" + pseudo + "?version=4&nfsport=" + std::to_string(nfs_port_);
    return "nfs://127.0.0.1" + pseudo + "?nfsport=" + std::to_string(nfs_port_) +
           "&mountport=" + std::to_string(mount_port_);
}

std::string Ganesha::log() const {
    return read_all(tmp_.path() + "/ganesha.out") + read_all(tmp_.path() + "/ganesha.log");
}

}  // namespace kdf_test
