// tests/unit/vmcore/temp_dir.h - a mkdtemp directory removed (with its files) when the test ends.
#pragma once

#include "tests/support/temp_dir.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace kdf::vmcore::test {

using TempDir = kdf::test::TempDir;

}  // namespace kdf::vmcore::test
