#!/usr/bin/env bash
# The README's two commands, tools/demo.sh and tools/run-tests.sh, in either order on a fresh clone
# of this repository's HEAD, as a new user runs them. Both scripts run for real with
# KDF_CONFIGURE_ONLY=1 (no dependency install, no build: their own configure steps and test
# listing), so the checks are on the scripts' logic, not on a copy of it:
#   - in both orders the test build dir is configured with the tests and lists tests, and the demo
#     has a build dir of its own with the tests off;
#   - run-tests fails when it would run no test (here: a ctest filter that matches none).
#   readme_commands.sh SOURCE_DIR SHARED_DIR
set -euo pipefail
src=$1 shared=$2
work=$(mktemp -d /tmp/kdf-readme-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "readme_commands: FAIL: $*" >&2; exit 1; }
export KDF_CONFIGURE_ONLY=1

# A clone beside a link to the fixtures, so its ../shared resolves as in a real checkout.
fresh_clone() {
  rm -rf "$work/repo"
  git clone -q "$src" "$work/repo"
  ln -sfn "$shared" "$work/shared"
}

cache_value() {  # cache_value BUILD_DIR KEY
  sed -n "s/^$2:[A-Z]*=//p" "$work/repo/$1/CMakeCache.txt"
}

check_dirs() {  # check_dirs ORDER RUN_TESTS_OUTPUT
  [[ $(cache_value build KDF_BUILD_TESTS) == ON ]] || fail "$1: build/ is configured without the tests"
  [[ $(cache_value build-asan KDF_BUILD_TESTS) == ON ]] || fail "$1: build-asan/ is configured without the tests"
  [[ $(cache_value build-demo KDF_BUILD_TESTS) == OFF ]] || fail "$1: the demo did not configure build-demo/"
  grep -Eq '^run-tests: [1-9][0-9]* tests in build/$' <<<"$2" || fail "$1: run-tests listed no tests: $2"
}

fresh_clone
(cd "$work/repo" && tools/demo.sh >/dev/null) || fail "demo, then tests: the demo failed"
out=$(cd "$work/repo" && tools/run-tests.sh 2>&1) || fail "demo, then tests: run-tests failed: $out"
check_dirs "demo, then tests" "$out"

fresh_clone
(cd "$work/repo" && tools/run-tests.sh >/dev/null 2>&1) || fail "tests, then demo: run-tests failed"
(cd "$work/repo" && tools/demo.sh >/dev/null) || fail "tests, then demo: the demo failed"
out=$(cd "$work/repo" && tools/run-tests.sh 2>&1) || fail "tests, then demo: run-tests failed the second time: $out"
check_dirs "tests, then demo" "$out"

# A build dir left with the tests off by an earlier configure gets them back.
cmake -S "$work/repo" -B "$work/repo/build" -DKDF_BUILD_TESTS=OFF >/dev/null
(cd "$work/repo" && tools/run-tests.sh >/dev/null 2>&1) || fail "run-tests failed on a build/ configured without tests"
[[ $(cache_value build KDF_BUILD_TESTS) == ON ]] || fail "run-tests kept a build/ configured without tests"

# Running no test is a failure, with a message saying why.
if out=$(cd "$work/repo" && tools/run-tests.sh -R '^no_test_has_this_name$' 2>&1); then
  fail "run-tests passed although it selected no test: $out"
fi
grep -q 'run-tests: no tests selected in build/' <<<"$out" || fail "no clear message for an empty run: $out"
echo "readme_commands: ok"
