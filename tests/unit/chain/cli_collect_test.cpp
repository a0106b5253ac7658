// `kdump-failover collect` as kdump's core_collector: makedumpfile's options and meanings, and the
// output read back by makedumpfile 1.7.2 itself where it can (-R, -E).
#include "tests/unit/chain/cli_harness.h"

namespace {

using namespace kdf_test;

TEST(CliCollect, WritesEachCodecAndFormatReadableBack) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("8M", 9);
    for (const char* opts : {"-c -d 1", "-l -d 1", "-z -d 1", "--lz4 -d 0", "-d 1", "-E -d 1", "-c -d 1 --num-threads 2",
                             "-ld1 --message-level 1", "-c -d 1 --non-mmap", "--auto -d 1",
                             "--auto --readers makedumpfile-1.7.2 -d 0"}) {
        fs::path out = s.path("out");
        fs::remove(out);
        CommandResult r = s.run(std::string("collect ") + opts + " " + vmcore.string() + " " + out.string());
        ASSERT_EQ(r.exit_code, 0) << opts << ": " << r.err;
        EXPECT_TRUE(same_pages(vmcore, out)) << opts;
        EXPECT_EQ(s.run("verify " + out.string()).exit_code, 0) << opts;
    }
}

TEST(CliCollect, FlattenedToStdoutReassemblesWithMakedumpfile) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("8M", 10);
    fs::path flat = s.path("dump.flat"), rebuilt = s.path("rebuilt"), direct = s.path("direct");
    ASSERT_EQ(std::system((std::string(KDF_CLI) + " collect -F -c -d 1 " + vmcore.string() + " > " + flat.string()).c_str()), 0);
    // makedumpfile 1.7.2 replays our stream into the same file a direct run writes.
    ASSERT_EQ(std::system(("makedumpfile -R " + rebuilt.string() + " < " + flat.string() + " >/dev/null 2>&1").c_str()), 0);
    EXPECT_TRUE(same_pages(vmcore, rebuilt));
    ASSERT_EQ(s.run("collect -c -d 1 " + vmcore.string() + " " + direct.string()).exit_code, 0);
    EXPECT_EQ(fs::file_size(direct), fs::file_size(rebuilt));
}

TEST(CliCollect, RefusesWhatItCannotDoNamingTheOption) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path out = s.path("out");
    CommandResult r = s.run("collect -X --cyclic-buffer 100 -c " + vmcore.string() + " " + out.string());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("makedumpfile option '-X' is not supported"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("makedumpfile option '--cyclic-buffer' is not supported"), std::string::npos) << r.err;
    r = s.run("collect -d 32 -c " + vmcore.string() + " " + out.string());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("dump level 32 is out of range (0-31)"), std::string::npos) << r.err;
    r = s.run("collect -p " + vmcore.string() + " " + out.string());
    EXPECT_NE(r.err.find("-p (snappy) is not supported"), std::string::npos) << r.err;
    r = s.run("collect -E -c " + vmcore.string() + " " + out.string());
    EXPECT_NE(r.err.find("-E writes pages uncompressed"), std::string::npos) << r.err;
    r = s.run("collect -E --auto " + vmcore.string() + " " + out.string());
    EXPECT_NE(r.err.find("-E writes pages uncompressed; --auto cannot be combined with it"), std::string::npos) << r.err;
    r = s.run("collect -c --readers any " + vmcore.string() + " " + out.string());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--readers applies only to --auto"), std::string::npos) << r.err;
    r = s.run("collect --auto --readers crash-7 " + vmcore.string() + " " + out.string());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--readers crash-7: unknown reader set (any, makedumpfile-1.7.2)"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
}

TEST(CliCollect, NeverOverwritesUnlessForced) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path out = s.path("out");
    write_file(out, "an earlier dump");
    CommandResult r = s.run("collect -c " + vmcore.string() + " " + out.string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("use -f to overwrite"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(out), "an earlier dump");
    EXPECT_EQ(s.run("collect -f -c " + vmcore.string() + " " + out.string()).exit_code, 0);
    EXPECT_TRUE(same_pages(vmcore, out));
}

TEST(CliCollect, CorruptInputIsOneLineAndNoOutput) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::resize_file(vmcore, 100000);
    fs::path out = s.path("out");
    CommandResult r = s.run("collect -c " + vmcore.string() + " " + out.string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(out));
}

}  // namespace
