#!/usr/bin/env bash
# tests/e2e/arm64/run.sh - our chain in a real arm64 crash kernel, on an x86_64 Debian 12 host.
#
# Debian's arm64 kernel (the package linux-image-arm64 depends on) boots under qemu-system-aarch64
# (TCG: software emulation, -machine virt), loads a crash kernel with `kexec -p` (Debian's arm64
# kexec-tools behind the kallsyms workaround, kexec-text.sh: this kernel lists no `_text` and has no
# kexec_file_load), and crashes with sysrq-c. The crash kernel's initramfs holds our chain as the
# arm64 .deb installs it (dpkg -x of build-arm64/kdump-failover_*_arm64.deb, tools/build-arm64-deb.sh)
# and the shared libraries it needs, from the arm64 packages its Depends name (apt-get download,
# dpkg -x; nothing arm64 is installed). Two chains run there, each with a primary NFS server that
# is down (connection refused): one lands on a local virtio disk (ext4), one on an sshd this
# script starts on a free port of the host's loopback (the guest reaches it as 10.0.2.2 through
# QEMU's user network; nothing else is reachable). Then, on the host, our own `verify` (every page;
# the page count must fit the level) and `dmesg` read both dumps, the vmcore-dmesg.txt the crash
# kernel wrote beside each must hold the panic, and the figures are printed: crashkernel=, dump
# time, dump size and the chain's peak memory for each target. Exit 0 only when all of it holds.
#
#   tests/e2e/arm64/run.sh [--deb DEB] [--host-build DIR] [--work DIR] [--mem MB] [--crashkernel SIZE]
#                          [--level N] [--compress C] [--smp N] [--timeout S] [--no-workaround]
#                          [--no-install]
#   --deb          the arm64 package (default: build-arm64/kdump-failover_*_arm64.deb)
#   --host-build   this host's build, for verify and dmesg (default: build)
#   --work         scratch directory, emptied first (default: /tmp/kdf-arm64-run)
#   --mem          guest memory in MiB (default 768); --crashkernel (default 256M)
#   --level        dump level of both chains (default 31); --compress (default zlib)
#   --no-workaround  load the crash kernel with plain kexec-tools, to see the broken header
#   --no-install   skip apt-get install (qemu-system-arm, e2fsprogs, openssh-server present)
# Not in CI: TCG aarch64 takes minutes per boot. Needs root (sshd, apt). Downloads are cached in
# /var/cache/kdump-failover/arm64 (KDF_ARM64_CACHE). Leaves no process behind (sshd and QEMU are
# stopped by PID on exit).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
deb='' host_build=$top/build work=/tmp/kdf-arm64-run mem=768 ck=256M level=31 compress=zlib smp=2 limit=2400
workaround=1 install=1
while (($#)); do
    case $1 in
        --deb) deb=$2; shift ;;
        --host-build) host_build=$2; shift ;;
        --work) work=$2; shift ;;
        --mem) mem=$2; shift ;;
        --crashkernel) ck=$2; shift ;;
        --level) level=$2; shift ;;
        --compress) compress=$2; shift ;;
        --smp) smp=$2; shift ;;
        --timeout) limit=$2; shift ;;
        --no-workaround) workaround=0 ;;
        --no-install) install=0 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "arm64-run: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
say() { echo "[arm64-run $(date +%T)] $*"; }
die() { echo "arm64-run: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (sshd, apt-get, mknod)"
case $work in /* ) [[ $work != / ]] || die "--work /: refusing to empty it" ;; *) die "--work must be an absolute path" ;; esac
export LC_ALL=C
if [[ -z $deb ]]; then
    deb=$(find "$top/build-arm64" -maxdepth 1 -name 'kdump-failover_*_arm64.deb' | sort | tail -n 1)
fi
[[ -f $deb ]] || die "no arm64 package (run tools/build-arm64-deb.sh, or give --deb)"
[[ -x $host_build/bin/kdump-failover ]] || die "no $host_build/bin/kdump-failover (the host's build, for verify and dmesg)"

if ((install)); then
    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-arm e2fsprogs \
        openssh-server openssh-client cpio kmod binutils file python3 > /dev/null
fi
command -v qemu-system-aarch64 > /dev/null || die "qemu-system-aarch64 missing (package qemu-system-arm)"

# ------------------------------------------------------------------ arm64 packages (cached)
cache=${KDF_ARM64_CACHE:-/var/cache/kdump-failover/arm64}
mkdir -p "$cache/dl"
cached() { # package -> its .deb in the cache (fails when there is none)
    find "$cache/dl" -maxdepth 1 -name "${1}_*_arm64.deb" | sort -V | tail -n 1 | grep .
}
fetch() { # packages... -> downloads those not cached, in one apt-get call (each call costs seconds)
    local p missing=()
    for p; do cached "$p" > /dev/null || missing+=("$p:arm64"); done
    ((${#missing[@]})) || return 0
    (cd "$cache/dl" && { apt-get download "${missing[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true; })
}
download() { # package -> its .deb in the cache, downloaded if needed
    cached "$1" || { fetch "$1" && cached "$1"; } || die "apt-get download $1:arm64 failed"
}
kpkg=$(apt-cache depends linux-image-arm64:arm64 2> /dev/null | awk '/Depends: linux-image-[0-9]/ {sub(/:arm64$/, "", $2); print $2; exit}')
[[ -n $kpkg ]] || die "cannot resolve linux-image-arm64:arm64 (apt-get update after dpkg --add-architecture arm64?)"
kroot=$cache/$kpkg
if [[ ! -e $kroot/.unpacked ]]; then
    say "unpacking $kpkg (dpkg -x)"
    rm -rf "$kroot"
    mkdir -p "$kroot"
    dpkg -x "$(download "$kpkg")" "$kroot"
    touch "$kroot/.unpacked"
fi
kver=$(find "$kroot/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n 1)
[[ -f $kroot/lib/modules/$kver/modules.dep ]] || depmod -b "$kroot" "$kver"
image=$kroot/boot/vmlinuz-$kver
file -b "$image" | grep -q 'ARM64 boot executable Image' || die "$image is not an uncompressed arm64 Image"

# The libraries: the arm64 packages our .deb depends on, and what they depend on, plus busybox and
# kexec-tools for the guest's own work.
mapfile -t wanted < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/(.*)//' -e 's/|.*//' -e 's/ //g' | grep -v '^$')
mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "${wanted[@]/%/:arm64}" kexec-tools:arm64 |
    awk '/^(lib|zlib)[^ ]*:arm64$/ {sub(/:arm64$/, ""); print}' | sort -u)
sysroot=$work/sysroot
rm -rf "$work"
mkdir -p "$sysroot"
say "arm64 packages: busybox-static kexec-tools ${closure[*]}"
fetch busybox-static kexec-tools "${closure[@]}"
for p in busybox-static kexec-tools "${closure[@]}"; do
    dpkg -x "$(download "$p")" "$sysroot"
done

# ------------------------------------------------------------------ the crash initramfs
crash=$work/crash
mkdir -p "$crash"/{bin,sbin,etc/kdump-failover,etc/kdf-arm64,lib/aarch64-linux-gnu,dev,proc,sys,run,tmp,mnt/disk}
dpkg -x "$deb" "$crash"
cp "$sysroot/bin/busybox" "$crash/bin/busybox"
bin=$crash/usr/sbin/kdump-failover
plugdir=$(find "$crash" -type d -path '*/kdump-failover/plugins' | head -n 1)
[[ -x $bin && -n $plugdir ]] || die "$deb holds no usr/sbin/kdump-failover or plugin directory"
# Only the plugins the chains use (as the dracut module does): nfs, local, ssh.
find "$plugdir" -name 'kdf-transport-*.so' ! -name 'kdf-transport-nfs.so' ! -name 'kdf-transport-local.so' \
    ! -name 'kdf-transport-ssh.so' -delete
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
find_lib() {
    local d
    for d in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu; do
        [[ -e $sysroot$d/$1 ]] && { echo "$sysroot$d/$1"; return 0; }
    done
    return 1
}
copy_closure() { # root elf... : each ELF's NEEDED libraries, recursively, into root/lib/aarch64-linux-gnu
    local root=$1 so src
    shift
    local todo=("$@")
    declare -A seen=()
    while ((${#todo[@]})); do
        local f=${todo[0]}
        todo=("${todo[@]:1}")
        for so in $(needed "$f"); do
            [[ -n ${seen[$so]-} ]] && continue
            seen[$so]=1
            src=$(find_lib "$so") || die "$(basename "$f") needs $so: in none of the arm64 packages"
            cp -L "$src" "$root/lib/aarch64-linux-gnu/$so"
            todo+=("$root/lib/aarch64-linux-gnu/$so")
        done
    done
    interp=$(readelf -l "$1" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
    mkdir -p "$root$(dirname "$interp")"
    cp -L "$sysroot$interp" "$root$interp"
}
copy_closure "$crash" "$bin" "$plugdir"/*.so

# Modules: virtio PCI, disk, network and ext4 (the rest is built in).
: > "$crash/etc/kdf-arm64/modules.order"
mkdir -p "$crash/lib/modules"
for m in virtio_pci virtio_blk virtio_net ext4; do
    modprobe -d "$kroot" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
    name=$(basename "$ko")
    name=${name%.xz}
    case $ko in
        *.ko.xz) xz -dc "$ko" > "$crash/lib/modules/$name" ;;
        *) cp "$ko" "$crash/lib/modules/$name" ;;
    esac
    echo "/lib/modules/$name" >> "$crash/etc/kdf-arm64/modules.order"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$crash/etc/passwd"
install -m 0755 "$here/crash-init.sh" "$crash/init"
mknod -m 600 "$crash/dev/console" c 5 1

# The host's sshd on a free loopback port, its own keys, stopped by PID at exit.
sshd_dir=$work/sshd
mkdir -p "$sshd_dir" "$work/ssh-dumps"
ssh-keygen -q -t ed25519 -N '' -f "$sshd_dir/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -f "$sshd_dir/client_ed25519"
cp "$sshd_dir/client_ed25519.pub" "$sshd_dir/authorized_keys"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ssh_port=$(free_port)
nfs_port=$(free_port)  # nothing listens there: the primary NFS server is down
cat > "$sshd_dir/sshd_config" << CONF
Port $ssh_port
ListenAddress 127.0.0.1
HostKey $sshd_dir/host_ed25519
PidFile $sshd_dir/sshd.pid
AuthorizedKeysFile $sshd_dir/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CONF
pids=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
}
trap cleanup EXIT
/usr/sbin/sshd -D -e -f "$sshd_dir/sshd_config" 2> "$sshd_dir/sshd.log" &
pids+=($!)
for _ in $(seq 50); do
    grep -q 'Server listening' "$sshd_dir/sshd.log" && break
    sleep 0.2
done
grep -q 'Server listening' "$sshd_dir/sshd.log" || die "sshd did not start: $(cat "$sshd_dir/sshd.log")"

install -m 0600 "$sshd_dir/client_ed25519" "$crash/etc/kdump-failover/id_ed25519"
echo "[10.0.2.2]:$ssh_port $(cut -d' ' -f1,2 "$sshd_dir/host_ed25519.pub")" > "$crash/etc/kdump-failover/known_hosts"
common="[dump]
level = $level
compress = $compress

[target primary]
type = nfs
url = nfs://10.0.2.2/export?version=4&nfsport=$nfs_port
connect_timeout = 10s
"
cat > "$crash/etc/kdump-failover/disk.conf" << CONF
${common}
[chain]
targets = primary disk

[target disk]
type = local
path = /mnt/disk/dumps
mount_point = /mnt/disk
CONF
cat > "$crash/etc/kdump-failover/ssh.conf" << CONF
${common}
[chain]
targets = primary host

[target host]
type = ssh
host = 10.0.2.2
port = $ssh_port
identity = /etc/kdump-failover/id_ed25519
known_hosts = /etc/kdump-failover/known_hosts
path = $work/ssh-dumps
connect_timeout = 30s
CONF
pack() { (cd "$1" && find . | cpio -o -H newc --quiet) > "$2"; }
pack "$crash" "$work/crash-initrd.img"

# ------------------------------------------------------------------ the normal initramfs
# The crash initramfs's tree (so `status` runs on the real arm64 kernel too), plus kexec-tools,
# the kallsyms workaround, the kernel and its config, and the crash initramfs as a file.
normal=$work/normal
cp -a "$crash" "$normal"
install -m 0755 "$here/normal-init.sh" "$normal/init"
cp "$sysroot/sbin/kexec" "$normal/sbin/kexec.real"
install -m 0755 "$here/kexec-text.sh" "$normal/sbin/kexec"
copy_closure "$normal" "$normal/sbin/kexec.real"
mkdir -p "$normal/boot"
cp "$image" "$normal/boot/vmlinuz-$kver"
cp "$kroot/boot/config-$kver" "$normal/boot/config-$kver"
cp "$work/crash-initrd.img" "$normal/boot/crash-initrd.img"
cp /etc/os-release "$normal/etc/os-release"
# .text's offset in the Image: the PE header's first section (.text) VirtualAddress.
u() { od -An -v -t "u$1" -j "$2" -N "$1" "$image" | tr -d ' '; }
pe=$(u 4 60)
sec=$((pe + 24 + $(u 2 $((pe + 20)))))
[[ $(dd if="$image" bs=1 skip="$sec" count=5 2> /dev/null) == .text ]] || die "$image: no .text section first in its PE header"
u 4 $((sec + 12)) > "$normal/etc/kdf-arm64/image-text-offset"
((workaround)) || touch "$normal/etc/kdf-arm64/no-workaround"
pack "$normal" "$work/normal-initrd.img"
say "crash initramfs $(($(stat -c %s "$work/crash-initrd.img") >> 20)) MiB, normal $(($(stat -c %s "$work/normal-initrd.img") >> 20)) MiB;" \
    ".text at $(printf 0x%x "$(cat "$normal/etc/kdf-arm64/image-text-offset")") in the Image"

# ------------------------------------------------------------------ the local disk and the run
mkdir -p "$work/disk-stage/dumps"
truncate -s 2G "$work/disk.img"
mkfs.ext4 -q -F -L kdfdisk -d "$work/disk-stage" "$work/disk.img"
say "booting $kver under qemu-system-aarch64 (TCG, $smp vCPUs, ${mem} MiB, crashkernel=$ck)"
t0=$(date +%s.%N)
qemu-system-aarch64 -machine virt -accel tcg,thread=multi -cpu max,pauth-impdef=on -smp "$smp" -m "$mem" \
    -kernel "$image" -initrd "$work/normal-initrd.img" \
    -append "console=ttyAMA0 crashkernel=$ck panic=5 loglevel=6" \
    -drive "file=$work/disk.img,format=raw,if=none,id=d0,cache=unsafe" -device virtio-blk-pci,drive=d0 \
    -netdev user,id=n0,net=10.0.2.0/24,host=10.0.2.2 -device virtio-net-pci,netdev=n0 \
    -display none -monitor none -serial "file:$work/console.log" -no-reboot -nodefaults < /dev/null > "$work/qemu.out" 2>&1 &
qemu=$!
pids+=("$qemu")
waited=0
while kill -0 "$qemu" 2> /dev/null && ((waited < limit)); do
    sleep 5
    waited=$((waited + 5))
done
if kill -0 "$qemu" 2> /dev/null; then
    kill "$qemu"
    die "QEMU still running after ${limit} s (console: $work/console.log)"
fi
wait "$qemu" || true
t1=$(date +%s.%N)
tr -d '\r' < "$work/console.log" > "$work/console.txt"
grep -E 'KDF-ARM64:|kdump-failover:|kexec-text:' "$work/console.txt" || true
say "QEMU ran $(echo "$t1 - $t0" | bc) s"

# ------------------------------------------------------------------ the dumps, read on the host
debugfs -R "rdump /dumps $work" "$work/disk.img" > /dev/null 2>&1 || die "cannot read the disk image"
status=0
for target in disk ssh; do
    dir=$work/dumps
    [[ $target == ssh ]] && dir=$work/ssh-dumps
    core=$(find "$dir" -name vmcore -type f | head -n 1)
    if [[ -z $core ]]; then
        echo "RESULT $target: no complete dump under $dir ($(find "$dir" -type f | tr '\n' ' '))"
        status=1
        continue
    fi
    line=$(awk -v c="KDF-ARM64: chain $target exit" 'index($0, c) {print; exit}' "$work/console.txt")
    echo "RESULT $target: $core, $(stat -c %s "$core") bytes; ${line#KDF-ARM64: }"
    if "$host_build/bin/kdump-failover" verify "$core" > "$work/verify-$target.txt" 2>&1; then
        echo "  verify: $(tail -n 1 "$work/verify-$target.txt")"
    else
        echo "  verify FAILED: $(tail -n 3 "$work/verify-$target.txt")"
        status=1
    fi
    # The page count at the level: all present pages at 0, fewer above it (never none).
    pages=$(grep -m1 '^pages: present' "$work/verify-$target.txt" || true)
    read -r present dumped < <(echo "$pages" | sed -n 's/^pages: present \([0-9]*\), dumped \([0-9]*\).*/\1 \2/p')
    echo "  $pages (level $level)"
    if [[ -z ${present-} ]] || ((dumped == 0)) || ((level == 0 && dumped != present)) || ((level > 0 && dumped >= present)); then
        echo "  page count FAILED at level $level"
        status=1
    fi
    # The kernel log the crash kernel read (through the arm64 translation) beside the dump.
    log=$(dirname "$core")/vmcore-dmesg.txt
    if grep -q 'Kernel panic - not syncing: sysrq triggered crash' "$log" 2> /dev/null; then
        echo "  vmcore-dmesg.txt from the crash kernel: $(wc -l < "$log") lines, with the panic"
    else
        echo "  vmcore-dmesg.txt FAILED: missing or without the panic line"
        status=1
    fi
    if "$host_build/bin/kdump-failover" dmesg "$core" -o "$work/dmesg-$target.txt" 2> "$work/dmesg-$target.err"; then
        echo "  dmesg: $(wc -l < "$work/dmesg-$target.txt") lines, $(grep -c 'Kernel panic - not syncing: sysrq triggered crash' "$work/dmesg-$target.txt") panic line"
    else
        echo "  dmesg FAILED: $(tail -n 1 "$work/dmesg-$target.err")"
        status=1
    fi
done
grep -E "dump complete|peak memory" "$work/console.txt" | sed 's/^/  /' || true
exit "$status"
