#!/usr/bin/env bash
# The whole test suite, from a clean clone on Debian 12: install dependencies, build with warnings
# as errors, run every test; then
#  - build again with AddressSanitizer + UBSan and run the whole unit and plugin suite under it
#    (everything but the QEMU crashes, the distribution/packaging scenarios and the long readers
#    and real-fixture runs, which exercise the same code as the unit tests at much greater cost);
#  - build the threaded pipeline's test with ThreadSanitizer and run it once;
#  - build the libFuzzer targets with clang and run each for a short bounded time (tools/fuzz.sh
#    runs them for longer).
#   tools/run-tests.sh [CTEST_ARGS...]   (build dirs: build/, build-asan/, build-tsan/, build-fuzz/
#                                         in the repository; CTEST_ARGS, e.g. -R ssh, narrow the
#                                         first two runs and skip the TSan and fuzz stages, which
#                                         belong to a full run)
# The tests are switched on explicitly: a build/ configured earlier without them (an old demo, a
# hand-made cache) must not turn this into a run of nothing. For the same reason a run that selects
# no test fails, here (a clear message first) and in ctest (--no-tests=error).
# KDF_CONFIGURE_ONLY=1 skips the dependency install and the builds, configures build/ and
# build-asan/ and lists their tests instead of running them: tests of this script use it.
#
# Stage times on a fresh 2-core Debian 12 machine, before the settings below: packages, then the
# fixtures (the Debian image alone 8.3 min); build/ ~10 min, 886 tests 9.5 min; ASan+UBSan build
# ~13 min, 746 tests 348 s; TSan build ~2 min + 72 s; fuzz build + 53 s: 2562 s in all.
# What the settings change, as CPU time to build one test binary from scratch (config_tests, 51
# objects, no ccache; 2 shared cores): build/ -O2 -g 119 s, -O2 -g1 94 s (135 MB -> 35 MB of
# build tree); build-asan/ -O0 -g 126 s, -O0 -g1 78 s (-O1 -g1: 131 s). build-asan/ also leaves
# out 13 of the 52 gtest binaries (40 of 424 compiles). The fixtures are made during the build.
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

# The test fixtures (Debian's kernels and their debug vmlinux files, the primed Debian image: on a
# fresh machine minutes of downloads and a QEMU boot) need none of our binaries, so they are made
# while build/ compiles, and awaited before the first test runs. Their output is shown then.
# The job runs in a process group of its own (job control on while it starts), so it can be
# stopped as a whole, and it is not the terminal's: Ctrl-C reaches this script, which stops it.
# It stays in this terminal's session, so sudo finds the credentials `sudo -v` cached here (sudo
# -n in the job: it can never wait for a password nobody is asked for). It yields to the build
# (nice, ionice), so the image's priming boot gets a longer time limit (it may start while the
# build takes both CPUs). apt-get update runs once for both install-deps runs (the mark file).
fixtures_pid=""
run_dir=""
start_fixtures() {
  set -m
  KDF_SUDO_NONINTERACTIVE=1 KDF_APT_UPDATED_MARK="$run_dir/apt-updated" KDF_QEMU_TIMEOUT="${KDF_QEMU_TIMEOUT:-1800}" \
    nice -n 10 ionice -t -c 2 -n 7 tools/install-deps.sh < /dev/null > "$run_dir/fixtures.log" 2>&1 &
  fixtures_pid=$!
  set +m
}
await_fixtures() {
  [[ -n $fixtures_pid ]] || return 0
  local rc=0
  # fixtures_pid stays set while waiting: a signal here must still stop the job.
  wait "$fixtures_pid" || rc=$?
  fixtures_pid=""
  if ((rc != 0)); then
    cat "$run_dir/fixtures.log" >&2
    echo "run-tests: tools/install-deps.sh failed while making the test fixtures (output above)" >&2
    return 1
  fi
  cat "$run_dir/fixtures.log"
}
# Stops the whole fixture job (what a run left half made is made again by the next one): TERM to
# its process group, KILL to what is left after 30 s.
stop_fixtures() {
  [[ -n $fixtures_pid ]] || return 0
  local pid=$fixtures_pid i
  fixtures_pid=""
  echo "run-tests: stopping the fixture job (tools/install-deps.sh)" >&2
  kill -TERM -- "-$pid" 2> /dev/null || true
  for ((i = 0; i < 300; i++)); do
    pgrep -g "$pid" > /dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
}
# A failed step must not leave the fixture job running behind the script; nor must Ctrl-C, a
# second Ctrl-C while it is being stopped, or a TERM/HUP. After a signal the script dies of it.
on_exit() {
  stop_fixtures
  [[ -z $run_dir ]] || rm -rf "$run_dir"
}
on_signal() {
  trap '' INT TERM HUP
  on_exit
  trap - "$1"
  kill -"$1" $$
}
trap on_exit EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# Configures build dir $1 (cmake arguments after $2), builds it and runs its tests with label $2
# ("" = all) and the script's own ctest arguments. Without a build only the tests that need none
# are known (gtest cases are discovered by building), so configure-only lists without the label.
# A label starting with "!" excludes (ctest -LE) instead of selecting.
configure_build_test() {
  local dir=$1 label=$2 select=()
  shift 2
  cmake -S . -B "$dir" -G Ninja -DKDF_BUILD_TESTS=ON -DKDF_WERROR=ON "$@"
  if [[ $configure_only == 1 ]]; then
    require_tests "$dir" "${user_ctest_args[@]}"
    return
  fi
  cmake --build "$dir" -j"$jobs"
  if [[ $label == '!'* ]]; then
    select=(-LE "${label#!}")
  elif [[ -n $label ]]; then
    select=(-L "$label")
  fi
  select+=("${user_ctest_args[@]}")
  await_fixtures
  require_tests "$dir" "${select[@]}"
  (cd "$dir" && ctest --no-tests=error --output-on-failure -j"$jobs" --timeout 600 "${select[@]}")
}

if [[ $configure_only != 1 ]]; then
  run_dir=$(mktemp -d /tmp/kdf-run-tests-XXXXXX)
  KDF_APT_UPDATED_MARK="$run_dir/apt-updated" tools/install-deps.sh --packages
  if [[ $(id -u) -ne 0 ]]; then
    sudo -v || { echo "run-tests: the test fixtures need root: run as root or where sudo can ask for a password" >&2; exit 1; }
  fi
  start_fixtures
fi

# Debug information: line tables only (-g1) in every build here. Sanitizer reports and backtraces
# keep their file:line frames; no test reads our binaries' variables or types, and full -g makes
# each object and every test binary's link several times heavier.
line_tables_only='-g1'
configure_build_test build "" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 $line_tables_only -DNDEBUG"
# Under ASan+UBSan: every test but these labels. The scripts and packaging tests drive the
# installed command through shells, dracut and package tools, and the readers/fixtures/e2e ones
# take minutes even unsanitized; the unit tests cover their code paths. The mkvmcore tests check the
# test vmcore generator (a tool, not shipped) and take 2-3 minutes each in a Debug ASan build. The
# fault matrix (faults), the link lab (lab) and the shaped-link codec test (netns) assert wall-clock
# bounds and rates that a Debug ASan build cannot keep; the code they drive runs under ASan in the
# chain, plugin and pipeline tests.
# The gtest binaries that carry only excluded cases are not built at all (KDF_TEST_SKIP_LABELS).
# Unoptimised as before, assertions on: -O1 runs the tests faster but compiles this build 1.7 times
# slower than -O0 with line tables, far more than the run gains.
asan_excluded_labels=(e2e mkdumprd debian readers fixtures packaging kdumpctl scripts mkvmcore faults lab netns)
asan_excluded="!^($(IFS='|'; echo "${asan_excluded_labels[*]}"))\$"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
  LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0" \
  configure_build_test build-asan "$asan_excluded" -DCMAKE_BUILD_TYPE=Debug -DKDF_SANITIZE=address,undefined \
  "-DCMAKE_CXX_FLAGS_DEBUG=-O0 $line_tables_only" \
  "-DKDF_TEST_SKIP_LABELS=$(IFS=';'; echo "${asan_excluded_labels[*]}")"

if [[ $configure_only == 1 || ${#user_ctest_args[@]} -gt 0 ]]; then exit 0; fi

# ThreadSanitizer, once, on the threaded pipeline: full dumps of a generated kernel (5-level paging,
# KASLR, holes) at six dump levels with one compressor thread per CPU, each checked against
# makedumpfile. One layout is enough for the threads; the others take minutes more under TSan.
# Only that test's targets are built.
cmake -S . -B build-tsan -G Ninja -DKDF_BUILD_TESTS=ON -DKDF_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DKDF_SANITIZE=thread "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 $line_tables_only -DNDEBUG"
cmake --build build-tsan -j"$jobs" --target filter_generated_tests kdf-mkvmcore
(cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --no-tests=error --output-on-failure -j"$jobs" --timeout 600 -R 'GeneratedAgreement\..*/FiveLevelKaslr')

# The fuzz targets, each for KDF_FUZZ_SECONDS (tests/fuzz/CMakeLists.txt) from the seed corpus.
cmake -S . -B build-fuzz -G Ninja -DKDF_FUZZ=ON -DKDF_BUILD_TESTS=OFF -DKDF_WERROR=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 $line_tables_only -DNDEBUG"
cmake --build build-fuzz -j"$jobs" --target kdf_fuzzers
(cd build-fuzz && ctest --no-tests=error --output-on-failure -j"$jobs" -L fuzz)
