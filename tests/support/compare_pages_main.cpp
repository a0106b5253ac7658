// kdf-compare-pages INPUT_VMCORE DUMP: exit 0 when the dump holds the input's memory page for page.
#include <cstdio>

#include "tests/support/page_compare.h"

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: kdf-compare-pages INPUT_VMCORE DUMP\n");
        return 2;
    }
    std::string diff = kdf::test::compare_pages(argv[1], argv[2]);
    if (!diff.empty()) {
        std::fprintf(stderr, "kdf-compare-pages: %s\n", diff.c_str());
        return 1;
    }
    std::printf("kdf-compare-pages: every page of %s matches\n", argv[1]);
    return 0;
}
