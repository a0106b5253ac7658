// Over SFTP, vmcore-unreadable.txt is written after the dump data, while the dump file is still
// open. When that side file cannot be written, only the note is lost: one warning says so and the
// dump itself is committed, not left as vmcore-incomplete. Against a real sshd, under the read
// fault layer; the note's temporary name is a symlink to /dev/full, so the server opens it and
// every write to it fails (ENOSPC), as on a filesystem that fills up just then.
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/vmcore/elf_reader.h"
#include "tests/unit/chain/cli_harness.h"
#include "tests/unit/ssh/sshd_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace kdf_test;

TEST(UnreadableSftpNote, AFailedNoteWriteLeavesTheDumpCommitted) {
    Sshd sshd;
    ASSERT_TRUE(sshd.ok()) << sshd.log();
    Scratch s;
    const fs::path vmcore = s.make_vmcore("16M", 4), remote = s.mkdir("remote"), conf = s.path("kdf.conf");
    auto core = kdf::vmcore::ElfVmcore::open(vmcore.string());
    ASSERT_TRUE(core.is_ok()) << core.status().to_string();
    const kdf::vmcore::PhysicalMap::Range* big = nullptr;
    for (const auto& m : core->phys_map().ranges())
        if (big == nullptr || m.file_size > big->file_size) big = &m;
    ASSERT_NE(big, nullptr);
    char faults[96];
    std::snprintf(faults, sizeof faults, "0x%" PRIx64 "+0x4000", big->file_offset + 100 * 4096);

    // A fixed dump directory name, so the note's temporary file can be planted in it beforehand.
    const fs::path dump_dir = remote / "fixed";
    fs::create_directory(dump_dir);
    fs::permissions(dump_dir, fs::perms::owner_all);
    fs::create_symlink("/dev/full", dump_dir / ".vmcore-unreadable.txt.part");

    write_file(conf, "[dump]\ncompress = lzo\n\n[chain]\ntargets = remote\nname = fixed\n\n[target remote]\ntype = ssh\n"
                     "host = 127.0.0.1\nport = " +
                         std::to_string(sshd.port()) + "\nidentity = " + sshd.client_key() + "\nknown_hosts = " +
                         sshd.known_hosts() + "\npath = " + remote.string() + "\n");
    CommandResult r = s.run("dump --config " + conf.string() + " --vmcore " + vmcore.string(),
                            "LD_PRELOAD='" KDF_READ_FAULTS "' ASAN_OPTIONS=verify_asan_link_order=0 KDF_FAULT_FILE='" +
                                vmcore.string() + "' KDF_FAULT_RANGES='" + faults + "'");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("vmcore-unreadable.txt not written"), std::string::npos) << r.err;
    EXPECT_TRUE(fs::exists(dump_dir / "vmcore")) << r.err;
    EXPECT_FALSE(fs::exists(dump_dir / "vmcore-incomplete")) << r.err;
    EXPECT_FALSE(fs::exists(dump_dir / "vmcore-unreadable.txt"));
    uint64_t excluded = 0;
    EXPECT_TRUE(same_kept_pages(vmcore, dump_dir / "vmcore", &excluded));
    EXPECT_EQ(excluded, 4u);
}

}  // namespace
