#!/usr/bin/env bash
# RHEL's nfs dump path (the kernel NFS client + makedumpfile writing into the mount) against our
# chain's nfs target, both in the crash kernel of the same QEMU guest, in the same boot, to the same
# nfs-ganesha. This machine's kernel has no NFS client, so RHEL's way can only run in a guest:
# the end-to-end tests' guest (Debian's own kernel, which has one), crashed with sysrq-c.
# Not a test: numbers vary with the machine; read them.
#
#   bench/nfs_in_guest.sh [--build DIR] [--runs N] [--levels "31 1"] [--nfs-vers 4.1] [--cpus N] [--timeout S]
#
# The server is the link lab's ganesha (bench/link-lab, unshaped, no relay; NFSv3 for us as our
# nfs target defaults to, NFSv4 for the kernel client as RHEL mounts by default); the guest reaches
# it through QEMU's user network. The crash initramfs is the e2e one (tests/e2e/guest/make-initrds.sh:
# our install path and dracut module, config: one nfs target, compress = lzo) plus the kernel's nfs
# modules, makedumpfile and bench/nfs-in-guest/crash-bench.sh, which times, for each dump level,
# RUNS runs of each way in turns (see that script). The guest is the e2e guest as it is: 512 MiB,
# crashkernel=192M, one vCPU under TCG (software emulation), so every figure is a TCG figure: the
# ratio is what to read, not the seconds. --cpus N gives the guest N vCPUs and its crash kernel
# nr_cpus=N (kdump's own default is nr_cpus=1, as RHEL and Debian boot their crash kernels).
# One dump of each way and level is then read back on the host with makedumpfile --dump-dmesg (the
# panic must be in its log).
# Printed: each run, and a markdown table of medians with ours' speed against RHEL's way.
# Needs root, qemu-system-x86, makedumpfile, nfs-ganesha(-vfs), rpcbind, dracut, busybox, kexec-tools,
# the e2e kernel cache (tools/install-deps.sh) and a build with kdump-failover and its nfs plugin.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
guest_dir="$repo/tests/e2e/guest"
lab="$repo/bench/link-lab/lab.sh"
build="$repo/build" runs=3 levels="31 1" vers=4.1 cpus=1 limit=3600
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$(realpath "$2"); shift ;;
    --runs) runs=$2; shift ;;
    --levels) levels=$2; shift ;;
    --nfs-vers) vers=$2; shift ;;
    --cpus) cpus=$2; shift ;;
    --timeout) limit=$2; shift ;;
    *) echo "nfs_in_guest: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for tool in qemu-system-x86_64 makedumpfile ganesha.nfsd; do
  command -v "$tool" > /dev/null || { echo "nfs_in_guest: $tool missing (tools/install-deps.sh installs it)" >&2; exit 1; }
done
[ -x "$build/bin/kdump-failover" ] || { echo "nfs_in_guest: no $build/bin/kdump-failover (build it first)" >&2; exit 1; }

work=$(mktemp -d /var/tmp/kdf-bench-nfs-guest-XXXXXX)
lab_state="$work/lab"
cleanup() {
  "$lab" down "$lab_state" || true
  [ -n "${KEEP:-}" ] && { echo "kept $work"; return; }
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{ read -r kroot; read -r kver; } < <("$guest_dir/prepare-kernel.sh" /var/cache/kdump-failover/e2e-kernel)

# ---- the server: ganesha in the lab's namespace, NFSv3 and v4 on one export
"$lab" up "$lab_state" none
LAB_NFS_PROTOCOLS="3, 4" "$lab" nfs "$lab_state"
# shellcheck source=/dev/null
. "$lab_state/lab.env"
export_dir="$lab_state/export"

# ---- the crash initramfs: the e2e one, our chain configured for that export
cat > "$work/kdump-failover.conf" <<CONF
[dump]
level = 31
compress = lzo

[chain]
targets = nas

[target nas]
type = nfs
url = nfs://$LAB_NS_ADDR/export?nfsport=$LAB_NFS_PORT&mountport=$LAB_MNT_PORT
reserve = 0
CONF
ov="$work/overlay"
mkdir -p "$ov/kdf-e2e/lib"
echo script > "$ov/kdf-e2e/mode"
install -m 0755 "$repo/bench/nfs-in-guest/crash-bench.sh" "$ov/kdf-e2e/script.sh"
cat > "$ov/kdf-e2e/bench.env" <<ENV
NFS_SERVER=$LAB_NS_ADDR
NFS_PORT=$LAB_NFS_PORT
NFS_EXPORT=/export
NFS_VERS=$vers
RUNS=$runs
LEVELS="$levels"
MAKEDUMPFILE="env LD_LIBRARY_PATH=/kdf-e2e/lib /kdf-e2e/makedumpfile"
MOUNT="env LD_LIBRARY_PATH=/kdf-e2e/lib /kdf-e2e/mount"
ENV
# makedumpfile and util-linux mount with their libraries, in a directory of their own beside what
# dracut put in.
for prog in makedumpfile mount; do
  cp "$(command -v "$prog")" "$ov/kdf-e2e/$prog"
  ldd "$(command -v "$prog")" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | while read -r lib; do
    cp -L "$lib" "$ov/kdf-e2e/lib/"
  done
done
"$guest_dir/make-initrds.sh" --build "$build" --kroot "$kroot" --kver "$kver" --work "$work/guest" \
  --config "$work/kdump-failover.conf" --overlay "$ov" --modules nfsv4

# ---- the crash, both ways in the crash kernel
echo "booting the guest (TCG; the runs take minutes)"
rc=0
"$guest_dir/run-guest.sh" --work "$work/guest" --kernel "$kroot/boot/vmlinuz-$kver" --net --timeout "$limit" \
  --smp "$cpus" --crash-args "nr_cpus=$cpus" || rc=$?
console="$work/guest/console.txt"
grep -E '^(KDF-E2E|KDF-BENCH):' "$console" || true
[ "$rc" = 0 ] || { echo "nfs_in_guest: QEMU exit $rc (console: $console)" >&2; KEEP=1; exit 1; }
grep -q '^KDF-BENCH: done' "$console" || { echo "nfs_in_guest: the guest did not finish (console: $console)" >&2; KEEP=1; exit 1; }
! grep -q 'FAIL' <(grep -E '^(KDF-E2E|KDF-BENCH):' "$console") || { echo "nfs_in_guest: a run failed" >&2; KEEP=1; exit 1; }

# ---- an independent reader on one dump of each way and level
for level in $levels; do
  ours=$(sed -n "s/^KDF-BENCH: way=ours level=$level run=1 .* file=//p" "$console")
  for f in "$export_dir/rhel-d$level-run1/vmcore" "$export_dir$ours"; do
    rm -f "$work/dmesg.txt"
    makedumpfile --dump-dmesg "$f" "$work/dmesg.txt" > /dev/null 2>&1 || { echo "nfs_in_guest: makedumpfile cannot read $f" >&2; exit 1; }
    grep -q 'sysrq: Trigger a crash' "$work/dmesg.txt" || { echo "nfs_in_guest: no panic in the log of $f" >&2; exit 1; }
  done
done
echo "makedumpfile --dump-dmesg read both ways' dumps at every level: the panic is in their logs"

# ---- medians
printf '\n| level | way | runs (s) | median s | out MB | median vCPU busy s (user+sys) | ours vs rhel (median time) |\n| --- | --- | --- | --- | --- | --- | --- |\n'
sed -n 's/^KDF-BENCH: way=\([a-z]*\) level=\([0-9]*\) run=[0-9]* seconds=\([0-9.]*\) bytes=\([0-9]*\) user=\([0-9.]*\) sys=\([0-9.]*\) .*/\2 \1 \3 \4 \5 \6/p' "$console" |
  awk '
    { key = $1 " " $2; k = ++n[key]; t[key, k] = $3; b[key] = $4; c[key, k] = $5 + $6
      if (!(($1) in seen)) { seen[$1] = 1; order[++levels] = $1 } }
    function median(a, key,   i, j, x, m, s) {
      m = n[key]
      for (i = 1; i <= m; i++) s[i] = a[key, i]
      for (i = 2; i <= m; i++) { x = s[i]; for (j = i - 1; j >= 1 && s[j] > x; j--) s[j + 1] = s[j]; s[j + 1] = x }
      return (m % 2) ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
    }
    function list(key,   i, r) { r = t[key, 1]; for (i = 2; i <= n[key]; i++) r = r " / " t[key, i]; return r }
    END {
      for (l = 1; l <= levels; l++) {
        lv = order[l]; r = lv " rhel"; o = lv " ours"
        printf "| %s | rhel: kernel NFS mount + makedumpfile -l | %s | %.2f | %.1f | %.2f | 1.00 |\n", lv, list(r), median(t, r), b[r] / 1e6, median(c, r)
        printf "| %s | ours: kdump-failover, nfs target, lzo | %s | %.2f | %.1f | %.2f | %.2fx |\n", lv, list(o), median(t, o), b[o] / 1e6, median(c, o), median(t, r) / median(t, o)
      }
    }'
