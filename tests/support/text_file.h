// tests/support/text_file.h - a whole file as a string, for tests that compare a program's output
// file with a reference text.
#pragma once

#include <string>

namespace kdf_test {

// The file's bytes; "" when it cannot be opened (the comparison that follows then fails, naming
// what differs).
std::string read_text_file(const std::string& path);

}  // namespace kdf_test
