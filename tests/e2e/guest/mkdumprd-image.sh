#!/usr/bin/env bash
# mkdumprd-image.sh - a RHEL-style kdump initramfs built by kdump-utils' own mkdumprd (and its
# 99kdumpbase) on this machine's dracut, with kdump-failover installed and `generate` run as a user
# would, in a sandbox: nothing outside WORK changes but one loop device and one /dev/disk/by-uuid
# link, both removed on exit.
#
#   mkdumprd-image.sh --build BUILD --kroot KROOT --kver KVER --work WORK --kdump-utils SRC
#                     --kdump-conf TEMPLATE --config KDF_CONF [--etc DIR] [--netns NS]
#                     [--cmdline "BASE"]
#
# How:
#   - kdump-utils SRC (read only) is copied and `make install`ed into WORK/root, which a private
#     mount namespace lays over /usr/lib, /usr/sbin and /etc (overlayfs), because kdump-utils'
#     scripts use fixed paths (/lib/kdump, /etc/kdump.conf, /sbin/mkdumprd). KROOT's modules come
#     in through the /usr/lib overlay as /lib/modules/KVER. Two Debian differences are bridged in
#     the root: /sbin/makedumpfile (Debian has /usr/bin/makedumpfile), and grep and df for
#     kdump.sh (no module of Debian's dracut installs them).
#   - this build is installed with `cmake --install --strip` (DESTDIR=WORK/stage) and laid over its
#     install prefix the same way, so the binary, plugins and kdump-post are at their real paths;
#     the dracut module is copied into the root's /usr/lib/dracut/modules.d.
#   - KDF_CONF becomes /etc/kdump-failover.conf; DIR (optional) is copied over the root's /etc
#     (NetworkManager keyfiles, ssh keys, dracut.conf.d drop-ins).
#   - the kdump target is a local disk: WORK/dump.img, ext4 with var/crash, on a loop device with
#     a fresh UUID; TEMPLATE's @UUID@ is replaced by it and the result is /etc/kdump.conf.
#   - `kdump-failover generate --kdump-conf /etc/kdump.conf` writes its managed block, then
#     `/sbin/mkdumprd -f IMG KVER` builds the image exactly as kdumpctl does, inside network
#     namespace NS when given (the module looks up the routes to the chain's hosts there).
#   - kdump-utils' kdumpctl, sourced, gives the crash kernel's command line from BASE (default
#     "console=ttyS0"): prepare_cmdline with /etc/sysconfig/kdump's values.
# Results in WORK: kdump.img, mkdumprd.log, lsinitrd.txt, kdump.conf (as generate left it),
# generate.log, cmdline.txt, dump.img. Fails when mkdumprd fails or its log shows a file it could
# not install (mkdumprd exits 0 then).
set -euo pipefail
build='' kroot='' kver='' work='' ku_src='' template='' config='' etc_tree='' netns='' base_cmdline='console=ttyS0'
while (($#)); do
    case $1 in
        --build) build=$2; shift ;;
        --kroot) kroot=$2; shift ;;
        --kver) kver=$2; shift ;;
        --work) work=$2; shift ;;
        --kdump-utils) ku_src=$2; shift ;;
        --kdump-conf) template=$2; shift ;;
        --config) config=$2; shift ;;
        --etc) etc_tree=$2; shift ;;
        --netns) netns=$2; shift ;;
        --cmdline) base_cmdline=$2; shift ;;
        *) echo "mkdumprd-image: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
die() { echo "mkdumprd-image: $*" >&2; exit 1; }
[[ -n $build && -n $kroot && -n $kver && -n $work && -n $ku_src && -f $template && -f $config ]] ||
    { echo "mkdumprd-image: --build, --kroot, --kver, --work, --kdump-utils, --kdump-conf, --config needed" >&2; exit 2; }
[[ -f $ku_src/mkdumprd && -d $ku_src/dracut/99kdumpbase ]] || die "$ku_src is not a kdump-utils tree"
[[ -d $kroot/lib/modules/$kver ]] || die "no modules for $kver under $kroot"
for tool in dracut lsinitrd make makedumpfile mkfs.ext4 losetup unshare blkid; do
    command -v "$tool" > /dev/null || die "$tool missing (tools/install-deps.sh installs it)"
done
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
root=$work/root
rm -rf "$root" "$work/kdump-utils" "$work/tmp" "$work/etc-upper" "$work/etc-work"
mkdir -p "$root" "$work/tmp" "$work/etc-upper" "$work/etc-work"

# --- kdump-utils, as its RPM lays it out --------------------------------------------------------
cp -a "$ku_src" "$work/kdump-utils"
make -s -C "$work/kdump-utils" install DESTDIR="$root" > "$work/kdump-utils-install.log" 2>&1 ||
    { cat "$work/kdump-utils-install.log" >&2; die "make install of kdump-utils failed"; }
mkdir -p "$root/usr/sbin" "$root/etc/dracut.conf.d"
ln -sfn "$(command -v makedumpfile)" "$root/usr/sbin/makedumpfile"
echo 'install_items+=" /usr/bin/grep /usr/bin/df "' > "$root/etc/dracut.conf.d/90-kdump-debian.conf"

# --- kdump-failover, installed ------------------------------------------------------------------
{ read -r bin; read -r _plugins; read -r module; } < <("$here/../../scripts/stage_install.sh" "$build" "$work/stage" --strip)
[[ -n ${module-} ]] || die "cannot stage the install"
prefix=${bin#"$work/stage"}
prefix=${prefix%/sbin/kdump-failover}
[[ -n $prefix && -d $prefix ]] || die "install prefix '$prefix' does not exist here"
mkdir -p "$root/usr/lib/dracut/modules.d"
cp -a "$module" "$root/usr/lib/dracut/modules.d/"
install -m 0600 "$config" "$root/etc/kdump-failover.conf"
[[ -z $etc_tree ]] || cp -a "$etc_tree/." "$root/etc/"

# --- the kdump target: a local ext4 disk ---------------------------------------------------------
uuid=$(cat /proc/sys/kernel/random/uuid)
mkdir -p "$work/seed/var/crash"
rm -f "$work/dump.img"
truncate -s 64M "$work/dump.img"
mkfs.ext4 -q -F -U "$uuid" -L kdftarget -d "$work/seed" "$work/dump.img"
sed "s/@UUID@/$uuid/g" "$template" > "$root/etc/kdump.conf"
loop='' made_disk=0 made_uuid=0
cleanup() {
    [[ -n $loop ]] && rm -f "/dev/disk/by-uuid/$uuid"
    ((made_uuid)) && rmdir /dev/disk/by-uuid 2> /dev/null
    ((made_disk)) && rmdir /dev/disk 2> /dev/null
    [[ -n $loop ]] && losetup -d "$loop"
    return 0
}
trap cleanup EXIT
loop=$(losetup --show -f "$work/dump.img")
# Without udev here, nothing makes the by-uuid link kdump-utils resolves the target through.
[[ -d /dev/disk ]] || made_disk=1
[[ -d /dev/disk/by-uuid ]] || made_uuid=1
mkdir -p /dev/disk/by-uuid
ln -sfn "../../${loop#/dev/}" "/dev/disk/by-uuid/$uuid"

# --- the sandbox: the root and the staged install over the fixed paths ---------------------------
# A third Debian difference: mkdumprd asks for dracut's squash module whenever mksquashfs is
# installed, and Debian ships that module in a separate package (dracut-squash). Where the module is
# absent, mksquashfs is hidden in the sandbox (an empty, non-executable file over it), as on a
# machine without squashfs-tools, so mkdumprd builds the plain image RHEL builds without squash.
hide_mksquashfs=''
if mksquashfs_path=$(command -v mksquashfs) && ! compgen -G '/usr/lib/dracut/modules.d/*squash*' > /dev/null; then
    hide_mksquashfs=$(readlink -f "$mksquashfs_path")
    : > "$work/no-mksquashfs"
fi
cat > "$work/ns-run.sh" << EOF
#!/bin/bash
# Runs a command with kdump-utils and kdump-failover at their installed paths (see mkdumprd-image.sh).
exec unshare --mount --propagation private /bin/bash -c '
  set -e
  mount -t overlay kdf-usrlib -o "lowerdir=$root/usr/lib:$kroot/lib:/usr/lib" /usr/lib
  mount -t overlay kdf-usrsbin -o "lowerdir=$root/usr/sbin:/usr/sbin" /usr/sbin
  mount -t overlay kdf-etc -o "lowerdir=$root/etc:/etc,upperdir=$work/etc-upper,workdir=$work/etc-work" /etc
  mount -t overlay kdf-prefix -o "lowerdir=$work/stage$prefix:$prefix" "$prefix"
  if [[ -n "$hide_mksquashfs" ]]; then mount --bind "$work/no-mksquashfs" "$hide_mksquashfs"; fi
  export TMPDIR=$work/tmp
  exec "\$@"' ns-run "\$@"
EOF
chmod +x "$work/ns-run.sh"
run() {
    if [[ -n $netns ]]; then ip netns exec "$netns" "$work/ns-run.sh" "$@"; else "$work/ns-run.sh" "$@"; fi
}

# --- generate, as a user runs it -----------------------------------------------------------------
run "$prefix/sbin/kdump-failover" generate --kdump-conf /etc/kdump.conf --config /etc/kdump-failover.conf \
    > "$work/generate.log" 2>&1 || { cat "$work/generate.log" >&2; die "kdump-failover generate failed"; }
[[ -f $work/etc-upper/kdump.conf ]] || die "generate did not write /etc/kdump.conf"
cp "$work/etc-upper/kdump.conf" "$work/kdump.conf"

# --- mkdumprd, as kdumpctl calls it ----------------------------------------------------------------
img=$work/kdump.img
rm -f "$img"
start=$SECONDS
if ! run /sbin/mkdumprd -f "$img" "$kver" > "$work/mkdumprd.log" 2>&1; then
    cat "$work/mkdumprd.log" >&2
    die "mkdumprd failed"
fi
echo "mkdumprd-image: mkdumprd took $((SECONDS - start)) s, image $(stat -c %s "$img") bytes"
if grep -E 'FAILED|ERROR: installing' "$work/mkdumprd.log" >&2; then
    die "mkdumprd left files out (lines above; $work/mkdumprd.log)"
fi
lsinitrd "$img" > "$work/lsinitrd.txt"

# --- the crash kernel's command line, from kdumpctl itself -----------------------------------------
(cd "$work/kdump-utils" && run bash -c '
    set +u; __SOURCED__=1; . ./kdumpctl
    prepare_cmdline "$1" "$KDUMP_COMMANDLINE_REMOVE" "$KDUMP_COMMANDLINE_APPEND"
' _ "$base_cmdline") > "$work/cmdline.txt" 2> "$work/cmdline.log" || { cat "$work/cmdline.log" >&2; die "kdumpctl's prepare_cmdline failed"; }
echo "mkdumprd-image: crash kernel command line: $(cat "$work/cmdline.txt")"
