// kdf-mkvmcore's output read back through ElfVmcore (and readelf, when installed).
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cinttypes>
#include <cstring>
#include <fstream>

#include "core/vmcore/elf_reader.h"
#include "run_command.h"
#include "temp_dir.h"

namespace kdf::vmcore {
namespace {

using Bytes = std::vector<std::byte>;

class Mkvmcore : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(::access(KDF_MKVMCORE, X_OK), 0) << KDF_MKVMCORE << " is missing: build the kdf-mkvmcore target";
    }
    test::CommandResult mk(const std::string& args) {
        return test::run_command(test::shell_quote(KDF_MKVMCORE) + " " + args);
    }
    std::string make(const std::string& name, const std::string& args) {
        std::string out = dir_.file(name);
        test::CommandResult r = mk(args + " " + test::shell_quote(out));
        EXPECT_EQ(r.exit_code, 0) << r.output;
        EXPECT_EQ(r.output, "");  // quiet on success
        return out;
    }
    test::TempDir dir_;
};

uint64_t le64(const std::byte* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<uint64_t>(p[i]);
    return v;
}

TEST_F(Mkvmcore, LayoutNotesAndVmcoreinfoLookReal) {
    auto v = ElfVmcore::open(make("core", "--size 16M --seed 5 --cpus 3"));
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    EXPECT_EQ(v->machine(), 62);
    const auto& segs = v->segments();
    ASSERT_EQ(segs.size(), 4u);
    EXPECT_TRUE(segs[0].alias);
    EXPECT_GE(segs[0].vaddr, 0xffffffff81000000ULL);
    uint64_t total = 0;
    for (size_t i = 0; i < segs.size(); ++i) {
        total += segs[i].file_size;
        EXPECT_EQ(segs[i].file_offset % 4096, 0u) << i;
        EXPECT_EQ(segs[i].file_size, segs[i].mem_size);
        if (i > 0) {
            EXPECT_FALSE(segs[i].alias);
            EXPECT_EQ(segs[i].vaddr, 0xffff888000000000ULL + segs[i].paddr);
        }
    }
    EXPECT_EQ(total, 16u << 20);
    EXPECT_EQ(segs[1].paddr, 0x1000u);
    EXPECT_EQ(segs[1].phys_end(), 0x9f000u);
    EXPECT_EQ(segs[2].paddr, 0x100000u);
    EXPECT_EQ(segs[3].paddr - segs[2].phys_end(), 128u << 20);  // the crashkernel hole
    EXPECT_GE(segs[0].paddr, segs[2].paddr);
    EXPECT_LE(segs[0].phys_end(), segs[2].phys_end());
    EXPECT_EQ(v->file_size(), segs[3].file_end());

    ASSERT_EQ(v->cpu_notes().size(), 3u);
    EXPECT_GT(v->cpu_notes()[0].pid, 0);
    EXPECT_EQ(v->cpu_notes()[1].pid, 0);
    EXPECT_EQ(v->cpu_notes()[0].prstatus.size(), 336u);
    EXPECT_EQ(v->notes().size(), 4u);

    ASSERT_TRUE(v->has_vmcoreinfo());
    const VmcoreInfo& info = v->vmcoreinfo();
    EXPECT_EQ(info.osrelease(), "6.1.0-kdf-sample");
    EXPECT_EQ(info.page_size(), 4096u);
    EXPECT_EQ(info.size("page"), 64u);
    EXPECT_EQ(info.number("pgtable_l5_enabled"), 0);
    EXPECT_EQ(info.number("MAX_PHYSMEM_BITS"), 46);
    EXPECT_EQ(info.number("SECTION_SIZE_BITS"), 27);
    EXPECT_EQ(info.get("BUILD-ID")->size(), 40u);
    EXPECT_TRUE(info.crashtime().has_value());
    ASSERT_TRUE(info.kerneloffset().has_value());
    EXPECT_EQ(*info.kerneloffset(), segs[0].vaddr - 0xffffffff81000000ULL);
    EXPECT_EQ(info.number("phys_base"),
              static_cast<int64_t>(segs[0].paddr) - static_cast<int64_t>(segs[0].vaddr - 0xffffffff80000000ULL));
    ASSERT_TRUE(info.symbol("init_top_pgt").has_value());
    EXPECT_GT(*info.symbol("init_top_pgt"), segs[0].vaddr);
    ASSERT_TRUE(info.symbol("init_uts_ns").has_value());
}

TEST_F(Mkvmcore, EveryPageArrivesWhereItsHeaderSays) {
    const std::string path = make("core", "--size 8M --seed 9");
    auto v = ElfVmcore::open(path);
    ASSERT_TRUE(v.is_ok()) << v.status().to_string();
    Bytes page(4096);
    uint64_t zero = 0, headed = 0;
    for (const auto& r : v->phys_map().ranges()) {
        for (uint64_t p = r.paddr; p < r.end(); p += 4096) {
            ASSERT_TRUE(v->read_phys(p, page).is_ok());
            if (std::all_of(page.begin(), page.end(), [](std::byte b) { return b == std::byte{0}; })) {
                ++zero;
                continue;
            }
            ASSERT_EQ(std::memcmp(page.data(), "KDFPAGE\0", 8), 0) << std::hex << p;
            ASSERT_EQ(le64(page.data() + 8), p / 4096) << std::hex << p;
            ++headed;
        }
    }
    EXPECT_EQ(zero + headed, v->phys_map().total_pages());
    EXPECT_GT(zero, headed / 6);  // 25% of pages by default
    EXPECT_GT(headed, zero);

    // The kernel-image alias holds the same bytes as the direct map at the same physical address.
    const LoadSegment& alias = v->segments()[0];
    Bytes via_alias(4096);
    for (uint64_t off = 0; off < alias.file_size; off += 64 * 4096) {
        ASSERT_TRUE(v->read(alias.file_offset + off, via_alias).is_ok());
        ASSERT_TRUE(v->read_phys(alias.paddr + off, page).is_ok());
        ASSERT_EQ(via_alias, page) << off;
    }

    // Zero pages are holes: the file takes less disk than its size.
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, static_cast<uint64_t>(st.st_size));
}

TEST_F(Mkvmcore, SameSeedSameBytesOtherSeedOtherBytes) {
    auto read_all = [](const std::string& p) {
        std::ifstream f(p, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(f), {});
    };
    const std::string a = read_all(make("a", "--size 4M --seed 3"));
    const std::string b = read_all(make("b", "--size 4M --seed 3"));
    const std::string c = read_all(make("c", "--size 4M --seed 4"));
    EXPECT_EQ(a.size(), b.size());
    EXPECT_TRUE(a == b);
    EXPECT_FALSE(a == c);
}

TEST_F(Mkvmcore, MixControlsPageKinds) {
    const std::string zeros = make("zeros", "--size 4M --mix zero=1");
    struct stat st {};
    ASSERT_EQ(::stat(zeros.c_str(), &st), 0);
    EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, 64u * 1024);  // only headers and notes on disk
    auto v = ElfVmcore::open(make("random", "--size 4M --mix random=1"));
    ASSERT_TRUE(v.is_ok());
    Bytes page(4096);
    const auto& r = v->phys_map().ranges().back();
    for (uint64_t p = r.paddr; p < r.end(); p += 4096) {
        ASSERT_TRUE(v->read_phys(p, page).is_ok());
        ASSERT_EQ(std::memcmp(page.data(), "KDFPAGE\0", 8), 0);
    }
}

TEST_F(Mkvmcore, BadArgumentsFailWithOneLine) {
    const std::string out = test::shell_quote(dir_.file("x"));
    for (const std::string& args : {"--size abc " + out, "--size 1M " + out, "--cpus 0 " + out,
                                    "--mix foo=1 " + out, "--mix zero=0 " + out, "--seed -1 " + out,
                                    "--bogus " + out, std::string(""), out + " " + out, std::string("--size")}) {
        test::CommandResult r = mk(args);
        EXPECT_NE(r.exit_code, 0) << args;
        ASSERT_FALSE(r.output.empty()) << args;
        EXPECT_EQ(r.output.rfind("kdf-mkvmcore: ", 0), 0u) << r.output;
        EXPECT_EQ(r.output.find('\n'), r.output.size() - 1) << r.output;  // exactly one line
    }
    EXPECT_NE(::access(dir_.file("x").c_str(), F_OK), 0);  // nothing written
    test::CommandResult bad_dir = mk(test::shell_quote(dir_.file("no/such/dir/core")));
    EXPECT_EQ(bad_dir.exit_code, 1);
    EXPECT_NE(bad_dir.output.find("No such file or directory"), std::string::npos) << bad_dir.output;
}

TEST_F(Mkvmcore, VerboseDescribesTheLayout) {
    test::CommandResult r = mk("-v --size 4M " + test::shell_quote(dir_.file("v")));
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output.find("(kernel image)"), std::string::npos) << r.output;
}

TEST_F(Mkvmcore, TruncatedOutputIsRefusedWithNumbers) {
    const std::string path = make("core", "--size 4M");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    const uint64_t cut = static_cast<uint64_t>(st.st_size) - 4096 * 3;
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(cut)), 0);
    auto v = ElfVmcore::open(path);
    ASSERT_FALSE(v.is_ok());
    EXPECT_EQ(v.status().code(), Code::corrupt);
    const std::string& m = v.status().message();
    EXPECT_EQ(m.rfind(path + ": PT_LOAD at program header 4 (file offset 0x", 0), 0u) << m;
    EXPECT_NE(m.find("ends past end of file (file is " + std::to_string(cut) + " bytes): truncated vmcore?"),
              std::string::npos)
        << m;
}

TEST_F(Mkvmcore, ReadelfAgrees) {
    if (::access("/usr/bin/readelf", X_OK) != 0) GTEST_SKIP() << "readelf (binutils) not installed";
    const std::string path = test::shell_quote(make("core", "--size 8M --cpus 4"));
    test::CommandResult l = test::run_command("/usr/bin/readelf -W -l " + path);
    ASSERT_EQ(l.exit_code, 0) << l.output;
    EXPECT_NE(l.output.find("Elf file type is CORE"), std::string::npos) << l.output;
    EXPECT_EQ(l.output.find("Warning"), std::string::npos) << l.output;
    size_t loads = 0;
    for (size_t at = l.output.find("  LOAD "); at != std::string::npos; at = l.output.find("  LOAD ", at + 1)) ++loads;
    EXPECT_EQ(loads, 4u) << l.output;
    EXPECT_NE(l.output.find("0xffff888000001000 0x0000000000001000 0x09e000 0x09e000 RWE"), std::string::npos)
        << l.output;
    test::CommandResult n = test::run_command("/usr/bin/readelf -W -n " + path);
    ASSERT_EQ(n.exit_code, 0) << n.output;
    EXPECT_EQ(n.output.find("Warning"), std::string::npos) << n.output;
    size_t prstatus = 0;
    for (size_t at = n.output.find("NT_PRSTATUS"); at != std::string::npos; at = n.output.find("NT_PRSTATUS", at + 1))
        ++prstatus;
    EXPECT_EQ(prstatus, 4u) << n.output;
    EXPECT_NE(n.output.find("VMCOREINFO"), std::string::npos) << n.output;
}

}  // namespace
}  // namespace kdf::vmcore
