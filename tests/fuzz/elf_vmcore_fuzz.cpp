// tests/fuzz/elf_vmcore_fuzz.cpp - the ELF vmcore reader on arbitrary files.
//
// The input is a whole vmcore: open() must end in a clean error or a reader whose segments,
// physical map and notes can be used as its header promises, so a few pages of every range are
// read back (through pread, then through the mmap windows the crash kernel uses on /proc/vmcore).
// Seeds: the headers, notes and first pages of the real fixture vmcores.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "core/vmcore/elf_reader.h"
#include "fuzz_files.h"

namespace {

void read_some_pages(const kdf::vmcore::ElfVmcore& core) {
    std::array<std::byte, 4096> page{};
    size_t ranges = 0;
    for (const auto& range : core.phys_map().ranges()) {
        if (++ranges > 8) break;
        const uint64_t n = std::min<uint64_t>(page.size(), range.mem_size);
        (void)core.read_phys(range.paddr, std::span(page).first(n));
        (void)core.read_phys(range.end() - n, std::span(page).first(n));
        (void)core.held_from(range.paddr);
    }
    (void)core.read(0, std::span(page).first(64));
    (void)core.vmcoreinfo().page_size();
    (void)core.vmcoreinfo().osrelease();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    (void)kdf::vmcore::probe_elf_vmcore(kdf::fuzz::as_bytes(data, size));
    const kdf::fuzz::MemoryFile file({data, size});
    for (auto mode : {kdf::vmcore::ReadMode::pread, kdf::vmcore::ReadMode::mmap}) {
        auto core = kdf::vmcore::ElfVmcore::open(file.path(), mode);
        if (!core.is_ok()) {
            if (core.status().message().empty()) kdf::fuzz::broken("a refusal without a message");
            return 0;
        }
        read_some_pages(core.value());
    }
    return 0;
}
