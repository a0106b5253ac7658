// Capabilities are per target: the format is chosen and checked from what the plugin reports for
// each target (fixture pertarget, option mode = place|stream|boast), by `check` and by `dump` alike.
#include "tests/unit/chain/cli_harness.h"

namespace {

using namespace kdf_test;

std::string pertarget(const std::string& name, const fs::path& dir, const std::string& mode,
                      const std::string& extra = "") {
    return "[target " + name + "]\ntype = pertarget\npath = " + dir.string() + "\nmode = " + mode + "\n" + extra + "\n";
}

TEST(TargetCapabilities, CheckRefusesAFormatAStreamTargetCannotWriteNamingTheLine) {
    Scratch s;
    fs::path conf = s.path("kdf.conf");
    // line 1 [dump], line 2 format = kdump
    write_file(conf, "[dump]\nformat = kdump\n\n[chain]\ntargets = inplace piped\n\n" +
                         pertarget("inplace", s.path(), "place") + pertarget("piped", s.path(), "stream"));
    CommandResult r = s.run("check --config " + conf.string());
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(conf.string() + ":2: target 'piped': format = kdump needs positional writes, which plugin "
                                         "'pertarget' does not offer for this target"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.out.find("target 'inplace' (pertarget): configuration ok (format kdump)"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("'inplace'"), std::string::npos) << "the positional target is fine: " << r.err;
}

TEST(TargetCapabilities, CheckNamesTheTargetsOwnFormatLine) {
    Scratch s;
    fs::path conf = s.path("kdf.conf");
    // line 4 [target piped], 5 type, 6 path, 7 mode, 8 format = elf
    write_file(conf, "[chain]\ntargets = piped\n\n" + pertarget("piped", s.path(), "stream", "format = elf"));
    CommandResult r = s.run("check --config " + conf.string());
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(conf.string() + ":8: target 'piped': format = elf needs positional writes"), std::string::npos)
        << r.err;
}

TEST(TargetCapabilities, AutoPicksTheFormatPerTarget) {
    Scratch s;
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = inplace piped\n\n" + pertarget("inplace", s.path(), "place") +
                         pertarget("piped", s.path(), "stream"));
    CommandResult r = s.run("check --config " + conf.string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("target 'inplace' (pertarget): configuration ok (format kdump)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("target 'piped' (pertarget): configuration ok (format flat)"), std::string::npos) << r.out;
}

TEST(TargetCapabilities, AStreamTargetGetsTheFlattenedStreamFrontToBack) {
    Scratch s;
    fs::path vmcore = s.make_vmcore("4M");
    fs::path out = s.mkdir("out");
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = piped\n\n" + pertarget("piped", out, "stream"));
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // The fixture's sink refuses any write that is not contiguous, so success means front to back.
    fs::path stream;
    for (const auto& e : fs::directory_iterator(out)) stream = e.path();
    ASSERT_FALSE(stream.empty());
    fs::path reassembled = s.path("reassembled");
    CommandResult re = s.run("reassemble " + stream.string() + " " + reassembled.string());
    ASSERT_EQ(re.exit_code, 0) << "not a flattened stream: " << re.err;
    EXPECT_TRUE(same_pages(vmcore, reassembled));
}

TEST(TargetCapabilities, ATargetClaimingMoreThanItsPluginDeclaresIsRefused) {
    Scratch s;
    fs::path conf = s.path("kdf.conf");
    write_file(conf, "[chain]\ntargets = liar\n\n" + pertarget("liar", s.path(), "boast"));
    CommandResult r = s.run("check --config " + conf.string());
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find("target 'liar': plugin 'pertarget' reports capabilities 0xb for target 'liar', more than it "
                         "declares (0x3)"),
              std::string::npos)
        << r.err;
}

}  // namespace
