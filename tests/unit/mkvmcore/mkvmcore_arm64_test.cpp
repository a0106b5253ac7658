// kdf-mkvmcore --arch arm64: the command line, and what the vmcore says about itself - the ELF
// header and notes arm64 readers check, the VMCOREINFO relations makedumpfile's arch/arm64.c relies
// on (kimage_voffset, PHYS_OFFSET, PAGE_OFFSET, TCR_EL1_T1SZ, KERNELPACMASK), RAM above 2^48 in the
// 52-bit layouts and a PAC-signed saved link register. The page tables themselves are checked by
// drgn (arm64_drgn_walk_test.py) and by our translator (tests/unit/arch).
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

namespace {

std::string run(const std::string& cmd, int* exit_code) {
    std::string out;
    FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
    if (p == nullptr) return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int status = ::pclose(p);
    *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return out;
}

// The first `limit` bytes of a file (all of it by default).
std::vector<unsigned char> read_all(const std::string& path, uint64_t limit = UINT64_MAX) {
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    const auto size = static_cast<uint64_t>(std::max<std::streamoff>(0, f.tellg()));
    std::vector<unsigned char> d(std::min(size, limit));
    f.seekg(0);
    f.read(reinterpret_cast<char*>(d.data()), static_cast<std::streamsize>(d.size()));
    return d;
}

uint64_t le(const unsigned char* p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

struct Load {
    uint64_t vaddr, paddr, size;
};

struct Core {
    uint16_t machine = 0;
    std::vector<Load> loads;
    std::map<std::string, std::string> info;          // VMCOREINFO
    std::vector<std::vector<unsigned char>> prstatus;  // NT_PRSTATUS descs

    uint64_t num(const std::string& key) const { return std::stoull(info.at(key), nullptr, 0); }
    uint64_t hex(const std::string& key) const { return std::stoull(info.at(key), nullptr, 16); }
};

Core parse(const std::string& path) {
    Core c;
    const std::vector<unsigned char> d = read_all(path, 1 << 20);  // headers and notes
    if (d.size() < 64) return c;
    c.machine = static_cast<uint16_t>(le(&d[18], 2));
    const uint64_t phoff = le(&d[32], 8), phnum = le(&d[56], 2);
    for (uint64_t i = 0; i < phnum; ++i) {
        const unsigned char* ph = &d[phoff + i * 56];
        const uint64_t off = le(ph + 8, 8), filesz = le(ph + 32, 8);
        if (le(ph, 4) == 1) c.loads.push_back({le(ph + 16, 8), le(ph + 24, 8), filesz});
        if (le(ph, 4) != 4) continue;
        for (uint64_t at = off; at + 12 <= off + filesz;) {
            const uint64_t namesz = le(&d[at], 4), descsz = le(&d[at + 4], 4), type = le(&d[at + 8], 4);
            const std::string name(reinterpret_cast<const char*>(&d[at + 12]), namesz ? namesz - 1 : 0);
            const uint64_t desc = at + 12 + (namesz + 3) / 4 * 4;
            if (name == "CORE" && type == 1) c.prstatus.emplace_back(&d[desc], &d[desc] + descsz);
            if (name == "VMCOREINFO") {
                std::string text(reinterpret_cast<const char*>(&d[desc]), descsz);
                for (size_t pos = 0; pos < text.size();) {
                    size_t nl = text.find('\n', pos);
                    if (nl == std::string::npos) nl = text.size();
                    const std::string kv = text.substr(pos, nl - pos);
                    if (const size_t eq = kv.find('='); eq != std::string::npos) c.info[kv.substr(0, eq)] = kv.substr(eq + 1);
                    pos = nl + 1;
                }
            }
            at = desc + (descsz + 3) / 4 * 4;
        }
    }
    return c;
}

class Arm64Mkvmcore : public ::testing::Test {
protected:
    void SetUp() override {
        char t[] = "/tmp/kdf-mkvmcore-arm64-XXXXXX";
        ASSERT_NE(::mkdtemp(t), nullptr);
        dir_ = t;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string generate(const std::string& args, const std::string& name = "core") {
        const std::string out = dir_ + "/" + name;
        int rc = -1;
        const std::string text = run(std::string(KDF_MKVMCORE) + " " + args + " " + out, &rc);
        EXPECT_EQ(rc, 0) << args << ": " << text;
        return out;
    }
    std::string dir_;
};

TEST_F(Arm64Mkvmcore, BadArm64OptionsAreRejectedInOneLine) {
    for (const char* args : {"--arch arm64 --va-bits 42", "--page-size 8K", "--arch sparc", "--page-size 16K --va-bits 39",
                             "--page-size 64K --va-bits 47", "--arch arm64 --paging 5", "--arch x86_64 --page-size 16K",
                             "--va-bits x"}) {
        int rc = -1;
        const std::string out = run(std::string(KDF_MKVMCORE) + " " + args + " " + dir_ + "/x", &rc);
        EXPECT_EQ(rc, 2) << args;
        EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << args << ": " << out;
        EXPECT_FALSE(std::filesystem::exists(dir_ + "/x")) << args;
    }
}

struct Expect {
    const char* args;
    uint64_t page_size;
    uint32_t va_bits, physmem_bits;
};

TEST_F(Arm64Mkvmcore, HeaderNotesAndVmcoreinfoAreWhatArm64ReadersExpect) {
    for (const Expect& e : {Expect{"--page-size 4K --va-bits 39 --size 48M", 4096, 39, 48},
                            Expect{"--page-size 16K --va-bits 47 --size 64M --kaslr --seed 3", 16384, 47, 48},
                            Expect{"--page-size 64K --va-bits 52 --size 600M --classes free=1", 65536, 52, 52},
                            Expect{"--page-size 16K --va-bits 52 --size 64M", 16384, 52, 52}}) {
        SCOPED_TRACE(e.args);
        const Core c = parse(generate(std::string("--arch arm64 ") + e.args));
        EXPECT_EQ(c.machine, 183);  // EM_AARCH64
        ASSERT_EQ(c.prstatus.size(), 2u);
        EXPECT_EQ(c.prstatus[0].size(), 392u);
        EXPECT_EQ(c.num("PAGESIZE"), e.page_size);
        EXPECT_EQ(c.num("NUMBER(VA_BITS)"), e.va_bits);
        EXPECT_EQ(c.num("NUMBER(TCR_EL1_T1SZ)"), 64u - e.va_bits);
        EXPECT_EQ(c.num("NUMBER(MAX_PHYSMEM_BITS)"), e.physmem_bits);
        EXPECT_EQ(c.num("NUMBER(SECTION_SIZE_BITS)"), e.page_size == 65536 ? 29u : 27u);
        const uint64_t pac_mask = c.num("NUMBER(KERNELPACMASK)");
        EXPECT_EQ(pac_mask, ~((uint64_t{1} << e.va_bits) - 1));

        // The image PT_LOAD first: vaddr _text, paddr = vaddr - kimage_voffset, _stext 64 KiB in.
        ASSERT_GE(c.loads.size(), 2u);
        const Load& image = c.loads[0];
        EXPECT_EQ(image.vaddr - image.paddr, c.num("NUMBER(kimage_voffset)"));
        EXPECT_EQ(c.hex("SYMBOL(_stext)"), image.vaddr + 0x10000);
        EXPECT_EQ(image.vaddr - c.num("NUMBER(MODULES_END)"), c.hex("KERNELOFFSET"));
        // Linear-map PT_LOADs: vaddr = PAGE_OFFSET + (paddr - PHYS_OFFSET).
        const uint64_t page_offset = uint64_t{0} - (uint64_t{1} << e.va_bits), phys_offset = c.num("NUMBER(PHYS_OFFSET)");
        bool above_48 = false;
        for (size_t i = 1; i < c.loads.size(); ++i) {
            EXPECT_EQ(c.loads[i].vaddr, page_offset + (c.loads[i].paddr - phys_offset)) << i;
            EXPECT_LE(phys_offset, c.loads[i].paddr);
            EXPECT_EQ(c.loads[i].paddr % e.page_size, 0u);
            above_48 = above_48 || c.loads[i].paddr >= (uint64_t{1} << 48);
        }
        EXPECT_EQ(above_48, e.va_bits == 52);

        // CPU 0's saved registers (user_pt_regs at 112): pc in the image text; the link register
        // signed, and back in the image once the KERNELPACMASK bits are set again.
        auto reg = [&](int i) { return le(&c.prstatus[0][112 + 8 * static_cast<size_t>(i)], 8); };
        const uint64_t pc = reg(32), lr = reg(30);
        EXPECT_GE(pc, image.vaddr);
        EXPECT_LT(pc, image.vaddr + image.size);
        EXPECT_NE(lr & pac_mask, pac_mask) << std::hex << lr;
        EXPECT_GE(lr | pac_mask, image.vaddr);
        EXPECT_LT(lr | pac_mask, image.vaddr + image.size);
    }
}

TEST_F(Arm64Mkvmcore, SameArgumentsSameBytes) {
    const std::string args = "--arch arm64 --page-size 16K --va-bits 52 --size 40M --seed 9 --kaslr --holes 2";
    EXPECT_TRUE(read_all(generate(args, "a")) == read_all(generate(args, "b")));
}

}  // namespace
