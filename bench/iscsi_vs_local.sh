#!/usr/bin/env bash
# The iscsi transport over loopback against a one-command-at-a-time writer and a local-directory dump.
# Not a test: numbers vary with the machine; read them.
#   bench/iscsi_vs_local.sh [SIZE] [BUILD_DIR] [CODECS]     (defaults: 1G, build, "none zlib")
# For each codec, the same generated vmcore dumped (1) to a local directory, (2) to a LUN of a
# private tgtd on loopback with 8 WRITE(16) in flight (the default), (3) the same with inflight = 1:
# one WRITE(16) at a time, each waited for before the next, the way a simple sequential writer
# (libiscsi's sync API) sends the same bytes. Debian 12's libiscsi-bin ships no iscsi-dd, so (3)
# is the sequential anchor. Throughput is dump bytes per second; every row includes SYNCHRONIZE
# CACHE / fsync. Needs root and tgt. tgtd ignores SIGTERM: it is stopped with SIGKILL by PID.
set -euo pipefail
size=${1:-1G}
build=$(realpath "${2:-build}")
codecs=${3:-none zlib}
work=$(mktemp -d /var/tmp/kdf-bench-iscsi-XXXXXX)
tgtd_pid=
control=
cleanup() {
  if [ -n "$tgtd_pid" ]; then kill -9 "$tgtd_pid" 2>/dev/null || true; wait "$tgtd_pid" 2>/dev/null || true; fi
  [ -z "$control" ] || rm -f "/var/run/tgtd/socket.$control" "/var/run/tgtd/socket.$control.lock"
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

"$build/bin/kdf-mkvmcore" --size "$size" --seed 11 "$work/vmcore" >/dev/null
cp --sparse=never "$work/vmcore" "$work/vmcore.dense" && mv "$work/vmcore.dense" "$work/vmcore"
vm_bytes=$(stat -c %s "$work/vmcore")

port=$(free_port)
control=$((1 + port % 32000))
iqn=iqn.2024-01.org.example:bench
truncate -s $((vm_bytes * 2 + (64 << 20))) "$work/lun.img"
tgtd -f -C "$control" --iscsi "portal=127.0.0.1:$port" >"$work/tgtd.log" 2>&1 &
tgtd_pid=$!
wait_port "$port"
adm() { tgtadm -C "$control" --lld iscsi "$@" >/dev/null; }
adm --op new --mode target --tid 1 -T "$iqn"
adm --op new --mode logicalunit --tid 1 --lun 1 -b "$work/lun.img"
adm --op bind --mode target --tid 1 -I ALL
export KDF_PLUGIN_PATH="$build/lib/kdump-failover/plugins"

now() { date +%s.%N; }
# run_dump NAME CODEC TARGET_LINES -> prints "seconds bytes"
run_dump() {
  local name=$1 codec=$2 body=$3
  printf '[dump]\ncompress = %s\nthreads = %s\n\n[chain]\ntargets = t\n\n[target t]\n%s\n' \
    "$codec" "${THREADS:-0}" "$body" > "$work/$name.conf"
  local t0 t1
  t0=$(now)
  "$build/bin/kdump-failover" dump --config "$work/$name.conf" --vmcore "$work/vmcore" >"$work/$name-$codec.out" \
    2>"$work/$name-$codec.log" || { echo "dump $name failed:" >&2; cat "$work/$name-$codec.log" >&2; exit 1; }
  t1=$(now)
  local bytes
  if [ "$name" = local ]; then
    bytes=$(stat -c %s "$(find "$work/local-$codec" -name vmcore)")
  else
    # The LUN's header says how long the dump is (bytes 24..31, little-endian).
    bytes=$(od -An -t u8 -j 24 -N 8 "$work/lun.img" | tr -d ' ')
  fi
  echo "$(echo "$t1 - $t0" | bc -l) $bytes"
}

printf '\ninput: %s generated vmcore (%d bytes), %s CPUs, tgt %s, libiscsi %s\n' "$size" "$vm_bytes" "$(nproc)" \
  "$(dpkg-query -W -f='${Version}' tgt 2>/dev/null || echo '?')" "$(pkg-config --modversion libiscsi 2>/dev/null || echo '?')"
for codec in $codecs; do
  rm -rf "$work/local-$codec"
  mkdir -p "$work/local-$codec"
  read -r t_local b_local < <(run_dump local "$codec" "type = local
path = $work/local-$codec
reserve = 0")
  rm -rf "$work/local-$codec"  # keep the disk footprint at one dump
  read -r t_8 b_8 < <(run_dump iscsi8 "$codec" "type = iscsi
portal = 127.0.0.1:$port
target = $iqn
lun = 1
force = yes")
  read -r t_1 b_1 < <(run_dump iscsi1 "$codec" "type = iscsi
portal = 127.0.0.1:$port
target = $iqn
lun = 1
inflight = 1
force = yes")
  printf '\ncompress = %s\n' "$codec"
  printf '%-40s %8s %10s %9s %14s %12s\n' method seconds "out MB" "MB/s" "vs 1-at-a-time" "vs local"
  row() { awk -v n="$1" -v t="$2" -v b="$3" -v t1="$t_1" -v b1="$b_1" -v tl="$t_local" -v bl="$b_local" 'BEGIN {
    printf "%-40s %8.2f %10.1f %9.0f %13.0f%% %11.0f%%\n", n, t, b / 1e6, b / t / 1e6, 100 * (b / t) / (b1 / t1), 100 * tl / t }'; }
  row "dump to local dir" "$t_local" "$b_local"
  row "dump to iSCSI LUN, 8 WRITE(16) in flight" "$t_8" "$b_8"
  row "dump to iSCSI LUN, 1 WRITE(16) at a time" "$t_1" "$b_1"
done
