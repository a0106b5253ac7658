#include "vmcore_builder.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace kdf::vmcore::test {

void store_le(Bytes& b, size_t offset, uint64_t value, int size) {
    for (int i = 0; i < size; ++i) b[offset + static_cast<size_t>(i)] = static_cast<std::byte>(value >> (8 * i));
}

uint64_t word_at(uint64_t paddr) { return paddr ^ 0x5a5a000000000000ULL; }

Bytes text_bytes(const std::string& text) {
    Bytes b(text.size());
    std::memcpy(b.data(), text.data(), text.size());
    return b;
}

Bytes concat(const std::vector<Bytes>& parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes make_note(const std::string& owner, uint32_t type, const Bytes& desc) {
    const size_t namesz = owner.size() + 1;
    const size_t name_pad = (namesz + 3) / 4 * 4;
    const size_t desc_pad = (desc.size() + 3) / 4 * 4;
    Bytes n(12 + name_pad + desc_pad);
    store_le(n, 0, namesz, 4);
    store_le(n, 4, desc.size(), 4);
    store_le(n, 8, type, 4);
    std::memcpy(n.data() + 12, owner.data(), owner.size());
    if (!desc.empty()) std::memcpy(n.data() + 12 + name_pad, desc.data(), desc.size());
    return n;
}

Bytes make_prstatus(int32_t pid) {
    Bytes d(336);
    store_le(d, 32, static_cast<uint32_t>(pid), 4);
    return d;
}

const std::string& default_vmcoreinfo() {
    static const std::string text =
        "OSRELEASE=6.1.0-test\n"
        "PAGESIZE=4096\n"
        "SYMBOL(init_top_pgt)=ffffffff8260a000\n"
        "NUMBER(phys_base)=-31457280\n"
        "OFFSET(page.flags)=0\n"
        "SIZE(page)=64\n"
        "LENGTH(mem_section)=2048\n"
        "KERNELOFFSET=1000000\n"
        "CRASHTIME=1700000000\n";
    return text;
}

VmcoreSpec default_spec() {
    VmcoreSpec s;
    s.note_segments.push_back(concat({make_note("CORE", 1, make_prstatus(4242)), make_note("CORE", 1, make_prstatus(0)),
                                      make_note("VMCOREINFO", 0, text_bytes(default_vmcoreinfo()))}));
    // Kernel image alias: 1 page of RAM 1 seen through the kernel text mapping.
    s.loads.push_back({0xffffffff81000000ULL, 0x101000, 0x1000, 0, {}});
    s.loads.push_back({kDirectMap + 0x100000, 0x100000, 0x3000, 0, {}});
    // RAM 2: the last page is in memory but not in the file (p_filesz < p_memsz).
    s.loads.push_back({kDirectMap + 0x200000, 0x200000, 0x1000, 0x2000, {}});
    return s;
}

Built build_vmcore(const VmcoreSpec& spec) {
    Built out;
    const size_t phnum = spec.note_segments.size() + spec.loads.size();
    uint64_t off = kPhoff + phnum * kPhdrSize;
    out.notes_offset = off;
    std::vector<uint64_t> note_offsets;
    for (const Bytes& n : spec.note_segments) {
        note_offsets.push_back(off);
        off += n.size();
    }
    out.notes_end = off;
    for (const LoadSpec& l : spec.loads) {
        uint64_t at = l.file_offset.value_or(off);
        out.load_offsets.push_back(at);
        off = std::max(off, at + l.file_size);
    }
    out.bytes.assign(off, std::byte{0});
    Bytes& b = out.bytes;
    const unsigned char ident[8] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
    std::memcpy(b.data(), ident, sizeof ident);
    store_le(b, 16, 4, 2);  // ET_CORE
    store_le(b, 18, spec.machine, 2);
    store_le(b, 20, 1, 4);
    store_le(b, 32, kPhoff, 8);
    store_le(b, 52, 64, 2);
    store_le(b, 54, kPhdrSize, 2);
    store_le(b, 56, phnum, 2);
    size_t ph = 0;
    for (size_t i = 0; i < spec.note_segments.size(); ++i, ++ph) {
        const size_t p = phdr_at(ph);
        store_le(b, p, 4, 4);
        store_le(b, p + 8, note_offsets[i], 8);
        store_le(b, p + 32, spec.note_segments[i].size(), 8);
        store_le(b, p + 40, spec.note_segments[i].size(), 8);
        if (!spec.note_segments[i].empty())
            std::memcpy(b.data() + note_offsets[i], spec.note_segments[i].data(), spec.note_segments[i].size());
    }
    for (size_t i = 0; i < spec.loads.size(); ++i, ++ph) {
        const LoadSpec& l = spec.loads[i];
        const size_t p = phdr_at(ph);
        store_le(b, p, 1, 4);
        store_le(b, p + 4, 7, 4);
        store_le(b, p + 8, out.load_offsets[i], 8);
        store_le(b, p + 16, l.vaddr, 8);
        store_le(b, p + 24, l.paddr, 8);
        store_le(b, p + 32, l.file_size, 8);
        store_le(b, p + 40, l.mem_size ? l.mem_size : l.file_size, 8);
        for (uint64_t w = 0; w + 8 <= l.file_size; w += 8)
            store_le(b, out.load_offsets[i] + w, word_at(l.paddr + w), 8);
    }
    return out;
}

bool write_file(const std::string& path, const Bytes& bytes) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    return ::close(fd) == 0 && done == bytes.size();
}

}  // namespace kdf::vmcore::test
