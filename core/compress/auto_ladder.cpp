#include "core/compress/auto_ladder.h"

namespace kdf::compress {

const std::vector<std::string>& auto_reader_sets() {
    static const std::vector<std::string> names{"any", "makedumpfile-1.7.2"};
    return names;
}

std::vector<AutoCandidate> auto_ladder(std::string_view readers) {
    if (readers == "any")
        return {{"lzo", 1, "lzo"}, {"zstd", 1, "zstd-1"}, {"zstd", 3, "zstd-3"}, {"zstd", 9, "zstd-9"}};
    if (readers == "makedumpfile-1.7.2")
        return {{"lzo", 1, "lzo"}, {"zlib", 1, "zlib-1"}, {"zlib", 6, "zlib-6"}};
    return {};
}

}  // namespace kdf::compress
