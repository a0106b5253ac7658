#!/usr/bin/env bash
# kdump-failover collect vs Debian's makedumpfile 1.7.2 on the same input, same dump level, same
# codec family: wall time, output size and peak RSS (GNU time), side by side with ratios.
#   bench/vs_makedumpfile.sh [BUILD_DIR] [SIZES...]
# Inputs: the real 6.1 fixture (../shared/fixtures/vmcore-6.1-a.zst, decompressed to /var/tmp), and
# generated vmcores of SIZES (default: 1G 4G 16G; sparse files, zero pages are holes) for which only
# our tool runs: makedumpfile needs real page tables and mem_map that the generator does not make.
# Not a test: read the numbers. Dump level 1 (zero pages excluded), then level 31 (page filtering),
# one compressor thread unless the row says otherwise.
# Level 31 also runs on generated kernel-mode vmcores (kdf-mkvmcore --kernel: page tables and a
# vmemmap mem_map makedumpfile filters) of L31_SIZES (default 4G 16G; L31_SIZES= skips them), and
# times the filter pass alone (one counting pass over mem_map, from build/bin/filter_fixture_tests;
# a dump runs it twice).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}; shift || true
sizes=("$@"); ((${#sizes[@]})) || sizes=(1G 4G 16G)
kdf="$build/bin/kdump-failover"
work=$(mktemp -d /var/tmp/kdf-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
command -v makedumpfile >/dev/null || { echo "makedumpfile is not installed (apt-get install makedumpfile)"; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time is not installed (apt-get install time)"; exit 1; }

# run NAME CMD...: prints "NAME seconds bytes rss_kib" for a command whose output is $work/out
run() {
  local name=$1; shift
  rm -f "$work/out"
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { echo "$name FAILED: $(tail -1 "$work/err")"; return; }
  read -r secs rss <"$work/time"
  echo "$name $secs $(stat -c %s "$work/out") $rss"
}

table() {  # reads rows, prints them with ratios against the row named by $1
  awk -v ref="$1" '
    { name[NR]=$1; t[NR]=$2; b[NR]=$3; r[NR]=$4; if ($1==ref) { rt=$2; rb=$3 } }
    END {
      printf "  %-28s %8s %10s %9s %8s %8s %9s\n", "run", "wall s", "MB/s in", "out MB", "speed x", "size x", "RSS MiB"
      for (i=1;i<=NR;i++) printf "  %-28s %8.2f %10.0f %9.1f %8.2f %8.3f %9.1f\n", name[i], t[i], inbytes/t[i]/1e6, b[i]/1e6, (rt? rt/t[i] : 0), (rb? b[i]/rb : 0), r[i]/1024
    }' inbytes="$input_bytes"
}

echo "machine: $(nproc) CPUs, $(uname -r); makedumpfile $(makedumpfile -v 2>&1 | head -1 | awk '{print $3}')"

zstd -d -q --long=27 ../shared/fixtures/vmcore-6.1-a.zst -o "$work/real"
input_bytes=$(stat -c %s "$work/real")
echo; echo "input: real Debian 6.1 vmcore, $((input_bytes / 1048576)) MiB, dump level 1"
{
  run mdf-c "makedumpfile" -c -d 1 "$work/real" "$work/out"
  run kdf-zlib "$kdf" collect -c -d 1 --num-threads 1 "$work/real" "$work/out"
  run kdf-zlib-2threads "$kdf" collect -c -d 1 --num-threads 2 "$work/real" "$work/out"
  run kdf-zstd "$kdf" collect -z -d 1 --num-threads 1 "$work/real" "$work/out"
} | table mdf-c
{
  run mdf-l "makedumpfile" -l -d 1 "$work/real" "$work/out"
  run kdf-lzo "$kdf" collect -l -d 1 --num-threads 1 "$work/real" "$work/out"
  run kdf-lz4 "$kdf" collect --lz4 -d 1 --num-threads 1 "$work/real" "$work/out"
  run kdf-lzo-2threads "$kdf" collect -l -d 1 --num-threads 2 "$work/real" "$work/out"
} | table mdf-l

# Level 31: the filter decides; zero pages keep their bit. Filter pass = one counting pass alone.
filter_pass() {  # vmcore -> "filter pass: ... s" line, if the test binary is built
  local t="$build/bin/filter_fixture_tests"
  [ -x "$t" ] || { echo "  (filter pass: $t not built)"; return; }
  KDF_FILTER_BENCH_VMCORE=$1 "$t" --gtest_filter=FilterPass.* 2>/dev/null | sed -n 's/^filter pass: [^:]*: /  filter pass (one of two): /p'
}
level31() {  # vmcore label
  echo; echo "input: $2, dump level 31"
  {
    run mdf-c31 "makedumpfile" -c -d 31 "$1" "$work/out"
    run kdf-zlib31 "$kdf" collect -c -d 31 --num-threads 1 "$1" "$work/out"
    run kdf-zlib31-2threads "$kdf" collect -c -d 31 --num-threads 2 "$1" "$work/out"
  } | table mdf-c31
  {
    run mdf-l31 "makedumpfile" -l -d 31 "$1" "$work/out"
    run kdf-lzo31 "$kdf" collect -l -d 31 --num-threads 1 "$1" "$work/out"
  } | table mdf-l31
  filter_pass "$1"
}
level31 "$work/real" "real Debian 6.1 vmcore, $((input_bytes / 1048576)) MiB"
rm -f "$work/real"

for size in ${L31_SIZES-4G 16G}; do
  "$build/bin/kdf-mkvmcore" --kernel --size "$size" --seed 21 "$work/gen" >/dev/null
  input_bytes=$(stat -c %s "$work/gen")
  level31 "$work/gen" "generated kernel-mode vmcore $size (4-level, default page-class mix)"
  rm -f "$work/gen"
done

for size in "${sizes[@]}"; do
  "$build/bin/kdf-mkvmcore" --size "$size" --seed 21 "$work/gen"
  input_bytes=$(stat -c %s "$work/gen")
  echo; echo "input: generated vmcore $size (ours only), dump level 1"
  {
    run kdf-zlib "$kdf" collect -c -d 1 --num-threads 1 "$work/gen" "$work/out"
    run kdf-zlib-2threads "$kdf" collect -c -d 1 --num-threads 2 "$work/gen" "$work/out"
    run kdf-zstd "$kdf" collect -z -d 1 --num-threads 1 "$work/gen" "$work/out"
    run kdf-lz4 "$kdf" collect --lz4 -d 1 --num-threads 1 "$work/gen" "$work/out"
  } | table kdf-zlib
  rm -f "$work/gen"
done
