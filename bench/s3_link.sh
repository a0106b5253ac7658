#!/usr/bin/env bash
# The s3 transport across the link lab (bench/link-lab/lab.sh) against `s3cmd put` of the same
# bytes over the same link in the same run. Not a test: numbers vary with the machine; read them.
#
#   bench/s3_link.sh [--build DIR] [--size 1G] [--part-mb 8] [--in-flight 8]
#                    [--cases "1gbit:0 1gbit:2 1gbit:20 none:0 200mbit:0 200mbit:2 200mbit:20"]
#
# A case RATE:RTT:N (a third field) runs only the chain, with N parts in flight (e.g. 1gbit:20:1
# shows what parts in flight are worth at that round trip).
#
# Where things run: the whole Ceph cluster with radosgw (tests/s3/rgw_lab.sh) inside the lab's
# network namespace, the dumping node (kdump-failover, and s3cmd as the anchor) on the host. Every
# byte of the upload leaves the host on the veth pair, which tbf shapes to RATE in both directions,
# and the host side's counters (lab.sh counters) count it. radosgw, its OSD and the client still
# share this machine's CPUs: the CPU idle share over each run is printed, so a run that the CPUs
# rather than the link held back says so. RTT 0 reaches radosgw directly on the namespace's address;
# RTT > 0 goes through the lab's delay relay in the namespace, which adds that round trip.
#
# For each case RATE:RTT_MS (RATE as tc writes it, or none: unshaped): (1) `kdump-failover dump` of a generated vmcore of SIZE (compress = none,
# so the stream is about the vmcore's size) into the bucket with IN_FLIGHT parts of PART_MB in
# flight; (2) `s3cmd put --multipart-chunk-size-mb=PART_MB` of the very stream (1) uploaded (fetched
# once inside the namespace, not across the link, and not timed). Printed per run: seconds, MB/s of
# the stream, the upload direction's bytes on the wire, link utilisation = wire bits / (rate x
# seconds), the CPU idle share, and per case the chain's speed over s3cmd's. The chain's time
# includes reading the vmcore and writing the flattened stream; s3cmd reads a file from the page
# cache. memstore keeps objects in RAM: every object is deleted and collected after each run.
# Needs root, iproute2, ceph-mon, ceph-osd, radosgw, s3cmd, and a build with kdump-failover, its s3
# plugin, kdf-mkvmcore and kdf-delay-relay.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lab_sh="$repo/bench/link-lab/lab.sh"
rgw_sh="$repo/tests/s3/rgw_lab.sh"
build="$repo/build" size=1G part_mb=8 in_flight=8
cases="1gbit:0 1gbit:2 1gbit:20 none:0 200mbit:0 200mbit:2 200mbit:20"
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$(realpath "$2"); shift ;;
    --size) size=$2; shift ;;
    --part-mb) part_mb=$2; shift ;;
    --in-flight) in_flight=$2; shift ;;
    --cases) cases=$2; shift ;;
    *) echo "s3_link: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
export KDF_DELAY_RELAY="$build/bin/kdf-delay-relay"
for f in "$build/bin/kdump-failover" "$build/bin/kdf-mkvmcore" "$KDF_DELAY_RELAY" \
  "$build/lib/kdump-failover/plugins/kdf-transport-s3.so"; do
  [ -e "$f" ] || { echo "s3_link: $f missing (build it first)" >&2; exit 1; }
done

work=$(mktemp -d /var/tmp/kdf-bench-s3link-XXXXXX)
state=$work/link
export LAB=$work/rgw
cleanup() {
  # radosgw and Ceph first (by PID, from the host), then the namespace they ran in.
  bash "$rgw_sh" stop >/dev/null 2>&1 || true
  "$lab_sh" down "$state" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"$lab_sh" up "$state" none
# shellcheck source=/dev/null
. "$state/lab.env"
RGW_ALSO_ON=$LAB_NS_ADDR "$lab_sh" exec "$state" bash "$rgw_sh" start >/dev/null
# shellcheck source=/dev/null
. "$LAB/env"
relay_port=$((S3_PORT + 50))

# s3cfg NAME HOST:PORT: an s3cmd config with the lab's keys, path-style addressing.
s3cfg() {
  printf '[default]\naccess_key = %s\nsecret_key = %s\nhost_base = %s\nhost_bucket = %s\nuse_https = False\n' \
    "$S3_ACCESS_KEY" "$S3_SECRET_KEY" "$2" "$2" > "$work/s3cfg-$1"
}
s3cfg inside "127.0.0.1:$S3_PORT"
inside() { "$lab_sh" exec "$state" "$@"; }
s3_inside() { inside s3cmd -c "$work/s3cfg-inside" "$@"; }
s3_inside mb s3://bench >/dev/null
printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" > "$work/credentials"
chmod 600 "$work/credentials"

"$build/bin/kdf-mkvmcore" --size "$size" --seed 11 "$work/vmcore"
cp --sparse=never "$work/vmcore" "$work/vmcore.dense" && mv "$work/vmcore.dense" "$work/vmcore"

gc() { # drop every object and let the OSD give the RAM back
  s3_inside del --recursive --force s3://bench >/dev/null 2>&1 || true
  inside radosgw-admin -c "$CEPH_CONF" gc process --include-all >/dev/null 2>&1 || true
}

# cpu_sample: "busy total" jiffies of all CPUs so far
cpu_sample() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
tx_bytes() { "$lab_sh" counters "$state" | awk '{print $1}'; }

# measure "WHO RATE RTT IN_FLIGHT" CMD...: runs CMD, appends that, seconds, wire_tx and the CPU
# idle share to $work/runs
measure() {
  local name=$1 t0 t1 w0 w1 c0 c1
  shift
  read -r -a c0 < <(cpu_sample)
  w0=$(tx_bytes)
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  w1=$(tx_bytes)
  read -r -a c1 < <(cpu_sample)
  awk -v n="$name" -v a="$t0" -v b="$t1" -v w=$((w1 - w0)) -v busy=$((c1[0] - c0[0])) -v tot=$((c1[1] - c0[1])) \
    'BEGIN { printf "%s %.3f %d %.3f\n", n, b - a, w, tot ? 1 - busy / tot : 0 }' >> "$work/runs"
}

run_chain() { # run_chain ENDPOINT IN_FLIGHT: the chain's dump into s3://bench/chain/
  printf '[dump]\ncompress = none\n\n[chain]\ntargets = obj\n\n[target obj]\ntype = s3\nendpoint = %s\nbucket = bench\nprefix = chain\ncredentials_file = %s\npart_size = %sM\nparts_in_flight = %s\nstall_timeout = 60s\n' \
    "$1" "$work/credentials" "$part_mb" "$2" > "$work/kdf.conf"
  KDF_PLUGIN_PATH="$build/lib/kdump-failover/plugins" "$build/bin/kdump-failover" dump --config "$work/kdf.conf" \
    --vmcore "$work/vmcore" >"$work/out" 2>"$work/log" || { cat "$work/log" >&2; return 1; }
}

run_s3cmd() { # run_s3cmd HOST:PORT
  s3cfg link "$1"
  s3cmd -c "$work/s3cfg-link" put --multipart-chunk-size-mb="$part_mb" "$work/vmcore.flat" s3://bench/s3cmd/vmcore.flat >/dev/null
}

: > "$work/runs"
load_before=$(cut -d" " -f1-3 /proc/loadavg)
for case in $cases; do
  IFS=: read -r rate rtt n <<< "$case"
  "$lab_sh" shape "$state" "$rate"
  if [ "$rtt" = 0 ]; then
    hostport="$LAB_NS_ADDR:$S3_PORT"
  else
    "$lab_sh" relay "$state" "$rtt" "$relay_port=$S3_PORT"
    hostport="$LAB_NS_ADDR:$relay_port"
  fi
  measure "chain $rate $rtt ${n:-$in_flight}" run_chain "http://$hostport" "${n:-$in_flight}"
  if [ ! -s "$work/vmcore.flat" ]; then
    key=$(s3_inside ls -r s3://bench/chain/ | awk '/vmcore.flat$/ {print $4}')
    s3_inside get --force "$key" "$work/vmcore.flat" >/dev/null
  fi
  gc
  if [ -z "$n" ]; then
    measure "s3cmd $rate $rtt 1" run_s3cmd "$hostport"
    gc
  fi
done

flat_bytes=$(stat -c %s "$work/vmcore.flat")
echo "input vmcore $(stat -c %s "$work/vmcore") bytes; uploaded stream $flat_bytes bytes (compress = none);" \
  "parts of $part_mb MiB; $in_flight in flight for the chain, s3cmd one at a time"
echo "radosgw in the lab's namespace, the client on the host; wire = host veth tx bytes (upload direction)"
echo "load average (1, 5, 15 min) before the runs: $load_before; after: $(cut -d" " -f1-3 /proc/loadavg)"
echo
echo "| link | RTT ms | run | in flight | s | MB/s | wire MB | link use | CPU idle | vs s3cmd |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
awk -v b="$flat_bytes" '
  function bps(r,  u, n) { u = tolower(r); n = u + 0; sub(/^[0-9.]+/, "", u);
    return u == "gbit" ? n * 1e9 : u == "mbit" ? n * 1e6 : u == "kbit" ? n * 1e3 : 0 }
  { row[++k] = $0; if ($1 == "s3cmd") anchor[$2, $3] = $5 }
  END {
    for (i = 1; i <= k; i++) {
      split(row[i], f, " "); rate = bps(f[2]); s = f[5]
      use = rate ? sprintf("%.0f%%", f[6] * 8 / (rate * s) * 100) : "-"
      ratio = f[1] == "chain" && ((f[2], f[3]) in anchor) ? sprintf("%.2fx", anchor[f[2], f[3]] / s) : ""
      printf "| %s | %s | %s | %s | %.1f | %.1f | %.1f | %s | %.0f%% | %s |\n", f[2], f[3], f[1], f[4], s, b / s / 1e6,
        f[6] / 1e6, use, f[7] * 100, ratio
    }
  }' "$work/runs"
peak=$(grep -o "peak memory [0-9.]* MiB" "$work/log" || true)
[ -z "$peak" ] || echo "last chain attempt: $peak"
