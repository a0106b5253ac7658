#!/usr/bin/env bash
# The main job, end to end, on a healthy machine: dump a sample vmcore through a chain whose primary
# target is down (its mount point, standing in for an NFS share, is not mounted) to a local backup
# directory, and print where the dump landed.
#   tools/demo.sh [SIZE]     (default 256M; everything goes under build-demo/)
# The demo has a build directory of its own, configured without the tests: sharing build/ with
# tools/run-tests.sh would leave that cache with the tests switched off, in whichever order the two
# commands are run.
# KDF_CONFIGURE_ONLY=1 stops after configuring (no dependency install, no build): tests of this
# script use it.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-256M}
build="build-demo"

if [[ ${KDF_CONFIGURE_ONLY:-0} != 1 ]]; then tools/install-deps.sh --packages; fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKDF_BUILD_TESTS=OFF >/dev/null
if [[ ${KDF_CONFIGURE_ONLY:-0} == 1 ]]; then
  echo "demo: configured $build/ (KDF_CONFIGURE_ONLY=1: not building or running)"
  exit 0
fi
cmake --build "$build" -j"$(nproc)" --target kdump-failover kdf-mkvmcore kdf-transport-local

demo=$PWD/$build/demo
rm -rf "$demo"
mkdir -p "$demo/nfs-share" "$demo/var-crash"
# --kernel: a vmcore with page tables, a mem_map and a kernel log, so level 31 filters it and
# vmcore-dmesg.txt lands beside the dump, as on a real crash.
"$build"/bin/kdf-mkvmcore --kernel --size "$size" --seed 7 "$demo/vmcore"

cat > "$demo/kdump-failover.conf" <<CONF
# primary: an NFS share that did not come up (its mount point is not mounted)
# backup:  a local directory
[dump]
level = 31

[chain]
targets = primary backup

[target primary]
type = local
path = $demo/nfs-share
require_mount = yes
connect_timeout = 10s

[target backup]
type = local
path = $demo/var-crash
reserve = 16M
CONF

echo "demo: dumping a $size sample vmcore; primary is down, backup is $demo/var-crash"
set +e
"$build"/bin/kdump-failover dump --config "$demo/kdump-failover.conf" --vmcore "$demo/vmcore"
rc=$?
set -e
case $rc in
  0)  echo "demo: the primary target held the dump (exit 0)";;
  11) echo "demo: the backup target held the dump (exit 11 = second target)";;
  *)  echo "demo: no target held the dump (exit $rc)"; exit "$rc";;
esac
landed=$(find "$demo/var-crash" -name vmcore -type f)
echo "demo: checking the dump that landed ($landed):"
"$build"/bin/kdump-failover verify "$landed" | sed 's/^/  /'
echo "demo: input $(stat -c %s "$demo/vmcore") bytes, dump $(stat -c %s "$landed") bytes (kdump-compressed, zlib, level 31)"
echo "demo: the kernel log beside it ends with: $(tail -1 "$(dirname "$landed")/vmcore-dmesg.txt")"
