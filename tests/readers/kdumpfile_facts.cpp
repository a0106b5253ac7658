// kdumpfile_facts.cpp - test helper: what libkdumpfile (the library drgn reads dumps with) makes of
// a dump, and whether every page it reads there is the page of the raw vmcore.
//
// Usage: kdf-kdumpfile-facts DUMP [RAW_VMCORE PAGES_OUT]
// stdout, one `key: value` line each: the file format, the architecture and page size libkdumpfile
// derived, the utsname it found in the header, linux.phys_base (the kdump sub-header's, when the
// format has one), and the kernel release read at init_uts_ns through libkdumpfile's own virtual
// address translation (the crashed kernel's page tables, as drgn reads them).
// With RAW_VMCORE: every page frame below max_pfn is read from both files, and PAGES_OUT gets one
// byte per frame: 0 not in the dump, 1 the same bytes as in the raw vmcore, 2 zeros where the raw
// vmcore has data, 3 other bytes, 4 in the dump but not in the raw vmcore. stdout adds the counts.
// Exit 0 when everything above could be asked (a fact libkdumpfile cannot give is printed as
// `ERROR <message>`), 1 when a file cannot be opened, 2 on wrong arguments.
#include <fcntl.h>
#include <libkdumpfile/kdumpfile.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Dump {
    int fd = -1;
    kdump_ctx_t* ctx = nullptr;
    ~Dump() {
        if (ctx) kdump_free(ctx);
        if (fd >= 0) ::close(fd);
    }
};

// Opens `path` as drgn does: the file, then the OS type, which makes libkdumpfile set up its
// Linux address translation from the dump's VMCOREINFO.
std::unique_ptr<Dump> open_dump(const char* path) {
    auto d = std::make_unique<Dump>();
    d->fd = ::open(path, O_RDONLY);
    if (d->fd < 0) {
        std::perror(path);
        return nullptr;
    }
    d->ctx = kdump_new();
    if (!d->ctx || kdump_open_fd(d->ctx, d->fd) != KDUMP_OK) {
        std::fprintf(stderr, "open %s: %s\n", path, d->ctx ? kdump_get_err(d->ctx) : "out of memory");
        return nullptr;
    }
    if (kdump_set_string_attr(d->ctx, KDUMP_ATTR_OSTYPE, "linux") != KDUMP_OK) {
        std::fprintf(stderr, "%s: ostype linux: %s\n", path, kdump_get_err(d->ctx));
        return nullptr;
    }
    return d;
}

void string_fact(kdump_ctx_t* ctx, const char* name, const char* key) {
    const char* value = nullptr;
    if (kdump_get_string_attr(ctx, key, &value) == KDUMP_OK && value)
        std::printf("%s: %s\n", name, value);
    else
        std::printf("%s: ERROR %s\n", name, kdump_get_err(ctx));
}

void number_fact(kdump_ctx_t* ctx, const char* name, const char* key, bool hex) {
    kdump_attr_t attr;
    if (kdump_get_attr(ctx, key, &attr) != KDUMP_OK) {
        std::printf("%s: ERROR %s\n", name, kdump_get_err(ctx));
        return;
    }
    const unsigned long long v = attr.type == KDUMP_ADDRESS ? attr.val.address : attr.val.number;
    std::printf(hex ? "%s: 0x%llx\n" : "%s: %llu\n", name, v);
}

// init_uts_ns.name.release, read by kernel virtual address: only a working translation of the
// crashed kernel's addresses reads it.
void release_by_vaddr(kdump_ctx_t* ctx) {
    kdump_addr_t uts = 0;
    if (kdump_vmcoreinfo_symbol(ctx, "init_uts_ns", &uts) != KDUMP_OK) {
        std::printf("init_uts_ns release: ERROR %s\n", kdump_get_err(ctx));
        return;
    }
    unsigned long long name_offset = 4;  // struct kref before the name on kernels that do not say
    char* line = nullptr;  // malloc'ed by libkdumpfile
    if (kdump_vmcoreinfo_line(ctx, "OFFSET(uts_namespace.name)", &line) == KDUMP_OK && line)
        name_offset = std::strtoull(line, nullptr, 10);
    std::free(line);
    std::array<char, 65> release{};
    size_t got = release.size() - 1;
    if (kdump_read(ctx, KDUMP_KVADDR, uts + name_offset + 2 * 65, release.data(), &got) != KDUMP_OK) {
        std::printf("init_uts_ns release: ERROR %s\n", kdump_get_err(ctx));
        return;
    }
    std::printf("init_uts_ns release: %s\n", release.data());
}

bool all_zero(const std::vector<unsigned char>& page) {
    return std::all_of(page.begin(), page.end(), [](unsigned char c) { return c == 0; });
}

int compare_pages(kdump_ctx_t* dump, const char* raw_path, const char* out_path) {
    auto raw = open_dump(raw_path);
    if (!raw) return 1;
    kdump_num_t page_size = 0, max_pfn = 0;
    if (kdump_get_number_attr(dump, KDUMP_ATTR_PAGE_SIZE, &page_size) != KDUMP_OK ||
        kdump_get_number_attr(dump, "max_pfn", &max_pfn) != KDUMP_OK) {
        std::fprintf(stderr, "page size / max_pfn: %s\n", kdump_get_err(dump));
        return 1;
    }
    FILE* out = std::fopen(out_path, "wb");
    if (!out) {
        std::perror(out_path);
        return 1;
    }
    std::vector<unsigned char> mine(page_size), theirs(page_size);
    std::array<uint64_t, 5> count{};
    for (kdump_num_t pfn = 0; pfn < max_pfn; ++pfn) {
        size_t got = page_size;
        unsigned char verdict = 0;
        if (kdump_read(dump, KDUMP_MACHPHYSADDR, pfn * page_size, mine.data(), &got) == KDUMP_OK && got == page_size) {
            size_t raw_got = page_size;
            if (kdump_read(raw->ctx, KDUMP_MACHPHYSADDR, pfn * page_size, theirs.data(), &raw_got) != KDUMP_OK ||
                raw_got != page_size)
                verdict = 4;
            else if (mine == theirs)
                verdict = 1;
            else
                verdict = all_zero(mine) ? 2 : 3;
        }
        ++count[verdict];
        std::fputc(verdict, out);
    }
    if (std::fclose(out) != 0) {
        std::perror(out_path);
        return 1;
    }
    std::printf("pages in the dump: %" PRIu64 "\n", count[1] + count[2] + count[3] + count[4]);
    std::printf("pages as in the raw vmcore: %" PRIu64 "\n", count[1]);
    std::printf("pages zero in the dump only: %" PRIu64 "\n", count[2]);
    std::printf("pages differing: %" PRIu64 "\n", count[3]);
    std::printf("pages not in the raw vmcore: %" PRIu64 "\n", count[4]);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 && argc != 4) {
        std::fprintf(stderr, "usage: %s DUMP [RAW_VMCORE PAGES_OUT]\n", argv[0]);
        return 2;
    }
    auto dump = open_dump(argv[1]);
    if (!dump) return 1;
    string_fact(dump->ctx, "format", KDUMP_ATTR_FILE_FORMAT);
    string_fact(dump->ctx, "arch", KDUMP_ATTR_ARCH_NAME);
    number_fact(dump->ctx, "page size", KDUMP_ATTR_PAGE_SIZE, false);
    string_fact(dump->ctx, "uts release", "linux.uts.release");
    string_fact(dump->ctx, "uts machine", "linux.uts.machine");
    number_fact(dump->ctx, "phys_base", "linux.phys_base", true);
    release_by_vaddr(dump->ctx);
    std::fflush(stdout);
    return argc == 4 ? compare_pages(dump->ctx, argv[2], argv[3]) : 0;
}
