#include "tests/support/page_compare.h"

#include <cstring>
#include <vector>

#include "core/format/kdump_reader.h"
#include "core/format/page_set.h"
#include "core/vmcore/elf_reader.h"

namespace kdf::test {

std::string compare_pages(const std::string& input_vmcore, const std::string& dump, CompareMode mode,
                          uint64_t* skipped) {
    uint64_t passed_over = 0;
    auto in = vmcore::ElfVmcore::open(input_vmcore);
    if (!in.is_ok()) return "input: " + in.status().to_string();
    const uint64_t page = 4096;
    format::PageSet pages(in->phys_map(), page);

    auto kdump = format::KdumpReader::open(dump);
    std::optional<vmcore::ElfVmcore> elf;
    if (!kdump.is_ok()) {
        auto e = vmcore::ElfVmcore::open(dump);
        if (!e.is_ok()) return "dump is neither kdump (" + kdump.status().to_string() + ") nor ELF (" + e.status().to_string() + ")";
        elf.emplace(std::move(e).value());
    } else if (kdump->incomplete()) {
        return "dump is marked incomplete";
    }

    std::vector<std::byte> want(page), got(page);
    static const std::vector<std::byte> zero(page);
    for (const auto& run : pages.runs()) {
        for (uint64_t pfn = run.first_pfn; pfn < run.end_pfn(); ++pfn) {
            if (Status s = in->read_phys(pfn * page, want); !s.is_ok()) return "input pfn " + std::to_string(pfn) + ": " + s.to_string();
            Status s;
            if (elf) {
                s = elf->read_phys(pfn * page, got);
                if (s.code() == Code::not_found) {
                    if (mode == CompareMode::filtered) {
                        ++passed_over;
                        continue;
                    }
                    std::memset(got.data(), 0, page);  // strict: left out of the ELF, so a zero page
                    s = Status::ok();
                }
            } else {
                if (mode == CompareMode::filtered) {
                    auto dumped = kdump->is_dumped(pfn);
                    if (!dumped.is_ok()) return "dump pfn " + std::to_string(pfn) + ": " + dumped.status().to_string();
                    if (!dumped.value()) {
                        ++passed_over;
                        continue;
                    }
                }
                s = kdump->read_page(pfn, got);
            }
            if (!s.is_ok()) return "dump pfn " + std::to_string(pfn) + ": " + s.to_string();
            // An ELF dump marks an excluded page only by zeros (p_memsz past p_filesz, as makedumpfile
            // -E does): in filtered mode such a page is passed over too.
            if (elf && mode == CompareMode::filtered && std::memcmp(got.data(), zero.data(), page) == 0 &&
                std::memcmp(want.data(), zero.data(), page) != 0) {
                ++passed_over;
                continue;
            }
            if (std::memcmp(want.data(), got.data(), page) != 0) return "pfn " + std::to_string(pfn) + " differs";
        }
    }
    if (skipped) *skipped = passed_over;
    return {};
}

}  // namespace kdf::test
