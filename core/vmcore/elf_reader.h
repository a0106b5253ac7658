// core/vmcore/elf_reader.h - read an ELF64 vmcore (/proc/vmcore or a copy of it).
//
// Purpose: open() validates the whole structure up front (ELF header, program headers, notes,
// VMCOREINFO) so later stages can trust segments(), phys_map() and notes() without re-checking;
// every failure is one line naming the file and the numbers that are wrong.
//
//   +-----------------+ 0
//   | Elf64_Ehdr (64) |   e_type ET_CORE, e_machine recorded (EM_X86_64 first, others accepted)
//   +-----------------+ e_phoff
//   | Elf64_Phdr x N  |   56 bytes each; N = e_phnum, or section header 0's sh_info if PN_XNUM
//   +-----------------+
//   | PT_NOTE data    |   NT_PRSTATUS per CPU ("CORE"), VMCOREINFO text (one or more PT_NOTEs)
//   +-----------------+
//   | PT_LOAD data    |   physical memory; the first PT_LOAD is usually the kernel-image alias
//   +-----------------+
//
// I/O: pread on the fd, or for /proc/vmcore mmap windows (mapped_reader.h: much faster there, as
// makedumpfile found); never whole-file reads, so memory use is bounded by the program header
// table, the notes (capped) and MappedReader's few windows whatever the vmcore size.
// It is the vmcore::PhysicalMemory of an ELF vmcore: address translation reads through read_phys().
// Ownership: ElfVmcore owns its fd (closed on destruction); move-only. After open() every const
// member is safe to call from several threads at once (pread has no shared file position; the
// mmap windows are behind a mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/common/probe_result.h"
#include "core/vmcore/elf_note.h"
#include "core/vmcore/load_segment.h"
#include "core/vmcore/mapped_reader.h"
#include "core/vmcore/physical_map.h"
#include "core/vmcore/physical_memory.h"
#include "core/vmcore/vmcoreinfo.h"
#include "kdf/status.h"
#include "kdf/unique_fd.h"

namespace kdf::vmcore {

using common::ProbeResult;

// Probes the first bytes of a file (up to 64 are looked at; fewer if the file is shorter).
// mine: an ELF64 little-endian ET_CORE header with 56-byte program headers. not_mine: no ELF magic
// (or an empty input). broken: ELF magic but unusable; `why` (when not null) gets the reason
// for not_mine and broken, without the file name.
ProbeResult probe_elf_vmcore(std::span<const std::byte> head, std::string* why = nullptr);

// How the page data is read. automatic: mmap windows when the file is on procfs (/proc/vmcore),
// pread otherwise; pread: never mmap (makedumpfile's --non-mmap); mmap: windows on any regular
// file (tests, and reading a copy the way the crash kernel reads the original).
enum class ReadMode { automatic, pread, mmap };

class ElfVmcore final : public PhysicalMemory {
public:
    // Limits on what the file may ask us to hold in memory.
    static constexpr uint64_t kMaxProgramHeaders = 1'000'000;
    static constexpr uint64_t kMaxNoteBytes = 16 * 1024 * 1024;

    // Opens and validates `path`. Errors: Code::system/not_found for open/read failures,
    // Code::corrupt for anything malformed (message starts with the path).
    static Result<ElfVmcore> open(const std::string& path, ReadMode mode = ReadMode::automatic);

    ElfVmcore(ElfVmcore&&) noexcept = default;
    ElfVmcore& operator=(ElfVmcore&&) noexcept = default;
    ElfVmcore(const ElfVmcore&) = delete;
    ElfVmcore& operator=(const ElfVmcore&) = delete;
    ~ElfVmcore() override = default;

    const std::string& path() const noexcept override { return path_; }
    uint16_t machine() const noexcept override { return machine_; }  // e_machine (EM_X86_64 = 62)
    // Bytes of the vmcore: max(st_size, end of headers, notes and segments).
    uint64_t file_size() const noexcept { return file_size_; }
    const std::vector<LoadSegment>& segments() const noexcept { return segments_; }  // file order
    const PhysicalMap& phys_map() const noexcept { return phys_map_; }
    const std::vector<CpuNote>& cpu_notes() const noexcept { return cpu_notes_; }
    const std::vector<ElfNote>& notes() const noexcept { return notes_; }
    const VmcoreInfo& vmcoreinfo() const noexcept override { return vmcoreinfo_; }
    bool has_vmcoreinfo() const noexcept override { return has_vmcoreinfo_; }
    int fd() const noexcept { return fd_.get(); }
    // True while reads go through mmap windows (false for pread, or once an mmap has failed).
    bool reads_through_mmap() const { return mapped_ && mapped_->active(); }

    // Reads out.size() bytes at `file_offset`. A range past file_size() is Code::corrupt. Memory
    // that cannot be read (EIO from pread, SIGBUS through mmap, the file ending early) fails with
    // a status is_unreadable_memory() accepts.
    Status read(uint64_t file_offset, std::span<std::byte> out) const;
    // True for the failures that mean "these bytes of the crashed machine's memory cannot be
    // read" (EIO, EFAULT, ENXIO, ENODATA, EHWPOISON), which cost those pages but not the dump;
    // false for everything else (a bad argument, a broken file descriptor).
    static bool is_unreadable_memory(const Status& s) noexcept;

    // Reads physical memory through phys_map(); may span adjacent ranges. Bytes past a range's
    // p_filesz (up to p_memsz) read as zero, as the kernel wrote them. A hole is Code::not_found
    // naming the address.
    Status read_phys(uint64_t paddr, std::span<std::byte> out) const override;
    // To the end of the phys_map() range holding `paddr`.
    uint64_t held_from(uint64_t paddr) const noexcept override {
        const PhysicalMap::Range* r = phys_map_.find(paddr);
        return r == nullptr ? 0 : r->end() - paddr;
    }
    std::span<const LoadSegment> load_segments() const noexcept override { return segments_; }

private:
    ElfVmcore() = default;

    Status load(uint64_t st_size, bool size_known);
    Status read_program_headers(uint64_t phoff, uint64_t phnum, uint64_t size_limit, bool size_known,
                                std::vector<std::pair<uint64_t, uint64_t>>& note_ranges);
    Status check_file_overlaps() const;
    void mark_aliases();
    Status load_notes(const std::vector<std::pair<uint64_t, uint64_t>>& note_ranges);
    Status fail(const std::string& what) const;

    std::string path_;
    UniqueFd fd_;
    uint16_t machine_ = 0;
    uint64_t file_size_ = 0;
    std::vector<LoadSegment> segments_;
    PhysicalMap phys_map_;
    std::vector<CpuNote> cpu_notes_;
    std::vector<ElfNote> notes_;
    VmcoreInfo vmcoreinfo_;
    bool has_vmcoreinfo_ = false;
    std::unique_ptr<MappedReader> mapped_;  // null: pread only
};

}  // namespace kdf::vmcore
