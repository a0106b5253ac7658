#!/usr/bin/env bash
# prepare-vmlinux.sh CACHE_DIR RELEASE... - the debug vmlinux of each Debian kernel RELEASE, cached.
#
# drgn and crash need the crashed kernel's own vmlinux (with DWARF) to read a dump. Debian ships it
# in linux-image-RELEASE-dbg (about 860 MB per amd64 kernel, 800 MB per arm64 one); this fetches
# that package with apt-get download, extracts only usr/lib/debug/boot/vmlinux-RELEASE into
# CACHE_DIR and deletes the .deb. A vmlinux already in the cache is reused as it is, so the tests
# download nothing. Concurrent callers serialise on a lock. Prints the path of each vmlinux, one a
# line.
#
# A kernel of another architecture than this machine's (the release's last word names it:
# 6.1.0-57-arm64 is an arm64 kernel) is looked up in apt lists of its own, kept under
# CACHE_DIR/.apt-ARCH and refreshed once per run: the machine's dpkg architectures and apt state
# stay as they are (no `dpkg --add-architecture`), and the .deb is only unpacked, never installed.
set -euo pipefail
cache=$1
shift
mkdir -p "$cache"
exec 9> "$cache/.lock"
flock 9

host_arch=$(dpkg --print-architecture)
declare -A refreshed=()

# apt options that make apt see only ARCH's packages, in lists of their own under the cache.
foreign_apt_options() {
    local arch=$1 state=$cache/.apt-$1
    mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
    : >> "$state/status"
    printf '%s\n' -o "APT::Architecture=$arch" -o "APT::Architectures=$arch" \
        -o "Dir::State::Lists=$state/lists" -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache"
}

for release in "$@"; do
    vmlinux=$cache/vmlinux-$release
    if [[ ! -s $vmlinux ]]; then
        pkg=linux-image-$release-dbg
        arch=${release##*-}
        apt_options=()
        if [[ $arch != "$host_arch" && $arch =~ ^(arm64|amd64|i386|armhf|ppc64el|s390x)$ ]]; then
            mapfile -t apt_options < <(foreign_apt_options "$arch")
            if [[ -z ${refreshed[$arch]:-} ]]; then
                apt-get -qq "${apt_options[@]}" update >&2 ||
                    { echo "prepare-vmlinux: apt-get update of the $arch package lists failed" >&2; exit 1; }
                refreshed[$arch]=1
            fi
        fi
        work=$(mktemp -d "$cache/.fetch.XXXXXX")
        (cd "$work" && { apt-get "${apt_options[@]}" download "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true; })
        deb=$(find "$work" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
        [[ -n $deb ]] || { rm -rf "$work"; echo "prepare-vmlinux: apt-get download $pkg failed (apt-get update?)" >&2; exit 1; }
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" "./usr/lib/debug/boot/vmlinux-$release"
        mv "$work/usr/lib/debug/boot/vmlinux-$release" "$vmlinux.part"
        mv "$vmlinux.part" "$vmlinux"
        rm -rf "$work"
    fi
    echo "$vmlinux"
done
