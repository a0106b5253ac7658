#!/usr/bin/env bash
# shellcheck disable=SC2012 # ls lists package-made names here (kernel releases, .deb files)
# prepare-kernel.sh CACHE_DIR - Debian's own kernel for the QEMU end-to-end tests, unpacked once.
#
# The package is the one linux-image-amd64 depends on (apt-get download from Debian's archive:
# the kernel a Debian 12 machine boots), unpacked with dpkg -x into CACHE_DIR (the host's /boot and
# /lib/modules are never touched). tools/install-deps.sh runs it, so the tests find a kernel here
# and download nothing: a finished unpack is reused as it is (the newest one when there are
# several), even after Debian has moved linux-image-amd64 on. Concurrent callers serialise on a
# lock. Prints two lines: the unpacked root and the kernel release.
set -euo pipefail
cache=$1
mkdir -p "$cache"
exec 9> "$cache/.lock"
flock 9

report() {
    local kver
    kver=$(ls "$1/lib/modules" | head -n 1)
    [[ -f $1/boot/vmlinuz-$kver ]] || { echo "prepare-kernel: no vmlinuz in $1" >&2; exit 1; }
    echo "$1"
    echo "$kver"
}
newest=$(ls -dt "$cache"/*/.unpacked 2> /dev/null | head -n 1 || true)
if [[ -n $newest ]]; then
    report "$(dirname "$newest")"
    exit 0
fi

pkg=$(apt-cache depends linux-image-amd64 2> /dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[[ -n $pkg ]] || { echo "prepare-kernel: cannot resolve linux-image-amd64 (apt-get update?)" >&2; exit 1; }
kroot=$cache/$pkg
deb=$(ls "$cache"/"${pkg}"_*_amd64.deb 2> /dev/null | head -n 1 || true)
if [[ -z $deb ]]; then
    (cd "$cache" && { apt-get download "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true; })
    deb=$(ls "$cache"/"${pkg}"_*_amd64.deb 2> /dev/null | head -n 1 || true)
    [[ -n $deb ]] || { echo "prepare-kernel: apt-get download $pkg failed" >&2; exit 1; }
fi
rm -rf "$kroot"
mkdir -p "$kroot"
dpkg -x "$deb" "$kroot"
kver=$(ls "$kroot/lib/modules" | head -n 1)
[[ -f $kroot/lib/modules/$kver/modules.dep ]] || depmod -b "$kroot" "$kver"
rm -f "$deb"  # unpacked: the .deb is not needed again
touch "$kroot/.unpacked"
report "$kroot"
