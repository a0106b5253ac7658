// The arm64 walk over hand-built page tables for every granule and level count: 4 KiB with 3, 4
// and 5 levels (LPA2), 16 KiB with 2, 3 and 4, 64 KiB with 2 and 3 (and 52-bit PA by LPA); block
// entries where the architecture has them and refused where it has none; a VA_BITS=52 kernel on
// a 48-bit CPU (64 KiB: the root keeps 1024 entries; 4/16 KiB: a level folded); tagged and
// pointer-authenticated pointers; the shortcuts' limits (PAGE_END, the freed init section); and
// the VMCOREINFO mistakes that must be named. The tables are encoded here independently of the
// translator (the inverse of its decoding); one test lays the 52-bit roots out by hand.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/arch/arm64/arm64_translator.h"
#include "core/arch/kernel_memory.h"

namespace kdf::arch {
namespace {

constexpr uint64_t kFrame = 4096;

// Physical memory as sparse 4 KiB frames (whatever the kernel's granule).
class Arm64Memory final : public vmcore::PhysicalMemory {
public:
    explicit Arm64Memory(const std::string& vmcoreinfo) : info_(vmcore::VmcoreInfo::parse(vmcoreinfo).value()) {}

    void put64(uint64_t paddr, uint64_t value) {
        auto& frame = frames_[paddr / kFrame];
        for (int i = 0; i < 8; ++i) frame[paddr % kFrame + i] = static_cast<std::byte>(value >> (8 * i));
    }
    const std::string& path() const noexcept override { return path_; }
    uint16_t machine() const noexcept override { return 183; }  // EM_AARCH64
    bool has_vmcoreinfo() const noexcept override { return true; }
    const vmcore::VmcoreInfo& vmcoreinfo() const noexcept override { return info_; }
    Status read_phys(uint64_t paddr, std::span<std::byte> out) const override {
        for (size_t done = 0; done < out.size();) {
            const uint64_t at = paddr + done;
            auto f = frames_.find(at / kFrame);
            if (f == frames_.end()) return Status::error(Code::not_found, "frame " + std::to_string(at / kFrame) + " absent");
            const size_t n = std::min<size_t>(out.size() - done, kFrame - at % kFrame);
            std::memcpy(out.data() + done, f->second.data() + at % kFrame, n);
            done += n;
        }
        return Status::ok();
    }
    uint64_t held_from(uint64_t paddr) const noexcept override {
        return frames_.count(paddr / kFrame) ? kFrame - paddr % kFrame : 0;
    }
    std::span<const vmcore::LoadSegment> load_segments() const noexcept override { return segments_; }
    void add_segment(const vmcore::LoadSegment& s) { segments_.push_back(s); }

private:
    std::string path_ = "arm64-frames";
    vmcore::VmcoreInfo info_;
    std::map<uint64_t, std::array<std::byte, kFrame>> frames_;
    std::vector<vmcore::LoadSegment> segments_;
};

struct Config {
    uint64_t page_size;
    int va_bits;
    int va_actual;
    int pa_bits;
};

// Builds one kernel's tables: an allocator of table pages and map() for any leaf level.
class Kernel {
public:
    static constexpr uint64_t kPhysOffset = 0x40000000;
    static constexpr uint64_t kRootPaddr = 0x40010000;  // swapper_pg_dir, granule-aligned for all granules

    // `drop`: a VMCOREINFO line left out (a key an older kernel does not export).
    explicit Kernel(Config c, std::string extra = "", const std::string& drop = "")
        : c_(c), shift_(__builtin_ctzll(c.page_size)), levels_((c.va_actual - 4) / (shift_ - 3)),
          mem_(without_line(vmcoreinfo(c), drop) + extra), next_table_(kRootPaddr + c.page_size) {
        put_empty_table(kRootPaddr);  // swapper_pg_dir exists from the start, empty
    }
    // A table page present in the dump, all entries invalid (one granule of 4 KiB frames).
    void put_empty_table(uint64_t paddr) {
        for (uint64_t off = 0; off < c_.page_size; off += kFrame) mem_.put64(paddr + off, 0);
    }

    // The image sits above -(1 << (min(VA_BITS, 48) - 1)): the 5.4+ layout.
    static uint64_t image_vaddr(const Config& c) { return (~0ULL << ((c.va_bits > 48 ? 48 : c.va_bits) - 1)) + 0x8000000; }
    static uint64_t voffset(const Config& c) { return image_vaddr(c) + 0x10000 - kRootPaddr; }
    static std::string vmoreinfo_hex(uint64_t v) {
        char b[32];
        std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
        return b;
    }
    // memstart_addr: a 52-bit kernel running with fewer VA bits maps RAM at -(1 << va_actual) and
    // lowers memstart_addr by the difference, so vaddr - PAGE_OFFSET(VA_BITS) + it stays right.
    static uint64_t phys_offset(const Config& c) { return kPhysOffset - ((~0ULL << c.va_actual) - (~0ULL << c.va_bits)); }
    static std::string vmcoreinfo(const Config& c) {
        return "OSRELEASE=6.9.0-test\nPAGESIZE=" + std::to_string(c.page_size) + "\nNUMBER(VA_BITS)=" +
               std::to_string(c.va_bits) + "\nNUMBER(TCR_EL1_T1SZ)=0x" + vmoreinfo_hex(64 - c.va_actual) +
               "\nNUMBER(MAX_PHYSMEM_BITS)=" + std::to_string(c.pa_bits) + "\nNUMBER(PHYS_OFFSET)=0x" +
               vmoreinfo_hex(phys_offset(c)) + "\nNUMBER(kimage_voffset)=0x" + vmoreinfo_hex(voffset(c)) +
               "\nSYMBOL(swapper_pg_dir)=" + vmoreinfo_hex(image_vaddr(c) + 0x10000) + "\nSYMBOL(_stext)=" +
               vmoreinfo_hex(image_vaddr(c) + 0x20000) + "\n";
    }

    static std::string without_line(std::string text, const std::string& line) {
        if (line.empty()) return text;
        const size_t at = text.find(line + "\n");
        if (at == std::string::npos) throw std::logic_error("no VMCOREINFO line " + line);
        return text.erase(at, line.size() + 1);
    }

    bool lpa2() const { return c_.pa_bits == 52 && c_.page_size != 65536 && c_.va_actual == 52; }
    uint64_t encode(uint64_t addr) const {
        if (lpa2()) return (addr & ((1ULL << 50) - 1)) | ((addr >> 50) & 3) << 8;
        if (c_.page_size == 65536 && c_.pa_bits == 52) return (addr & ((1ULL << 48) - 1)) | ((addr >> 48) & 0xf) << 12;
        return addr;
    }
    int shift_of(int level) const { return shift_ + (shift_ - 3) * (3 - level); }
    // The kernel sizes swapper_pg_dir for VA_BITS (PTRS_PER_PGD); only a 4/16 KiB kernel that falls
    // back from 52-bit VAs folds its top level away and uses the page as the next level's table.
    int root_bits() const { return c_.page_size == 65536 ? c_.va_bits : c_.va_actual; }
    int top() const { return 4 - levels_; }

    // Maps vaddr's leaf at `leaf_level` (3: a page; less: a block) to paddr. Bits 9:8 are filled
    // with `sh` when the format leaves them to shareability (what a non-LPA2 kernel writes).
    void map(uint64_t vaddr, uint64_t paddr, int leaf_level, uint64_t sh = 3) {
        uint64_t table = kRootPaddr;
        for (int level = top(); level <= leaf_level; ++level) {
            const int shift = shift_of(level);
            const int index_bits = level == top() ? root_bits() - shift : shift_ - 3;
            const uint64_t slot = table + ((vaddr >> shift) & ((1ULL << index_bits) - 1)) * 8;
            const uint64_t attrs = lpa2() ? 0 : sh << 8;
            if (level == leaf_level) {
                mem_.put64(slot, encode(paddr) | attrs | (level == 3 ? 3 : 1) | (1ULL << 10));  // AF set
                return;
            }
            auto [it, fresh] = tables_.try_emplace(slot, next_table_);
            if (fresh) {
                mem_.put64(slot, encode(next_table_) | 3);
                put_empty_table(next_table_);  // the table page exists, empty
                next_table_ += c_.page_size;
            }
            table = it->second;
        }
    }
    // A table placed at a high physical address (tests the 52-bit table pointer).
    void place_next_table_at(uint64_t paddr) { next_table_ = paddr; }

    uint64_t linear(uint64_t paddr) const { return (~0ULL << c_.va_actual) + paddr - kPhysOffset; }
    Arm64Memory& memory() { return mem_; }
    int levels() const { return levels_; }

private:
    Config c_;
    int shift_;
    int levels_;
    Arm64Memory mem_;
    uint64_t next_table_;
    std::map<uint64_t, uint64_t> tables_;  // slot -> table it points to
};

struct Case {
    const char* name;
    Config config;
    int levels;
};

class EveryGranule : public ::testing::TestWithParam<Case> {};

// A page in the linear map, a page in vmalloc space and swapper_pg_dir itself, walked.
TEST_P(EveryGranule, PagesTranslateThroughEveryLevel) {
    const Case& k = GetParam();
    Kernel kernel(k.config);
    ASSERT_EQ(kernel.levels(), k.levels);
    const uint64_t ps = k.config.page_size;
    const uint64_t data = Kernel::kPhysOffset + 0x400 * ps;
    const uint64_t lin = kernel.linear(data);
    kernel.map(lin, data, 3);
    const uint64_t vmalloc = Kernel::image_vaddr(k.config) + 0x1000 * ps;
    kernel.map(vmalloc, data + 7 * ps, 3);
    kernel.memory().put64(data + 0x18, 0xfeedfacecafebeef);

    auto mem = KernelMemory::open(kernel.memory());
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    EXPECT_NE(mem->describe().find(std::to_string(k.levels) + "-level tables"), std::string::npos) << mem->describe();
    auto t = mem->translate(lin + 0x18);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ(t->paddr, data + 0x18);
    EXPECT_EQ(t->contiguous, ps - 0x18);
    EXPECT_EQ(mem->read_u64(lin + 0x18).value(), 0xfeedfacecafebeefu);
    EXPECT_EQ(mem->to_physical(vmalloc + 5).value(), data + 7 * ps + 5);
    // Unmapped neighbours are not_found, never zeros.
    auto hole = mem->translate(lin + ps);
    ASSERT_FALSE(hole.is_ok());
    EXPECT_EQ(hole.status().code(), Code::not_found) << hole.status().to_string();
}

// A block one level above the page (the smallest block of every granule: 2 MiB, 32 MiB, 512 MiB).
TEST_P(EveryGranule, LevelTwoBlocks) {
    const Case& k = GetParam();
    if (k.levels < 2) GTEST_SKIP();
    Kernel kernel(k.config);
    const uint64_t span = 1ULL << kernel.shift_of(2);
    const uint64_t block = span * 4;  // block-aligned physical address
    const uint64_t v = kernel.linear(Kernel::kPhysOffset) + span * 2;
    kernel.map(v, block, 2);
    auto mem = KernelMemory::open(kernel.memory());
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    auto t = mem->translate(v + span - 8);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ(t->paddr, block + span - 8);
    EXPECT_EQ(t->contiguous, 8u);
}

INSTANTIATE_TEST_SUITE_P(
    Arm64, EveryGranule,
    ::testing::Values(Case{"4k_39", {4096, 39, 39, 48}, 3}, Case{"4k_48", {4096, 48, 48, 48}, 4},
                      Case{"4k_52_lpa2", {4096, 52, 52, 52}, 5}, Case{"4k_52_on_48bit_cpu", {4096, 52, 48, 52}, 4},
                      Case{"16k_36", {16384, 36, 36, 48}, 2}, Case{"16k_47", {16384, 47, 47, 48}, 3},
                      Case{"16k_48", {16384, 48, 48, 48}, 4}, Case{"16k_52_lpa2", {16384, 52, 52, 52}, 4},
                      Case{"16k_52_on_47bit_cpu", {16384, 52, 47, 52}, 3}, Case{"64k_42", {65536, 42, 42, 48}, 2},
                      Case{"64k_48", {65536, 48, 48, 48}, 3}, Case{"64k_52_lpa", {65536, 52, 52, 52}, 3},
                      Case{"64k_52_on_48bit_cpu", {65536, 52, 48, 52}, 3}, Case{"64k_52_on_48bit_cpu_48pa", {65536, 52, 48, 48}, 3}),
    [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(Arm64Walk, OneGigabyteBlocksAt4KLevelOne) {
    Kernel kernel({4096, 48, 48, 48});
    const uint64_t v = kernel.linear(Kernel::kPhysOffset) + (1ULL << 30);
    kernel.map(v, 0x80000000, 1);
    auto mem = KernelMemory::open(kernel.memory());
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    auto t = mem->translate(v + 0x123456);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ(t->paddr, 0x80123456u);
    EXPECT_EQ(t->contiguous, (1ULL << 30) - 0x123456);
}

// 16 KiB has no level-1 block without LPA2; 64 KiB none without 52-bit PA: such an entry is damage.
TEST(Arm64Walk, BlocksWhereTheArchitectureHasNoneAreCorrupt) {
    for (Config c : {Config{16384, 48, 48, 48}, Config{65536, 48, 48, 48}}) {
        Kernel kernel(c);
        const uint64_t v = kernel.linear(Kernel::kPhysOffset);
        kernel.map(v, 0, 1);
        auto mem = KernelMemory::open(kernel.memory());
        ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
        auto t = mem->translate(v);
        ASSERT_FALSE(t.is_ok());
        EXPECT_EQ(t.status().code(), Code::corrupt);
        EXPECT_NE(t.status().message().find("is a block, which level 1 cannot hold"), std::string::npos)
            << t.status().message();
    }
}

// With LPA2, level 0 (4 KiB, 512 GiB) and level 1 (16 KiB, 64 GiB) blocks exist.
TEST(Arm64Walk, Lpa2BlocksAboveLevelOne) {
    Kernel k4({4096, 52, 52, 52});
    const uint64_t v4 = k4.linear(Kernel::kPhysOffset);
    k4.map(v4, 3ULL << 50, 0);  // PA above 2^50: bits 9:8 of the entry carry PA[51:50]
    auto m4 = KernelMemory::open(k4.memory());
    ASSERT_TRUE(m4.is_ok()) << m4.status().to_string();
    EXPECT_EQ(m4->to_physical(v4 + 0x1234).value(), (3ULL << 50) + 0x1234);

    Kernel k16({16384, 52, 52, 52});
    const uint64_t v16 = k16.linear(Kernel::kPhysOffset);
    k16.map(v16, 1ULL << 51, 1);
    auto m16 = KernelMemory::open(k16.memory());
    ASSERT_TRUE(m16.is_ok()) << m16.status().to_string();
    EXPECT_EQ(m16->to_physical(v16 + 0x10).value(), (1ULL << 51) + 0x10);
}

// 52-bit physical addresses in tables and leaves: LPA (64 KiB, PA[51:48] in bits 15:12) and LPA2.
TEST(Arm64Walk, FiftyTwoBitPhysicalAddresses) {
    Kernel k64({65536, 52, 52, 52});
    k64.place_next_table_at(0xa000000000000ULL);  // the next-level tables live above 2^48
    const uint64_t v = k64.linear(Kernel::kPhysOffset);
    k64.map(v, 0xf123456780000ULL, 3);
    auto m64 = KernelMemory::open(k64.memory());
    ASSERT_TRUE(m64.is_ok()) << m64.status().to_string();
    EXPECT_EQ(m64->to_physical(v + 0x40).value(), 0xf123456780040ULL);
    // 64 KiB with 52-bit PA also has 4 TiB blocks at level 1.
    Kernel k64b({65536, 52, 52, 52});
    const uint64_t vb = k64b.linear(Kernel::kPhysOffset) + (1ULL << 42);
    k64b.map(vb, 0x8000000000000ULL, 1);
    auto m64b = KernelMemory::open(k64b.memory());
    ASSERT_TRUE(m64b.is_ok()) << m64b.status().to_string();
    EXPECT_EQ(m64b->to_physical(vb + 0x99).value(), 0x8000000000099ULL);

    Kernel k4({4096, 52, 52, 52});
    k4.place_next_table_at(0x9000000000000ULL + 0x4000000000000ULL);  // PA[51:48] = 0xd
    const uint64_t v4 = k4.linear(Kernel::kPhysOffset);
    k4.map(v4, 0xc000000001000ULL, 3);
    auto m4 = KernelMemory::open(k4.memory());
    ASSERT_TRUE(m4.is_ok()) << m4.status().to_string();
    EXPECT_EQ(m4->to_physical(v4 + 8).value(), 0xc000000001008ULL);
    EXPECT_NE(m4->describe().find("LPA2"), std::string::npos) << m4->describe();
}

// A VA_BITS=52 kernel on a CPU with 48-bit VAs, tables laid out by hand as the kernel lays them.
// 64 KiB: swapper_pg_dir keeps 1 << (52 - 42) = 1024 entries and TTBR1 points at entry 0x3c0
// (TTBR1_BADDR_4852_OFFSET = (1024 - 64) * 8), so the hardware's index VA[47:42] lands at
// 0x3c0 | VA[47:42]. 4 KiB (6.9+, no LPA2): the level-minus-1 table is folded away and
// swapper_pg_dir's page is the level-0 table, indexed VA[47:39] from its start.
TEST(Arm64Walk, FiftyTwoBitKernelOnFortyEightBitCpuRootSlots) {
    struct Hand {
        Config c;
        uint64_t root_slot_offset;  // where the root entry for `v` sits, from swapper_pg_dir
        std::vector<int> shifts;    // index shift of each level below the root, down to the page
    };
    const uint64_t v64 = 0xffff000012340000ULL;  // linear map of a 48-bit kernel half
    const uint64_t v4 = 0xffff000012345000ULL;
    for (const Hand& h : {Hand{{65536, 52, 48, 52}, 0x1e00 + ((v64 >> 42) & 0x3f) * 8, {29, 16}},
                          Hand{{4096, 52, 48, 52}, ((v4 >> 39) & 0x1ff) * 8, {30, 21, 12}}}) {
        const uint64_t v = h.c.page_size == 65536 ? v64 : v4;
        const uint64_t entries_mask = h.c.page_size / 8 - 1;
        Kernel kernel(h.c);
        Arm64Memory& m = kernel.memory();
        uint64_t table = 0x48000000;  // next-level tables, granule-aligned
        m.put64(Kernel::kRootPaddr + h.root_slot_offset, table | 3);
        for (size_t i = 0; i < h.shifts.size(); ++i) {
            const uint64_t slot = table + ((v >> h.shifts[i]) & entries_mask) * 8;
            const bool leaf = i + 1 == h.shifts.size();
            const uint64_t next = leaf ? 0x4a000000 : table + h.c.page_size;
            m.put64(slot, next | (1ULL << 10) | 3);
            table = next;
        }
        m.put64(0x4a000000 + 0x88, 0x5252);
        auto mem = KernelMemory::open(m);
        ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
        auto t = mem->translate(v + 0x88);
        ASSERT_TRUE(t.is_ok()) << h.c.page_size << ": " << t.status().to_string();
        EXPECT_EQ(t->paddr, 0x4a000088u);
        EXPECT_EQ(mem->read_u64(v + 0x88).value(), 0x5252u);
        // The kernel half starts at -(1 << 48) (T1SZ), not at -(1 << 52).
        EXPECT_EQ(mem->kernel_space_start(), 0xffff000000000000ULL);
    }
}

// 64 KiB entry bits [15:12] are PA[51:48] (FEAT_LPA) or RES0: decoded even when the kernel does
// not say MAX_PHYSMEM_BITS is 52 (a 48-bit-VA kernel built for 52-bit PA, older than the key).
TEST(Arm64Walk, SixtyFourKibHighAddressBitsWithoutTheKey) {
    const Config c{65536, 48, 48, 52};
    Kernel kernel(c, "", "NUMBER(MAX_PHYSMEM_BITS)=52");
    kernel.place_next_table_at(0x3000000000000ULL);  // tables above 2^48
    const uint64_t v = kernel.linear(Kernel::kPhysOffset);
    kernel.map(v, 0x5000000010000ULL, 3);
    auto mem = KernelMemory::open(kernel.memory());
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    EXPECT_EQ(mem->to_physical(v + 0x20).value(), 0x5000000010020ULL);
}

// Without LPA2 (a VA_BITS=52 kernel on a 48-bit CPU) bits 9:8 are shareability, not address.
TEST(Arm64Walk, ShareabilityBitsAreNotAddressWithoutLpa2) {
    Kernel kernel({4096, 52, 48, 52});
    const uint64_t v = kernel.linear(Kernel::kPhysOffset);
    kernel.map(v, 0x40200000, 3, /*sh=*/3);
    auto mem = KernelMemory::open(kernel.memory());
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    EXPECT_EQ(mem->to_physical(v + 4).value(), 0x40200004u);
    EXPECT_EQ(mem->describe().find("LPA2"), std::string::npos) << mem->describe();
}

// SYMBOL(mem_section) is a linear address: once the walk agrees with the formula there, linear
// addresses are translated by the formula alone, for the RAM the memory holds (the walk would
// find nothing here: only mem_section's page is in the tables).
TEST(Arm64Walk, LinearShortcutProvenAtMemSection) {
    for (Config c : {Config{4096, 48, 48, 48}, Config{4096, 52, 48, 52}, Config{65536, 52, 52, 52}}) {
        const uint64_t ms_paddr = Kernel::kPhysOffset + 0x300000;
        Kernel probe(c);
        Kernel kernel(c, "SYMBOL(mem_section)=" + Kernel::vmoreinfo_hex(probe.linear(ms_paddr) + 0x80) + "\n");
        kernel.map(kernel.linear(ms_paddr), ms_paddr & ~(c.page_size - 1), 3);
        kernel.memory().put64(Kernel::kPhysOffset + 0x500000, 0x5151);
        auto mem = KernelMemory::open(kernel.memory());
        ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
        EXPECT_NE(mem->describe().find("linear map at"), std::string::npos) << mem->describe();
        EXPECT_EQ(mem->read_u64(kernel.linear(Kernel::kPhysOffset + 0x500000)).value(), 0x5151u);
    }
    // A mem_section the tables map elsewhere disproves the formula: every address is walked.
    Kernel liar({4096, 48, 48, 48}, "SYMBOL(mem_section)=ffff000000300080\n");
    liar.map(0xffff000000300000ULL, 0x40700000, 3);
    auto mem = KernelMemory::open(liar.memory());
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    EXPECT_EQ(mem->describe().find("linear map at"), std::string::npos) << mem->describe();
    EXPECT_EQ(mem->to_physical(0xffff000000300080ULL).value(), 0x40700080u);
}

// PAGE_END: since 5.11 a 52-bit kernel's linear map runs up to -(1 << 47), as a 48-bit one's; from
// 5.4 to 5.10 it stopped at -(1 << 51). An address between the two is a linear address on 6.x
// (translated by the proven formula) and not one on 5.10 (walked: here it is not mapped).
TEST(Arm64Walk, LinearMapEndFollowsTheRelease) {
    const Config c{65536, 52, 52, 52};
    const uint64_t ms_paddr = Kernel::kPhysOffset + 0x300000;
    const uint64_t high = Kernel::kPhysOffset + (1ULL << 51) + 0x20000;  // linear(high) > -(1 << 51)
    for (const char* release : {"6.9.0-test", "5.10.0-test"}) {
        Kernel probe(c);
        Kernel kernel(c, "OSRELEASE=" + std::string(release) + "\nSYMBOL(mem_section)=" +
                             Kernel::vmoreinfo_hex(probe.linear(ms_paddr) + 0x80) + "\n",
                      "OSRELEASE=6.9.0-test");
        kernel.map(kernel.linear(ms_paddr), ms_paddr & ~(c.page_size - 1), 3);
        kernel.memory().put64(high, 0x6363);
        auto mem = KernelMemory::open(kernel.memory());
        ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
        ASSERT_NE(mem->describe().find("linear map at"), std::string::npos) << mem->describe();
        ASSERT_GT(kernel.linear(high), 0xfff8000000000000ULL);
        auto v = mem->read_u64(kernel.linear(high));
        if (std::string(release) == "6.9.0-test") {
            ASSERT_TRUE(v.is_ok()) << v.status().to_string();
            EXPECT_EQ(v.value(), 0x6363u);
            // Nothing past PAGE_END is read as linear.
            auto past = mem->translate(0xffff800000000000ULL);
            ASSERT_FALSE(past.is_ok());
            EXPECT_EQ(past.status().code(), Code::not_found) << past.status().to_string();
        } else {
            ASSERT_FALSE(v.is_ok());
            EXPECT_EQ(v.status().code(), Code::not_found) << v.status().to_string();
        }
    }
}

// The kernel-image shortcut (vaddr - kimage_voffset) must not cover what the kernel unmapped
// after boot: the init section, 64 KiB-aligned, between text and data. Its addresses are walked
// (not mapped), the image on both sides still takes the shortcut, which stops at the hole.
TEST(Arm64Walk, KernelImageShortcutLeavesTheFreedInitSectionToTheWalk) {
    const Config c{4096, 48, 48, 48};
    Kernel kernel(c);
    const uint64_t image = Kernel::image_vaddr(c), voffset = Kernel::voffset(c);
    const uint64_t stext = image + 0x20000, end = image + 0x100000;
    const uint64_t init_begin = image + 0x60000, init_end = image + 0x80000;
    for (uint64_t v = stext; v < end; v += c.page_size)
        if (v < init_begin || v >= init_end) kernel.map(v, v - voffset, 3);
    vmcore::LoadSegment seg;
    seg.vaddr = image;
    seg.paddr = image - voffset;
    seg.file_size = seg.mem_size = end - image;
    seg.alias = true;
    kernel.memory().add_segment(seg);
    auto t = Arm64Translator::create(kernel.memory());
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    const Arm64Translator* walker = t.value().get();
    ASSERT_TRUE(walker->kernel_image_proven());
    auto freed = walker->translate(init_begin + 0x1008);
    ASSERT_FALSE(freed.is_ok()) << std::hex << freed->paddr;
    EXPECT_EQ(freed.status().code(), Code::not_found) << freed.status().to_string();
    auto before = walker->translate(init_begin - 0x10000 + 8);
    ASSERT_TRUE(before.is_ok()) << before.status().to_string();
    EXPECT_EQ(before->paddr, init_begin - 0x10000 + 8 - voffset);
    EXPECT_EQ(before->contiguous, 0x10000u - 8) << "the shortcut stops where the init section starts";
    auto after = walker->translate(init_end + 0x2000);
    ASSERT_TRUE(after.is_ok()) << after.status().to_string();
    EXPECT_EQ(after->paddr, init_end + 0x2000 - voffset);
    EXPECT_EQ(after->contiguous, end - init_end - 0x2000);
}

// Saved code pointers carry a PAC in their top bits (KERNELPACMASK): stripped to a kernel address.
TEST(Arm64Walk, PointerAuthenticationBitsAreStripped) {
    Kernel kernel({4096, 48, 48, 48}, "NUMBER(KERNELPACMASK)=0xffff000000000000\n");
    auto mem = KernelMemory::open(kernel.memory());
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    EXPECT_EQ(mem->canonical_pointer(0x3a8bcb0603a1f2c4ULL), 0xffffcb0603a1f2c4ULL);
    EXPECT_EQ(mem->canonical_pointer(0xffffcb0603a1f2c4ULL), 0xffffcb0603a1f2c4ULL);
    EXPECT_EQ(mem->canonical_pointer(0x0012000000401000ULL), 0x0000000000401000ULL);  // a user pointer
    Kernel plain({4096, 48, 48, 48});
    auto no_pac = KernelMemory::open(plain.memory());
    ASSERT_TRUE(no_pac.is_ok());
    EXPECT_EQ(no_pac->canonical_pointer(0x3a8bcb0603a1f2c4ULL), 0x3a8bcb0603a1f2c4ULL);
}

// KASAN and MTE tag kernel pointers in bits 63:56; the MMU ignores the top byte, so a tagged
// pointer translates as its untagged self (bit 55 copied over the tag), walked or by shortcut.
TEST(Arm64Walk, TaggedPointersTranslateAsUntagged) {
    Kernel kernel({4096, 48, 48, 48});
    const uint64_t data = Kernel::kPhysOffset + 0x5000;
    const uint64_t lin = kernel.linear(data);
    kernel.map(lin, data, 3);
    kernel.memory().put64(data + 0x40, 0x7a7a);
    auto mem = KernelMemory::open(kernel.memory());
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    for (uint64_t tag : {0xf3ULL, 0x00ULL, 0x5aULL}) {
        const uint64_t tagged = (lin & ((1ULL << 56) - 1)) | (tag << 56);
        auto t = mem->translate(tagged + 0x40);
        ASSERT_TRUE(t.is_ok()) << std::hex << tagged << ": " << t.status().to_string();
        EXPECT_EQ(t->paddr, data + 0x40);
        EXPECT_EQ(mem->read_u64(tagged + 0x40).value(), 0x7a7au);
    }
    // Bit 55 clear is the user half whatever the top byte holds.
    auto user = mem->translate(0xff00aaaabbbb0000ULL);
    ASSERT_FALSE(user.is_ok());
    EXPECT_NE(user.status().message().find("is not a kernel address"), std::string::npos) << user.status().message();
}

TEST(Arm64Walk, UserAndAbsentTablesAreErrors) {
    Kernel kernel({4096, 48, 48, 48});
    auto mem = KernelMemory::open(kernel.memory());
    ASSERT_TRUE(mem.is_ok());
    auto user = mem->translate(0x0000aaaabbbb0000ULL);
    ASSERT_FALSE(user.is_ok());
    EXPECT_EQ(user.status().code(), Code::corrupt);
    EXPECT_NE(user.status().message().find("is not a kernel address"), std::string::npos);
    // A table pointer to memory the dump does not hold.
    Kernel broken({4096, 48, 48, 48});
    broken.place_next_table_at(0x7700000000ULL);
    const uint64_t v = broken.linear(Kernel::kPhysOffset);
    broken.map(v, 0x40000000, 3);
    Arm64Memory& m = broken.memory();
    auto bm = KernelMemory::open(m);
    ASSERT_TRUE(bm.is_ok());
    // Make the level-1 table vanish: point the root's entry at a frame nobody wrote.
    const uint64_t root_slot = Kernel::kRootPaddr + ((v >> 39) & 0x1ff) * 8;
    m.put64(root_slot, 0x6600000000ULL | 3);
    auto t = bm->translate(v);
    ASSERT_FALSE(t.is_ok());
    EXPECT_EQ(t.status().code(), Code::corrupt);
    EXPECT_NE(t.status().message().find("outside the dump"), std::string::npos) << t.status().message();
}

// Kernels before NUMBER(MAX_PHYSMEM_BITS) (5.8 and older): arm64's default is 48 bits, 52 beside
// VA_BITS 52, never x86's 46 (the sparse memory model's section count follows it).
TEST(Arm64Layout, MaxPhysmemBitsDefaultsForOldKernels) {
    for (Config c : {Config{4096, 48, 48, 48}, Config{65536, 42, 42, 48}, Config{65536, 52, 48, 52},
                     Config{65536, 52, 52, 52}}) {
        std::string text = Kernel::vmcoreinfo(c);
        const std::string key = "NUMBER(MAX_PHYSMEM_BITS)=" + std::to_string(c.pa_bits) + "\n";
        const size_t at = text.find(key);
        ASSERT_NE(at, std::string::npos);
        Kernel with(c);
        auto stated = KernelMemory::open(with.memory());
        ASSERT_TRUE(stated.is_ok()) << stated.status().to_string();
        EXPECT_EQ(stated->max_physmem_bits(), c.pa_bits);
        text.erase(at, key.size());
        Arm64Memory without(text);
        without.put64(Kernel::kRootPaddr, 0);  // swapper_pg_dir, empty
        auto mem = KernelMemory::open(without);
        ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
        EXPECT_EQ(mem->max_physmem_bits(), c.va_bits == 52 ? 52 : 48) << c.page_size << "/" << c.va_bits;
    }
}

// Each VMCOREINFO mistake names its key.
TEST(Arm64Layout, BadVmcoreinfoNamesTheKey) {
    struct Bad {
        std::string from, to, key;
        Code code = Code::corrupt;  // not_supported: a key a kernel older than 4.12 does not export
    };
    const Config c{4096, 48, 48, 48};
    const std::string good = Kernel::vmcoreinfo(c);
    for (const Bad& b : {Bad{"PAGESIZE=4096", "PAGESIZE=8192", "PAGESIZE=8192"},
                         Bad{"NUMBER(VA_BITS)=48", "NUMBER(VA_BITS)=40", "NUMBER(VA_BITS)=40"},
                         Bad{"NUMBER(VA_BITS)=48\n", "", "NUMBER(VA_BITS)", Code::not_supported},
                         Bad{"NUMBER(TCR_EL1_T1SZ)=0x10", "NUMBER(TCR_EL1_T1SZ)=0xc", "NUMBER(TCR_EL1_T1SZ)=0xc"},
                         Bad{"NUMBER(PHYS_OFFSET)=0x40000000\n", "", "NUMBER(PHYS_OFFSET)", Code::not_supported},
                         Bad{"NUMBER(MAX_PHYSMEM_BITS)=48", "NUMBER(MAX_PHYSMEM_BITS)=44", "NUMBER(MAX_PHYSMEM_BITS)=44"},
                         Bad{"NUMBER(PHYS_OFFSET)=0x40000000", "NUMBER(PHYS_OFFSET)=0xzz", "NUMBER(PHYS_OFFSET)=0xzz"},
                         Bad{"SYMBOL(swapper_pg_dir)=", "SYMBOL(swapper_pg_dix)=", "SYMBOL(swapper_pg_dir)"},
                         Bad{"NUMBER(kimage_voffset)=0x", "NUMBER(kimage_voffset)=0x0\nNUMBER(x)=0x", "SYMBOL(swapper_pg_dir)"}}) {
        std::string text = good;
        const size_t at = text.find(b.from);
        ASSERT_NE(at, std::string::npos) << b.from;
        text.replace(at, b.from.size(), b.to);
        Arm64Memory m(text);
        auto mem = KernelMemory::open(m);
        ASSERT_FALSE(mem.is_ok()) << b.to;
        EXPECT_EQ(mem.status().code(), b.code) << mem.status().to_string();
        EXPECT_NE(mem.status().message().find(b.key), std::string::npos) << mem.status().message();
        EXPECT_EQ(mem.status().message().rfind("arm64-frames: ", 0), 0u) << mem.status().message();
    }
}

// Only the kernel's own spelling NUMBER(TCR_EL1_T1SZ) is read: another spelling is not the key.
TEST(Arm64Layout, OnlyTheKernelsT1szKeyIsRead) {
    Kernel kernel({4096, 48, 48, 48}, "NUMBER(tcr_el1_t1sz)=0xc\n", "NUMBER(TCR_EL1_T1SZ)=0x10");
    auto mem = KernelMemory::open(kernel.memory());
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    EXPECT_EQ(mem->kernel_space_start(), 0xffff000000000000ULL);
}

}  // namespace
}  // namespace kdf::arch
