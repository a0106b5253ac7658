#include "core/vmcore/elf_reader.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>

#include "core/common/printf_text.h"
#include "core/vmcore/elf_layout.h"
#include "core/vmcore/le_bytes.h"
#include "core/vmcore/note_parser.h"

namespace kdf::vmcore {

using common::printf_text;
namespace {

using namespace elf;  // ELF numbers (elf_layout.h)
// x86_64 __START_KERNEL_map: the kernel image is mapped at or above it, the direct map below.
constexpr uint64_t kX86KernelTextBase = 0xffffffff80000000ULL;
constexpr size_t kPhdrChunk = 1024;  // program headers read per pread

const char* type_name(uint16_t t) {
    switch (t) {
    case 0: return "ET_NONE";
    case 1: return "ET_REL";
    case 2: return "ET_EXEC";
    case 3: return "ET_DYN";
    case 4: return "ET_CORE";
    default: return "unknown";
    }
}

// pread that stops quietly at end of file: returns the bytes read, or -1 with errno set.
ssize_t pread_upto(int fd, std::byte* buf, size_t size, uint64_t offset) {
    size_t got = 0;
    while (got < size) {
        ssize_t n = ::pread(fd, buf + got, size - got, static_cast<off_t>(offset + got));
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    return static_cast<ssize_t>(got);
}

// Is every byte text the kernel could have printed into VMCOREINFO?
std::optional<size_t> first_non_text(std::span<const std::byte> bytes) {
    for (size_t i = 0; i < bytes.size(); ++i) {
        auto c = std::to_integer<unsigned char>(bytes[i]);
        if (!(c == '\n' || c == '\t' || c == '\r' || (c >= 0x20 && c < 0x7f))) return i;
    }
    return std::nullopt;
}

}  // namespace

ProbeResult probe_elf_vmcore(std::span<const std::byte> head, std::string* why) {
    auto say = [why](ProbeResult r, std::string text) {
        if (why) *why = std::move(text);
        return r;
    };
    static constexpr unsigned char kMagic[4] = {0x7f, 'E', 'L', 'F'};
    if (head.empty()) return say(ProbeResult::not_mine, "file is empty (0 bytes): not a vmcore");
    for (size_t i = 0; i < 4 && i < head.size(); ++i)
        if (std::to_integer<unsigned char>(head[i]) != kMagic[i])
            return say(ProbeResult::not_mine, "not an ELF vmcore (bad magic)");
    if (head.size() < kEhdrSize)
        return say(ProbeResult::broken, printf_text("file is %zu bytes, shorter than an ELF64 header (64 bytes): truncated vmcore?",
                                                    head.size()));
    const auto* h = head.data();
    uint8_t cls = std::to_integer<uint8_t>(h[4]);
    uint8_t data = std::to_integer<uint8_t>(h[5]);
    if (cls != kElfClass64)
        return say(ProbeResult::broken,
                   printf_text("not ELFCLASS64 (EI_CLASS is %u): only 64-bit vmcores are supported", unsigned{cls}));
    if (data != kElfData2Lsb)
        return say(ProbeResult::broken,
                   printf_text("not little-endian (EI_DATA is %u): big-endian vmcores are not supported", unsigned{data}));
    uint16_t type = load_le16(h + 16);
    if (type != kEtCore)
        return say(ProbeResult::broken,
                   printf_text("e_type is %u (%s), not ET_CORE (4): an ELF file but not a core dump", unsigned{type},
                               type_name(type)));
    uint16_t phentsize = load_le16(h + 54);
    if (phentsize != kPhdrSize)
        return say(ProbeResult::broken,
                   printf_text("e_phentsize is %u, not 56 (the size of an Elf64_Phdr)", unsigned{phentsize}));
    return ProbeResult::mine;
}

Result<ElfVmcore> ElfVmcore::open(const std::string& path, ReadMode mode) {
    ElfVmcore v;
    v.path_ = path;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Status::from_errno(errno, "open " + path);
    v.fd_.reset(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return Status::from_errno(errno, "stat " + path);
    // /proc/vmcore and copies of it are regular files with a true st_size; for anything else
    // (a pipe, a device) the size is unknown and reads past the end fail when they happen.
    bool size_known = S_ISREG(st.st_mode);
    Status s = v.load(size_known ? static_cast<uint64_t>(st.st_size) : 0, size_known);
    if (!s.is_ok()) return s;
    auto on_procfs = [fd] {
        struct statfs fs {};
        return ::fstatfs(fd, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
    };
    if (size_known && (mode == ReadMode::mmap || (mode == ReadMode::automatic && on_procfs())))
        v.mapped_ = std::make_unique<MappedReader>(fd, static_cast<uint64_t>(st.st_size));
    return Result<ElfVmcore>(std::move(v));
}

Status ElfVmcore::fail(const std::string& what) const { return Status::error(Code::corrupt, path_ + ": " + what); }

Status ElfVmcore::load(uint64_t st_size, bool size_known) {
    const uint64_t limit = size_known ? st_size : std::numeric_limits<uint64_t>::max();
    std::byte head[kEhdrSize];
    ssize_t got = pread_upto(fd_.get(), head, sizeof head, 0);
    if (got < 0) return Status::from_errno(errno, "read " + path_);
    std::string why;
    if (probe_elf_vmcore(std::span<const std::byte>(head, static_cast<size_t>(got)), &why) != ProbeResult::mine)
        return fail(why);

    machine_ = load_le16(head + 18);
    const uint64_t phoff = load_le64(head + 32);
    const uint64_t shoff = load_le64(head + 40);
    const uint16_t shentsize = load_le16(head + 58);
    uint64_t phnum = load_le16(head + 56);
    if (phnum == kPnXnum) {
        // More than 65534 program headers: the real count is in section header 0's sh_info.
        if (shoff == 0)
            return fail("e_phnum is PN_XNUM (0xffff) but there is no section header 0 (e_shoff is 0) to hold the real count");
        if (shentsize < kShdrSize)
            return fail(printf_text("e_phnum is PN_XNUM (0xffff) but e_shentsize is %u, smaller than an Elf64_Shdr (64)",
                                    unsigned{shentsize}));
        if (shoff > limit || kShdrSize > limit - shoff)
            return fail(printf_text("section header 0 (e_shoff 0x%" PRIx64 ") ends past end of file (file is %" PRIu64
                                    " bytes): truncated vmcore?",
                                    shoff, st_size));
        std::byte sh[kShdrSize];
        Status s = pread_full(fd_.get(), sh, sizeof sh, shoff, "section header 0");
        if (!s.is_ok()) return s.with_context(path_);
        phnum = load_le32(sh + 44);
    }
    if (phnum == 0) return fail("e_phnum is 0: no program headers, so no memory and no notes");
    if (phnum > kMaxProgramHeaders)
        return fail(printf_text("e_phnum %" PRIu64 " is absurd (more than %" PRIu64 " program headers)", phnum,
                                kMaxProgramHeaders));
    const uint64_t table_bytes = phnum * kPhdrSize;
    if (phoff > limit || table_bytes > limit - phoff)
        return fail(printf_text("program header table (e_phoff 0x%" PRIx64 ", %" PRIu64 " entries of 56 bytes) ends past end of "
                                "file (file is %" PRIu64 " bytes): truncated vmcore?",
                                phoff, phnum, st_size));
    file_size_ = std::max<uint64_t>({st_size, kEhdrSize, phoff + table_bytes});

    std::vector<std::pair<uint64_t, uint64_t>> note_ranges;
    if (Status s = read_program_headers(phoff, phnum, limit, size_known, note_ranges); !s.is_ok()) return s;
    if (segments_.empty()) return fail("no PT_LOAD program headers: the vmcore holds no memory");
    if (Status s = check_file_overlaps(); !s.is_ok()) return s;
    mark_aliases();
    auto map = PhysicalMap::build(segments_);
    if (!map.is_ok()) return fail(map.status().message());
    phys_map_ = std::move(map.value());
    return load_notes(note_ranges);
}

Status ElfVmcore::read_program_headers(uint64_t phoff, uint64_t phnum, uint64_t limit, bool size_known,
                                       std::vector<std::pair<uint64_t, uint64_t>>& note_ranges) {
    const uint64_t st_size = size_known ? limit : 0;
    std::vector<std::byte> chunk(std::min<uint64_t>(phnum, kPhdrChunk) * kPhdrSize);
    uint64_t note_total = 0;
    for (uint64_t first = 0; first < phnum; first += kPhdrChunk) {
        const uint64_t count = std::min<uint64_t>(kPhdrChunk, phnum - first);
        Status s = pread_full(fd_.get(), chunk.data(), count * kPhdrSize, phoff + first * kPhdrSize, "program headers");
        if (!s.is_ok()) return s.with_context(path_);
        for (uint64_t k = 0; k < count; ++k) {
            const std::byte* p = chunk.data() + k * kPhdrSize;
            const auto index = static_cast<uint32_t>(first + k);
            const uint32_t type = load_le32(p);
            const uint64_t offset = load_le64(p + 8);
            const uint64_t filesz = load_le64(p + 32);
            if (type != kPtLoad && type != kPtNote) continue;
            const char* kind = type == kPtLoad ? "PT_LOAD" : "PT_NOTE";
            if (offset > std::numeric_limits<uint64_t>::max() - filesz)
                return fail(printf_text("%s at program header %" PRIu32 ": file offset 0x%" PRIx64 " + size 0x%" PRIx64
                                        " overflows",
                                        kind, index, offset, filesz));
            if (offset + filesz > limit)
                return fail(printf_text("%s at program header %" PRIu32 " (file offset 0x%" PRIx64 ", 0x%" PRIx64
                                        " bytes) ends past end of file (file is %" PRIu64 " bytes): truncated vmcore?",
                                        kind, index, offset, filesz, st_size));
            file_size_ = std::max(file_size_, offset + filesz);
            if (type == kPtNote) {
                note_total += filesz;
                if (note_total > kMaxNoteBytes)
                    return fail(printf_text("PT_NOTE segments hold more than %" PRIu64
                                            " bytes in all (program header %" PRIu32 " passes it): not a plausible vmcore",
                                            kMaxNoteBytes, index));
                if (filesz > 0) note_ranges.emplace_back(offset, filesz);
                continue;
            }
            LoadSegment seg;
            seg.phdr_index = index;
            seg.flags = load_le32(p + 4);
            seg.file_offset = offset;
            seg.vaddr = load_le64(p + 16);
            seg.paddr = load_le64(p + 24);
            seg.file_size = filesz;
            seg.mem_size = load_le64(p + 40);
            if (seg.file_size > seg.mem_size)
                return fail(printf_text("PT_LOAD at program header %" PRIu32 ": p_filesz 0x%" PRIx64
                                        " is larger than p_memsz 0x%" PRIx64,
                                        index, seg.file_size, seg.mem_size));
            if (seg.paddr > std::numeric_limits<uint64_t>::max() - seg.mem_size)
                return fail(printf_text("PT_LOAD at program header %" PRIu32 ": physical address 0x%" PRIx64 " + size 0x%" PRIx64
                                        " overflows",
                                        index, seg.paddr, seg.mem_size));
            segments_.push_back(seg);
        }
    }
    return Status::ok();
}

Status ElfVmcore::check_file_overlaps() const {
    std::vector<const LoadSegment*> order;
    order.reserve(segments_.size());
    for (const LoadSegment& s : segments_)
        if (s.file_size > 0) order.push_back(&s);
    std::sort(order.begin(), order.end(),
              [](const LoadSegment* a, const LoadSegment* b) { return a->file_offset < b->file_offset; });
    // Two PT_LOADs may share file bytes only as two virtual mappings of the same physical memory
    // (a kernel-image alias stored once, as our ELF writer stores it): the same physical address
    // must then be at the same file offset in both. Any other overlap is damage. Compared with the
    // segment reaching furthest so far: any earlier one `b` overlaps, that one overlaps too.
    const LoadSegment* furthest = order.empty() ? nullptr : order[0];
    for (size_t i = 1; i < order.size(); ++i) {
        const LoadSegment& a = *furthest;
        const LoadSegment& b = *order[i];
        if (b.file_end() > a.file_end()) furthest = order[i];
        const bool same_bytes = b.file_offset - b.paddr == a.file_offset - a.paddr;
        if (b.file_offset < a.file_end() && !same_bytes)
            return fail(printf_text("PT_LOAD at program header %" PRIu32 " (file offset 0x%" PRIx64 ", 0x%" PRIx64
                                    " bytes) overlaps PT_LOAD at program header %" PRIu32 " (file offset 0x%" PRIx64
                                    ", 0x%" PRIx64 " bytes) in the file",
                                    b.phdr_index, b.file_offset, b.file_size, a.phdr_index, a.file_offset, a.file_size));
    }
    return Status::ok();
}

void ElfVmcore::mark_aliases() {
    // An alias is a second virtual mapping of physical memory another PT_LOAD already holds: its
    // physical range lies wholly inside that segment, and its virtual-to-physical offset differs
    // (on x86_64 it must also be in the kernel text mapping; arm64's image PT_LOAD sits inside the
    // first linear-map PT_LOAD and needs no such rule). Anything else that overlaps is left for
    // PhysicalMap::build to refuse.
    for (LoadSegment& s : segments_) {
        if (s.mem_size == 0) continue;
        if (machine_ == kEmX86_64 && s.vaddr < kX86KernelTextBase) continue;
        for (const LoadSegment& t : segments_) {
            if (&t == &s || t.alias || t.mem_size == 0) continue;
            if (machine_ == kEmX86_64 && t.vaddr >= kX86KernelTextBase) continue;
            bool inside = t.paddr <= s.paddr && s.phys_end() <= t.phys_end();
            bool other_mapping = t.vaddr - t.paddr != s.vaddr - s.paddr;
            if (inside && other_mapping) {
                s.alias = true;
                break;
            }
        }
    }
}

Status ElfVmcore::load_notes(const std::vector<std::pair<uint64_t, uint64_t>>& note_ranges) {
    std::vector<std::byte> buf;
    for (auto [offset, size] : note_ranges) {
        buf.resize(size);  // bounded: the sum of all PT_NOTE sizes was capped at kMaxNoteBytes
        Status s = pread_full(fd_.get(), buf.data(), size, offset, "PT_NOTE");
        if (!s.is_ok()) return s.with_context(path_);
        if (Status ps = parse_notes(buf, offset, notes_); !ps.is_ok()) return fail(ps.message());
    }
    for (const ElfNote& n : notes_) {
        if (n.owner == kOwnerCore && n.type == kNtPrstatus) {
            CpuNote cpu;
            cpu.cpu = static_cast<uint32_t>(cpu_notes_.size());
            if (n.desc.size() >= kPrstatusPidOffset + 4)
                cpu.pid = static_cast<int32_t>(load_le32(n.desc.data() + kPrstatusPidOffset));
            cpu.prstatus = n.desc;
            cpu_notes_.push_back(std::move(cpu));
        } else if (n.owner == kOwnerVmcoreinfo && n.type == kNtVmcoreinfo && !has_vmcoreinfo_) {
            std::span<const std::byte> text(n.desc);
            while (!text.empty() && text.back() == std::byte{0}) text = text.first(text.size() - 1);
            if (auto bad = first_non_text(text))
                return fail(printf_text("VMCOREINFO note (file offset 0x%" PRIx64 ", %zu bytes) is not text: byte 0x%02x at "
                                        "offset %zu",
                                        n.desc_file_offset, n.desc.size(), std::to_integer<unsigned>(text[*bad]), *bad));
            auto info = VmcoreInfo::parse(
                std::string_view(reinterpret_cast<const char*>(text.data()), text.size()));
            if (!info.is_ok()) return fail(info.status().message());
            vmcoreinfo_ = std::move(info.value());
            has_vmcoreinfo_ = true;
        }
    }
    return Status::ok();
}

Status ElfVmcore::read(uint64_t file_offset, std::span<std::byte> out) const {
    if (out.size() > file_size_ || file_offset > file_size_ - out.size())
        return fail(printf_text("read of %zu bytes at file offset 0x%" PRIx64 " is past end of file (file is %" PRIu64 " bytes)",
                                out.size(), file_offset, file_size_));
    if (mapped_ && mapped_->read(file_offset, out)) return Status::ok();
    const ssize_t got = pread_upto(fd_.get(), out.data(), out.size(), file_offset);
    Status s;
    if (got < 0) s = Status::from_errno(errno, "pread");
    // The file was longer when it was opened: the range vanished under us (a region the kernel
    // dropped, a copy truncated while we read it). Like EIO, it costs these pages, not the dump.
    else if (static_cast<size_t>(got) < out.size())
        s = Status::from_errno(ENODATA, printf_text("pread: end of file at 0x%" PRIx64, file_offset + got));
    if (!s.is_ok())
        return s.with_context(printf_text("%s: reading %zu bytes at file offset 0x%" PRIx64, path_.c_str(), out.size(),
                                          file_offset));
    return s;
}

bool ElfVmcore::is_unreadable_memory(const Status& s) noexcept {
    if (s.code() != Code::system) return false;
    switch (s.sys_errno()) {
        case EIO:         // the kernel could not copy the old memory (poisoned, not accepted, ...)
        case EFAULT:      // copy_oldmem_page's failure on some architectures
        case ENXIO:       // no such memory behind the range
        case ENODATA:     // the range vanished (see read())
        case EHWPOISON:   // memory the kernel knows is poisoned
            return true;
        default:
            return false;
    }
}

Status ElfVmcore::read_phys(uint64_t paddr, std::span<std::byte> out) const {
    while (!out.empty()) {
        const PhysicalMap::Range* r = phys_map_.find(paddr);
        if (r == nullptr)
            return Status::error(Code::not_found,
                                 printf_text("%s: physical address 0x%" PRIx64 " is not in the vmcore (no PT_LOAD maps it)",
                                             path_.c_str(), paddr));
        const uint64_t rel = paddr - r->paddr;
        const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), r->mem_size - rel));
        size_t from_file = 0;
        if (rel < r->file_size) {
            from_file = static_cast<size_t>(std::min<uint64_t>(n, r->file_size - rel));
            if (Status s = read(r->file_offset + rel, out.first(from_file)); !s.is_ok()) return s;
        }
        std::memset(out.data() + from_file, 0, n - from_file);  // p_filesz < p_memsz: zero-filled
        out = out.subspan(n);
        if (out.empty()) break;
        paddr += n;
    }
    return Status::ok();
}

}  // namespace kdf::vmcore
