// Secrets never reach the console: a chain whose every target fails (a real tgtd that refuses our
// CHAP secret, a real sshd that refuses our key, secret files others may read, a missing
// directory), run as `check --probe` and as `dump`, prints neither the CHAP secrets nor any line
// of the private key. The refusals of the unsafe files name the file instead.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/unit/chain/cli_harness.h"
#include "tests/unit/iscsi/tgtd_fixture.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace kdf_test;

constexpr const char* kTargetSecret = "Tgt-Side-Secret-4711";       // what tgtd expects
constexpr const char* kOurSecret = "Wrong-Initiator-Secret-0815";   // what our file holds
constexpr const char* kMutualSecret = "Mutual-Target-Secret-2342";  // the target's, for mutual CHAP
constexpr const char* kLeakyShared = "Readable-Secret-Leak-9999";   // in a file others may read

// The private key's body lines (base64), each a string that must never be printed.
std::vector<std::string> key_lines(const std::string& key_file) {
    std::vector<std::string> lines;
    std::ifstream in(key_file);
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line.find("-----") == std::string::npos) lines.push_back(line.substr(0, 40));
    return lines;
}

TEST(SecretOutput, NoSecretInAnyOutputOfAFailingChain) {
    Scratch s;
    kdf::test::TempDir secrets("kdf-secrets");
    Tgtd tgtd({TgtdLun(1, 8u << 20)}, TgtdChap("kdf", kTargetSecret));
    ASSERT_TRUE(tgtd.ok()) << tgtd.why();
    Sshd sshd;
    ASSERT_TRUE(sshd.ok()) << sshd.log();

    const std::string wrong = write_secret_file(secrets, "chap", kOurSecret);
    const std::string mutual = write_secret_file(secrets, "mutual", kMutualSecret);
    const std::string leaky = write_secret_file(secrets, "leaky", kLeakyShared, 0640);
    // A key sshd does not know (made by ssh-keygen), and a copy of it others may read.
    const std::string key = secrets.file("stranger_key"), open_key = secrets.file("open_key");
    ASSERT_EQ(shell("ssh-keygen -q -t ed25519 -N '' -f '" + key + "'"), 0);
    fs::copy_file(key, open_key);
    ::chmod(open_key.c_str(), 0644);

    const fs::path vmcore = s.make_vmcore("4M"), conf = s.path("kdf.conf");
    const std::string iscsi = "type = iscsi\nportal = " + tgtd.portal() + "\ntarget = " + kTgtdIqn +
                              "\nlun = 1\nconnect_timeout = 10s\nchap_user = kdf\n";
    const std::string ssh = "type = ssh\nhost = 127.0.0.1\nport = " + std::to_string(sshd.port()) +
                            "\nknown_hosts = " + sshd.known_hosts() + "\npath = /tmp\nconnect_timeout = 10s\n";
    write_file(conf, "[chain]\ntargets = chap mutual leaky sshkey sshopen gone\n\n"
                     "[target chap]\n" + iscsi + "chap_secret_file = " + wrong + "\n\n"
                     "[target mutual]\n" + iscsi + "chap_secret_file = " + wrong +
                     "\nmutual_chap_user = tgt\nmutual_chap_secret_file = " + mutual + "\n\n"
                     "[target leaky]\n" + iscsi + "chap_secret_file = " + leaky + "\n\n"
                     "[target sshkey]\n" + ssh + "identity = " + key + "\n\n"
                     "[target sshopen]\n" + ssh + "identity = " + open_key + "\n\n"
                     "[target gone]\ntype = local\npath = " + s.path("missing").string() + "\n");

    // `check` stops before probing when a target's configuration is refused (leaky's file mode),
    // so the probes also run on a chain of the targets whose configuration passes.
    const fs::path probe_conf = s.path("probe.conf");
    write_file(probe_conf, "[chain]\ntargets = chap mutual sshkey\n\n[target chap]\n" + iscsi + "chap_secret_file = " + wrong +
                               "\n\n[target mutual]\n" + iscsi + "chap_secret_file = " + wrong +
                               "\nmutual_chap_user = tgt\nmutual_chap_secret_file = " + mutual + "\n\n[target sshkey]\n" + ssh +
                               "identity = " + key + "\n");
    CommandResult probed = s.run("check --probe --config " + probe_conf.string());
    EXPECT_NE(probed.exit_code, 0);
    EXPECT_NE((probed.out + probed.err).find("CHAP authentication failed"), std::string::npos) << probed.out << probed.err;
    EXPECT_NE((probed.out + probed.err).find("refused key"), std::string::npos) << probed.out << probed.err;
    CommandResult probe = s.run("check --probe --config " + conf.string());
    CommandResult dump = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    EXPECT_NE(probe.exit_code, 0);
    EXPECT_NE(dump.exit_code, 0);
    const std::string all = probed.out + probed.err + probe.out + probe.err + dump.out + dump.err;
    std::printf("check --probe said:\n%s%s%s%s\ndump said:\n%s%s\n", probed.out.c_str(), probed.err.c_str(), probe.out.c_str(),
                probe.err.c_str(), dump.out.c_str(), dump.err.c_str());

    std::vector<std::string> secret_texts = {kTargetSecret, kOurSecret, kMutualSecret, kLeakyShared};
    for (const std::string& line : key_lines(key)) secret_texts.push_back(line);
    ASSERT_GT(secret_texts.size(), 5u);
    for (const std::string& secret : secret_texts) EXPECT_EQ(all.find(secret), std::string::npos) << "printed: " << secret;

    // Every target failed, each with its reason; the unsafe files are named.
    for (const char* name : {"chap", "mutual", "leaky", "sshkey", "sshopen", "gone"})
        EXPECT_NE(dump.err.find(std::string("target '") + name + "'"), std::string::npos) << name << "\n" << dump.err;
    EXPECT_NE(dump.err.find(leaky), std::string::npos) << dump.err;
    EXPECT_NE(dump.err.find(open_key), std::string::npos) << dump.err;
    EXPECT_NE((probe.out + probe.err).find(leaky), std::string::npos) << probe.out << probe.err;
}

}  // namespace
