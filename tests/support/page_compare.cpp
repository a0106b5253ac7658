#include "tests/support/page_compare.h"

#include <cstring>
#include <vector>

#include "core/format/kdump_reader.h"
#include "core/format/page_set.h"
#include "core/vmcore/elf_reader.h"

namespace kdf::test {

std::string compare_pages(const std::string& input_vmcore, const std::string& dump) {
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
                if (s.code() == Code::not_found) {  // left out of the ELF: must have been a zero page
                    std::memset(got.data(), 0, page);
                    s = Status::ok();
                }
            } else {
                s = kdump->read_page(pfn, got);
            }
            if (!s.is_ok()) return "dump pfn " + std::to_string(pfn) + ": " + s.to_string();
            if (std::memcmp(want.data(), got.data(), page) != 0) return "pfn " + std::to_string(pfn) + " differs";
        }
    }
    return {};
}

}  // namespace kdf::test
