#!/usr/bin/env bash
# Throughput and memory of one dump through the chain to a local directory, against a plain copy
# of the same file (cp) as the ceiling. Not a test: numbers vary with the machine; read them.
#   bench/dump_local.sh [SIZE] [BUILD_DIR]      (default 1G, build)
# Prints: bytes, seconds and MB/s for kdump-failover and for cp, and the attempt's peak RSS.
set -euo pipefail
size=${1:-1G}
build=${2:-build}
work=$(mktemp -d /var/tmp/kdf-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

"$build/bin/kdf-mkvmcore" --size "$size" --seed 11 "$work/vmcore"
# Make the input real data on disk rather than holes, as /proc/vmcore is: holes would flatter cp.
cp --sparse=never "$work/vmcore" "$work/vmcore.dense" && mv "$work/vmcore.dense" "$work/vmcore"
bytes=$(stat -c %s "$work/vmcore")
mkdir "$work/out" "$work/cp"
printf '[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = %s\nreserve = 0\n' "$work/out" > "$work/kdf.conf"

sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
t0=$(date +%s.%N)
"$build/bin/kdump-failover" dump --config "$work/kdf.conf" --vmcore "$work/vmcore" 2>"$work/log" >/dev/null
t1=$(date +%s.%N)
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
t2=$(date +%s.%N)
cp "$work/vmcore" "$work/cp/vmcore" && sync -f "$work/cp/vmcore"
t3=$(date +%s.%N)

awk -v b="$bytes" -v k0="$t0" -v k1="$t1" -v c0="$t2" -v c1="$t3" 'BEGIN {
  k = k1 - k0; c = c1 - c0
  printf "input            %d bytes\n", b
  printf "kdump-failover   %.2f s  %.0f MB/s (fsync included)\n", k, b / k / 1e6
  printf "cp + sync        %.2f s  %.0f MB/s\n", c, b / c / 1e6 }'
grep -o "peak memory [0-9.]* MiB" "$work/log" | sed 's/^/attempt          /'
