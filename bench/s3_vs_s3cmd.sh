#!/usr/bin/env bash
# The s3 transport against `s3cmd put` into the same bucket of a real Ceph RADOS Gateway on
# loopback (tests/s3/rgw_lab.sh), same part size. Not a test: numbers vary with the machine; read them.
#   bench/s3_vs_s3cmd.sh [SIZE] [BUILD_DIR] [PART_MB] [IN_FLIGHT]    (defaults: 1G, build, 8, 4)
#   COMPRESS=none|zlib|lz4|zstd|lzo sets [dump] compress (default none: the uploaded stream is then
#   about the vmcore's size and the comparison is of the transports, not of compression vs none)
# Runs, in order: (1) the chain dumping a generated vmcore of SIZE into the bucket with
# parts_in_flight = IN_FLIGHT, (2) the same with one part in flight, (3) `s3cmd put` of the very
# bytes (1) uploaded (its vmcore.flat, fetched back) with --multipart-chunk-size-mb=PART_MB.
# Throughput is uploaded bytes per second; (1) also reads, filters and compresses the vmcore.
# memstore keeps every object in RAM, so objects are deleted and garbage-collected between runs.
# Needs root, ceph-mon, ceph-osd, radosgw, s3cmd.
set -euo pipefail
size=${1:-1G}
build=$(realpath "${2:-build}")
part_mb=${3:-8}
in_flight=${4:-4}
compress=${COMPRESS:-none}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /var/tmp/kdf-bench-s3-XXXXXX)
export LAB=$work/lab
cleanup() {
  bash "$here/../tests/s3/rgw_lab.sh" stop || true
  rm -rf "$work"
}
trap cleanup EXIT

bash "$here/../tests/s3/rgw_lab.sh" start >/dev/null
# shellcheck disable=SC1091
. "$LAB/env"
hostport=${S3_ENDPOINT#http://}
printf '[default]\naccess_key = %s\nsecret_key = %s\nhost_base = %s\nhost_bucket = %s\nuse_https = False\n' \
  "$S3_ACCESS_KEY" "$S3_SECRET_KEY" "$hostport" "$hostport" > "$work/s3cfg"
s3() { s3cmd -c "$work/s3cfg" "$@"; }
s3 mb s3://bench >/dev/null
printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" > "$work/credentials"
chmod 600 "$work/credentials"

"$build/bin/kdf-mkvmcore" --size "$size" --seed 11 "$work/vmcore"
cp --sparse=never "$work/vmcore" "$work/vmcore.dense" && mv "$work/vmcore.dense" "$work/vmcore"

gc() { # drop every object and let the OSD give the RAM back
  s3 del --recursive --force s3://bench >/dev/null 2>&1 || true
  radosgw-admin -c "$CEPH_CONF" gc process --include-all >/dev/null 2>&1 || true
}

# run_chain INFLIGHT: seconds of one dump into s3://bench/run<INFLIGHT>/
run_chain() {
  printf '[dump]\ncompress = %s\n\n[chain]\ntargets = obj\n\n[target obj]\ntype = s3\nendpoint = %s\nbucket = bench\nprefix = run%s\ncredentials_file = %s\npart_size = %sM\nparts_in_flight = %s\nstall_timeout = 60s\n' \
    "$compress" "$S3_ENDPOINT" "$1" "$work/credentials" "$part_mb" "$1" > "$work/kdf.conf"
  local t0 t1
  t0=$(date +%s.%N)
  KDF_PLUGIN_PATH="$build/lib/kdump-failover/plugins" "$build/bin/kdump-failover" dump --config "$work/kdf.conf" \
    --vmcore "$work/vmcore" >"$work/out.$1" 2>"$work/log.$1"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

t_many=$(run_chain "$in_flight")
key=$(s3 ls -r "s3://bench/run$in_flight/" | awk '/vmcore.flat$/ {print $4}')
s3 get --force "$key" "$work/vmcore.flat" >/dev/null
flat_bytes=$(stat -c %s "$work/vmcore.flat")
peak=$(grep -o "peak memory [0-9.]* MiB" "$work/log.$in_flight" || true)
gc
t_one=$(run_chain 1)
gc
t0=$(date +%s.%N)
s3 put --multipart-chunk-size-mb="$part_mb" "$work/vmcore.flat" s3://bench/s3cmd/vmcore.flat >/dev/null
t1=$(date +%s.%N)
t_s3cmd=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')

awk -v b="$flat_bytes" -v m="$t_many" -v o="$t_one" -v c="$t_s3cmd" -v n="$in_flight" -v p="$part_mb" -v vin="$(stat -c %s "$work/vmcore")" -v z="$compress" 'BEGIN {
  printf "input vmcore                     %d bytes; uploaded stream %d bytes (compress = %s); parts of %d MiB\n", vin, b, z, p
  printf "kdump-failover, %2d in flight     %6.2f s  %6.1f MB/s\n", n, m, b / m / 1e6
  printf "kdump-failover,  1 in flight     %6.2f s  %6.1f MB/s\n", o, b / o / 1e6
  printf "s3cmd put                        %6.2f s  %6.1f MB/s\n", c, b / c / 1e6
  printf "speed-up vs s3cmd                %6.2fx\n", c / m }'
[ -z "$peak" ] || echo "attempt                          $peak"
