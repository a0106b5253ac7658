#!/usr/bin/env bash
# A dump into a raw LV (type lvm, through the LVM2 metadata, no device-mapper) against the same
# dump into local mode raw on the same loop device: the cost of going through the extent map.
# Target: lvm at least 95% of local raw's speed. Not a test: read the numbers.
#   bench/lvm_vs_local_raw.sh [SIZE] [BUILD_DIR] [ROUNDS] [DUMP]   (default 1G, build, 3, elf)
# DUMP elf: [dump] format = elf, level = 0, so every byte of the input goes through the transport
# and the comparison is of the transports, not of the compressor; DUMP default: the [dump]
# defaults (kdump-compressed, zlib, level 31), what a user's dump costs.
# Needs root, a free loop device and lvm2. Each round: lvm2 makes the VG afresh (the previous local
# raw dump overwrote its label), the lvm dump runs, then the device's first MiB is cleared and the
# local raw dump runs; caches are dropped before each timed dump. Prints each run and the ratio of
# the best times.
set -euo pipefail
size=${1:-1G}
build=${2:-build}
rounds=${3:-3}
dump=${4:-elf}
case $dump in
  elf) dump_section=$'[dump]\nformat = elf\nlevel = 0\n\n' ;;
  default) dump_section="" ;;
  *) echo "DUMP is elf or default" >&2; exit 2 ;;
esac
work=$(mktemp -d /var/tmp/kdf-bench-lvm-XXXXXX)
loop=""
cleanup() {
  [[ -n $loop ]] && losetup -d "$loop" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

"$build/bin/kdf-mkvmcore" --size "$size" --seed 11 "$work/vmcore"
cp --sparse=never "$work/vmcore" "$work/vmcore.dense" && mv "$work/vmcore.dense" "$work/vmcore"
bytes=$(stat -c %s "$work/vmcore")
truncate -s $((bytes + bytes / 2 + (64 << 20))) "$work/disk.img"
loop=$(losetup -f --show "$work/disk.img")

export LVM_SUPPRESS_FD_WARNINGS=1
cfg="devices { filter=[\"a|^$loop\$|\",\"r|.*|\"] obtain_device_list_from_udev=0 use_devicesfile=0 }
     activation { udev_sync=0 udev_rules=0 monitoring=0 } global { activation=0 } backup { backup=0 archive=0 }"
make_vg() {
  dd if=/dev/zero of="$loop" bs=1M count=1 conv=notrunc status=none
  lvm pvcreate -qq -y "$loop" --config "$cfg" 2>/dev/null
  lvm vgcreate -qq -s 4M vg-bench "$loop" --config "$cfg" 2>/dev/null
  lvm lvcreate -qq -l 100%FREE -n lv-bench vg-bench --config "$cfg" 2>/dev/null
}

printf '%s[chain]\ntargets = lv\n\n[target lv]\ntype = lvm\nvg = vg-bench\nlv = lv-bench\ndevices = %s\n' \
  "$dump_section" "$loop" > "$work/lvm.conf"
printf '%s[chain]\ntargets = disk\n\n[target disk]\ntype = local\nmode = raw\ndevice = %s\n' \
  "$dump_section" "$loop" > "$work/local.conf"

timed_dump() {  # CONFIG -> seconds
  sync; echo 3 > /proc/sys/vm/drop_caches
  local t0 t1
  t0=$(date +%s.%N)
  "$build/bin/kdump-failover" dump --config "$1" --vmcore "$work/vmcore" > /dev/null 2> "$work/log" ||
    { cat "$work/log" >&2; exit 1; }
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

best_lvm=""; best_local=""
for ((r = 1; r <= rounds; r++)); do
  make_vg
  l=$(timed_dump "$work/lvm.conf")
  dd if=/dev/zero of="$loop" bs=1M count=1 conv=notrunc status=none
  d=$(timed_dump "$work/local.conf")
  printf 'round %d: lvm raw %s s, local raw %s s\n' "$r" "$l" "$d"
  best_lvm=$(awk -v a="$l" -v b="${best_lvm:-$l}" 'BEGIN { print (a < b ? a : b) }')
  best_local=$(awk -v a="$d" -v b="${best_local:-$d}" 'BEGIN { print (a < b ? a : b) }')
done
awk -v n="$bytes" -v l="$best_lvm" -v d="$best_local" -v dump="$dump" 'BEGIN {
  printf "input             %d bytes (kdf-mkvmcore --size), dump settings: %s\n", n, dump
  printf "lvm raw (best)    %.2f s  %.0f MB/s of input\n", l, n / l / 1e6
  printf "local raw (best)  %.2f s  %.0f MB/s of input\n", d, n / d / 1e6
  printf "lvm / local speed %.1f%% (target >= 95%%)\n", 100 * d / l }'
