#!/usr/bin/env bash
# The whole test suite, from a clean clone on Debian 12: install dependencies, build with warnings
# as errors, run every test; then build again with AddressSanitizer + UBSan and run the tests that
# parse untrusted input or load plugins (label "asan") under it.
#   tools/run-tests.sh [CTEST_ARGS...]   (build dirs: build/ and build-asan/ in the repository;
#                                         CTEST_ARGS, e.g. -R ssh, narrow both test runs)
# The tests are switched on explicitly: a build/ configured earlier without them (an old demo, a
# hand-made cache) must not turn this into a run of nothing. For the same reason a run that selects
# no test fails, here (a clear message first) and in ctest (--no-tests=error).
# KDF_CONFIGURE_ONLY=1 skips the dependency install and the builds, configures both build dirs and
# lists their tests instead of running them: tests of this script use it.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
configure_only=${KDF_CONFIGURE_ONLY:-0}

user_ctest_args=("$@")

# Fails when ctest would select no test in build dir $1 with the given arguments.
require_tests() {
  local dir=$1 count
  shift
  count=$(cd "$dir" && ctest -N "$@" 2>/dev/null | sed -n 's/^Total Tests: //p')
  if [[ ${count:-0} -eq 0 ]]; then
    echo "run-tests: no tests selected in $dir/ (ctest -N $*): is it configured with -DKDF_BUILD_TESTS=ON?" >&2
    return 1
  fi
  echo "run-tests: $count tests in $dir/"
}

# Configures build dir $1 (cmake arguments after $2), builds it and runs its tests with label $2
# ("" = all) and the script's own ctest arguments. Without a build only the tests that need none
# are known (gtest cases are discovered by building), so configure-only lists without the label.
configure_build_test() {
  local dir=$1 label=$2 select=()
  shift 2
  cmake -S . -B "$dir" -G Ninja -DKDF_BUILD_TESTS=ON -DKDF_WERROR=ON "$@"
  if [[ $configure_only == 1 ]]; then
    require_tests "$dir" "${user_ctest_args[@]}"
    return
  fi
  cmake --build "$dir" -j"$jobs"
  if [[ -n $label ]]; then select=(-L "$label"); fi
  select+=("${user_ctest_args[@]}")
  require_tests "$dir" "${select[@]}"
  (cd "$dir" && ctest --no-tests=error --output-on-failure -j"$jobs" --timeout 600 "${select[@]}")
}

if [[ $configure_only != 1 ]]; then tools/install-deps.sh; fi

configure_build_test build "" -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
  configure_build_test build-asan asan -DCMAKE_BUILD_TYPE=Debug -DKDF_SANITIZE=address,undefined
