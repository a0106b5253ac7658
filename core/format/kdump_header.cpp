#include "core/format/kdump_header.h"

#include <cstring>

#include "core/vmcore/le_bytes.h"

namespace kdf::format::kdump {

namespace {

void put32(std::span<std::byte> out, size_t at, uint32_t v) { vmcore::store_le32(out.data() + at, v); }
void put64(std::span<std::byte> out, size_t at, uint64_t v) { vmcore::store_le64(out.data() + at, v); }
uint32_t get32(std::span<const std::byte> in, size_t at) { return vmcore::load_le32(in.data() + at); }
uint64_t get64(std::span<const std::byte> in, size_t at) { return vmcore::load_le64(in.data() + at); }
void put_str(std::span<std::byte> out, size_t at, const std::string& s, size_t field) {
    size_t n = std::min(s.size(), field - 1);  // always NUL-terminated, like the kernel's utsname
    std::memcpy(out.data() + at, s.data(), n);
}
std::string get_str(std::span<const std::byte> in, size_t at, size_t field) {
    const char* p = reinterpret_cast<const char*>(in.data() + at);
    return std::string(p, strnlen(p, field));
}

constexpr size_t kUtsOffset = 12;

}  // namespace

void encode(const DiskDumpHeader& h, std::span<std::byte> out) {
    std::memset(out.data(), 0, kDiskDumpHeaderSize);
    std::memcpy(out.data(), kSignature, sizeof kSignature);
    put32(out, 8, static_cast<uint32_t>(h.header_version));
    const std::string* fields[] = {&h.utsname.sysname, &h.utsname.nodename, &h.utsname.release,
                                   &h.utsname.version, &h.utsname.machine, &h.utsname.domainname};
    for (size_t i = 0; i < 6; ++i) put_str(out, kUtsOffset + i * kUtsFieldSize, *fields[i], kUtsFieldSize);
    put64(out, 408, static_cast<uint64_t>(h.timestamp_sec));
    put64(out, 416, static_cast<uint64_t>(h.timestamp_usec));
    put32(out, 424, h.status);
    put32(out, 428, static_cast<uint32_t>(h.block_size));
    put32(out, 432, static_cast<uint32_t>(h.sub_hdr_size));
    put32(out, 436, h.bitmap_blocks);
    put32(out, 440, h.max_mapnr);
    put32(out, 460, static_cast<uint32_t>(h.nr_cpus));
}

void encode(const SubHeader& h, std::span<std::byte> out) {
    std::memset(out.data(), 0, kSubHeaderSize);
    put64(out, 0, h.phys_base);
    put32(out, 8, static_cast<uint32_t>(h.dump_level));
    put32(out, 12, static_cast<uint32_t>(h.split));
    put64(out, 16, h.start_pfn);
    put64(out, 24, h.end_pfn);
    put64(out, 32, h.offset_vmcoreinfo);
    put64(out, 40, h.size_vmcoreinfo);
    put64(out, 48, h.offset_note);
    put64(out, 56, h.size_note);
    put64(out, 64, h.offset_eraseinfo);
    put64(out, 72, h.size_eraseinfo);
    put64(out, 80, h.start_pfn_64);
    put64(out, 88, h.end_pfn_64);
    put64(out, 96, h.max_mapnr_64);
}

void encode(const PageDesc& d, std::span<std::byte> out) {
    put64(out, 0, d.offset);
    put32(out, 8, d.size);
    put32(out, 12, d.flags);
    put64(out, 16, d.page_flags);
}

Result<DiskDumpHeader> decode_disk_dump_header(std::span<const std::byte> in) {
    if (in.size() < kDiskDumpHeaderSize)
        return Status::error(Code::corrupt, "kdump header: file shorter than the 464-byte disk_dump_header");
    if (std::memcmp(in.data(), kSignature, sizeof kSignature) != 0)
        return Status::error(Code::corrupt, "kdump header: no \"KDUMP   \" signature");
    DiskDumpHeader h;
    h.header_version = static_cast<int32_t>(get32(in, 8));
    std::string* fields[] = {&h.utsname.sysname, &h.utsname.nodename, &h.utsname.release,
                             &h.utsname.version, &h.utsname.machine, &h.utsname.domainname};
    for (size_t i = 0; i < 6; ++i) *fields[i] = get_str(in, kUtsOffset + i * kUtsFieldSize, kUtsFieldSize);
    h.timestamp_sec = static_cast<int64_t>(get64(in, 408));
    h.timestamp_usec = static_cast<int64_t>(get64(in, 416));
    h.status = get32(in, 424);
    h.block_size = static_cast<int32_t>(get32(in, 428));
    h.sub_hdr_size = static_cast<int32_t>(get32(in, 432));
    h.bitmap_blocks = get32(in, 436);
    h.max_mapnr = get32(in, 440);
    h.nr_cpus = static_cast<int32_t>(get32(in, 460));
    return h;
}

Result<SubHeader> decode_sub_header(std::span<const std::byte> in) {
    if (in.size() < kSubHeaderSize) return Status::error(Code::corrupt, "kdump sub-header: shorter than 104 bytes");
    SubHeader h;
    h.phys_base = get64(in, 0);
    h.dump_level = static_cast<int32_t>(get32(in, 8));
    h.split = static_cast<int32_t>(get32(in, 12));
    h.start_pfn = get64(in, 16);
    h.end_pfn = get64(in, 24);
    h.offset_vmcoreinfo = get64(in, 32);
    h.size_vmcoreinfo = get64(in, 40);
    h.offset_note = get64(in, 48);
    h.size_note = get64(in, 56);
    h.offset_eraseinfo = get64(in, 64);
    h.size_eraseinfo = get64(in, 72);
    h.start_pfn_64 = get64(in, 80);
    h.end_pfn_64 = get64(in, 88);
    h.max_mapnr_64 = get64(in, 96);
    return h;
}

PageDesc decode_page_desc(std::span<const std::byte> in) {
    return PageDesc{get64(in, 0), get32(in, 8), get32(in, 12), get64(in, 16)};
}

uint64_t bitmap_bytes_per_bitmap(uint64_t max_mapnr, uint32_t block_size) {
    uint64_t bytes = (max_mapnr + 7) / 8;
    return (bytes + block_size - 1) / block_size * block_size;
}

}  // namespace kdf::format::kdump
