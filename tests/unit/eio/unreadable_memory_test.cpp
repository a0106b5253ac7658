// Memory the vmcore cannot give (EIO from read, SIGBUS through mmap, a range that vanished) costs
// those pages, never the dump: they are left out as if filtered, each range is named once on the
// console and in vmcore-unreadable.txt beside the dump, and every other page is exactly the input's.
// The faults are real failures of real system calls: the command runs under our LD_PRELOAD layer
// (tests/support/read_fault_layer.cpp), or the vmcore is truncated under a reader that mapped it.
// The dumps are read back by libkdumpfile and makedumpfile.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/format/file_output.h"
#include "core/pipeline/dump_job.h"
#include "core/vmcore/elf_reader.h"
#include "tests/unit/chain/cli_harness.h"
#include "tests/unit/format_writer/writer_test_support.h"

namespace {

namespace fs = std::filesystem;
using kdf::format::test::Input;
using kdf::format::test::PageRead;

struct PfnRange {
    uint64_t first;
    uint64_t pages;
};

std::string hex(uint64_t v) {
    char b[32];
    std::snprintf(b, sizeof b, "0x%" PRIx64, v);
    return b;
}

// The console line's start for a range (UnreadableRanges::describe).
std::string range_words(const PfnRange& r) {
    return "unreadable memory: pfn " + hex(r.first) + "-" + hex(r.first + r.pages - 1) + " (";
}

size_t count_of(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// Three ranges in the vmcore's largest run: one page, 17 pages, and 70 pages (more than one
// pipeline batch of 64 pages, so a range spans batches).
std::vector<PfnRange> fault_pfns(const Input& in) {
    const auto& runs = in.pages.runs();
    auto run = std::max_element(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.count < b.count; });
    EXPECT_GT(run->file_pages, 2100u);
    return {{run->first_pfn + 300, 1}, {run->first_pfn + 1000, 17}, {run->first_pfn + 2000, 70}};
}

// KDF_FAULT_RANGES entries for those pfns: their bytes in the vmcore file; `error`, when not 0,
// is the errno reads there fail with (EIO otherwise).
std::string fault_list(const Input& in, const std::vector<PfnRange>& ranges, int error = 0) {
    const uint64_t ps = in.pages.page_size();
    std::string list;
    for (const PfnRange& r : ranges) {
        const auto* m = in.core.phys_map().find(r.first * ps);
        EXPECT_NE(m, nullptr);
        if (m == nullptr) continue;
        list += (list.empty() ? "" : ",") + hex(m->file_offset + r.first * ps - m->paddr) + "+" + hex(r.pages * ps);
        if (error != 0) list += ":" + std::to_string(error);
    }
    return list;
}

std::string fault_env_for(const std::string& vmcore, const std::string& list) {
    return "LD_PRELOAD='" KDF_READ_FAULTS "' ASAN_OPTIONS=verify_asan_link_order=0 KDF_FAULT_FILE='" + vmcore +
           "' KDF_FAULT_RANGES='" + list + "'";
}

std::string fault_env(const Input& in, const std::string& vmcore, const std::vector<PfnRange>& ranges) {
    return fault_env_for(vmcore, fault_list(in, ranges));
}

bool in_ranges(uint64_t pfn, const std::vector<PfnRange>& ranges) {
    return std::any_of(ranges.begin(), ranges.end(), [&](const PfnRange& r) { return pfn >= r.first && pfn < r.first + r.pages; });
}

// Every pfn of the input not in `ranges`, and every pfn in them.
void split_pfns(const Input& in, const std::vector<PfnRange>& ranges, std::vector<uint64_t>& others,
                std::vector<uint64_t>& faulty) {
    for (uint64_t pfn : kdf::format::test::all_pfns(in.pages)) (in_ranges(pfn, ranges) ? faulty : others).push_back(pfn);
}

// libkdumpfile on a kdump-compressed dump: the faulty pages are not in it ("no data"), every
// other page equals the input (a zero page at level 1 may be absent too).
void expect_left_out_and_rest_exact(const Input& in, const std::string& dump, const std::vector<PfnRange>& ranges) {
    std::vector<uint64_t> others, faulty;
    split_pfns(in, ranges, others, faulty);
    EXPECT_EQ(kdf::format::test::compare_with_kdumpfile(in, dump, others, true, "diskdump"), 0u) << dump;
    std::vector<PageRead> got = kdf::format::test::kdumpfile_read(dump, in.pages.page_size(), faulty);
    ASSERT_EQ(got.size(), faulty.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].code, 1) << dump << ": pfn " << hex(faulty[i]) << " is in the dump";
}

class UnreadableMemory : public ::testing::Test {
protected:
    void SetUp() override {
        vmcore_ = scratch_.make_vmcore("32M", 5, "--kernel");
        in_ = kdf::format::test::open_input(vmcore_.string());
        ASSERT_TRUE(in_);
        ranges_ = fault_pfns(*in_);
        env_ = fault_env(*in_, vmcore_.string(), ranges_);
    }
    // Each range named exactly once in `text`.
    void expect_each_range_once(const std::string& text) {
        for (const PfnRange& r : ranges_) EXPECT_EQ(count_of(text, range_words(r)), 1u) << range_words(r) << "\n" << text;
    }

    kdf_test::Scratch scratch_;
    fs::path vmcore_;
    std::unique_ptr<Input> in_;
    std::vector<PfnRange> ranges_;
    std::string env_;
};

// The main case: kdump-compressed, level 1, zlib, read with pread (EIO, and short reads before a
// range): the dump completes, the ranges are named once on the console and in the note, they are
// not in the dump, and the rest equals the input, for libkdumpfile and after makedumpfile
// re-reads the dump.
TEST_F(UnreadableMemory, KdumpDumpLeavesTheRangesOutAndNamesThemOnce) {
    const fs::path out = scratch_.path("dump.kdump");
    kdf_test::CommandResult r =
        scratch_.run("collect -c -d 1 --message-level 0 " + vmcore_.string() + " " + out.string(), env_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_each_range_once(r.err);
    EXPECT_EQ(count_of(r.err, "unreadable memory:"), ranges_.size()) << r.err;
    EXPECT_NE(r.err.find("Input/output error (EIO)"), std::string::npos) << r.err;
    const std::string note = kdf_test::read_file(scratch_.path("vmcore-unreadable.txt"));
    expect_each_range_once(note);
    EXPECT_NE(note.find("88 pages in 3 ranges"), std::string::npos) << note;
    EXPECT_EQ(fs::status(scratch_.path("vmcore-unreadable.txt")).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    expect_left_out_and_rest_exact(*in_, out.string(), ranges_);
    kdf_test::CommandResult v = scratch_.run("verify " + out.string());
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;

    const fs::path again = scratch_.path("again.kdump");
    auto m = kdf::format::test::run(kdf::format::test::q(kdf::format::test::makedumpfile()) + " -d 1 " + out.string() + " " +
                                    again.string());
    ASSERT_EQ(m.exit_code, 0) << m.output;
    expect_left_out_and_rest_exact(*in_, again.string(), ranges_);
}

// Only unreadable memory is skipped: a page that fails for another reason while a failed stretch
// is re-read page by page (here ENOMEM, inside an EIO range) stops the dump, naming the pfn.
TEST_F(UnreadableMemory, OtherReadErrorsInsideAnUnreadableStretchStopTheDump) {
    const PfnRange eio = ranges_[1];  // 17 pages
    const PfnRange enomem{eio.first + 5, 1};
    // The ENOMEM page first: where ranges overlap, the first listed decides.
    const std::string env =
        fault_env_for(vmcore_.string(), fault_list(*in_, {enomem}, ENOMEM) + "," + fault_list(*in_, {eio}));
    const fs::path out = scratch_.path("dump.kdump");
    kdf_test::CommandResult r =
        scratch_.run("collect -c -d 0 --message-level 0 " + vmcore_.string() + " " + out.string(), env);
    EXPECT_NE(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("reading pfn " + std::to_string(enomem.first)), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ENOMEM"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(scratch_.path("vmcore-unreadable.txt")));
    if (fs::exists(out)) {
        EXPECT_NE(scratch_.run("verify " + out.string()).exit_code, 0) << "a stopped dump verifies";
    }
}

// A vmcore none of whose kept pages can be read gives no "complete" dump: more than half of the
// kept pages unreadable fails the attempt, naming the stage, the count and the ranges.
TEST_F(UnreadableMemory, MostlyUnreadableMemoryFailsTheDump) {
    std::vector<PfnRange> all;
    for (const auto& run : in_->pages.runs())
        if (run.file_pages > 0) all.push_back({run.first_pfn, run.file_pages});
    ASSERT_LE(all.size(), 64u);  // the fault layer's limit
    const fs::path out = scratch_.path("dump.kdump");
    kdf_test::CommandResult r = scratch_.run("collect -c -d 0 --message-level 0 " + vmcore_.string() + " " + out.string(),
                                             fault_env(*in_, vmcore_.string(), all));
    EXPECT_NE(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("kept pages are unreadable memory (in "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("more than half; the dump is not committed"), std::string::npos) << r.err;
    if (fs::exists(out)) {
        EXPECT_NE(scratch_.run("verify " + out.string()).exit_code, 0) << "a failed dump verifies";
    }
}

// -f over a dump that had unreadable memory: the earlier note goes with the earlier dump, so a
// clean dump is not left beside a note naming ranges it does not miss.
TEST_F(UnreadableMemory, OverwritingWithACleanDumpRemovesTheEarlierNote) {
    const fs::path out = scratch_.path("dump.kdump"), note = scratch_.path("vmcore-unreadable.txt");
    kdf_test::CommandResult r =
        scratch_.run("collect -c -d 1 --message-level 0 " + vmcore_.string() + " " + out.string(), env_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(fs::exists(note));
    r = scratch_.run("collect -f -c -d 1 --message-level 0 " + vmcore_.string() + " " + out.string());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(fs::exists(note)) << kdf_test::read_file(note);
    EXPECT_EQ(kdf::format::test::compare_with_kdumpfile(*in_, out.string(), kdf::format::test::all_pfns(in_->pages), true,
                                                        "diskdump"),
              0u);
}

// ELF cannot mark a hole inside a PT_LOAD: the pages are zeros there, named in the note; every
// other page equals the input.
TEST_F(UnreadableMemory, ElfDumpStoresTheRangesAsZerosAndNamesThem) {
    const fs::path out = scratch_.path("dump.elf");
    kdf_test::CommandResult r = scratch_.run("collect -E -d 0 --message-level 0 " + vmcore_.string() + " " + out.string(), env_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_each_range_once(r.err);
    expect_each_range_once(kdf_test::read_file(scratch_.path("vmcore-unreadable.txt")));
    std::vector<uint64_t> others, faulty;
    split_pfns(*in_, ranges_, others, faulty);
    EXPECT_EQ(kdf::format::test::compare_with_kdumpfile(*in_, out.string(), others, false, "elf"), 0u);
    std::vector<PageRead> got = kdf::format::test::kdumpfile_read(out.string(), in_->pages.page_size(), faulty);
    ASSERT_EQ(got.size(), faulty.size());
    for (size_t i = 0; i < got.size(); ++i)
        EXPECT_TRUE(got[i].code == 1 || (got[i].code == 0 && kdf::format::test::all_zero(got[i].data))) << hex(faulty[i]);
}

// Level 31 as a flattened stream (the ssh stream's format): pages the filter drops are never
// read, so faults are placed in pages a clean level-31 dump keeps. makedumpfile -R reassembles the
// stream; the result holds exactly the clean dump's pages minus the faulty ones, each equal to the
// input, and each faulty range is named once.
TEST_F(UnreadableMemory, FilteredFlattenedStreamLeavesOutKeptPagesItCannotRead) {
    const uint64_t ps = in_->pages.page_size();
    const std::vector<uint64_t> all = kdf::format::test::all_pfns(in_->pages);
    const fs::path clean = scratch_.path("clean.kdump");
    ASSERT_EQ(scratch_.run("collect -l -d 31 --message-level 0 " + vmcore_.string() + " " + clean.string()).exit_code, 0);
    std::vector<PageRead> clean_pages = kdf::format::test::kdumpfile_read(clean.string(), ps, all);
    ASSERT_EQ(clean_pages.size(), all.size());
    // A stretch of 5 kept pages, and a single kept page well after it.
    std::vector<PfnRange> faults;
    for (size_t i = 300; i + 5 < all.size() && faults.empty(); ++i) {
        bool five = true;
        for (size_t k = 0; k < 5; ++k) five = five && clean_pages[i + k].code == 0 && all[i + k] == all[i] + k;
        if (five) faults.push_back({all[i], 5});
    }
    ASSERT_EQ(faults.size(), 1u);
    for (size_t i = all.size() / 2; i < all.size(); ++i)
        if (clean_pages[i].code == 0 && all[i] > faults[0].first + 100) {
            faults.push_back({all[i], 1});
            break;
        }
    ASSERT_EQ(faults.size(), 2u);
    ranges_ = faults;

    kdf_test::CommandResult r =
        scratch_.run("collect -F -l -d 31 --message-level 0 " + vmcore_.string(), fault_env(*in_, vmcore_.string(), faults));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    expect_each_range_once(r.err);
    EXPECT_EQ(count_of(r.err, "unreadable memory:"), faults.size()) << r.err;
    const fs::path flat = scratch_.path("stdout");  // the harness keeps the command's stdout there
    const fs::path out = scratch_.path("dump.kdump");
    auto m = kdf::format::test::run(kdf::format::test::q(kdf::format::test::makedumpfile()) + " -R " + out.string() + " < " +
                                    flat.string());
    ASSERT_EQ(m.exit_code, 0) << m.output;
    uint64_t excluded = 0;
    EXPECT_TRUE(kdf_test::same_kept_pages(vmcore_, out, &excluded));
    std::vector<PageRead> got = kdf::format::test::kdumpfile_read(out.string(), ps, all);
    ASSERT_EQ(got.size(), all.size());
    size_t differ = 0;
    for (size_t i = 0; i < all.size(); ++i) {
        const int want = in_ranges(all[i], faults) ? 1 : clean_pages[i].code;
        if (got[i].code != want && ++differ <= 5) ADD_FAILURE() << "pfn " << hex(all[i]) << ": code " << got[i].code << ", want " << want;
    }
    EXPECT_EQ(differ, 0u);
}

// Through the chain to a local directory: the note is a side file beside the dump (after the data,
// which a directory takes), the dump is committed, and the exit code says the first target holds it.
TEST_F(UnreadableMemory, ChainPutsTheNoteBesideTheCommittedDump) {
    const fs::path target = scratch_.mkdir("target"), conf = scratch_.path("kdf.conf");
    kdf_test::write_file(conf, "[dump]\nlevel = 1\ncompress = lzo\n\n[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = " +
                                   target.string() + "\n");
    kdf_test::CommandResult r = scratch_.run("dump --config " + conf.string() + " --vmcore " + vmcore_.string(), env_);
    EXPECT_EQ(r.exit_code, 0) << r.err;  // the first target holds the dump
    expect_each_range_once(r.err);
    const fs::path dump = kdf_test::find_one(target, "vmcore");
    ASSERT_FALSE(dump.empty()) << r.err;
    const fs::path note = dump.parent_path() / "vmcore-unreadable.txt";
    expect_each_range_once(kdf_test::read_file(note));
    EXPECT_TRUE(fs::exists(dump.parent_path() / "vmcore-dmesg.txt"));
    expect_left_out_and_rest_exact(*in_, dump.string(), ranges_);
}

// Through mmap windows, as /proc/vmcore is read in the crash kernel: the fault layer makes the
// ranges' pages raise SIGBUS when touched (and EIO for the pread fallback). The dump completes
// without them, every other page exact, and the windows stay in use.
TEST_F(UnreadableMemory, MappedReadsSurviveSigbusInsideTheFile) {
    const fs::path out = scratch_.path("mapped.kdump");
    auto r = kdf::format::test::run(env_ + " " + kdf::format::test::q(KDF_MAPPED_DUMP) + " " + vmcore_.string() + " " +
                                    out.string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    expect_each_range_once(r.output);
    EXPECT_NE(r.output.find("unreadable 88 pages, mmap still on: yes"), std::string::npos) << r.output;
    expect_left_out_and_rest_exact(*in_, out.string(), ranges_);
}

// Through mmap: the vmcore shrinks under a reader that mapped it, so touching the lost pages raises
// SIGBUS (and pread finds the end of the file). The dump completes without them and the reader
// keeps its windows for the pages that still work.
TEST_F(UnreadableMemory, MappedReaderSurvivesSigbus) {
    const fs::path copy = scratch_.path("shrinking.elf");
    fs::copy_file(vmcore_, copy);
    auto core = kdf::vmcore::ElfVmcore::open(copy.string(), kdf::vmcore::ReadMode::mmap);
    ASSERT_TRUE(core.is_ok()) << core.status().to_string();
    // The last 9 pages of the file: the end of the PT_LOAD that is last in the file.
    const uint64_t ps = in_->pages.page_size();
    const kdf::vmcore::PhysicalMap::Range* last = nullptr;
    for (const auto& m : core->phys_map().ranges())
        if (last == nullptr || m.file_offset > last->file_offset) last = &m;
    ASSERT_NE(last, nullptr);
    const uint64_t file_end = last->file_offset + last->file_size;
    ASSERT_EQ(file_end % ps, 0u);
    const PfnRange lost{(last->paddr + last->file_size) / ps - 9, 9};
    ASSERT_EQ(::truncate(copy.c_str(), static_cast<off_t>(file_end - 9 * ps)), 0);

    const fs::path out = scratch_.path("mapped.kdump");
    kdf::UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    ASSERT_TRUE(fd);
    kdf::format::FileOutput output(std::move(fd), out.string());
    kdf::pipeline::DumpJobOptions job;
    job.level = 1;
    job.codec = "zlib";
    job.threads = 2;
    std::string lines;
    job.warning = [&lines](const std::string& line) { lines += line + "\n"; };
    auto written = kdf::pipeline::write_dump(core.value(), output, job);
    ASSERT_TRUE(written.is_ok()) << written.status().to_string();
    ASSERT_TRUE(output.sync().is_ok());
    EXPECT_TRUE(core->reads_through_mmap());
    EXPECT_EQ(written->stats.unreadable_pages, 9u);
    EXPECT_EQ(count_of(lines, range_words(lost)), 1u) << lines;
    EXPECT_NE(written->stats.unreadable_note.find(range_words(lost)), std::string::npos);
    expect_left_out_and_rest_exact(*in_, out.string(), {lost});
}

}  // namespace
