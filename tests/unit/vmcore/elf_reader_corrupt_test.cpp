// Malformed vmcores: each defect must give its own one-line Code::corrupt message naming the file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstdio>
#include <random>

#include "core/vmcore/elf_reader.h"
#include "kdf/unique_fd.h"
#include "temp_dir.h"
#include "vmcore_builder.h"

namespace kdf::vmcore {
namespace {

using test::Bytes;

std::string fmt(const char* format, auto... args) {
    char buf[512];
    std::snprintf(buf, sizeof buf, format, args...);
    return buf;
}

class CorruptVmcore : public ::testing::Test {
protected:
    // Opens `bytes` as a file and returns the error message with the "<path>: " prefix removed.
    std::string open_error(const Bytes& bytes) {
        const std::string path = dir_.file("vmcore");
        EXPECT_TRUE(test::write_file(path, bytes));
        return error_of(path);
    }
    std::string error_of(const std::string& path) {
        auto v = ElfVmcore::open(path);
        if (v.is_ok()) return "(opened fine)";
        EXPECT_EQ(v.status().code(), Code::corrupt) << v.status().to_string();
        const std::string& m = v.status().message();
        if (m.rfind(path + ": ", 0) != 0) return "(no path prefix) " + m;
        EXPECT_EQ(m.find('\n'), std::string::npos);
        return m.substr(path.size() + 2);
    }
    test::Built good() { return test::build_vmcore(test::default_spec()); }
    test::TempDir dir_;
};

TEST_F(CorruptVmcore, EmptyFile) { EXPECT_EQ(open_error({}), "file is empty (0 bytes): not a vmcore"); }

TEST_F(CorruptVmcore, TruncatedInsideElfHeader) {
    Bytes b = good().bytes;
    b.resize(20);
    EXPECT_EQ(open_error(b), "file is 20 bytes, shorter than an ELF64 header (64 bytes): truncated vmcore?");
}

TEST_F(CorruptVmcore, BadMagic) {
    Bytes b = good().bytes;
    b[1] = std::byte{'X'};
    EXPECT_EQ(open_error(b), "not an ELF vmcore (bad magic)");
}

TEST_F(CorruptVmcore, Class32) {
    Bytes b = good().bytes;
    b[4] = std::byte{1};
    EXPECT_EQ(open_error(b), "not ELFCLASS64 (EI_CLASS is 1): only 64-bit vmcores are supported");
}

TEST_F(CorruptVmcore, BigEndian) {
    Bytes b = good().bytes;
    b[5] = std::byte{2};
    EXPECT_EQ(open_error(b), "not little-endian (EI_DATA is 2): big-endian vmcores are not supported");
}

TEST_F(CorruptVmcore, WrongType) {
    Bytes b = good().bytes;
    test::store_le(b, 16, 2, 2);
    EXPECT_EQ(open_error(b), "e_type is 2 (ET_EXEC), not ET_CORE (4): an ELF file but not a core dump");
}

TEST_F(CorruptVmcore, WrongPhentsize) {
    Bytes b = good().bytes;
    test::store_le(b, 54, 32, 2);
    EXPECT_EQ(open_error(b), "e_phentsize is 32, not 56 (the size of an Elf64_Phdr)");
}

TEST_F(CorruptVmcore, PhdrTablePastEof) {
    Bytes b = good().bytes;
    const uint64_t phoff = b.size() - 100;
    test::store_le(b, 32, phoff, 8);
    EXPECT_EQ(open_error(b), fmt("program header table (e_phoff 0x%" PRIx64 ", 4 entries of 56 bytes) ends past end of "
                                 "file (file is %zu bytes): truncated vmcore?",
                                 phoff, b.size()));
}

TEST_F(CorruptVmcore, PhnumZero) {
    Bytes b = good().bytes;
    test::store_le(b, 56, 0, 2);
    EXPECT_EQ(open_error(b), "e_phnum is 0: no program headers, so no memory and no notes");
}

TEST_F(CorruptVmcore, PhnumAbsurdThroughPnXnum) {
    Bytes b = good().bytes;
    const uint64_t shoff = b.size();
    b.resize(b.size() + 64);
    test::store_le(b, shoff + 44, 2'000'000, 4);
    test::store_le(b, 40, shoff, 8);
    test::store_le(b, 58, 64, 2);
    test::store_le(b, 56, 0xffff, 2);
    EXPECT_EQ(open_error(b), "e_phnum 2000000 is absurd (more than 1000000 program headers)");
}

TEST_F(CorruptVmcore, PnXnumWithoutSectionHeader) {
    Bytes b = good().bytes;
    test::store_le(b, 56, 0xffff, 2);
    EXPECT_EQ(open_error(b),
              "e_phnum is PN_XNUM (0xffff) but there is no section header 0 (e_shoff is 0) to hold the real count");
}

TEST_F(CorruptVmcore, PtLoadPastEofAfterTruncation) {
    test::Built built = good();
    Bytes b = built.bytes;
    b.resize(b.size() - 0x800);  // cut into RAM 2's file bytes
    EXPECT_EQ(open_error(b), fmt("PT_LOAD at program header 3 (file offset 0x%" PRIx64 ", 0x1000 bytes) ends past end "
                                 "of file (file is %zu bytes): truncated vmcore?",
                                 built.load_offsets[2], b.size()));
}

TEST_F(CorruptVmcore, PtNotePastEof) {
    Bytes b = good().bytes;
    test::store_le(b, test::phdr_at(0) + 32, b.size(), 8);  // p_filesz of the PT_NOTE
    EXPECT_EQ(open_error(b), fmt("PT_NOTE at program header 0 (file offset 0x120, 0x%zx bytes) ends past end of file "
                                 "(file is %zu bytes): truncated vmcore?",
                                 b.size(), b.size()));
}

TEST_F(CorruptVmcore, FileszLargerThanMemsz) {
    Bytes b = good().bytes;
    test::store_le(b, test::phdr_at(2) + 40, 0x800, 8);
    EXPECT_EQ(open_error(b), "PT_LOAD at program header 2: p_filesz 0x3000 is larger than p_memsz 0x800");
}

TEST_F(CorruptVmcore, OffsetPlusSizeOverflows) {
    Bytes b = good().bytes;
    test::store_le(b, test::phdr_at(2) + 8, 0xfffffffffffff000ULL, 8);
    EXPECT_EQ(open_error(b),
              "PT_LOAD at program header 2: file offset 0xfffffffffffff000 + size 0x3000 overflows");
}

TEST_F(CorruptVmcore, PhysicalEndOverflows) {
    Bytes b = good().bytes;
    test::store_le(b, test::phdr_at(2) + 24, 0xffffffffffffe000ULL, 8);
    EXPECT_EQ(open_error(b),
              "PT_LOAD at program header 2: physical address 0xffffffffffffe000 + size 0x3000 overflows");
}

TEST_F(CorruptVmcore, OverlappingFileRanges) {
    test::VmcoreSpec spec = test::default_spec();
    test::Built first = test::build_vmcore(spec);
    spec.loads[2].file_offset = first.load_offsets[1] + 0x2000;  // inside RAM 1's file bytes
    test::Built built = test::build_vmcore(spec);
    EXPECT_EQ(open_error(built.bytes),
              fmt("PT_LOAD at program header 3 (file offset 0x%" PRIx64 ", 0x1000 bytes) overlaps PT_LOAD at program "
                  "header 2 (file offset 0x%" PRIx64 ", 0x3000 bytes) in the file",
                  built.load_offsets[2], built.load_offsets[1]));
}

// The kernel-image alias may share RAM 1's file bytes (our ELF writer stores the image once): the
// same physical page is at the same file offset through both, so nothing is ambiguous.
TEST_F(CorruptVmcore, AliasSharingItsPagesFileBytesIsAccepted) {
    test::VmcoreSpec spec = test::default_spec();
    test::Built first = test::build_vmcore(spec);
    spec.loads[0].file_offset = first.load_offsets[1] + 0x1000;  // paddr 0x101000 inside RAM 1 (0x100000)
    EXPECT_EQ(open_error(test::build_vmcore(spec).bytes), "(opened fine)");
}

TEST_F(CorruptVmcore, OverlappingPhysicalRanges) {
    test::VmcoreSpec spec = test::default_spec();
    spec.loads[2].paddr = 0x102000;  // RAM 2 now overlaps RAM 1's last page, both direct-map
    spec.loads[2].vaddr = test::kDirectMap + 0x102000;
    EXPECT_EQ(open_error(test::build_vmcore(spec).bytes),
              "PT_LOAD at program header 3 (physical 0x102000-0x104000) overlaps PT_LOAD at program header 2 "
              "(physical 0x100000-0x103000) and neither is a kernel-image alias");
}

TEST_F(CorruptVmcore, DirectMapSegmentInsideAnotherIsNotAnAlias) {
    test::VmcoreSpec spec = test::default_spec();
    spec.loads[0].vaddr = test::kDirectMap + 0x40000000;  // contained, but not in the kernel text mapping
    EXPECT_EQ(open_error(test::build_vmcore(spec).bytes),
              "PT_LOAD at program header 1 (physical 0x101000-0x102000) overlaps PT_LOAD at program header 2 "
              "(physical 0x100000-0x103000) and neither is a kernel-image alias");
}

TEST_F(CorruptVmcore, NoPtLoad) {
    test::VmcoreSpec spec = test::default_spec();
    spec.loads.clear();
    EXPECT_EQ(open_error(test::build_vmcore(spec).bytes), "no PT_LOAD program headers: the vmcore holds no memory");
}

TEST_F(CorruptVmcore, NoteNameszHuge) {
    test::Built built = good();
    Bytes b = built.bytes;
    test::store_le(b, built.notes_offset, 0x7fffffff, 4);
    const uint64_t note_size = built.notes_end - built.notes_offset;
    EXPECT_EQ(open_error(b), fmt("note at file offset 0x%" PRIx64 ": namesz 2147483647 runs past the end of the PT_NOTE "
                                 "segment (%" PRIu64 " bytes left)",
                                 built.notes_offset, note_size - 12));
}

TEST_F(CorruptVmcore, NoteDescszPastSegment) {
    test::Built built = good();
    Bytes b = built.bytes;
    const uint64_t second = built.notes_offset + 356;  // the second CORE note
    test::store_le(b, second + 4, 0x100000, 4);
    const uint64_t left = built.notes_end - (second + 20);
    EXPECT_EQ(open_error(b), fmt("note at file offset 0x%" PRIx64 ": descsz 1048576 runs past the end of the PT_NOTE "
                                 "segment (%" PRIu64 " bytes left)",
                                 second, left));
}

TEST_F(CorruptVmcore, GarbageNotes) {
    test::Built built = good();
    Bytes b = built.bytes;
    std::mt19937_64 rng(42);
    for (uint64_t i = built.notes_offset; i < built.notes_end; ++i) b[i] = static_cast<std::byte>(rng());
    std::string e = open_error(b);
    EXPECT_EQ(e.rfind(fmt("note at file offset 0x%" PRIx64 ": namesz ", built.notes_offset), 0), 0u) << e;
}

TEST_F(CorruptVmcore, BinaryVmcoreinfo) {
    test::VmcoreSpec spec = test::default_spec();
    Bytes info = test::text_bytes("PAGESIZE=4096\n");
    info[5] = std::byte{0x01};
    spec.note_segments = {test::make_note("VMCOREINFO", 0, info)};
    test::Built built = test::build_vmcore(spec);
    EXPECT_EQ(open_error(built.bytes),
              fmt("VMCOREINFO note (file offset 0x%" PRIx64 ", 14 bytes) is not text: byte 0x01 at offset 5",
                  built.notes_offset + 24));
}

TEST_F(CorruptVmcore, VmcoreinfoThatIsNotKeyValue) {
    test::VmcoreSpec spec = test::default_spec();
    spec.note_segments = {test::make_note("VMCOREINFO", 0, test::text_bytes("PAGESIZE=4096\nhello\n"))};
    EXPECT_EQ(open_error(test::build_vmcore(spec).bytes), "VMCOREINFO line 2 is not KEY=VALUE: 'hello'");
}

TEST_F(CorruptVmcore, NotesLargerThanTheCap) {
    // A sparse 20 MiB file whose PT_NOTE claims 17 MiB: inside the file, but more than notes can be.
    Bytes b = good().bytes;
    test::store_le(b, test::phdr_at(0) + 32, 17u << 20, 8);
    const std::string path = dir_.file("vmcore");
    ASSERT_TRUE(test::write_file(path, b));
    ASSERT_EQ(::truncate(path.c_str(), 20 << 20), 0);
    EXPECT_EQ(error_of(path),
              "PT_NOTE segments hold more than 16777216 bytes in all (program header 0 passes it): not a plausible vmcore");
}

// Deterministic fuzzing of the header and note bytes: open() must succeed or fail cleanly (this
// binary runs under AddressSanitizer in CI), and whatever opens must be readable without harm.
TEST_F(CorruptVmcore, FuzzedHeadersAndNotesFailCleanly) {
    test::Built built = good();
    const std::string path = dir_.file("fuzz");
    ASSERT_TRUE(test::write_file(path, built.bytes));
    // Rewrite only the header and note bytes each round (the PT_LOAD data never changes): fast
    // enough for thousands of rounds under ASan.
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    ASSERT_TRUE(fd);
    const size_t region = built.notes_end;
    std::mt19937_64 rng(20261123);
    int opened = 0, refused = 0;
    for (int iter = 0; iter < 3000; ++iter) {
        Bytes b(built.bytes.begin(), built.bytes.begin() + static_cast<ptrdiff_t>(region));
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const size_t at = rng() % region;
            switch (rng() % 3) {
            case 0: b[at] ^= static_cast<std::byte>(1u << (rng() % 8)); break;
            case 1: b[at] = static_cast<std::byte>(rng()); break;
            default: b[at] = (rng() & 1) ? std::byte{0xff} : std::byte{0}; break;
            }
        }
        ASSERT_TRUE(pwrite_full(fd.get(), b.data(), b.size(), 0, "fuzz").is_ok());
        const bool truncate = rng() % 8 == 0;  // sometimes also cut the file short
        if (truncate) {
            ASSERT_EQ(::ftruncate(fd.get(), static_cast<off_t>(rng() % built.bytes.size())), 0);
        }
        auto v = ElfVmcore::open(path);
        if (!v.is_ok()) {
            ++refused;
            ASSERT_FALSE(v.status().message().empty());
            ASSERT_EQ(v.status().message().find('\n'), std::string::npos);
        } else {
            ++opened;
            Bytes page(64);
            for (const auto& r : v->phys_map().ranges()) {
                (void)v->read_phys(r.paddr, page);
                (void)v->read_phys(r.end() - 1, std::span<std::byte>(page).first(1));
            }
            (void)v->vmcoreinfo().page_size();
        }
        if (truncate) {
            ASSERT_TRUE(pwrite_full(fd.get(), built.bytes.data(), built.bytes.size(), 0, "restore").is_ok());
        }
    }
    EXPECT_GT(opened, 0);
    EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace kdf::vmcore
