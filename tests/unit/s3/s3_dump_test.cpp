// The s3 transport end to end against a real Ceph RADOS Gateway on loopback: the real
// `kdump-failover dump` with a chain whose first target is the bucket and whose second is a local
// directory, read back with s3cmd (an independent S3 client) and makedumpfile -R. Covers the
// issue's list: the dump lands and reads back page for page; a wrong secret is refused and nothing
// is created; a missing bucket; radosgw frozen mid-upload -> stall timeout -> next target, nothing
// under the final name; radosgw killed and restarted mid-upload; put-only credentials under a
// bucket policy write their own prefix and cannot read it back or see another node's dump.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <memory>
#include <thread>

#include "core/vmcore/elf_reader.h"
#include "tests/unit/chain/cli_harness.h"
#include "tests/unit/s3/byte_budget_relay.h"
#include "tests/unit/s3/rgw_lab.h"

namespace {

using namespace kdf_test;
using namespace std::chrono_literals;

// One RGW for the whole binary: Ceph takes seconds to start.
RgwLab* lab = nullptr;

class RgwEnvironment : public ::testing::Environment {
public:
    void SetUp() override { lab_ = std::make_unique<RgwLab>(); lab = lab_.get(); }
    void TearDown() override { lab = nullptr; lab_.reset(); }

private:
    std::unique_ptr<RgwLab> lab_;
};

const auto* const rgw_environment = ::testing::AddGlobalTestEnvironment(new RgwEnvironment);

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

class S3Dump : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_NE(lab, nullptr);
        ASSERT_TRUE(lab->ok()) << lab->why();
    }

    // A credentials file as the docs describe it: root-owned, mode 0600.
    fs::path credentials(const std::string& ak, const std::string& sk, mode_t mode = 0600) {
        fs::path p = s.path("s3-credentials-" + std::to_string(++files_));
        write_file(p, "# test keys\naccess_key = " + ak + "\nsecret_key = " + sk + "\n");
        ::chmod(p.c_str(), mode);
        return p;
    }

    // "[chain] obj backup": the bucket first, a local directory after it (a new one per chain, so
    // two dumps within one second never meet in it).
    // `chain_lines`: more lines for the [chain] section.
    fs::path chain(const std::string& s3_keys, const std::string& chain_lines = "") {
        backup = s.mkdir("backup-" + std::to_string(++chains_));
        fs::path conf = s.path("kdf.conf");
        write_file(conf, "[chain]\ntargets = obj backup\n" + chain_lines + "\n[target obj]\ntype = s3\nendpoint = " + lab->endpoint() +
                             "\n" + s3_keys + "\n\n[target backup]\ntype = local\npath = " + backup.string() +
                             "\nreserve = 0\n");
        return conf;
    }

    CommandResult dump(const fs::path& conf, const fs::path& vmcore) {
        return s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    }

    // s3cmd get + makedumpfile -R: the dump as a normal file, read by tools that are not ours.
    fs::path fetch_and_reassemble(const std::string& bucket, const std::string& key) {
        fs::path flat = s.path("fetched.flat"), out = s.path("reassembled");
        fs::remove(out);  // makedumpfile -R will not write over an earlier one
        ShellResult got = lab->s3cmd("get --force 's3://" + bucket + "/" + key + "' '" + flat.string() + "'");
        EXPECT_EQ(got.exit_code, 0) << got.out;
        ShellResult r = shell_captured("makedumpfile -R '" + out.string() + "' < '" + flat.string() + "'");
        EXPECT_EQ(r.exit_code, 0) << r.out;
        return out;
    }

    Scratch s;
    fs::path backup;
    int files_ = 0;
    int chains_ = 0;
};

// The one line of `keys` that ends with `/name` ("" if none).
std::string key_ending(const std::string& keys, const std::string& name) {
    std::istringstream in(keys);
    std::string line;
    while (std::getline(in, line))
        if (line.size() > name.size() && line.ends_with("/" + name)) return line;
    return {};
}

TEST_F(S3Dump, DumpLandsAndReadsBackPageForPage) {
    ASSERT_EQ(lab->s3cmd("mb s3://dumps").exit_code, 0);
    fs::path vmcore = s.path("vmcore-kernel");
    ASSERT_EQ(std::system((std::string(KDF_MKVMCORE) + " --kernel --size 48M --seed 3 '" + vmcore.string() + "'").c_str()), 0);
    fs::path conf = chain("bucket = dumps\nprefix = node-a\ncredentials_file = " +
                          credentials(lab->access_key(), lab->secret_key()).string() +
                          "\npart_size = 5M\nparts_in_flight = 3\nstall_timeout = 20s");
    // check --probe: a test upload started and aborted with the target's keys, the secret not shown.
    CommandResult probe = s.run("check --probe --config " + conf.string());
    EXPECT_EQ(probe.exit_code, 0) << probe.out << probe.err;
    EXPECT_TRUE(contains(probe.out + probe.err, "writable with access key " + lab->access_key())) << probe.out << probe.err;
    EXPECT_FALSE(contains(probe.out + probe.err, lab->secret_key()));
    EXPECT_EQ(lab->keys("dumps"), "") << "the probe left an object";

    CommandResult r = dump(conf, vmcore);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string keys = lab->keys("dumps", "node-a/");
    const std::string flat = key_ending(keys, "vmcore.flat");
    ASSERT_FALSE(flat.empty()) << keys;
    EXPECT_TRUE(contains(r.out, "dump saved by target 'obj' (s3): s3://dumps/" + flat)) << r.out;
    const std::string dir = flat.substr(0, flat.rfind('/') + 1);
    EXPECT_TRUE(contains(keys, dir + "vmcore-dmesg.txt")) << keys;
    EXPECT_FALSE(contains(keys, "vmcore-incomplete")) << keys;
    EXPECT_TRUE(fs::is_empty(backup));
    // A --kernel vmcore is filtered at the default dump level: every page kept must be equal.
    uint64_t excluded = 0;
    EXPECT_TRUE(same_kept_pages(vmcore, fetch_and_reassemble("dumps", flat), &excluded));
    // Nothing left in flight: every multipart upload was completed.
    ShellResult uploads = lab->s3cmd("multipart s3://dumps");
    EXPECT_FALSE(contains(uploads.out, "node-a/")) << uploads.out;
}

TEST_F(S3Dump, WrongSecretIsRefusedClearlyAndNothingIsCreated) {
    ASSERT_EQ(lab->s3cmd("mb s3://wrongkey").exit_code, 0);
    fs::path vmcore = s.make_vmcore("8M", 4);
    const std::string bad_secret = "not-the-secret-0123456789abcdefghijklmn";
    fs::path conf = chain("bucket = wrongkey\ncredentials_file = " + credentials(lab->access_key(), bad_secret).string());
    CommandResult r = dump(conf, vmcore);
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'obj' [auth]: s3: starting the upload of ")) << r.err;
    EXPECT_TRUE(contains(r.err, "HTTP 403 SignatureDoesNotMatch")) << r.err;
    EXPECT_TRUE(contains(r.err, "the server refused the keys of access key " + lab->access_key() + " (check secret_key in "))
        << r.err;
    EXPECT_FALSE(contains(r.err + r.out, bad_secret)) << "the secret was printed";
    EXPECT_EQ(lab->keys("wrongkey"), "");
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));
}

TEST_F(S3Dump, MissingBucketFailsOverNamingIt) {
    fs::path vmcore = s.make_vmcore("8M", 5);
    fs::path conf = chain("bucket = no-such-bucket\ncredentials_file = " +
                          credentials(lab->access_key(), lab->secret_key()).string());
    CommandResult r = dump(conf, vmcore);
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'obj' [connect]: s3: starting the upload of ")) << r.err;
    EXPECT_TRUE(contains(r.err, "HTTP 404 NoSuchBucket")) << r.err;
    EXPECT_TRUE(contains(r.err, "create bucket 'no-such-bucket' first")) << r.err;
    EXPECT_NE(lab->s3cmd("ls s3://no-such-bucket").exit_code, 0) << "the bucket was created";
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));
}

TEST_F(S3Dump, CredentialsOthersCanReadAreRefused) {
    ASSERT_EQ(lab->s3cmd("mb s3://modes").exit_code, 0);
    fs::path vmcore = s.make_vmcore("4M", 6);
    fs::path creds = credentials(lab->access_key(), lab->secret_key(), 0644);
    fs::path conf = chain("bucket = modes\ncredentials_file = " + creds.string());
    CommandResult r = dump(conf, vmcore);
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'obj' [auth]: s3: credentials file " + creds.string() +
                                    ": mode 0644 lets group or others at the secret; chmod 600"))
        << r.err;
    EXPECT_FALSE(contains(r.err + r.out, lab->secret_key()));
    EXPECT_EQ(lab->keys("modes"), "");
}

TEST_F(S3Dump, TlsVerifiedWithTheTestCaAndAWrongCaRefused) {
    ASSERT_EQ(lab->s3cmd("mb s3://tls").exit_code, 0);
    fs::path vmcore = s.make_vmcore("8M", 10);
    const std::string creds = credentials(lab->access_key(), lab->secret_key()).string();
    // A CA that did not sign radosgw's certificate.
    fs::path wrong = s.path("wrong-ca.pem");
    ShellResult made = shell_captured("openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=wrong-ca -days 2 -keyout '" +
                             s.path("wrong-ca.key").string() + "' -out '" + wrong.string() + "'");
    ASSERT_EQ(made.exit_code, 0) << made.out;
    // Each dump its own prefix: two dumps within one second would share a directory, and the
    // second would be refused (the first one's claim).
    auto tls_chain = [&](const std::string& ca, const std::string& prefix) {
        fs::path conf = chain("bucket = tls\nprefix = " + prefix + "\ncredentials_file = " + creds + "\nca_file = " + ca);
        // chain() writes the http endpoint: point the target at https instead.
        std::string text = read_file(conf);
        text.replace(text.find("endpoint = " + lab->endpoint()), ("endpoint = " + lab->endpoint()).size(),
                     "endpoint = " + lab->tls_endpoint());
        write_file(conf, text);
        return conf;
    };
    CommandResult refused = dump(tls_chain(wrong.string(), "tls"), vmcore);
    EXPECT_EQ(refused.exit_code, 11) << refused.err;
    EXPECT_TRUE(contains(refused.err, "target 'obj' [auth]: s3: starting the upload of ")) << refused.err;
    EXPECT_TRUE(contains(refused.err, ": TLS: ")) << refused.err;
    EXPECT_TRUE(contains(refused.err, "does ca_file " + wrong.string() + " hold the CA that signed it?")) << refused.err;
    EXPECT_EQ(lab->keys("tls"), "");

    // verify_tls = no: works with any certificate, and says loudly that nothing was checked.
    fs::path unverified = tls_chain(wrong.string(), "loose");
    std::string text = read_file(unverified);
    text.replace(text.find("ca_file = "), 0, "verify_tls = no\n");
    write_file(unverified, text);
    CommandResult loose = dump(unverified, vmcore);
    EXPECT_EQ(loose.exit_code, 0) << loose.err;
    EXPECT_TRUE(contains(loose.err, "s3: WARNING: target 'obj': verify_tls = no: the certificate of " + lab->tls_endpoint() +
                                        "/tls is NOT checked"))
        << loose.err;

    CommandResult ok = dump(tls_chain(lab->ca_file(), "tls"), vmcore);
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_TRUE(contains(ok.out, "dump saved by target 'obj' (s3): s3://tls/tls/")) << ok.out;
    EXPECT_FALSE(key_ending(lab->keys("tls", "tls/"), "vmcore.flat").empty());
}

// Waits (polling radosgw's request log every 5 ms, up to 30 s) until it has answered a part of an
// upload into `bucket`: the upload is then under way.
bool upload_under_way(const std::string& bucket) {
    for (auto end = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(5ms))
        if (lab->parts_answered(bucket) > 0) return true;
    return false;
}

TEST_F(S3Dump, FrozenServerStallsToTheNextTargetAndNothingGetsTheFinalName) {
    ASSERT_EQ(lab->s3cmd("mb s3://frozen").exit_code, 0);
    fs::path vmcore = s.make_vmcore("160M", 7);
    fs::path conf = chain("bucket = frozen\ncredentials_file = " +
                          credentials(lab->access_key(), lab->secret_key()).string() +
                          "\npart_size = 5M\nparts_in_flight = 2\nstall_timeout = 3s");
    CommandResult r;
    std::thread dumper([&] { r = dump(conf, vmcore); });
    bool started = upload_under_way("frozen");
    lab->freeze();
    dumper.join();
    lab->thaw();
    ASSERT_TRUE(started) << "the upload never started: " << r.err;
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'obj' [write]")) << r.err;
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));
    EXPECT_EQ(key_ending(lab->keys("frozen"), "vmcore.flat"), "") << lab->keys("frozen");
}

TEST_F(S3Dump, ServerKilledAndRestartedMidUploadStillCompletes) {
    ASSERT_EQ(lab->s3cmd("mb s3://restart").exit_code, 0);
    fs::path vmcore = s.make_vmcore("96M", 8);
    fs::path conf = chain("bucket = restart\ncredentials_file = " +
                          credentials(lab->access_key(), lab->secret_key()).string() +
                          "\npart_size = 5M\nparts_in_flight = 2\nstall_timeout = 30s");
    CommandResult r;
    std::thread dumper([&] { r = dump(conf, vmcore); });
    bool started = upload_under_way("restart");
    bool restarted = lab->restart_rgw();
    dumper.join();
    ASSERT_TRUE(started) << r.err;
    ASSERT_TRUE(restarted);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string flat = key_ending(lab->keys("restart"), "vmcore.flat");
    ASSERT_FALSE(flat.empty()) << lab->keys("restart");
    EXPECT_TRUE(same_pages(vmcore, fetch_and_reassemble("restart", flat)));
}

TEST_F(S3Dump, SaveAndListAfterRebootAndResumeAnInterruptedSave) {
    ASSERT_EQ(lab->s3cmd("mb s3://saved").exit_code, 0);
    fs::path vmcore = s.path("vmcore-kernel");
    ASSERT_EQ(std::system((std::string(KDF_MKVMCORE) + " --kernel --size 128M --seed 12 '" + vmcore.string() + "'").c_str()),
              0);
    fs::path conf = chain("bucket = saved\nprefix = host1\ncredentials_file = " +
                          credentials(lab->access_key(), lab->secret_key()).string() + "\npart_size = 5M");
    CommandResult r = dump(conf, vmcore);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string flat = key_ending(lab->keys("saved"), "vmcore.flat");
    ASSERT_FALSE(flat.empty());
    const std::string dir = flat.substr(0, flat.rfind('/') + 1);

    // list: the dump, complete, with its kernel log.
    CommandResult listed = s.run("list s3://saved/host1/ --config " + conf.string());
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_TRUE(contains(listed.out, "s3://saved/" + dir + "  complete  vmcore.flat ")) << listed.out;
    EXPECT_TRUE(contains(listed.out, "vmcore-dmesg.txt")) << listed.out;

    // save, interrupted: the gateway stops answering after the first bytes and the command is
    // killed; the next run goes on from the bytes already there, and the result is the dump.
    fs::path out = s.mkdir("saved-here");
    const std::string save = "save s3://saved/" + flat + " " + out.string() + " --config " + conf.string();
    fs::path pid_file = s.path("save.pid");
    std::thread first([&] {
        (void)shell_captured("KDF_PLUGIN_PATH='" KDF_PLUGIN_BUILD_DIR "' sh -c '" KDF_CLI " " + save + " & echo $! > " +
                    pid_file.string() + "; wait'");
    });
    const fs::path part = out / "vmcore.flat.part";
    bool some = false;
    for (auto end = std::chrono::steady_clock::now() + 30s; !some && std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(5ms)) {
        std::error_code size_ec;
        some = fs::file_size(part, size_ec) >= (2u << 20) && !size_ec;
    }
    lab->freeze();
    std::this_thread::sleep_for(300ms);
    (void)shell_captured("kill -KILL $(cat '" + pid_file.string() + "')");
    first.join();
    lab->thaw();
    ASSERT_TRUE(some) << "the first save never got going";
    std::error_code ec;
    const auto had = fs::file_size(part, ec);
    ASSERT_FALSE(ec) << "no part file after the interruption";
    CommandResult again = s.run(save);
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_GT(had, 0u);
    EXPECT_TRUE(contains(again.out, ", resumed after ")) << again.out;
    EXPECT_TRUE(contains(again.out, "saved " + (out / "vmcore").string())) << again.out;
    EXPECT_FALSE(fs::exists(part));
    EXPECT_FALSE(fs::exists(out / "vmcore.flat"));
    EXPECT_TRUE(fs::exists(out / "vmcore-dmesg.txt"));
    uint64_t excluded = 0;
    EXPECT_TRUE(same_kept_pages(vmcore, out / "vmcore", &excluded));
    ShellResult dmesg = shell_captured("makedumpfile --dump-dmesg '" + (out / "vmcore").string() + "' '" + s.path("dm").string() + "'");
    EXPECT_EQ(dmesg.exit_code, 0) << dmesg.out;
}

// The put-only bucket policy of docs/s3.md: each node may put objects (and so start, upload and
// complete multipart uploads) and abort its uploads under its own prefix. The uploader owns what
// it puts, and an owner's object ACL would let it read and delete its dumps: the explicit Deny
// takes that away, since a Deny in the bucket policy wins over any ACL.
std::string node_statement(const std::string& bucket, const std::string& user, const std::string& prefix) {
    return R"({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam:::user/)" + user +
           R"("]}, "Action": ["s3:PutObject", "s3:AbortMultipartUpload"], "Resource": ["arn:aws:s3:::)" + bucket + "/" +
           prefix + R"(/*"]})";
}

std::string deny_reading(const std::string& bucket, const std::string& users) {
    return R"({"Effect": "Deny", "Principal": {"AWS": [)" + users +
           R"(]}, "Action": ["s3:GetObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetObjectAcl", "s3:PutObjectAcl"],
  "Resource": ["arn:aws:s3:::)" + bucket + R"(", "arn:aws:s3:::)" + bucket + R"(/*"]})";
}

TEST_F(S3Dump, PutOnlyCredentialsWriteTheirPrefixAndReadNothing) {
    ASSERT_EQ(lab->s3cmd("mb s3://fleet").exit_code, 0);
    ASSERT_TRUE(lab->add_user("node1", "NODE1ACCESSKEY000001", "node1secret000000000000000000000000000001"));
    ASSERT_TRUE(lab->add_user("node2", "NODE2ACCESSKEY000002", "node2secret000000000000000000000000000002"));
    fs::path policy = s.path("policy.json");
    const std::string text = R"({"Version": "2012-10-17", "Statement": [)" + node_statement("fleet", "node1", "node1") +
                             ", " + node_statement("fleet", "node2", "node2") + ", " +
                             deny_reading("fleet", R"("arn:aws:iam:::user/node1", "arn:aws:iam:::user/node2")") + "]}";
    write_file(policy, text);
    ShellResult set = lab->s3cmd("setpolicy '" + policy.string() + "' s3://fleet");
    ASSERT_EQ(set.exit_code, 0) << set.out << "\n" << text;

    fs::path vmcore = s.make_vmcore("16M", 9);
    for (const char* node : {"node1", "node2"}) {
        const std::string n(node);
        const std::string ak = n == "node1" ? "NODE1ACCESSKEY000001" : "NODE2ACCESSKEY000002";
        const std::string sk = n == "node1" ? "node1secret000000000000000000000000000001"
                                            : "node2secret000000000000000000000000000002";
        fs::path conf = chain("bucket = fleet\nprefix = " + n + "\ncredentials_file = " + credentials(ak, sk).string() +
                              "\npart_size = 5M");
        CommandResult r = dump(conf, vmcore);
        ASSERT_EQ(r.exit_code, 0) << n << ": " << r.err;
        EXPECT_TRUE(contains(r.out, "dump saved by target 'obj' (s3): s3://fleet/" + n + "/")) << r.out;
        // Outside its prefix the node may write nothing.
        fs::path conf2 = chain("bucket = fleet\nprefix = elsewhere\ncredentials_file = " + credentials(ak, sk).string());
        CommandResult denied = dump(conf2, vmcore);
        EXPECT_EQ(denied.exit_code, 11) << denied.err;
        EXPECT_TRUE(contains(denied.err, "HTTP 403 AccessDenied")) << denied.err;
    }
    const std::string keys = lab->keys("fleet");
    std::string node2_key;
    {
        std::istringstream in(keys);
        std::string line;
        while (std::getline(in, line))
            if (line.starts_with("node2/") && line.ends_with("/vmcore.flat")) node2_key = line;
    }
    ASSERT_FALSE(node2_key.empty()) << keys;
    EXPECT_FALSE(contains(keys, "elsewhere/")) << keys;
    // node1 can neither read node2's dump nor list the bucket, nor read or delete its own.
    std::string node1_key;
    {
        std::istringstream in(keys);
        std::string line;
        while (std::getline(in, line))
            if (line.starts_with("node1/") && line.ends_with("/vmcore.flat")) node1_key = line;
    }
    ASSERT_FALSE(node1_key.empty()) << keys;
    ShellResult own = lab->s3cmd_as("NODE1ACCESSKEY000001", "node1secret000000000000000000000000000001",
                                    "get --force 's3://fleet/" + node1_key + "' '" + s.path("own").string() + "'");
    EXPECT_NE(own.exit_code, 0) << own.out;
    ShellResult del = lab->s3cmd_as("NODE1ACCESSKEY000001", "node1secret000000000000000000000000000001",
                                    "del 's3://fleet/" + node1_key + "'");
    EXPECT_NE(del.exit_code, 0) << del.out;
    EXPECT_TRUE(contains(lab->keys("fleet"), node1_key));
    // The bucket's owner reads every node's dump (the plugin gives it full control of each object).
    ShellResult owner = lab->s3cmd("get --force 's3://fleet/" + node2_key + "' '" + s.path("owner").string() + "'");
    EXPECT_EQ(owner.exit_code, 0) << owner.out;
    ShellResult get = lab->s3cmd_as("NODE1ACCESSKEY000001", "node1secret000000000000000000000000000001",
                                    "get --force 's3://fleet/" + node2_key + "' '" + s.path("stolen").string() + "'");
    EXPECT_NE(get.exit_code, 0) << get.out;
    ShellResult list = lab->s3cmd_as("NODE1ACCESSKEY000001", "node1secret000000000000000000000000000001", "ls -r s3://fleet");
    EXPECT_NE(list.exit_code, 0) << list.out;
}

// s3-save runs as root into a directory a user may write to: a link planted under the name of
// its part file or ETag file must be refused, and the file it points to left as it was.
TEST_F(S3Dump, SaveRefusesPlantedLinksAndLeavesTheirTargetsAlone) {
    ASSERT_EQ(lab->s3cmd("mb s3://planted").exit_code, 0);
    fs::path object = s.path("object.bin");
    write_file(object, std::string(300000, 'x'));
    ASSERT_EQ(lab->s3cmd("put '" + object.string() + "' s3://planted/h/d/dump.bin").exit_code, 0);
    fs::path conf = chain("bucket = planted\ncredentials_file = " +
                          credentials(lab->access_key(), lab->secret_key()).string());
    fs::path out = s.mkdir("save-into");
    const std::string save = "save s3://planted/h/d/dump.bin " + out.string() + " --config " + conf.string();
    fs::path victim = s.path("victim");
    const std::string precious = "root's file, never to be truncated\n";
    write_file(victim, precious);

    for (const std::string name : {"dump.bin.part", "dump.bin.part.etag"}) {
        SCOPED_TRACE(name);
        fs::create_symlink(victim, out / name);
        CommandResult r = s.run(save);
        EXPECT_NE(r.exit_code, 0) << r.out;
        EXPECT_TRUE(contains(r.err, "symbolic link")) << r.err;
        EXPECT_EQ(read_file(victim), precious);
        EXPECT_FALSE(fs::exists(out / "dump.bin"));
        fs::remove(out / name);
    }
    // A hard link is another name of the victim: refused as well.
    fs::create_hard_link(victim, out / "dump.bin.part");
    CommandResult linked = s.run(save);
    EXPECT_NE(linked.exit_code, 0) << linked.out;
    EXPECT_TRUE(contains(linked.err, "hard links")) << linked.err;
    EXPECT_EQ(read_file(victim), precious);
    fs::remove(out / "dump.bin.part");

    // With the names free the same save works, which shows the refusals above were the links'.
    CommandResult clean = s.run(save);
    ASSERT_EQ(clean.exit_code, 0) << clean.err;
    EXPECT_EQ(read_file(out / "dump.bin"), std::string(300000, 'x'));
    EXPECT_FALSE(fs::exists(out / "dump.bin.part.etag"));

    // A file already there is kept unless the user forces it; --force reaches the plugin's save.
    write_file(out / "dump.bin", "an older file of that name\n");
    CommandResult kept = s.run(save);
    EXPECT_NE(kept.exit_code, 0);
    EXPECT_TRUE(contains(kept.err, "exists; refusing to write over it")) << kept.err;
    EXPECT_EQ(read_file(out / "dump.bin"), "an older file of that name\n");
    CommandResult forced = s.run(save + " --force");
    ASSERT_EQ(forced.exit_code, 0) << forced.err;
    EXPECT_EQ(read_file(out / "dump.bin"), std::string(300000, 'x'));

    // An empty object is no dump: nothing gets its name.
    fs::path empty = s.path("empty.bin");
    write_file(empty, "");
    ASSERT_EQ(lab->s3cmd("put '" + empty.string() + "' s3://planted/h/e/dump.bin").exit_code, 0);
    fs::path out2 = s.mkdir("save-empty");
    CommandResult nothing = s.run("save s3://planted/h/e/dump.bin " + out2.string() + " --config " + conf.string());
    EXPECT_NE(nothing.exit_code, 0);
    EXPECT_TRUE(contains(nothing.err, "is empty")) << nothing.err;
    EXPECT_FALSE(fs::exists(out2 / "dump.bin"));
    EXPECT_FALSE(fs::exists(out2 / "dump.bin.part"));
}

// Memory the dump could not read is named in vmcore-unreadable.txt, written after the data: each
// object is a PutObject of its own, so the note is stored beside the dump and `list` shows it.
TEST_F(S3Dump, UnreadableMemoryNoteIsStoredAfterTheDumpAndListed) {
    ASSERT_EQ(lab->s3cmd("mb s3://holes").exit_code, 0);
    const fs::path vmcore = s.make_vmcore("16M", 4);
    auto core = kdf::vmcore::ElfVmcore::open(vmcore.string());
    ASSERT_TRUE(core.is_ok()) << core.status().to_string();
    const kdf::vmcore::PhysicalMap::Range* big = nullptr;
    for (const auto& m : core->phys_map().ranges())
        if (big == nullptr || m.file_size > big->file_size) big = &m;
    ASSERT_NE(big, nullptr);
    char faults[96];
    std::snprintf(faults, sizeof faults, "0x%" PRIx64 "+0x4000", big->file_offset + 100 * 4096);
    fs::path conf = chain("bucket = holes\nprefix = h\ncredentials_file = " +
                          credentials(lab->access_key(), lab->secret_key()).string());
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string(),
                            "LD_PRELOAD='" KDF_READ_FAULTS "' ASAN_OPTIONS=verify_asan_link_order=0 KDF_FAULT_FILE='" +
                                vmcore.string() + "' KDF_FAULT_RANGES='" + faults + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(contains(r.err, "vmcore-unreadable.txt not written")) << r.err;
    const std::string keys = lab->keys("holes");
    const std::string note = key_ending(keys, "vmcore-unreadable.txt");
    ASSERT_FALSE(note.empty()) << keys;
    EXPECT_FALSE(key_ending(keys, "vmcore.flat").empty()) << keys;
    fs::path got = s.path("note.txt");
    ASSERT_EQ(lab->s3cmd("get --force 's3://holes/" + note + "' '" + got.string() + "'").exit_code, 0);
    EXPECT_TRUE(contains(read_file(got), "4 pages")) << read_file(got);
    CommandResult listed = s.run("list s3://holes/h/ --config " + conf.string());
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_TRUE(contains(listed.out, "complete  vmcore.flat ")) << listed.out;
    EXPECT_TRUE(contains(listed.out, "vmcore-unreadable.txt")) << listed.out;
}

// The first 8 characters of this machine's boot id: the claim's next name for a taken directory.
std::string boot8() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(in, id);
    return id.substr(0, 8);
}

// A dump directory is claimed before anything is written into it (a conditional PutObject of
// .vmcore-claim, which RGW honours where it ignores the condition on CompleteMultipartUpload). A
// second dump that comes to the same key (here a fixed `name`; in life a clock reset) leaves the
// first dump's objects exactly as they were and lands under the next name, "<dir>-<boot id>"; a
// third, in the same boot, under "<dir>-<boot id>-2".
TEST_F(S3Dump, ASecondDumpUnderTheSameKeyNeverReplacesTheFirst) {
    ASSERT_EQ(lab->s3cmd("mb s3://claimed").exit_code, 0);
    const fs::path first = s.make_vmcore("8M", 21), second = s.make_vmcore("12M", 22);
    const std::string keys = "bucket = claimed\nprefix = h\ncredentials_file = " +
                             credentials(lab->access_key(), lab->secret_key()).string() + "\npart_size = 5M";
    CommandResult one = dump(chain(keys, "name = same-dir\n"), first);
    ASSERT_EQ(one.exit_code, 0) << one.err;
    const std::string before = lab->s3cmd("ls -r --list-md5 s3://claimed/h/same-dir/").out;
    ASSERT_TRUE(contains(before, "s3://claimed/h/same-dir/.vmcore-claim")) << before;
    ASSERT_TRUE(contains(before, "s3://claimed/h/same-dir/vmcore.flat")) << before;

    CommandResult two = dump(chain(keys, "name = same-dir\n"), second);
    ASSERT_EQ(two.exit_code, 0) << two.err;
    const std::string next = "h/same-dir-" + boot8();
    EXPECT_TRUE(contains(two.out, "dump saved by target 'obj' (s3): s3://claimed/" + next + "/vmcore.flat")) << two.out;
    CommandResult three = dump(chain(keys, "name = same-dir\n"), second);
    ASSERT_EQ(three.exit_code, 0) << three.err;
    EXPECT_TRUE(contains(three.out, "dump saved by target 'obj' (s3): s3://claimed/" + next + "-2/vmcore.flat")) << three.out;
    // Not one object of the first dump changed (sizes, ETags, times), none was added beside them,
    // and the multipart upload started under the taken name was dropped.
    EXPECT_EQ(lab->s3cmd("ls -r --list-md5 s3://claimed/h/same-dir/").out, before);
    EXPECT_FALSE(contains(lab->s3cmd("multipart s3://claimed").out, "h/same-dir/"));
    uint64_t excluded = 0;
    EXPECT_TRUE(same_kept_pages(first, fetch_and_reassemble("claimed", "h/same-dir/vmcore.flat"), &excluded));
    EXPECT_TRUE(same_kept_pages(second, fetch_and_reassemble("claimed", next + "/vmcore.flat"), &excluded));
}

// Two targets of one chain on the same bucket and prefix (two gateways of one cluster), with one
// node's put-only keys under the bucket policy of docs/s3.md: the first claims the directory and
// then fails (it reaches the gateway through a relay that passes its first 256 KiB and then goes
// silent, so the first part stalls past stall_timeout); the second is the same run, so it takes
// the claim over (If-None-Match refused, If-Match accepted) and the dump lands under the same key.
TEST_F(S3Dump, TheNextTargetOfTheSameRunTakesItsOwnClaimOver) {
    ASSERT_EQ(lab->s3cmd("mb s3://twogw").exit_code, 0);
    const std::string ak = "NODE3ACCESSKEY000003", sk = "node3secret000000000000000000000000000003";
    ASSERT_TRUE(lab->add_user("node3", ak, sk));
    fs::path policy = s.path("twogw-policy.json");
    write_file(policy, R"({"Version": "2012-10-17", "Statement": [)" + node_statement("twogw", "node3", "h") + ", " +
                           deny_reading("twogw", R"("arn:aws:iam:::user/node3")") + "]}");
    ShellResult set = lab->s3cmd("setpolicy '" + policy.string() + "' s3://twogw");
    ASSERT_EQ(set.exit_code, 0) << set.out;

    const std::string& endpoint = lab->endpoint();
    const uint16_t rgw_port = static_cast<uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
    ByteBudgetRelay relay(rgw_port, 256 * 1024);
    const fs::path vmcore = s.make_vmcore("16M", 23);
    const std::string common = "type = s3\nbucket = twogw\nprefix = h\npart_size = 5M\ncredentials_file = " +
                               credentials(ak, sk).string() + "\n";
    fs::path conf = s.path("twogw.conf");
    backup = s.mkdir("backup-twogw");
    write_file(conf, "[chain]\ntargets = gw1 gw2 backup\nname = one-dir\n\n[target gw1]\n" + common +
                         "endpoint = http://127.0.0.1:" + std::to_string(relay.port()) + "\nstall_timeout = 2s\n\n" +
                         "[target gw2]\n" + common + "endpoint = " + endpoint + "\n\n[target backup]\ntype = local\npath = " +
                         backup.string() + "\nreserve = 0\n");
    const std::string claim = "\"PUT /twogw/h/one-dir/.vmcore-claim HTTP/1.1\" ";
    CommandResult r = dump(conf, vmcore);
    EXPECT_TRUE(relay.spent());
    ASSERT_EQ(r.exit_code, 11) << r.err;
    // Its parts stall: seen while it still writes, or when it commits (a small dump is all sent).
    EXPECT_TRUE(contains(r.err, "target 'gw1' [write]") || contains(r.err, "target 'gw1' [commit]")) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'gw1' failed; trying the next target, 'gw2'")) << r.err;
    EXPECT_TRUE(contains(r.out, "dump saved by target 'gw2' (s3): s3://twogw/h/one-dir/vmcore.flat")) << r.out;
    // gw1's claim (200), gw2's If-None-Match (412), gw2's If-Match (200).
    EXPECT_EQ(lab->log_lines_with(claim + "200"), 2);
    EXPECT_EQ(lab->log_lines_with(claim + "412"), 1);
    uint64_t excluded = 0;
    EXPECT_TRUE(same_kept_pages(vmcore, fetch_and_reassemble("twogw", "h/one-dir/vmcore.flat"), &excluded));
}

}  // namespace
