// core/format/dump_format.cpp - see dump_format.h.
#include "core/format/dump_format.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "core/format/flattened.h"
#include "core/format/kdump_reader.h"
#include "core/vmcore/elf_reader.h"
#include "kdf/unique_fd.h"

namespace kdf::format {
namespace {

// The ELF probe reads no more than the 64-byte header; the signature is what the table keys on.
ProbeResult probe_elf(std::span<const std::byte> head, std::string* why) { return vmcore::probe_elf_vmcore(head, why); }

constexpr std::array<DumpFormatEntry, 3> kFormats{{
    {DumpFormat::kdump, "kdump", "kdump-compressed", true, probe_kdump, make_kdump_writer},
    {DumpFormat::flat, "flat", "flattened (makedumpfile -F)", true, flat::probe_flattened, make_kdump_writer},
    {DumpFormat::elf, "elf", "ELF vmcore", false, probe_elf, make_elf_writer},
}};

}  // namespace

std::span<const DumpFormatEntry> dump_formats() noexcept { return kFormats; }

const DumpFormatEntry& dump_format(DumpFormat format) noexcept {
    for (const DumpFormatEntry& f : kFormats)
        if (f.format == format) return f;
    return kFormats.front();  // unreachable: every enumerator has an entry
}

const DumpFormatEntry* find_dump_format(std::string_view name) noexcept {
    for (const DumpFormatEntry& f : kFormats)
        if (f.name == name) return &f;
    return nullptr;
}

std::vector<std::string> dump_format_names() {
    std::vector<std::string> out;
    for (const DumpFormatEntry& f : kFormats) out.emplace_back(f.name);
    return out;
}

DumpFileProbe probe_dump_head(std::span<const std::byte> head) {
    DumpFileProbe out;
    out.head.assign(head.begin(), head.end());
    std::string reasons;
    for (const DumpFormatEntry& f : kFormats) {
        std::string why;
        const ProbeResult r = f.probe(head, &why);
        if (r == ProbeResult::not_mine) {
            reasons += (reasons.empty() ? "" : "; ") + why;
            continue;
        }
        out.result = r;
        out.format = &f;
        out.why = std::move(why);
        return out;
    }
    out.why = std::move(reasons);
    return out;
}

Result<DumpFileProbe> probe_dump_file(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return Status::from_errno(errno, "open " + path);
    std::array<std::byte, kProbeBytes> head{};
    size_t got = 0;
    while (got < head.size()) {
        const ssize_t n = ::pread(fd.get(), head.data() + got, head.size() - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Status::from_errno(errno, "read " + path);
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    return probe_dump_head(std::span<const std::byte>(head.data(), got));
}

}  // namespace kdf::format
