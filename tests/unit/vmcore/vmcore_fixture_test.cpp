// The real vmcores of the shared fixtures (decompressed into the build tree by the CTest fixture
// real_vmcores), checked against the facts recorded when they were made (sizes, kernel release,
// program headers).
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/vmcore/elf_reader.h"

namespace kdf::vmcore {
namespace {

struct Facts {
    const char* name;
    uint64_t file_size;
    const char* osrelease;
    uint64_t kerneloffset;
    int64_t phys_base;
    uint64_t alias_paddr, alias_size;  // the first PT_LOAD, the kernel image
    uint64_t last_paddr, last_size;    // the last PT_LOAD
    uint64_t vmcoreinfo_size;
    const char* build_id;
};

constexpr Facts kFixtureA{"vmcore-6.1-a", 725254144, "6.1.0-56-amd64", 0x10600000, -31457280, 0xf800000, 0x3430000,
                          0x2f000000, 0xfd7000, 0xce3, "eb4fbcd037e7253717950bf2b93bd5566f47c56f"};
constexpr Facts kFixtureC{"vmcore-6.12-c", 716865536, "6.12.117+deb12-amd64", 0xe400000, 417333248, 0x28200000,
                          0x2c30000, 0x28000000, 0x7fd7000, 0xccc, "764949bbe8b7a9241512fbf3b0d66d0ba34686a8"};

Result<ElfVmcore> open_fixture(const Facts& f, ReadMode mode = ReadMode::automatic) {
    const std::string path = std::string(KDF_BUILD_DIR) + "/fixtures/" + f.name;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
        return Status::error(Code::not_found, path + " is missing: the CTest fixture real_vmcores decompresses it from " +
                                                  KDF_SHARED_DIR + "/fixtures/" + f.name + ".zst (run ctest, not the binary alone)");
    return ElfVmcore::open(path, mode);
}

void check_readme_facts(const Facts& f) {
    auto v = open_fixture(f);
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    EXPECT_EQ(v->machine(), 62);
    EXPECT_EQ(v->file_size(), f.file_size);

    const auto& segs = v->segments();
    ASSERT_EQ(segs.size(), 4u);
    EXPECT_TRUE(segs[0].alias);
    EXPECT_EQ(segs[0].paddr, f.alias_paddr);
    EXPECT_EQ(segs[0].file_size, f.alias_size);
    EXPECT_EQ(segs[0].file_offset, 0x2000u);
    for (size_t i = 1; i < 4; ++i) EXPECT_FALSE(segs[i].alias) << i;
    EXPECT_EQ(segs[1].paddr, 0x1000u);
    EXPECT_EQ(segs[1].file_size, 0x9ec00u);
    EXPECT_EQ(segs[2].paddr, 0x100000u);
    EXPECT_EQ(segs[3].paddr, f.last_paddr);
    EXPECT_EQ(segs[3].file_size, f.last_size);
    EXPECT_EQ(segs[3].file_end(), f.file_size);

    ASSERT_EQ(v->phys_map().ranges().size(), 3u);
    EXPECT_EQ(v->phys_map().max_pfn(), 196567u);
    EXPECT_EQ(v->phys_map().total_pages(), 163701u);  // makedumpfile's 1st bitmap, both fixtures

    ASSERT_EQ(v->cpu_notes().size(), 2u);
    EXPECT_EQ(v->cpu_notes()[0].prstatus.size(), 0x150u);
    ASSERT_EQ(v->notes().size(), 3u);
    EXPECT_EQ(v->notes()[2].owner, "VMCOREINFO");
    EXPECT_EQ(v->notes()[2].desc.size(), f.vmcoreinfo_size);

    ASSERT_TRUE(v->has_vmcoreinfo());
    const VmcoreInfo& info = v->vmcoreinfo();
    EXPECT_EQ(info.osrelease(), f.osrelease);
    EXPECT_EQ(info.page_size(), 4096u);
    EXPECT_EQ(info.kerneloffset(), f.kerneloffset);
    EXPECT_EQ(info.number("phys_base"), f.phys_base);
    EXPECT_EQ(info.number("pgtable_l5_enabled"), 0);
    EXPECT_EQ(info.number("MAX_PHYSMEM_BITS"), 46);
    EXPECT_EQ(info.number("SECTION_SIZE_BITS"), 27);
    EXPECT_EQ(info.get("BUILD-ID"), f.build_id);
    EXPECT_TRUE(info.symbol("init_top_pgt").has_value());
    // The alias' virtual address is the kernel text: __START_KERNEL_map + phys - phys_base.
    EXPECT_EQ(segs[0].vaddr, 0xffffffff80000000ULL + static_cast<uint64_t>(static_cast<int64_t>(f.alias_paddr) - f.phys_base));
}

void check_read_phys(const Facts& f) {
    auto v = open_fixture(f);
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    std::vector<std::byte> via_map(4096), direct(4096);
    // A page in RAM 1, the first page of the last range, and a page of the kernel image (read
    // through the direct map; the alias file bytes must agree).
    const auto& segs = v->segments();
    for (uint64_t paddr : {uint64_t{0x1234000}, segs[3].paddr, segs[0].paddr + 0x5000}) {
        const PhysicalMap::Range* r = v->phys_map().find(paddr);
        ASSERT_NE(r, nullptr);
        ASSERT_TRUE(v->read_phys(paddr, via_map).is_ok());
        ASSERT_TRUE(v->read(r->file_offset + (paddr - r->paddr), direct).is_ok());
        EXPECT_EQ(via_map, direct) << std::hex << paddr;
    }
    std::vector<std::byte> alias(4096);
    ASSERT_TRUE(v->read(segs[0].file_offset + 0x5000, alias).is_ok());
    EXPECT_EQ(alias, via_map);
    // The low range ends mid-page (0x9fc00): its last bytes read, the crashkernel hole does not.
    std::vector<std::byte> tail(0x400);
    EXPECT_TRUE(v->read_phys(0x9f800, tail).is_ok());
    Status hole = v->read_phys(segs[2].phys_end(), tail);
    EXPECT_EQ(hole.code(), Code::not_found);
}

// The crash kernel reads /proc/vmcore through mmap windows (mapped_reader.h); a copy of a real
// vmcore read the same way gives exactly what pread gives: across window boundaries, in reads of
// every size the pipeline makes, and up to the file's last byte. On a regular file `automatic`
// means pread (mmap pays only on procfs).
void check_mmap_equals_pread(const Facts& f) {
    auto mapped = open_fixture(f, ReadMode::mmap);
    auto plain = open_fixture(f, ReadMode::pread);
    auto automatic = open_fixture(f);
    ASSERT_TRUE(mapped.is_ok() && plain.is_ok() && automatic.is_ok()) << mapped.status().to_string();
    EXPECT_TRUE(mapped->reads_through_mmap());
    EXPECT_FALSE(plain->reads_through_mmap());
    EXPECT_FALSE(automatic->reads_through_mmap());

    const uint64_t size = mapped->file_size();
    const uint64_t window = MappedReader::kWindowBytes;
    std::vector<std::pair<uint64_t, size_t>> reads = {
        {0, 64},                              // the ELF header
        {window - 4096, 8192},                // across the first window boundary
        {3 * window - 100, 2 * window + 200}, // spanning three windows
        {size - 4096, 4096},                  // the last page
        {size - 1, 1},                        // the last byte
    };
    uint64_t seed = 12345;  // a fixed pseudo-random walk: the same reads every run
    for (int i = 0; i < 200; ++i) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        const size_t len = 4096 * (1 + (seed >> 33) % 64);  // up to a 64-page batch
        reads.push_back({(seed >> 7) % (size - len), len});
    }
    for (const auto& [offset, len] : reads) {
        std::vector<std::byte> a(len), b(len);
        ASSERT_TRUE(mapped->read(offset, a).is_ok()) << offset;
        ASSERT_TRUE(plain->read(offset, b).is_ok()) << offset;
        ASSERT_TRUE(a == b) << "mmap and pread differ at offset " << offset << " (" << len << " bytes)";
    }
    EXPECT_TRUE(mapped->reads_through_mmap()) << "an mmap failed on a regular file";
    std::vector<std::byte> past(4096);
    EXPECT_EQ(mapped->read(size - 2048, past).code(), Code::corrupt);  // past the end: refused, as with pread
}

TEST(RealVmcore, A61MmapReadsEqualPread) { check_mmap_equals_pread(kFixtureA); }
TEST(RealVmcore, C612MmapReadsEqualPread) { check_mmap_equals_pread(kFixtureC); }

TEST(RealVmcore, A61MatchesTheReadme) { check_readme_facts(kFixtureA); }
TEST(RealVmcore, C612MatchesTheReadme) { check_readme_facts(kFixtureC); }
TEST(RealVmcore, A61ReadPhysMatchesTheFileBytes) { check_read_phys(kFixtureA); }
TEST(RealVmcore, C612ReadPhysMatchesTheFileBytes) { check_read_phys(kFixtureC); }

}  // namespace
}  // namespace kdf::vmcore
