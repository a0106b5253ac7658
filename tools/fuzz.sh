#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz for a set time each.
#   tools/fuzz.sh TARGET|all SECONDS        e.g. tools/fuzz.sh all 600, tools/fuzz.sh config 3600
#   tools/fuzz.sh --list                    the target names
# Without --build-dir it configures and builds build-fuzz/ with clang (KDF_FUZZ=ON: the targets
# only, with ASan+UBSan) and cuts the seed corpora from ../shared/fixtures first. The corpus each
# run grows is kept in BUILD/tests/fuzz/corpus/TARGET, so later runs start where earlier ones
# stopped. A crash stops the run: the input is saved under BUILD/tests/fuzz/artifacts/TARGET/ and
# the script fails naming it; put that file in tests/fuzz/regressions/TARGET/ (the normal suite
# replays that directory) once the bug is fixed.
# Each run ends with one line "fuzz TARGET: N runs in S s, cov C, ft F, corpus K" (cov: code edges
# reached, ft: libFuzzer's features), also appended to BUILD/tests/fuzz/stats.txt.
# --build-dir DIR: use an already built fuzz build (the test suite does this).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
targets=(elf_vmcore notes_vmcoreinfo config flattened kdump_reader kernel_log raw_header lvm_metadata)

build=""
if [[ ${1:-} == --build-dir ]]; then
  build=$2
  shift 2
fi
if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${targets[@]}"
  exit 0
fi
if [[ $# -ne 2 || ! $2 =~ ^[0-9]+$ ]]; then
  echo "usage: tools/fuzz.sh [--build-dir DIR] TARGET|all SECONDS (targets: ${targets[*]})" >&2
  exit 2
fi
want=$1 seconds=$2
if [[ $want == all ]]; then
  selected=("${targets[@]}")
elif [[ " ${targets[*]} " == *" $want "* ]]; then
  selected=("$want")
else
  echo "fuzz: no target '$want' (targets: ${targets[*]})" >&2
  exit 2
fi

if [[ -z $build ]]; then
  build=$repo/build-fuzz
  cmake -S "$repo" -B "$build" -G Ninja -DKDF_FUZZ=ON -DKDF_BUILD_TESTS=OFF -DKDF_WERROR=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_C_COMPILER=clang-14 >/dev/null
  cmake --build "$build" --target kdf_fuzzers -j"$(nproc)"
  (cd "$build" && ctest --output-on-failure -R '^fuzz_seeds$' >/dev/null)
fi
dir=$build/tests/fuzz

status=0
for target in "${selected[@]}"; do
  exe=$build/bin/fuzz_$target
  if [[ ! -x $exe ]]; then
    echo "fuzz: $exe is not built (cmake --build $build --target kdf_fuzzers)" >&2
    exit 1
  fi
  corpus=$dir/corpus/$target artifacts=$dir/artifacts/$target/ log=$dir/fuzz_$target.log
  mkdir -p "$corpus" "$artifacts"
  inputs=("$corpus" "$dir/seeds/$target")
  if [[ -d $repo/tests/fuzz/regressions/$target ]]; then inputs+=("$repo/tests/fuzz/regressions/$target"); fi
  # -timeout: one input taking longer is a hang worth a report; -rss_limit_mb: the crash kernel has
  # little memory, and a parser that balloons on a hostile size field is a finding too.
  rc=0
  "$exe" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$artifacts" "${inputs[@]}" >"$log" 2>&1 || rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  line=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$line")
  count=$(find "$corpus" -type f | wc -l)
  summary="fuzz $target: ${runs:-?} runs in $seconds s, cov ${cov:-?}, ft ${ft:-?}, corpus $count"
  echo "$summary" | tee -a "$dir/stats.txt"
  if [[ $rc -ne 0 ]]; then
    crash=$(grep -o 'Test unit written to .*' "$log" | tail -1 | sed 's/Test unit written to //')
    echo "fuzz $target: FAILED (exit $rc): input ${crash:-(none saved)}; log $log" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 >&2 || true
    status=1
  fi
done
exit $status
