// A stream target cannot take a side file after the dump data (the ssh stream sends side files
// before the stream starts), so vmcore-unreadable.txt cannot follow the dump there: the ranges are
// on the console, one warning says the note was not written, and the dump itself is committed
// without the unreadable pages. Against a real sshd, under the read fault layer.
#include <cinttypes>
#include <cstdio>
#include <string>

#include "core/vmcore/elf_reader.h"
#include "tests/unit/chain/cli_harness.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace kdf_test;

size_t count_of(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(UnreadableStream, TheNoteCannotFollowAStreamButTheDumpIsCommitted) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok()) << sshd.log();
    Scratch s;
    const fs::path vmcore = s.make_vmcore("16M", 4), remote = s.mkdir("remote"), conf = s.path("kdf.conf");
    // Four pages, 100 pages into the largest PT_LOAD.
    auto core = kdf::vmcore::ElfVmcore::open(vmcore.string());
    ASSERT_TRUE(core.is_ok()) << core.status().to_string();
    const kdf::vmcore::PhysicalMap::Range* big = nullptr;
    for (const auto& m : core->phys_map().ranges())
        if (big == nullptr || m.file_size > big->file_size) big = &m;
    ASSERT_NE(big, nullptr);
    const uint64_t first_pfn = big->paddr / 4096 + 100;
    char faults[96], words[128];
    std::snprintf(faults, sizeof faults, "0x%" PRIx64 "+0x4000", big->file_offset + 100 * 4096);
    std::snprintf(words, sizeof words, "unreadable memory: pfn 0x%" PRIx64 "-0x%" PRIx64 " (4 pages", first_pfn, first_pfn + 3);

    write_file(conf, "[dump]\ncompress = lzo\n\n[chain]\ntargets = remote\n\n[target remote]\ntype = ssh\nhost = 127.0.0.1\nport = " +
                         std::to_string(sshd.port()) + "\nidentity = " + sshd.client_key() + "\nknown_hosts = " +
                         sshd.known_hosts() + "\npath = " + remote.string() + "\nmode = stream\nformat = flat\n");
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string(),
                            "LD_PRELOAD='" KDF_READ_FAULTS "' ASAN_OPTIONS=verify_asan_link_order=0 KDF_FAULT_FILE='" +
                                vmcore.string() + "' KDF_FAULT_RANGES='" + faults + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(count_of(r.err, words), 1u) << r.err;
    EXPECT_EQ(count_of(r.err, "vmcore-unreadable.txt not written (the console lines above name the ranges): [write]: ssh: "
                              "side files must precede the dump data"),
              1u)
        << r.err;
    const fs::path flat = find_one(remote, "vmcore.flat");
    ASSERT_FALSE(flat.empty()) << r.err;
    EXPECT_TRUE(find_one(remote, "vmcore-unreadable.txt").empty());
    const fs::path kdump = s.path("reassembled.kdump");
    CommandResult re = s.run("reassemble " + flat.string() + " " + kdump.string());
    ASSERT_EQ(re.exit_code, 0) << re.err;
    uint64_t excluded = 0;
    EXPECT_TRUE(same_kept_pages(vmcore, kdump, &excluded));
    EXPECT_EQ(excluded, 4u);
}

}  // namespace
