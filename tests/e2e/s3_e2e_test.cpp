// End to end in QEMU for the s3 transport: Debian's kernel crashes for real, the NFS target is dead
// (its ports refuse), and the crash kernel uploads the dump into a bucket of a real Ceph RADOS
// Gateway on the host (tests/s3/rgw_lab.sh; 10.0.2.2 from the guest is the host's 127.0.0.1) over
// https, verified against the lab's test CA, through the s3 plugin, libcurl, OpenSSL, the CA file,
// the credentials file and the config the dracut module put in the initramfs. On the host, s3cmd
// (its own signer, not ours) finds the objects, `kdump-failover save s3://...` reassembles the
// dump, and Debian's makedumpfile finds the panic in it.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>

#include "tests/e2e/dead_nfs_failover.h"
#include "tests/e2e/qemu_guest.h"
#include "tests/support/shell.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/s3/rgw_lab.h"

namespace {

namespace fs = std::filesystem;
using kdf::test::TempDir;
using kdf_test::RgwLab;
using kdf_test::ShellResult;
using kdf_test::shell_output;
using namespace kdf_test::e2e;

constexpr const char* kBucket = "crashdumps";
constexpr const char* kPrefix = "e2e-node";

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
    std::optional<GuestKernel> kernel;
    std::string skip;
    ASSERT_NO_FATAL_FAILURE(require_guest_kernel(&kernel, &skip));
    if (!skip.empty()) GTEST_SKIP() << skip;

    TempDir dir("kdf-e2e-s3");
    // A single-node Ceph cluster with radosgw on loopback for the length of this test.
    RgwLab rgw;
    ASSERT_TRUE(rgw.ok()) << rgw.why();
    const ShellResult made = rgw.s3cmd(std::string("mb s3://") + kBucket);
    ASSERT_EQ(made.exit_code, 0) << made.out;

    // Root-only, as the plugin demands; the dracut module copies it into the initramfs.
    const std::string credentials = dir.write(
        "s3-credentials", "access_key = " + rgw.access_key() + "\nsecret_key = " + rgw.secret_key() + "\n");
    ASSERT_EQ(::chmod(credentials.c_str(), 0600), 0);
    // The guest reaches the host's https port at 10.0.2.2 (the lab's certificate names it too).
    const std::string tls_port = rgw.tls_endpoint().substr(rgw.tls_endpoint().rfind(':') + 1);
    const std::string config = dir.write(
        "kdump-failover.conf",
        dead_nfs_chain_head("obj") + s3_target("https://" + std::string(kHostFromGuest) + ":" + tls_port, credentials,
                                               "ca_file = " + rgw.ca_file() + "\n"));

    GuestRun run;
    const std::string saved_by = std::string("dump saved by target 'obj' (s3): s3://") + kBucket + "/" + kPrefix + "/";
    ASSERT_NO_FATAL_FAILURE(boot_and_fail_over(*kernel, dir / "guest", network_guest(config), "obj", saved_by, &run));

    // What is in the bucket, seen by s3cmd: the dump and its kernel log, no marker of a failed one.
    const ShellResult listing = rgw.s3cmd(std::string("ls -r s3://") + kBucket + "/" + kPrefix + "/");
    ASSERT_EQ(listing.exit_code, 0) << listing.out;
    const std::string flat = key_ending(listing.out, "vmcore.flat");
    ASSERT_FALSE(flat.empty()) << listing.out;
    EXPECT_NE(run.console.find(std::string("s3://") + kBucket + "/" + flat), std::string::npos) << run.console_tail();
    EXPECT_FALSE(key_ending(listing.out, "vmcore-dmesg.txt").empty()) << listing.out;
    EXPECT_TRUE(key_ending(listing.out, "vmcore-incomplete").empty()) << listing.out;
    const ShellResult uploads = rgw.s3cmd(std::string("multipart s3://") + kBucket);
    EXPECT_EQ(uploads.out.find(std::string(kPrefix) + "/"), std::string::npos) << "an upload left in flight:\n" << uploads.out;

    // After the reboot, on the host: save reassembles the flattened object into a dump file.
    const std::string host_config =
        dir.write("host.conf", "[chain]\ntargets = obj\n\n" + s3_target(rgw.endpoint(), credentials));
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

    ASSERT_NO_FATAL_FAILURE(expect_readers_accept(vmcore, dir.path()));
}

}  // namespace
