// tests/support/text_file.cpp - see text_file.h.
#include "tests/support/text_file.h"

#include <fstream>
#include <sstream>

namespace kdf_test {

std::string read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace kdf_test
