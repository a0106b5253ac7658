// The nfs transport end to end: the real `kdump-failover dump` with a chain whose first target is
// a real nfs-ganesha on loopback and whose second is a local directory; pages checked with
// kdf-compare-pages. Covers the list: complete and equal; export missing; permission
// denied; SIGSTOP mid-transfer -> stall timeout -> next target; server killed before the start ->
// refused quickly; server-side disk full.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "tests/unit/chain/cli_harness.h"
#include "tests/unit/nfs/nfs_server_suite.h"

namespace {

using namespace kdf_test;
using namespace std::chrono_literals;

// "[chain] nas backup": the nfs target first, a local directory after it.
fs::path write_chain(Scratch& s, const std::string& nfs_keys, const fs::path& backup) {
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = nas backup\n\n[target nas]\ntype = nfs\n" + nfs_keys +
                         "\n\n[target backup]\ntype = local\npath = " + backup.string() + "\nreserve = 0\n");
    return conf;
}

std::string dump_cmd(const fs::path& conf, const fs::path& vmcore) {
    return "dump --config " + conf.string() + " --vmcore " + vmcore.string();
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

mode_t mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
}

class NfsDump : public NfsServerSuite {};

TEST_F(NfsDump, DumpLandsCompleteEqualAndPrivate) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("32M", 5);
    fs::path backup = s.mkdir("backup");
    fs::path root = server().dir_of("/export");
    fs::create_directories(root / "crash");
    fs::path conf = write_chain(s, "url = " + server().url("/export") + "\npath = /crash\nstall_timeout = 5s", backup);

    CommandResult r = s.run(dump_cmd(conf, vmcore));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path landed = find_one(root / "crash", "vmcore");
    ASSERT_FALSE(landed.empty()) << r.err;
    EXPECT_TRUE(same_pages(vmcore, landed));
    EXPECT_TRUE(find_one(root / "crash", "vmcore-incomplete").empty());
    EXPECT_EQ(mode_of(landed), 0600u);
    EXPECT_EQ(mode_of(landed.parent_path()), 0700u);
    EXPECT_TRUE(contains(r.out, "dump saved by target 'nas' (nfs): nfs://127.0.0.1/export/crash/" +
                                    landed.parent_path().filename().string() + "/vmcore"))
        << r.out;
    EXPECT_TRUE(fs::is_empty(backup));
}

TEST_F(NfsDump, KernelLogLandsBesideTheDumpAsAPrivateFile) {
    Scratch s;
    // A vmcore with a printk ring: the chain writes vmcore-dmesg.txt through put_file first.
    fs::path vmcore = s.path("vmcore-kernel");
    ASSERT_EQ(std::system((std::string(KDF_MKVMCORE) + " --kernel --size 32M --seed 5 '" + vmcore.string() + "'").c_str()),
              0);
    fs::path backup = s.mkdir("backup");
    fs::path root = server().dir_of("/export");
    fs::create_directories(root / "klog");
    fs::path conf = write_chain(s, "url = " + server().url("/export") + "\npath = /klog", backup);
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path dmesg = find_one(root / "klog", "vmcore-dmesg.txt");
    ASSERT_FALSE(dmesg.empty()) << r.err;
    EXPECT_GT(fs::file_size(dmesg), 0u);
    EXPECT_EQ(mode_of(dmesg), 0600u);
    EXPECT_TRUE(fs::exists(dmesg.parent_path() / "vmcore"));
    EXPECT_TRUE(find_one(root / "klog", ".vmcore-dmesg.txt.part").empty());
}

TEST_F(NfsDump, KeysFormWithServerExportAndPorts) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("8M", 6);
    fs::path backup = s.mkdir("backup");
    fs::path conf = write_chain(s,
                                "server = 127.0.0.1\nexport = /export\nnfs_port = " + std::to_string(server().nfs_port()) +
                                    "\nmount_port = " + std::to_string(server().mount_port()) + "\ninflight = 4",
                                backup);
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "dump saved by target 'nas' (nfs): nfs://127.0.0.1/export/")) << r.out;
}

TEST_F(NfsDump, MissingExportFailsOverWithAClearMessage) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M", 7);
    fs::path backup = s.mkdir("backup");
    fs::path conf = write_chain(s, "url = " + server().url("/no-such-export"), backup);
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;  // the second target holds it
    EXPECT_TRUE(contains(r.err, "target 'nas' [connect]: nfs: export 127.0.0.1:/no-such-export is not exported to us or "
                                "does not exist: nfs: mount 127.0.0.1:/no-such-export (NFSv3)"))
        << r.err;
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));
}

TEST_F(NfsDump, MissingDirectoryIsNeverCreated) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M", 7);
    fs::path backup = s.mkdir("backup");
    fs::path conf = write_chain(s, "url = " + server().url("/export") + "\npath = /not/mounted", backup);
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "nfs: directory nfs://127.0.0.1/export/not/mounted does not exist; it is never created"))
        << r.err;
    EXPECT_FALSE(fs::exists(server().dir_of("/export") + "/not"));
}

TEST_F(NfsDump, PermissionDeniedOnARootSquashExportSaysWhy) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M", 8);
    fs::path backup = s.mkdir("backup");
    const std::string dir = server().dir_of("/squash") + "/cli";
    fs::create_directories(dir);
    ASSERT_EQ(::chown(dir.c_str(), 1000, 1000), 0);
    ::chmod(dir.c_str(), 0700);
    fs::path conf = write_chain(s, "url = " + server().url("/squash") + "\npath = /cli", backup);
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'nas' [open]: nfs: nfs://127.0.0.1/squash/cli (owner 1000:1000, mode 0700) is "
                                "not writable for us: the server refused uid 0 gid 0 (an export with root_squash maps "
                                "uid 0 to nobody)"))
        << r.err;
    EXPECT_TRUE(contains(r.err, "Permission denied (EACCES)")) << r.err;
    EXPECT_TRUE(fs::is_empty(dir));

    // The same export with the directory owner's uid: the dump lands, owned by that uid.
    conf = write_chain(s, "url = " + server().url("/squash") + "\npath = /cli\nuid = 1000\ngid = 1000", backup);
    r = s.run(dump_cmd(conf, vmcore));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::path landed = find_one(dir, "vmcore");
    EXPECT_TRUE(same_pages(vmcore, landed));
}

TEST_F(NfsDump, ServerSideDiskFullFailsOverAndLeavesTheDumpIncomplete) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("16M", 9);
    fs::path backup = s.mkdir("backup");
    fs::path conf = write_chain(s, "url = " + server().url("/small") + "\nreserve = 0\n[dump]\ncompress = none", backup);
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'nas' [write]: nfs: write nfs://127.0.0.1/small/")) << r.err;
    EXPECT_TRUE(contains(r.err, "NFS3ERR_NOSPC")) << r.err;
    EXPECT_TRUE(contains(r.err, "No space left on device (ENOSPC)")) << r.err;
    EXPECT_FALSE(find_one(server().dir_of("/small"), "vmcore-incomplete").empty());
    EXPECT_TRUE(find_one(server().dir_of("/small"), "vmcore").empty());
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));
}

TEST_F(NfsDump, CheckProbeMountsAndReportsFreeSpace) {
    Scratch s;
    fs::path backup = s.mkdir("backup");
    fs::path conf = write_chain(s, "url = " + server().url("/export"), backup);
    CommandResult r = s.run("check --probe --config " + conf.string());
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_TRUE(contains(r.out, "target 'nas' (nfs): probe ok: writable as uid 0, ")) << r.out;
    EXPECT_TRUE(contains(r.out, " free at nfs://127.0.0.1/export (NFSv3, WRITEs of 1048576 bytes, 4 in flight)")) << r.out;
}

// Servers of their own: these tests stop or kill them.
TEST(NfsDumpServer, KilledBeforeTheStartIsRefusedQuickly) {
    Ganesha g({{"/export", false, ""}});
    ASSERT_TRUE(g.ok()) << g.why();
    const std::string url = g.url("/export");
    g.kill_now();
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M", 10);
    fs::path backup = s.mkdir("backup");
    fs::path conf = write_chain(s, "url = " + url + "\nconnect_timeout = 10s", backup);
    CommandResult r = s.run(dump_cmd(conf, vmcore));
    EXPECT_EQ(r.exit_code, 11) << r.err;
    EXPECT_TRUE(contains(r.err, "target 'nas' [connect]: nfs: connection to nfs://127.0.0.1/export failed while mount "
                                "127.0.0.1:/export (NFSv3): ")) << r.err;
    EXPECT_TRUE(contains(r.err, "Connection refused (ECONNREFUSED)")) << r.err;
    EXPECT_LT(r.seconds, 5.0) << "a refused connection must not wait for the connect timeout";
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));
}

TEST(NfsDumpServer, StoppedMidTransferHitsTheStallTimeoutAndTheNextTargetSavesTheDump) {
    Ganesha g({{"/export", false, ""}});
    ASSERT_TRUE(g.ok()) << g.why();
    Scratch s;
    // Incompressible and uncompressed, so the transfer lasts long enough to be stopped in the middle.
    fs::path vmcore = s.path("vmcore-random");
    ASSERT_EQ(std::system((std::string(KDF_MKVMCORE) + " --size 256M --mix random=1,zero=0,repeat=0,text=0 '" +
                           vmcore.string() + "'")
                              .c_str()),
              0);
    fs::path backup = s.mkdir("backup");
    fs::path conf = write_chain(s, "url = " + g.url("/export") + "\nstall_timeout = 2s\n[dump]\ncompress = none", backup);

    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        CommandResult r = s.run(dump_cmd(conf, vmcore));
        write_file(s.path("result"), std::to_string(r.exit_code));
        ::_exit(0);
    }
    // Stop the server once the dump has started to arrive.
    bool frozen = false;
    for (auto until = std::chrono::steady_clock::now() + 15s; std::chrono::steady_clock::now() < until;) {
        fs::path partial = find_one(g.dir_of("/export"), "vmcore-incomplete");
        std::error_code ec;
        if (!partial.empty() && fs::file_size(partial, ec) > 0 && !ec) {
            g.freeze();
            frozen = true;
            break;
        }
        std::this_thread::sleep_for(5ms);
    }
    auto t0 = std::chrono::steady_clock::now();
    int status = 0;
    ::waitpid(child, &status, 0);
    double after_freeze = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    g.thaw();
    ASSERT_TRUE(frozen) << "the dump never reached the server";
    const std::string err = read_file(s.path("stderr"));
    EXPECT_EQ(read_file(s.path("result")), "11") << err;
    EXPECT_TRUE(contains(err, "target 'nas' [write]: nfs: ")) << err;
    EXPECT_TRUE(contains(err, "target 'nas' failed; trying the next target, 'backup'")) << err;
    EXPECT_FALSE(contains(err, "attempt killed")) << "the plugin must notice the stall itself: " << err;
    EXPECT_TRUE(same_pages(vmcore, find_one(backup, "vmcore")));
    EXPECT_FALSE(find_one(g.dir_of("/export"), "vmcore-incomplete").empty());
    EXPECT_LT(after_freeze, 20.0);
}

}  // namespace
