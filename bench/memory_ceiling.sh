#!/usr/bin/env bash
# bench/memory_ceiling.sh BUILD [SIZE]: the 64 MiB ceiling on a large generated vmcore.
# Generates a kernel-mode vmcore of SIZE (default 16G; a sparse file, but its mem_map and page
# contents are written: about 10 GiB of disk and 1.5-4 minutes here) and dumps it at level 31
# with zstd and 2 threads under RLIMIT_AS = 64 MiB (prlimit; a memory cgroup, where there is one,
# limits only resident memory and is the easier limit). Prints the exit status, the time and the
# peaks (VmPeak: address space, VmHWM: resident) the LD_PRELOAD reporter of tests/support measured.
set -euo pipefail
build=$(realpath "${1:?usage: bench/memory_ceiling.sh BUILD [SIZE]}")
size=${2:-16G}
work=$(mktemp -d /var/tmp/kdf-ceiling.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$build/bin/kdf-mkvmcore" --kernel --size "$size" --seed 1 "$work/vmcore" >/dev/null
start=$(date +%s.%N)
status=0
KDF_PEAK_FILE="$work/peaks" LD_PRELOAD="$build/tests/support/libkdf_peak_report.so" \
  prlimit --as=$((64 << 20)) "$build/bin/kdump-failover" collect -z -d 31 --num-threads 2 --message-level 0 \
  "$work/vmcore" "$work/dump" || status=$?
end=$(date +%s.%N)
"$build/bin/kdump-failover" verify "$work/dump" >/dev/null
read -r _ _ peak _ hwm <"$work/peaks"
awk -v size="$size" -v status="$status" -v secs="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
    -v peak="$peak" -v hwm="$hwm" -v bytes="$(stat -c %s "$work/dump")" 'BEGIN {
  printf "size %s level 31 zstd 2 threads, RLIMIT_AS 64 MiB: exit %d, %.1f s, VmPeak %.1f MiB, VmHWM %.1f MiB, dump %d bytes\n",
    size, status, secs, peak / 1024, hwm / 1024, bytes }'
exit "$status"
