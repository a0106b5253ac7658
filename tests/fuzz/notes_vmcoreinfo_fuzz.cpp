// tests/fuzz/notes_vmcoreinfo_fuzz.cpp - the PT_NOTE splitter and the VMCOREINFO parser.
//
// The input is the bytes of one PT_NOTE segment. parse_notes() must stay inside them whatever the
// sizes say; every VMCOREINFO note it finds (and the whole input, read as text) goes through
// VmcoreInfo::parse() and the typed lookups the filter and address translation make.
// Seeds: the note segments of the real fixture vmcores.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/vmcore/note_parser.h"
#include "core/vmcore/vmcoreinfo.h"
#include "fuzz_files.h"

namespace {

void query(std::string_view text) {
    auto info = kdf::vmcore::VmcoreInfo::parse(text);
    if (!info.is_ok()) return;
    const auto& vi = info.value();
    (void)vi.page_size();
    (void)vi.osrelease();
    (void)vi.kerneloffset();
    (void)vi.crashtime();
    (void)vi.symbol("swapper_pg_dir");
    (void)vi.number("phys_base");
    (void)vi.offset("page.flags");
    (void)vi.size("page");
    (void)vi.length("mem_section");
    for (const auto& entry : vi.entries()) {
        (void)kdf::vmcore::VmcoreInfo::parse_hex(entry.value);
        (void)kdf::vmcore::VmcoreInfo::parse_signed(entry.value);
        (void)kdf::vmcore::VmcoreInfo::parse_unsigned(entry.value);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<kdf::vmcore::ElfNote> notes;
    (void)kdf::vmcore::parse_notes(kdf::fuzz::as_bytes(data, size), 0x1000, notes);
    for (const auto& note : notes) {
        if (note.owner == kdf::vmcore::kOwnerVmcoreinfo)
            query(std::string_view(reinterpret_cast<const char*>(note.desc.data()), note.desc.size()));
    }
    query(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
