// kdumpfile_pages.cpp - test helper: reads physical pages from a dump with Debian's libkdumpfile,
// an independent reader of kdump-compressed and ELF files (what drgn uses).
//
// Usage: kdf-kdumpfile-pages DUMP OUT PAGE_SIZE ADDR_HEX...
// For each address OUT gets one status byte (0 read, 1 no data: excluded or absent page, 2 other
// error) and PAGE_SIZE bytes (zeros unless read). stdout gets the format name. Exit 0 unless the
// dump could not be opened (1) or the arguments are wrong (2).
#include <fcntl.h>
#include <libkdumpfile/kdumpfile.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s DUMP OUT PAGE_SIZE ADDR_HEX...\n", argv[0]);
        return 2;
    }
    const size_t page_size = std::strtoul(argv[3], nullptr, 0);
    int fd = ::open(argv[1], O_RDONLY);
    if (fd < 0) {
        std::perror(argv[1]);
        return 1;
    }
    kdump_ctx_t* ctx = kdump_new();
    if (kdump_open_fd(ctx, fd) != KDUMP_OK) {
        std::fprintf(stderr, "open %s: %s\n", argv[1], kdump_get_err(ctx));
        return 1;
    }
    // Without an OS type even physical reads fail on x86_64 ("Cannot determine 5-level paging").
    if (kdump_set_string_attr(ctx, KDUMP_ATTR_OSTYPE, "linux") != KDUMP_OK) {
        std::fprintf(stderr, "ostype: %s\n", kdump_get_err(ctx));
        return 1;
    }
    const char* fmt = nullptr;
    kdump_get_string_attr(ctx, KDUMP_ATTR_FILE_FORMAT, &fmt);
    std::printf("%s\n", fmt ? fmt : "?");
    FILE* out = std::fopen(argv[2], "wb");
    if (!out) {
        std::perror(argv[2]);
        return 1;
    }
    std::vector<unsigned char> buf(page_size);
    for (int i = 4; i < argc; ++i) {
        kdump_addr_t addr = std::strtoull(argv[i], nullptr, 16);
        // MACHPHYSADDR: the file's own physical address space (the same as KPHYSADDR on x86_64
        // without Xen). KPHYSADDR would need the kernel's page tables to set up libkdumpfile's
        // translation, which the generated vmcores (kdf-mkvmcore) do not carry for kdump files.
        size_t got = page_size;
        std::fill(buf.begin(), buf.end(), 0);
        kdump_status st = kdump_read(ctx, KDUMP_MACHPHYSADDR, addr, buf.data(), &got);
        unsigned char code = st == KDUMP_OK && got == page_size ? 0 : st == KDUMP_ERR_NODATA ? 1 : 2;
        if (code == 2) std::fprintf(stderr, "read 0x%llx: %s\n", static_cast<unsigned long long>(addr), kdump_get_err(ctx));
        if (code != 0) std::fill(buf.begin(), buf.end(), 0);
        std::fputc(code, out);
        std::fwrite(buf.data(), 1, page_size, out);
    }
    std::fclose(out);
    kdump_free(ctx);
    ::close(fd);
    return 0;
}
