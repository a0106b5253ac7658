// tests/unit/config/config_errors_test.cpp - broken configs, each with its exact "file:line: message".
#include <gtest/gtest.h>

#include "config_test_support.h"

namespace kdf::chain::test {
namespace {

// Loads `text` from a real temp file and expects exactly these errors ({F} = the file's path).
void expect_errors(const std::string& text, const std::vector<std::string>& expected) {
    ConfigFile f(text);
    EXPECT_FALSE(f.result().config.has_value());
    EXPECT_EQ(f.result().errors, f.expand(expected));
}

// smallest_config() with the backup section (lines 8-10) extended by `extra` from line 11 on.
std::string with_backup_line(const std::string& extra) { return std::string(smallest_config()) + extra; }

// compress = auto: its reader sets, and ELF (no compression to choose) refused at the line that
// asks for auto, for the target written as ELF.
TEST(ConfigErrors, CompressAutoAndReaders) {
    expect_errors("[dump]\nreaders = makedumpfile-1.6\n" + std::string(smallest_config()),
                  {"{F}:2: readers = makedumpfile-1.6: expected one of any, makedumpfile-1.7.2; did you mean "
                   "'makedumpfile-1.7.2'?"});
    expect_errors("[dump]\ncompress = auto\nformat = elf\n" + std::string(smallest_config()),
                  {"{F}:2: compress = auto: target 'primary' is written as ELF (format = elf), which stores pages "
                   "uncompressed; use format = kdump, flat or auto, or compress = none",
                   "{F}:2: compress = auto: target 'backup' is written as ELF (format = elf), which stores pages "
                   "uncompressed; use format = kdump, flat or auto, or compress = none"});
    expect_errors(with_backup_line("format = elf\ncompress = auto\n"),
                  {"{F}:12: compress = auto: target 'backup' is written as ELF (format = elf), which stores pages "
                   "uncompressed; use format = kdump, flat or auto, or compress = none"});
    expect_errors(with_backup_line("readers = crash\n"),
                  {"{F}:11: readers = crash: expected one of any, makedumpfile-1.7.2"});
}

TEST(ConfigErrors, UnknownKeySuggestsNearest) {
    expect_errors("[dump]\nlevle = 0\n" + std::string(smallest_config()),
                  {"{F}:2: unknown key 'levle' in [dump]; did you mean 'level'?"});
}

TEST(ConfigErrors, UnknownKeyWithNothingNearListsTheKeys) {
    expect_errors("[dump]\nspeed = fast\n" + std::string(smallest_config()),
                  {"{F}:2: unknown key 'speed' in [dump] (keys: level, compress, readers, format, dmesg, threads, mmap)"});
}

TEST(ConfigErrors, UnknownKeyInChainAndFence) {
    expect_errors(with_backup_line("[fence_kdump]\nnodes = a b\nintreval = 5s\n") + "",
                  {"{F}:13: unknown key 'intreval' in [fence_kdump]; did you mean 'interval'?"});
    expect_errors("[chain]\ntarget = primary backup\n",
                  {"{F}:1: [chain] has no 'targets'; list the targets in order, e.g. 'targets = primary backup'",
                   "{F}:2: unknown key 'target' in [chain]; did you mean 'targets'?"});
}

TEST(ConfigErrors, UnknownSectionSuggestsNearestAndSkipsItsKeys) {
    expect_errors("[dmup]\nlevel = 0\nwhatever = 1\n" + std::string(smallest_config()),
                  {"{F}:1: unknown section [dmup]; did you mean [dump]?"});
    expect_errors(std::string(smallest_config()) + "[global]\nx = 1\n",
                  {"{F}:11: unknown section [global] (sections: [dump], [chain], [target NAME], [fence_kdump])"});
}

TEST(ConfigErrors, BadDuration) {
    expect_errors(with_backup_line("stall_timeout = 5 minutes\n"),
                  {"{F}:11: stall_timeout = 5 minutes: expected a duration such as 30s, 5m or none"});
}

TEST(ConfigErrors, ZeroStallAndConnectTimeout) {
    expect_errors(with_backup_line("stall_timeout = 0\nconnect_timeout = none\ntotal_timeout = none\n"),
                  {"{F}:11: stall_timeout = 0: must be more than zero, e.g. 60s (only total_timeout may be none)",
                   "{F}:12: connect_timeout = none: must be more than zero, e.g. 60s (only total_timeout may be none)"});
}

TEST(ConfigErrors, LevelOutOfRange) {
    expect_errors("[dump]\nlevel = 32\n" + std::string(smallest_config()),
                  {"{F}:2: level = 32: expected a dump level 0..31"});
    expect_errors("[dump]\nlevel = high\n" + std::string(smallest_config()),
                  {"{F}:2: level = high: expected a dump level 0..31"});
}

TEST(ConfigErrors, EveryDumpLevelIsAccepted) {
    for (int level = 0; level <= 31; ++level) {
        ConfigLoad r = parse_config("[dump]\nlevel = " + std::to_string(level) + "\n" + std::string(smallest_config()),
                                    "levels.conf");
        ASSERT_TRUE(r.errors.empty()) << "level " << level << ": " << r.errors.front();
        ASSERT_TRUE(r.config);
        EXPECT_EQ(r.config->dump.level, level);
    }
}

TEST(ConfigErrors, CompressChoiceAndSupport) {
    expect_errors("[dump]\ncompress = gzip\n" + std::string(smallest_config()),
                  {"{F}:2: compress = gzip: expected one of none, zlib, lzo, lz4, zstd, auto"});
    for (const char* codec : {"none", "zlib", "lzo", "lz4", "zstd"}) {
        ConfigFile f("[dump]\ncompress = " + std::string(codec) + "\n" + std::string(smallest_config()));
        ASSERT_TRUE(f.result().config.has_value()) << codec;
        EXPECT_EQ(f.result().config->dump.compress, codec);
    }
}

// The names come from the codec registry and the format table; a near miss gets a hint.
TEST(ConfigErrors, AMisspeltCodecOrFormatGetsTheNearestName) {
    expect_errors("[dump]\ncompress = zstdd\nformat = flatt\n" + std::string(smallest_config()),
                  {"{F}:2: compress = zstdd: expected one of none, zlib, lzo, lz4, zstd, auto; did you mean 'zstd'?",
                   "{F}:3: format = flatt: expected one of auto, kdump, flat, elf; did you mean 'flat'?"});
}

TEST(ConfigErrors, FormatChoiceAndSupport) {
    for (const char* format : {"auto", "kdump", "flat", "elf"}) {
        ConfigFile f("[dump]\nformat = " + std::string(format) + "\n" + std::string(smallest_config()));
        ASSERT_TRUE(f.result().config.has_value()) << format;
        EXPECT_EQ(f.result().config->dump.format, format);
    }
    expect_errors("[dump]\nformat = tar\n" + std::string(smallest_config()),
                  {"{F}:2: format = tar: expected one of auto, kdump, flat, elf"});
}

TEST(ConfigErrors, ATargetMayChooseItsOwnFormat) {
    ConfigFile f(with_backup_line("format = flat\n"));
    ASSERT_TRUE(f.result().config.has_value());
    EXPECT_EQ(f.result().config->targets.at(0).format, "");
    EXPECT_EQ(f.result().config->targets.at(1).format, "flat");
    EXPECT_EQ(f.result().config->targets.at(1).plugin_options.count("format"), 0u);  // the chain's key
    expect_errors(with_backup_line("format = tar\n"), {"{F}:11: format = tar: expected one of auto, kdump, flat, elf"});
}

TEST(ConfigErrors, BadBooleanAndThreads) {
    expect_errors("[dump]\ndmesg = maybe\nthreads = -1\nmmap = sometimes\n" + std::string(smallest_config()),
                  {"{F}:2: dmesg = maybe: expected yes or no",
                   "{F}:3: threads = -1: expected a number of threads 0..1024 (0 = one per online CPU)",
                   "{F}:4: mmap = sometimes: expected yes or no"});
}

TEST(ConfigErrors, UndefinedTarget) {
    expect_errors("[chain]\ntargets = primary backup spare\n" + std::string(smallest_config()).substr(33),
                  {"{F}:2: target 'spare' in targets has no [target spare] section"});
}

TEST(ConfigErrors, MisspeltTargetSuggestsAndLeavesTheSectionUnused) {
    expect_errors("[chain]\ntargets = primray backup\n" + std::string(smallest_config()).substr(33),
                  {"{F}:2: target 'primray' in targets has no [target primray] section; did you mean 'primary'?",
                   "{F}:4: [target primary] is not used: add 'primary' to targets in [chain] or remove the section"});
}

TEST(ConfigErrors, UnusedTargetSection) {
    expect_errors(with_backup_line("\n[target spare]\ntype = local\npath = /x\n"),
                  {"{F}:12: [target spare] is not used: add 'spare' to targets in [chain] or remove the section"});
}

TEST(ConfigErrors, TargetListedTwice) {
    expect_errors("[chain]\ntargets = primary backup primary\n" + std::string(smallest_config()).substr(33),
                  {"{F}:2: target 'primary' is listed twice in targets"});
}

TEST(ConfigErrors, DuplicateKey) {
    expect_errors("[dump]\nlevel = 0\nlevel = 0\n" + std::string(smallest_config()),
                  {"{F}:3: duplicate key 'level' in [dump] (first set at line 2)"});
    expect_errors(with_backup_line("path = /srv/crash\n"),
                  {"{F}:11: duplicate key 'path' in [target backup] (first set at line 10)"});
}

TEST(ConfigErrors, DuplicateSection) {
    expect_errors(with_backup_line("[chain]\nname = x\n[target backup]\ntype = ssh\n"),
                  {"{F}:11: duplicate section [chain] (first at line 1); merge the two",
                   "{F}:13: duplicate section [target backup] (first at line 8); merge the two"});
}

TEST(ConfigErrors, MissingType) {
    expect_errors("[chain]\ntargets = primary backup\n[target primary]\ntype = local\npath = /a\n"
                  "[target backup]\npath = /var/crash\n",
                  {"{F}:6: [target backup] has no 'type' (the plugin name, e.g. 'type = local')"});
}

TEST(ConfigErrors, BadTypeName) {
    expect_errors(with_backup_line("[target x]\n").replace(std::string(smallest_config()).find("type = local"), 12,
                                                            "type = ../evil"),
                  {"{F}:5: type = ../evil: expected a plugin name such as local (letters, digits, '_', '.', '-')",
                   "{F}:11: [target x] has no 'type' (the plugin name, e.g. 'type = local')",
                   "{F}:11: [target x] is not used: add 'x' to targets in [chain] or remove the section"});
}

TEST(ConfigErrors, LineWithoutEquals) {
    expect_errors("[dump]\nlevel 0\n" + std::string(smallest_config()),
                  {"{F}:2: expected 'key = value' or '[section]', got 'level 0'"});
}

TEST(ConfigErrors, KeyBeforeAnySection) {
    expect_errors("level = 0\nfoo = bar\n" + std::string(smallest_config()),
                  {"{F}:1: 'level' is set before any [section] (it belongs in [dump])",
                   "{F}:2: 'foo' is set before any [section]"});
}

TEST(ConfigErrors, BadTargetName) {
    // Reported once, at the section; the same name in targets is not blamed again.
    expect_errors("[chain]\ntargets = primary back/up\n[target primary]\ntype = local\n"
                  "[target back/up]\ntype = local\n",
                  {"{F}:5: bad target name 'back/up': use only letters, digits, '_', '.' and '-'"});
    expect_errors("[chain]\ntargets = primary b@d\n[target primary]\ntype = local\n",
                  {"{F}:2: bad target name 'b@d' in targets: use only letters, digits, '_', '.' and '-'"});
    expect_errors("[chain]\ntargets = primary\n[target primary]\ntype = local\n[target]\ntype = local\n",
                  {"{F}:5: [target] needs a name, e.g. [target primary]"});
}

TEST(ConfigErrors, EmptyValueIsReportedOnce) {
    // No follow-up "has no 'type'": the key is there, its value is the problem.
    expect_errors("[chain]\ntargets = primary\n[target primary]\ntype =\npath=/a\n",
                  {"{F}:4: 'type' has an empty value"});
    expect_errors("[chain]\ntargets =\n", {"{F}:2: 'targets' has an empty value"});
}

TEST(ConfigErrors, MissingChainOrTargets) {
    expect_errors("[dump]\nlevel = 0\n",
                  {"{F}: no [chain] section; add one that lists the targets in order, e.g. 'targets = primary backup'"});
    expect_errors("# nothing here\n",
                  {"{F}: no [chain] section; add one that lists the targets in order, e.g. 'targets = primary backup'"});
    expect_errors("[dump]\n\n[chain]\nname = x-{date}\n",
                  {"{F}:3: [chain] has no 'targets'; list the targets in order, e.g. 'targets = primary backup'"});
}

TEST(ConfigErrors, LegacyKeyMixedWithSections) {
    expect_errors("primary_mount = /mnt/a\n" + std::string(smallest_config()),
                  {"{F}:1: 'primary_mount' is a kdump-failover 0.2 key, but this file also has [section] lines; "
                   "use one form (the 0.2 form has no sections)"});
}

TEST(ConfigErrors, BadDumpNamePattern) {
    expect_errors("[chain]\ntargets = primary backup\nname = crash/{date}\n" + std::string(smallest_config()).substr(33),
                  {"{F}:3: name = crash/{date}: the dump directory name must be one path component (no '/')"});
    expect_errors("[chain]\ntargets = primary backup\nname = {hostname}-{date}\n" +
                      std::string(smallest_config()).substr(33),
                  {"{F}:3: name = {hostname}-{date}: unknown placeholder {hostname}; only {host} and {date} are known"});
}

TEST(ConfigErrors, RelativePluginPath) {
    expect_errors("[chain]\ntargets = primary backup\nplugin_path = /opt/kdf:plugins\n" +
                      std::string(smallest_config()).substr(33),
                  {"{F}:3: plugin_path = /opt/kdf:plugins: 'plugins' is not an absolute directory"});
}

TEST(ConfigErrors, FenceKdump) {
    expect_errors(with_backup_line("[fence_kdump]\nport = 0\ninterval = 0\n"),
                  {"{F}:11: [fence_kdump] has no 'nodes' (the cluster nodes to tell that this one is dumping)",
                   "{F}:12: port = 0: expected a UDP port 1..65535",
                   "{F}:13: interval = 0: must be more than zero, e.g. 10s"});
}

TEST(ConfigErrors, BrokenSectionHeaders) {
    // The keys under a broken header are not blamed for being outside a section.
    expect_errors("[dump\nlevel = 0\n[]\nx = 1\n[dump fast]\n" + std::string(smallest_config()),
                  {"{F}:1: section header '[dump' has no closing ']'", "{F}:3: empty section header '[]'",
                   "{F}:5: [dump] takes no name (found 'fast'); only [target NAME] does"});
}

TEST(ConfigErrors, EveryProblemIsReportedInLineOrder) {
    expect_errors("[dump]\n"                     // 1
                  "level = 32\n"                 // 2
                  "compres = none\n"             // 3
                  "[chain]\n"                    // 4
                  "targets = a b\n"              // 5
                  "[target a]\n"                 // 6
                  "type = local\n"               // 7
                  "stall_timeout = soon\n"       // 8
                  "[target c]\n"                 // 9
                  "type = local\n"               // 10
                  "oops\n",                      // 11
                  {"{F}:2: level = 32: expected a dump level 0..31",
                   "{F}:3: unknown key 'compres' in [dump]; did you mean 'compress'?",
                   "{F}:5: target 'b' in targets has no [target b] section",
                   "{F}:8: stall_timeout = soon: expected a duration such as 30s, 5m or none",
                   "{F}:9: [target c] is not used: add 'c' to targets in [chain] or remove the section",
                   "{F}:11: expected 'key = value' or '[section]', got 'oops'"});
}

TEST(ConfigErrors, UnreadableFileNamesThePath) {
    TempDir dir;
    std::string missing = dir.path() + "/missing.conf";
    ConfigLoad r = load_config(missing);
    EXPECT_FALSE(r.config);
    EXPECT_EQ(r.errors, std::vector<std::string>{missing + ": cannot read: No such file or directory"});
}

}  // namespace
}  // namespace kdf::chain::test
