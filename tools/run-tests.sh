#!/usr/bin/env bash
# The whole test suite, from a clean clone on Debian 12: install dependencies, build with warnings
# as errors, run every test; then build again with AddressSanitizer + UBSan and run the tests that
# parse untrusted input or load plugins (label "asan") under it.
#   tools/run-tests.sh            (build dirs: build/ and build-asan/ in the repository)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

tools/install-deps.sh

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKDF_WERROR=ON
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs" --timeout 600)

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKDF_WERROR=ON -DKDF_SANITIZE=address,undefined
cmake --build build-asan -j"$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 ctest --output-on-failure -j"$jobs" -L asan --timeout 600)
