#!/usr/bin/env bash
# prepare-vmlinux.sh CACHE_DIR RELEASE... - the debug vmlinux of each Debian kernel RELEASE, cached.
#
# drgn and crash need the crashed kernel's own vmlinux (with DWARF) to read a dump. Debian ships it
# in linux-image-RELEASE-dbg (about 860 MB per kernel); this fetches that package with apt-get
# download, extracts only usr/lib/debug/boot/vmlinux-RELEASE into CACHE_DIR and deletes the .deb.
# A vmlinux already in the cache is reused as it is, so the tests download nothing. Concurrent
# callers serialise on a lock. Prints the path of each vmlinux, one a line.
set -euo pipefail
cache=$1
shift
mkdir -p "$cache"
exec 9> "$cache/.lock"
flock 9

for release in "$@"; do
    vmlinux=$cache/vmlinux-$release
    if [[ ! -s $vmlinux ]]; then
        pkg=linux-image-$release-dbg
        work=$(mktemp -d "$cache/.fetch.XXXXXX")
        (cd "$work" && { apt-get download "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true; })
        deb=$(find "$work" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
        [[ -n $deb ]] || { rm -rf "$work"; echo "prepare-vmlinux: apt-get download $pkg failed (apt-get update?)" >&2; exit 1; }
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" "./usr/lib/debug/boot/vmlinux-$release"
        mv "$work/usr/lib/debug/boot/vmlinux-$release" "$vmlinux.part"
        mv "$vmlinux.part" "$vmlinux"
        rm -rf "$work"
    fi
    echo "$vmlinux"
done
