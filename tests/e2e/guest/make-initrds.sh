#!/usr/bin/env bash
# make-initrds.sh - the two initramfs images of an end-to-end test guest.
#
#   make-initrds.sh --build BUILD_DIR --kroot KROOT --kver KVER --work DIR [--config CONF | --raw]
#                   [--overlay ODIR] [--modules 'MOD...']
#   make-initrds.sh --crash-initrd IMG --kroot KROOT --kver KVER --work DIR
#
# crash initramfs (DIR/crash-initrd.img), what `kexec -p` loads:
#   - our install path: `cmake --install BUILD_DIR` into DIR/stage (DESTDIR), then dracut with the
#     installed 99kdump-failover module (dracutbasedir: a copy of the host's dracut plus that
#     module), KDUMP_FAILOVER_CONFIG=CONF; so the binary, the plugins the chain names, their shared
#     libraries, the config, the ssh identity and known_hosts are exactly what the module installs;
#   - appended to it (the kernel unpacks concatenated archives in order): busybox, the virtio
#     modules of KVER, crash-init.sh as /init and an /etc/kdump.conf with "final_action poweroff"
#     (so the guest ends when the chain is done), and busybox as poweroff when the image has none.
#   --overlay ODIR: ODIR's files are added to the appended part last (a scenario's own /etc/kdump.conf,
#     kdump_post script, ...), over the defaults above and over dracut's files of the same name.
#   --modules: more kernel modules for crash-init.sh to load (with their dependencies), e.g. ext4.
#   --raw: no dracut part; crash-init.sh copies /proc/vmcore to the first disk (/kdf-e2e/mode).
#   --crash-initrd IMG: IMG as it is (e.g. what kdump-utils' mkdumprd built: mkdumprd-image.sh).
# normal initramfs (DIR/normal-initrd.img): busybox, kexec and its libraries, the kernel image and
#   the crash initramfs, normal-init.sh as /init.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build='' kroot='' kver='' work='' config='' raw=0 given='' extra='' more_modules=''
while (($#)); do
    case $1 in
        --build) build=$2; shift ;;
        --kroot) kroot=$2; shift ;;
        --kver) kver=$2; shift ;;
        --work) work=$2; shift ;;
        --config) config=$2; shift ;;
        --raw) raw=1 ;;
        --overlay) extra=$2; shift ;;
        --modules) more_modules=$2; shift ;;
        --crash-initrd) given=$2; shift ;;
        *) echo "make-initrds: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[[ ( -n $build || -n $given ) && -n $kroot && -n $kver && -n $work ]] || { echo "make-initrds: --build, --kroot, --kver, --work needed" >&2; exit 2; }
((raw)) || [[ -f $config || -f $given ]] || { echo "make-initrds: --config FILE, --raw or --crash-initrd IMG needed" >&2; exit 2; }
for tool in busybox kexec cpio dracut lsinitrd modprobe; do
    command -v "$tool" > /dev/null || { echo "make-initrds: $tool missing (tools/install-deps.sh installs it)" >&2; exit 1; }
done
mkdir -p "$work"
work=$(cd "$work" && pwd)

pack() {  # DIR OUT: a newc cpio of DIR, gzip'd
    (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6 > "$2"
}

# ---- the kernel modules the crash kernel needs, as plain .ko (busybox insmod), dependencies first
overlay=$work/overlay
rm -rf "$overlay"
mkdir -p "$overlay/kdf-e2e/modules" "$overlay/etc" "$overlay/dev"
: > "$overlay/kdf-e2e/modules.order"
# shellcheck disable=SC2086 # a list of module names
for m in virtio_pci virtio_blk virtio_net $more_modules; do
    modprobe -d "$kroot" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
    name=$(basename "$ko")
    name=${name%.xz}
    name=${name%.zst}
    name=${name%.gz}
    case $ko in
        *.ko.xz) xz -dc "$ko" > "$overlay/kdf-e2e/modules/$name" ;;
        *.ko.zst) zstd -q -dc "$ko" > "$overlay/kdf-e2e/modules/$name" ;;
        *.ko.gz) gzip -dc "$ko" > "$overlay/kdf-e2e/modules/$name" ;;
        *) cp "$ko" "$overlay/kdf-e2e/modules/$name" ;;
    esac
    echo "/kdf-e2e/modules/$name" >> "$overlay/kdf-e2e/modules.order"
done
cp /bin/busybox "$overlay/kdf-e2e/busybox"
install -m 0755 "$here/crash-init.sh" "$overlay/init"
printf 'final_action poweroff\n' > "$overlay/etc/kdump.conf"
mknod -m 600 "$overlay/dev/console" c 5 1
if [[ -n $extra ]]; then
    cp -a "$extra/." "$overlay/"
fi

if [[ -n $given ]]; then
    cp "$given" "$work/crash-initrd.img"
elif ((raw)); then
    echo raw > "$overlay/kdf-e2e/mode"
    pack "$overlay" "$work/crash-initrd.img"
else
    # ---- our install path, then dracut with the installed module
    # Stripped, as the packages install it: debug info would triple the image, and the crash
    # kernel unpacks it into a rootfs of half its memory.
    { read -r bin; read -r _plugins; read -r module; } < <("$here/../../scripts/stage_install.sh" "$build" "$work/stage" --strip)
    [[ -n ${module-} ]] || { echo "make-initrds: cannot stage the install" >&2; exit 1; }
    rm -rf "$work/dracut-base" "$work/dracut-tmp" "$work/dracut-conf"
    cp -a /usr/lib/dracut "$work/dracut-base"
    cp -a "$module" "$work/dracut-base/modules.d/"
    mkdir -p "$work/dracut-tmp" "$work/dracut-conf"
    # crash-init.sh brings the network up itself (dracut's ip= handling is dracut's init's job).
    # network-legacy, not network-manager: where NetworkManager is installed on the host, dracut's network module
    # picks it and pulls in systemd and dbus, and the image no longer fits the crash kernel's rootfs
    # (the appended /init is then lost and dracut's systemd boots instead).
    printf 'kdump_failover_ip="none"\nadd_dracutmodules+=" network-legacy "\nomit_dracutmodules+=" network-manager "\n' > "$work/dracut-conf/e2e.conf"
    if ! KDUMP_FAILOVER_BIN=$bin KDUMP_FAILOVER_CONFIG=$config dracutbasedir=$work/dracut-base \
        dracut --force --no-kernel --no-hostonly --no-hostonly-cmdline --modules "base kdump-failover" \
        --no-early-microcode --tmpdir "$work/dracut-tmp" --conf /dev/null --confdir "$work/dracut-conf" \
        "$work/crash-dracut.img" "$kver" > "$work/dracut.log" 2>&1; then
        cat "$work/dracut.log" >&2
        echo "make-initrds: dracut failed" >&2
        exit 1
    fi
    lsinitrd "$work/crash-dracut.img" > "$work/crash-dracut.list"
    grep -q 'usr/bin/kdump-failover-capture' "$work/crash-dracut.list" ||
        { echo "make-initrds: dracut's image lacks the capture script" >&2; exit 1; }
    if ! grep -Eq ' (usr/)?s?bin/poweroff( |$)' "$work/crash-dracut.list"; then
        mkdir -p "$overlay/usr/sbin"
        ln -s /kdf-e2e/busybox "$overlay/usr/sbin/poweroff"
    fi
    pack "$overlay" "$work/crash-overlay.img"
    cat "$work/crash-dracut.img" "$work/crash-overlay.img" > "$work/crash-initrd.img"
fi

# ---- the normal kernel's initramfs
normal=$work/normal
rm -rf "$normal"
mkdir -p "$normal"/{bin,sbin,dev,proc,sys,run,tmp}
cp /bin/busybox "$normal/bin/busybox"
cp "$(command -v kexec)" "$normal/sbin/kexec"
for lib in $(ldd "$(command -v kexec)" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}'); do
    mkdir -p "$normal$(dirname "$lib")"
    cp -L "$lib" "$normal$lib"
done
install -m 0755 "$here/normal-init.sh" "$normal/init"
cp "$kroot/boot/vmlinuz-$kver" "$normal/vmlinuz"
cp "$work/crash-initrd.img" "$normal/crash-initrd.img"
mknod -m 600 "$normal/dev/console" c 5 1
pack "$normal" "$work/normal-initrd.img"
echo "make-initrds: crash $(stat -c %s "$work/crash-initrd.img") bytes, normal $(stat -c %s "$work/normal-initrd.img") bytes"
