// tests/fuzz/replay_main.cpp - runs a fuzz target over saved inputs, without libFuzzer.
//
// The normal (gcc) and sanitizer builds link every fuzz target with this main, so the inputs that
// once crashed a parser (tests/fuzz/regressions/<target>/) and the seed corpus are replayed by the
// ordinary test suite: a fixed bug stays fixed even where clang's libFuzzer is not built.
//   fuzz_<target>_replay FILE_OR_DIR...   (directories: every regular file in them, sorted)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::filesystem::path> inputs_of(const std::filesystem::path& arg) {
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(arg)) {
        for (const auto& entry : std::filesystem::directory_iterator(arg))
            if (entry.is_regular_file()) files.push_back(entry.path());
        std::sort(files.begin(), files.end());
    } else {
        files.push_back(arg);
    }
    return files;
}

}  // namespace

int main(int argc, char** argv) {
    size_t replayed = 0;
    for (int i = 1; i < argc; ++i) {
        if (!std::filesystem::exists(argv[i])) {
            std::fprintf(stderr, "replay: %s: no such file or directory\n", argv[i]);
            return 2;
        }
        for (const auto& file : inputs_of(argv[i])) {
            std::ifstream in(file, std::ios::binary);
            std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            if (!in.eof() && in.fail()) {
                std::fprintf(stderr, "replay: %s: cannot read\n", file.c_str());
                return 2;
            }
            LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
            ++replayed;
        }
    }
    std::printf("replay: %zu inputs ran without a crash\n", replayed);
    return replayed == 0 ? 1 : 0;
}
