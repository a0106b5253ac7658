// End to end in QEMU for the s3 transport: Debian's kernel crashes for real, the NFS target is dead
// (its ports refuse), and the crash kernel uploads the dump into a bucket of a real Ceph RADOS
// Gateway on the host (tests/s3/rgw_lab.sh; 10.0.2.2 from the guest is the host's 127.0.0.1) over
// https, verified against the lab's test CA, through the s3 plugin, libcurl, OpenSSL, the CA file,
// the credentials file and the config the dracut module put in the initramfs. On the host, s3cmd (its own signer, not ours) finds the objects, `kdump-failover save
// s3://...` reassembles the dump, and Debian's makedumpfile finds the panic in it.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>

#include "tests/e2e/qemu_guest.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

namespace fs = std::filesystem;
using kdf::test::TempDir;
using kdf_test::shell;
using kdf_test::shell_output;
using namespace kdf_test::e2e;

constexpr const char* kPanicLine = "Kernel panic - not syncing: sysrq triggered crash";
constexpr const char* kHostFromGuest = "10.0.2.2";
constexpr const char* kBucket = "crashdumps";
constexpr const char* kPrefix = "e2e-node";

// A single-node Ceph cluster with radosgw on loopback for the length of one test: rgw_lab.sh
// starts it under `lab` and stops every daemon by its PID. `lab` must not exist yet.
class Rgw {
public:
    explicit Rgw(std::string lab) : lab_(std::move(lab)) {
        const std::string log = lab_ + ".log";
        if (shell(command("start") + " > " + shell_quote(log) + " 2>&1") != 0) {
            why_ = "rgw_lab.sh start failed:\n" + read_text(log);
            return;
        }
        std::istringstream env(read_text(lab_ + "/env"));
        for (std::string line; std::getline(env, line);) {
            const auto eq = line.find('=');
            if (eq == std::string::npos) continue;
            const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
            if (key == "S3_PORT") port_ = value;
            if (key == "S3_TLS_ENDPOINT") tls_port_ = value.substr(value.rfind(':') + 1);
            if (key == "S3_CA_FILE") ca_file_ = value;
            if (key == "S3_ACCESS_KEY") access_key_ = value;
            if (key == "S3_SECRET_KEY") secret_key_ = value;
        }
        if (port_.empty() || tls_port_.empty() || ca_file_.empty() || access_key_.empty())
            why_ = "no S3_PORT, S3_TLS_ENDPOINT, S3_CA_FILE or keys in " + lab_ + "/env";
    }
    ~Rgw() { (void)shell(command("stop") + " > /dev/null 2>&1"); }
    Rgw(const Rgw&) = delete;
    Rgw& operator=(const Rgw&) = delete;

    bool ok() const { return why_.empty(); }
    const std::string& why() const { return why_; }
    const std::string& port() const { return port_; }          // http
    const std::string& tls_port() const { return tls_port_; }  // https, a certificate for 127.0.0.1 and 10.0.2.2
    const std::string& ca_file() const { return ca_file_; }    // the test CA that signed it
    const std::string& access_key() const { return access_key_; }
    const std::string& secret_key() const { return secret_key_; }

    // s3cmd ARGS as the lab's admin user, path-style addressing, output and exit code together.
    std::string s3cmd(const std::string& s3cfg, const std::string& args) const {
        return shell_output("s3cmd -c " + shell_quote(s3cfg) + " " + args + " 2>&1; echo rc=$?");
    }

private:
    std::string command(const std::string& verb) const {
        return "LAB=" + shell_quote(lab_) + " bash " + shell_quote(std::string(KDF_SOURCE_DIR) + "/tests/s3/rgw_lab.sh") +
               " " + verb;
    }

    std::string lab_, why_, port_, tls_port_, ca_file_, access_key_, secret_key_;
};

// The s3 target's section for `endpoint` (scheme://host:port), with more option lines in `extra`.
std::string s3_target(const std::string& endpoint, const std::string& credentials, const std::string& extra = "") {
    return "[target obj]\ntype = s3\nendpoint = " + endpoint + "\nbucket = " + kBucket +
           "\nprefix = " + kPrefix + "\ncredentials_file = " + credentials +
           "\npart_size = 5M\nparts_in_flight = 2\nconnect_timeout = 30s\nstall_timeout = 60s\n" + extra;
}

// The line of an `s3cmd ls -r` listing that names an object ending in /name, as its key ("" if none).
std::string key_ending(const std::string& listing, const std::string& name) {
    const std::string scheme = std::string("s3://") + kBucket + "/";
    std::istringstream in(listing);
    for (std::string line; std::getline(in, line);) {
        const auto at = line.find(scheme);
        if (at == std::string::npos) continue;
        const std::string key = line.substr(at + scheme.size());
        if (key.size() > name.size() && key.ends_with("/" + name)) return key;
    }
    return {};
}

TEST(CrashKernelE2ES3, NfsDeadDumpLandsInABucketOnTheHostsRgwAndSaveReassemblesIt) {
    ASSERT_EQ(shell("command -v qemu-system-x86_64 > /dev/null"), 0)
        << "qemu-system-x86_64 is missing: tools/install-deps.sh installs it";
    if (const std::string why = qemu_unusable_reason(); !why.empty()) GTEST_SKIP() << why;
    std::string why;
    auto kernel = guest_kernel(&why);
    ASSERT_TRUE(kernel.has_value()) << why;

    TempDir dir("kdf-e2e-s3");
    Rgw rgw(dir / "rgw");
    ASSERT_TRUE(rgw.ok()) << rgw.why();
    const std::string s3cfg = dir.write(
        "s3cfg", "[default]\naccess_key = " + rgw.access_key() + "\nsecret_key = " + rgw.secret_key() +
                     "\nhost_base = 127.0.0.1:" + rgw.port() + "\nhost_bucket = 127.0.0.1:" + rgw.port() +
                     "\nuse_https = False\nbucket_location = us-east-1\n");
    const std::string made = rgw.s3cmd(s3cfg, std::string("mb s3://") + kBucket);
    ASSERT_NE(made.find("rc=0"), std::string::npos) << made;

    // Root-only, as the plugin demands; the dracut module copies it into the initramfs.
    const std::string credentials = dir.write(
        "s3-credentials", "access_key = " + rgw.access_key() + "\nsecret_key = " + rgw.secret_key() + "\n");
    ASSERT_EQ(::chmod(credentials.c_str(), 0600), 0);
    const std::string refused_nfs = std::to_string(kdf::test::free_tcp_port());
    const std::string refused_mount = std::to_string(kdf::test::free_tcp_port());
    const std::string config = dir.write(
        "kdump-failover.conf",
        "[dump]\nlevel = 31\ncompress = zlib\n\n[chain]\ntargets = nas obj\n\n"
        "[target nas]\ntype = nfs\nurl = nfs://" + std::string(kHostFromGuest) + "/export?nfsport=" + refused_nfs +
        "&mountport=" + refused_mount + "\nconnect_timeout = 15s\n\n" +
        s3_target("https://" + std::string(kHostFromGuest) + ":" + rgw.tls_port(), credentials,
                  "ca_file = " + rgw.ca_file() + "\n"));

    GuestOptions options;
    options.config = config;
    options.network = true;
    // As in the iscsi scenario: systemd-less dracut image with the network, the plugins and their
    // libraries (libcurl, OpenSSL) needs more than the default reservation to unpack.
    options.mem_mib = 768;
    options.crashkernel = "256M";
    GuestRun run;
    const bool built = run_crash_guest(*kernel, dir / "guest", options, &run, &why);
    ASSERT_TRUE(built) << why;
    ASSERT_EQ(run.exit_code, 0) << why << "\n--- console (end) ---\n" << run.console_tail();
    ASSERT_TRUE(run.chain_saved) << run.console_tail();
    EXPECT_NE(run.console.find("target 'nas' failed; trying the next target, 'obj'"), std::string::npos)
        << run.console_tail();
    const std::string saved_by = std::string("dump saved by target 'obj' (s3): s3://") + kBucket + "/" + kPrefix + "/";
    EXPECT_NE(run.console.find(saved_by), std::string::npos) << run.console_tail();

    // What is in the bucket, seen by s3cmd: the dump and its kernel log, no marker of a failed one.
    const std::string listing = rgw.s3cmd(s3cfg, std::string("ls -r s3://") + kBucket + "/" + kPrefix + "/");
    ASSERT_NE(listing.find("rc=0"), std::string::npos) << listing;
    const std::string flat = key_ending(listing, "vmcore.flat");
    ASSERT_FALSE(flat.empty()) << listing;
    EXPECT_NE(run.console.find(std::string("s3://") + kBucket + "/" + flat), std::string::npos) << run.console_tail();
    EXPECT_FALSE(key_ending(listing, "vmcore-dmesg.txt").empty()) << listing;
    EXPECT_TRUE(key_ending(listing, "vmcore-incomplete").empty()) << listing;
    const std::string uploads = rgw.s3cmd(s3cfg, std::string("multipart s3://") + kBucket);
    EXPECT_EQ(uploads.find(std::string(kPrefix) + "/"), std::string::npos) << "an upload left in flight:\n" << uploads;

    // After the reboot, on the host: save reassembles the flattened object into a dump file.
    const std::string host_config = dir.write("host.conf", "[chain]\ntargets = obj\n\n" +
                                                               s3_target("http://127.0.0.1:" + rgw.port(), credentials));
    const std::string saved = dir / "saved";
    fs::create_directories(saved);
    const std::string out = shell_output(std::string(KDF_CLI) + " save " +
                                         shell_quote(std::string("s3://") + kBucket + "/" + flat) + " " +
                                         shell_quote(saved) + " --config " + shell_quote(host_config) + " 2>&1; echo rc=$?");
    ASSERT_NE(out.find("rc=0"), std::string::npos) << out;
    const std::string vmcore = saved + "/vmcore";
    ASSERT_TRUE(fs::exists(vmcore)) << out;
    run.dump_file_mib = static_cast<double>(fs::file_size(vmcore)) / (1024.0 * 1024.0);
    std::printf("E2E: s3 scenario (nfs dead, bucket on RGW holds it, save over S3): %s\n", run.summary().c_str());

    const std::string dmesg = dir / "dmesg.txt";
    ASSERT_EQ(shell("makedumpfile --dump-dmesg " + shell_quote(vmcore) + " " + shell_quote(dmesg) + " > " +
                    shell_quote(dir / "mdf.log") + " 2>&1"),
              0)
        << read_text(dir / "mdf.log");
    EXPECT_NE(read_text(dmesg).find(kPanicLine), std::string::npos) << "no panic line in makedumpfile's dmesg";
    const std::string verified = shell_output(std::string(KDF_CLI) + " verify " + shell_quote(vmcore) + " 2>&1; echo rc=$?");
    EXPECT_NE(verified.find("rc=0"), std::string::npos) << verified;
}

}  // namespace
