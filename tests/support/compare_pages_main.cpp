// kdf-compare-pages [--filtered] INPUT_VMCORE DUMP: exit 0 when the dump holds the input's memory
// page for page (--filtered: pages the dump excludes are passed over; see page_compare.h).
#include <cstdio>
#include <string>

#include "tests/support/page_compare.h"

int main(int argc, char** argv) {
    const bool filtered = argc == 4 && std::string(argv[1]) == "--filtered";
    if (argc != 3 && !filtered) {
        std::fprintf(stderr, "usage: kdf-compare-pages [--filtered] INPUT_VMCORE DUMP\n");
        return 2;
    }
    if (filtered) ++argv;
    uint64_t skipped = 0;
    std::string diff = kdf::test::compare_pages(
        argv[1], argv[2], filtered ? kdf::test::CompareMode::filtered : kdf::test::CompareMode::strict, &skipped);
    if (!diff.empty()) {
        std::fprintf(stderr, "kdf-compare-pages: %s\n", diff.c_str());
        return 1;
    }
    if (filtered)
        std::printf("kdf-compare-pages: every page the dump holds matches %s (%llu excluded pages passed over)\n",
                    argv[1], static_cast<unsigned long long>(skipped));
    else
        std::printf("kdf-compare-pages: every page of %s matches\n", argv[1]);
    return 0;
}
