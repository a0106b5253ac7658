#!/usr/bin/env bash
# Builds, once, the Debian 12 system the kdump-tools end-to-end test crashes: an mmdebstrap minbase
# root from Debian's archive with Debian's kernel, systemd (networkd on QEMU's user network),
# kdump-tools and the libraries kdump-failover's package depends on, as an ext4 image. Then boots
# it once under QEMU, as a user's machine boots once after `apt install kdump-tools`: kdump-tools
# builds its crash initrd there and loads the crash kernel (the console must say "ready to kdump").
# That booted ("primed") image is what is cached; the test copies it and never changes it.
#
#   make-root.sh CACHE_DIR             prints the primed image's path (built when missing)
#   make-root.sh --cached CACHE_DIR    prints it only if it is there (tests: nothing is downloaded)
#
# CACHE_DIR/<key>/ holds root.img, vmlinuz, initrd.img; <key> is a digest of what goes in (the
# package list, the customize hook, the build and priming steps' version below), so a change to any
# of them builds a new image (older ones are removed). Env: KDF_DEBIAN_MIRROR,
# KDF_DEBIAN_SECURITY_MIRROR (default: Debian's own), KDF_QEMU_TIMEOUT (900 s for the priming boot).
# One build at a time per CACHE_DIR (a lock): a second run waits for the first, then finds its image.
# Stopped by SIGINT/SIGTERM/SIGHUP, it stops mmdebstrap or QEMU and leaves no partial image behind.
set -euo pipefail
cached_only=0
if [[ ${1:-} == --cached ]]; then cached_only=1; shift; fi
cache=$(realpath -m "$1")
mirror=${KDF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${KDF_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
here=$(cd "$(dirname "$0")" && pwd)
log() { printf 'make-root: %s\n' "$*" >&2; }

# What the image needs besides minbase. Debian's debootstrap-style minbase installs no Recommends,
# so udev, dbus, procps (sysctl for kdump-config) and zstd (initramfs compression) are named here.
# The libraries are those kdump-failover's .deb depends on (dpkg-shlibdeps), so `apt install` of the
# package works in the guest without a network mirror. kdump-tools is not here: it is installed by
# the customize hook, after the kernel (see root-customize.sh).
packages=systemd-sysv,udev,dbus,kmod,procps,zstd,initramfs-tools,linux-image-amd64,kexec-tools,makedumpfile
packages+=,openssh-client,iproute2,libssh-4,libnfs13,libiscsi7,liblzo2-2,liblz4-1,libzstd1,zlib1g,libdeflate0,libcurl4
# Raise when the steps below change what the image holds.
recipe_version=1
key=$( (echo "bookworm $packages $recipe_version"; cat "$here/root-customize.sh") | sha256sum | cut -c1-16)
out=$cache/$key
print_if_built() {
  [[ -s $out/root.img && -s $out/vmlinuz && -s $out/initrd.img ]] || return 1
  echo "$out/root.img"
}
print_if_built && exit 0
if ((cached_only)); then
  log "no primed Debian image in $cache (tools/install-deps.sh builds it)"
  exit 1
fi

# The long steps run as children the signal trap can stop: a command in the foreground would hold
# the trap back until it ended. Each runs in a session of its own (setsid: it is then its process
# group's leader), so that stopping it stops what it started too (mmdebstrap's apt and dpkg, QEMU).
child=""
run_child() {
  local rc=0
  setsid "$@" &
  child=$!
  wait "$child" || rc=$?
  child=""
  return "$rc"
}
# The trap may run while a step's output goes to its log: the message goes to the script's stderr.
exec {stderr_fd}>&2
stopped_by() {
  if [[ -n $child ]]; then
    kill -TERM -- "-$child" 2> /dev/null || true
    wait "$child" 2> /dev/null || true
  fi
  log "stopped by SIG$1" 2>&"$stderr_fd"
  exit "$2"
}
trap 'stopped_by INT 130' INT
trap 'stopped_by TERM 143' TERM
trap 'stopped_by HUP 129' HUP

# Two builds at once would each delete the other's work directory below: the second waits, then
# uses what the first built. The lock goes with the process (and its children), never left stale.
mkdir -p "$cache"
exec {lock_fd}> "$cache/.lock"
if ! flock -n "$lock_fd"; then
  log "another build of the Debian image runs in $cache: waiting for it"
  run_child flock "$lock_fd"
fi
print_if_built && exit 0

work=$cache/build.$$
trap 'rm -rf "$work"' EXIT # nothing is mounted: mkfs.ext4 -d writes the image, debugfs reads it
mkdir -p "$work/tmp"
start=$SECONDS
log "mmdebstrap bookworm from $mirror (about 4 minutes)"
TMPDIR=$work/tmp run_child mmdebstrap --mode=root --variant=minbase --include="$packages" \
  --customize-hook="$here/root-customize.sh" \
  bookworm "$work/root" \
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main" \
  > "$work/mmdebstrap.log" 2>&1 || { tail -n 40 "$work/mmdebstrap.log" >&2; log "mmdebstrap failed"; exit 1; }
truncate -s 3G "$work/root.img"
mkfs.ext4 -q -F -L kdflab -d "$work/root" "$work/root.img"
kver=$(find "$work/root/boot" -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n1)
cp "$work/root/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "$work/root/boot/initrd.img-$kver" "$work/initrd.img"
rm -rf "$work/root"
log "image built in $((SECONDS - start)) s; priming boot (kdump-tools builds its initrd)"

# The priming boot: root-customize.sh's kdflab-prime.service prints `kdump-config show` on the
# console and powers off (kdflab.prime=1 on the command line).
set +e
run_child timeout "${KDF_QEMU_TIMEOUT:-900}" qemu-system-x86_64 -machine pc -accel tcg,thread=multi -cpu max,la57=off \
  -smp 2 -m 1536 -kernel "$work/vmlinuz" -initrd "$work/initrd.img" \
  -append "root=/dev/vda ro console=ttyS0 crashkernel=256M panic=10 kdflab.prime=1" \
  -drive "file=$work/root.img,if=virtio,format=raw" -nic user,model=virtio-net-pci \
  -display none -monitor none -serial "file:$work/prime-console.txt" -no-reboot < /dev/null
rc=$?
set -e
if [[ $rc -ne 0 ]] || ! grep -q 'KDFLAB-PRIME: current state: *ready to kdump' "$work/prime-console.txt"; then
  tail -n 60 "$work/prime-console.txt" >&2 || true
  log "the priming boot did not load the crash kernel (QEMU exit $rc)"
  exit 1
fi
# The crash initrd kdump-tools built in the guest must be there now (debugfs: no mount needed).
debugfs -R 'ls /var/lib/kdump' "$work/root.img" 2> /dev/null | grep -q 'initrd.img-' ||
  { log "no kdump initrd in /var/lib/kdump after the priming boot"; exit 1; }
# Under the lock any other build.* is a killed run's leftover; older keys are out of date.
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "build.$$" -exec rm -rf {} +
# Whole or not at all: the files go in a directory that is then renamed to its final name.
mkdir "$work/out"
mv "$work/root.img" "$work/vmlinuz" "$work/initrd.img" "$work/prime-console.txt" "$work/out/"
mv "$work/out" "$out"
log "primed image ready in $((SECONDS - start)) s: $out/root.img"
echo "$out/root.img"
