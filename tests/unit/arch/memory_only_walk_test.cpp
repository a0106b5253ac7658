// The x86_64 walk over page tables held in memory, with no dump file at all: translation reads
// only through vmcore::PhysicalMemory, so a test hands it a few pages and sees every read it makes.
// A page the memory does not hold must surface as not_found or corrupt, never as zeros.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <map>
#include <string>

#include "core/arch/kernel_memory.h"
#include "core/arch/x86_64/x86_64_translator.h"
#include "core/vmcore/le_bytes.h"

namespace kdf::arch {
namespace {

// Physical memory as a map of 4 KiB frames; every read is counted.
class FrameMemory final : public vmcore::PhysicalMemory {
public:
    explicit FrameMemory(const std::string& vmcoreinfo) : info_(vmcore::VmcoreInfo::parse(vmcoreinfo).value()) {}

    void put64(uint64_t paddr, uint64_t value) {
        auto& frame = frames_[paddr / 4096];
        for (int i = 0; i < 8; ++i) frame[paddr % 4096 + i] = static_cast<std::byte>(value >> (8 * i));
    }

    const std::string& path() const noexcept override { return path_; }
    uint16_t machine() const noexcept override { return 62; }
    bool has_vmcoreinfo() const noexcept override { return true; }
    const vmcore::VmcoreInfo& vmcoreinfo() const noexcept override { return info_; }
    Status read_phys(uint64_t paddr, std::span<std::byte> out) const override {
        ++reads;
        for (size_t done = 0; done < out.size();) {
            const uint64_t at = paddr + done;
            auto f = frames_.find(at / 4096);
            if (f == frames_.end()) return Status::error(Code::not_found, "frame " + std::to_string(at / 4096) + " absent");
            const size_t n = std::min<size_t>(out.size() - done, 4096 - at % 4096);
            std::memcpy(out.data() + done, f->second.data() + at % 4096, n);
            done += n;
        }
        return Status::ok();
    }
    uint64_t held_from(uint64_t paddr) const noexcept override {
        return frames_.count(paddr / 4096) ? 4096 - paddr % 4096 : 0;
    }

    mutable int reads = 0;

private:
    std::string path_ = "frames";
    vmcore::VmcoreInfo info_;
    std::map<uint64_t, std::array<std::byte, 4096>> frames_;
};

constexpr uint64_t kPresent = 1;
constexpr uint64_t kRoot = 0x1000, kPud = 0x2000, kPmd = 0x3000, kPte = 0x4000, kData = 0x5000;
constexpr uint64_t kV = 0xffff888000000000ULL;  // PGD index 273

FrameMemory four_level_tables() {
    FrameMemory m("OSRELEASE=6.1.0-test\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=ffffffff80001000\nNUMBER(phys_base)=0\n");
    m.put64(kRoot + 273 * 8, kPud | kPresent);
    m.put64(kPud, kPmd | kPresent);
    m.put64(kPmd, kPte | kPresent);
    m.put64(kPte, kData | kPresent);            // kV -> kData
    m.put64(kPte + 8, 0x9000 | kPresent);       // kV + 0x1000 -> a frame the memory does not hold
    m.put64(kData + 0x10, 0x1122334455667788);
    return m;
}

TEST(MemoryOnlyWalk, TranslatesAndReadsWithoutADumpFile) {
    FrameMemory m = four_level_tables();
    auto mem = KernelMemory::open(m);
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    auto t = mem->translate(kV + 0x10);
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    EXPECT_EQ(t->paddr, kData + 0x10);
    EXPECT_EQ(t->contiguous, 4096u - 0x10);
    m.reads = 0;
    EXPECT_EQ(mem->read_u64(kV + 0x10).value(), 0x1122334455667788u);
    EXPECT_EQ(m.reads, 5);  // four table entries, then the data: the walk's every read is ours
    // No PT_LOADs were offered, so no direct-map shortcut is claimed.
    EXPECT_EQ(mem->describe().find("direct map at"), std::string::npos);
}

TEST(MemoryOnlyWalk, AbsentMemoryIsAnErrorNeverZeros) {
    FrameMemory m = four_level_tables();
    auto mem = KernelMemory::open(m);
    ASSERT_TRUE(mem.is_ok()) << mem.status().to_string();
    auto data = mem->read_u64(kV + 0x1000);  // mapped, but its frame is not in the memory
    ASSERT_FALSE(data.is_ok());
    EXPECT_EQ(data.status().code(), Code::not_found);
    auto unmapped = mem->read_u64(kV + 0x2000);  // PTE 2 is zero: not present
    ASSERT_FALSE(unmapped.is_ok());
    EXPECT_EQ(unmapped.status().code(), Code::not_found);
    auto outside = mem->translate(kV + (1ULL << 30));  // PUD 1 is zero
    EXPECT_FALSE(outside.is_ok());
}

}  // namespace
}  // namespace kdf::arch
