// arm64 translation and filtering on generated vmcores (kdf-mkvmcore --arch arm64): the page sizes
// and VA sizes the real arm64 fixture (4K pages, 48-bit VA) does not cover - 16K and 64K pages,
// 39/42/47-bit VA, 52-bit VA and PA with LPA (64K) and LPA2 (4K, 16K), RAM above 2^48.
//
// The generator writes, beside each vmcore, the addresses it mapped (one of each kind: kernel
// image text and data, linear map inside a block and in a page-mapped tail, vmemmap, above 2^48)
// with their physical addresses, an unmapped vmemmap gap and an empty table entry (not_found), a
// table entry pointing outside the dump (corrupt), and CPU 0's saved link register as pointer
// authentication signed it (translated after canonical_pointer()). Every one must translate as
// listed. Then the page filter at levels 1, 2, 4, 8, 16 and 31 must drop exactly the pages whose
// class the manifest says that level drops (the rule of tests/unit/mkvmcore, which pins it
// against makedumpfile on x86_64). Last, `kdump-failover dmesg` prints the log the generator put in
// the printk ring.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "core/arch/kernel_memory.h"
#include "core/filter/page_filter.h"
#include "core/vmcore/elf_reader.h"
#include "tests/support/temp_dir.h"

namespace kdf::arch {
namespace {

struct Layout {
    const char* name;
    const char* args;
};
void PrintTo(const Layout& l, std::ostream* os) { *os << l.args; }

// Every class weighted; 64K layouts leave out the order-9 THP and hugetlb pages (32 MiB each) and
// keep most pages free (holes in the file), so their 512 MiB block stays cheap to write.
constexpr const char* kAllClasses =
    "--classes free=30,pcp=2,cache=15,cache_private=4,swapcache=3,user=15,thp=6,hugetlb=4,kernel=6,zero=4,"
    "slab=8,offline=2,hwpoison=1";
constexpr const char* kSparseClasses =
    "--classes free=90,pcp=1,cache=1,cache_private=1,swapcache=1,user=1,kernel=1,zero=1,slab=1,offline=1,hwpoison=1";

struct Check {
    std::string name, expect;
    uint64_t vaddr = 0;
};

std::vector<Check> read_checks(const std::string& path) {
    std::vector<Check> v;
    std::ifstream f(path);
    Check c;
    std::string va;
    while (f >> c.name >> va >> c.expect) {
        c.vaddr = std::stoull(va, nullptr, 16);
        v.push_back(c);
    }
    return v;
}

struct ClassRun {
    uint64_t start = 0, count = 0;
    std::string cls;
};

std::vector<ClassRun> read_manifest(const std::string& path) {
    std::vector<ClassRun> runs;
    std::ifstream f(path);
    ClassRun r;
    while (f >> r.start >> r.count >> r.cls) runs.push_back(r);
    return runs;
}

// What a level drops by the mem_map walk (the kernel semantics of levels 2/4/8/16, with offline
// and hwpoison pages dropped at every level from 1); zero pages are found by content instead.
bool level_drops(const std::string& cls, int level) {
    if (cls == "offline" || cls == "hwpoison") return level != 0;
    if (cls == "free") return level & 16;
    if (cls == "cache" || cls == "swapcache") return level & (2 | 4);
    if (cls == "cache_private") return level & 4;
    if (cls == "user" || cls == "thp" || cls == "hugetlb") return level & 8;
    return false;
}

class Arm64Generated : public ::testing::TestWithParam<Layout> {};

TEST_P(Arm64Generated, EveryMappingKindTranslatesAndEachLevelDropsThePredictedPages) {
    kdf::test::TempDir dir("kdf-arm64-gen");
    const std::string core_path = dir / "vmcore", checks_path = dir / "checks", manifest_path = dir / "manifest";
    const std::string args = GetParam().args;
    const std::string cmd = std::string(KDF_MKVMCORE) + " --arch arm64 " + args + " " +
                            (args.find("64K") != std::string::npos ? kSparseClasses : kAllClasses) + " --checks " +
                            checks_path + " --manifest " + manifest_path + " " + core_path + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;

    auto core = vmcore::ElfVmcore::open(core_path);
    ASSERT_TRUE(core.is_ok()) << core.status().message();
    auto mem = KernelMemory::open(core.value());
    ASSERT_TRUE(mem.is_ok()) << mem.status().message();
    SCOPED_TRACE(mem.value().describe());

    const std::vector<Check> checks = read_checks(checks_path);
    std::set<std::string> kinds;
    for (const Check& c : checks) {
        kinds.insert(c.name);
        SCOPED_TRACE(c.name + " " + std::to_string(c.vaddr));
        // A PAC-signed pointer (the saved link register) translates once its PAC is stripped.
        const uint64_t vaddr = c.name.starts_with("pac_") ? mem.value().canonical_pointer(c.vaddr) : c.vaddr;
        if (c.name.starts_with("pac_")) {
            EXPECT_NE(vaddr, c.vaddr) << c.name << ": canonical_pointer() left the PAC in place";
        }
        auto t = mem.value().translate(vaddr);
        if (c.expect == "not_found" || c.expect == "corrupt") {
            ASSERT_FALSE(t.is_ok()) << c.name << ": translated to " << t.value().paddr << ", expected " << c.expect;
            EXPECT_EQ(t.status().code(), c.expect == "corrupt" ? Code::corrupt : Code::not_found)
                << c.name << ": " << t.status().message();
        } else {
            ASSERT_TRUE(t.is_ok()) << c.name << ": " << t.status().message();
            EXPECT_EQ(t.value().paddr, std::stoull(c.expect, nullptr, 16)) << c.name;
            EXPECT_GE(t.value().contiguous, 1u) << c.name;
        }
    }
    for (const char* k : {"image_text", "image_data", "swapper_pg_dir", "linear_block", "linear_page", "linear_last",
                          "vmemmap_first", "vmemmap_last", "hole_vmemmap", "hole_table_entry", "corrupt_table",
                          "pac_signed_lr"}) {
        EXPECT_TRUE(kinds.count(k)) << "the generator listed no " << k << " address";
    }
    if (args.find("--va-bits 52") != std::string::npos) {
        EXPECT_TRUE(kinds.count("linear_above_2^48")) << "no RAM above 2^48 in a 52-bit layout";
    }

    // Reading through the tables: init_uts_ns says Linux ... aarch64.
    const vmcore::VmcoreInfo& info = core.value().vmcoreinfo();
    char uts[65 * 5];
    ASSERT_TRUE(mem.value().read(*info.symbol("init_uts_ns"), std::as_writable_bytes(std::span(uts))).is_ok());
    EXPECT_STREQ(uts, "Linux");
    EXPECT_STREQ(uts + 65 * 4, "aarch64");

    // The page filter at every level makedumpfile users pick, against the manifest.
    const uint64_t page_size = info.page_size().value_or(0);
    ASSERT_NE(page_size, 0u);
    uint64_t max_mapnr = 0;
    for (const vmcore::LoadSegment& s : core.value().segments())
        if (!s.alias) max_mapnr = std::max(max_mapnr, (s.paddr + s.mem_size) / page_size);
    const std::vector<ClassRun> runs = read_manifest(manifest_path);
    ASSERT_FALSE(runs.empty());
    for (int level : {1, 2, 4, 8, 16, 31}) {
        SCOPED_TRACE("dump level " + std::to_string(level));
        std::vector<std::string> disabled;
        auto filter = filter::PageFilter::open(core.value(), level, max_mapnr, disabled);
        ASSERT_TRUE(filter.is_ok()) << filter.status().message();
        ASSERT_TRUE(filter.value()) << "no mem_map walk at this level";
        EXPECT_TRUE(disabled.empty()) << disabled.front();
        filter::PageFilter::Cursor cursor = filter.value()->cursor();
        uint64_t wrong = 0, pages = 0;
        std::string first_wrong;
        for (const ClassRun& r : runs) {
            for (uint64_t pfn = r.start; pfn < r.start + r.count; ++pfn, ++pages) {
                if (cursor.excluded(pfn) == level_drops(r.cls, level)) continue;
                if (wrong++ == 0) first_wrong = "pfn " + std::to_string(pfn) + " (" + r.cls + ")";
            }
        }
        EXPECT_EQ(wrong, 0u) << wrong << " of " << pages << " pages classified against the manifest, first " << first_wrong;
        EXPECT_EQ(cursor.unclassified(), 0u) << cursor.first_error();
    }

    // The kernel log, read through the same tables by the command users run.
    const std::string log = dir / "dmesg";
    const std::string dmesg = std::string(KDF_CLI) + " dmesg " + core_path + " -o " + log;
    ASSERT_EQ(std::system(dmesg.c_str()), 0) << dmesg;
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("K pages, "), std::string::npos) << text;
    EXPECT_NE(text.find("[   37.614311] Kernel panic - not syncing: sysrq triggered crash\n"), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, Arm64Generated,
    ::testing::Values(Layout{"Pages4K_Va39", "--page-size 4K --va-bits 39 --size 64M --seed 1"},
                      Layout{"Pages4K_Va48_Kaslr", "--page-size 4K --va-bits 48 --size 64M --seed 2 --kaslr --holes 2"},
                      Layout{"Pages16K_Va47", "--page-size 16K --va-bits 47 --size 96M --seed 3"},
                      Layout{"Pages64K_Va42", "--page-size 64K --va-bits 42 --size 640M --seed 4"},
                      Layout{"Pages64K_Va48", "--page-size 64K --va-bits 48 --size 640M --seed 5 --kaslr"},
                      Layout{"Pages64K_Va52_Lpa", "--page-size 64K --va-bits 52 --size 640M --seed 6"},
                      Layout{"Pages4K_Va52_Lpa2", "--page-size 4K --va-bits 52 --size 96M --seed 7"},
                      Layout{"Pages16K_Va52_Lpa2", "--page-size 16K --va-bits 52 --size 96M --seed 8 --holes 2"}),
    [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace kdf::arch
