#!/usr/bin/env bash
# Local backups on LVM and LUKS in the crash initramfs: a real dracut build (private dracutbasedir
# with this build's 99kdump-failover module) for a chain whose local targets live on
#   - an LVM logical volume "dump-lv" in volume group "kdf-vg" (dashes, which device-mapper doubles:
#     /dev/mapper/kdf--vg-dump--lv), made by lvm2 on a loop device without activation;
#   - a LUKS2 mapping "kdf-secret" with a key file in /etc/crypttab (cryptsetup luksFormat);
#   - a LUKS2 mapping "kdf-asks" that needs a passphrase (crypttab key "none").
# This host's kernel has no device-mapper, so nothing can be activated here: in a private mount
# namespace the targets' mount points are tmpfs mounts whose source is the mapper path, as the
# mount table shows an activated LV or mapping, and /etc/crypttab is the test's (an overlay on /etc
# in that namespace only).
# Checked in the image: dracut's lvm and crypt modules were pulled in (tools, udev rules); no
# rd.lvm.lv=, rd.md.uuid=, rd.luks.uuid= on its command line and no backup mapping in its crypttab
# (each would make dracut wait for the device: a dead backup disk would end in its emergency shell);
# /etc/kdump-failover/storage lists the LV and the keyed LUKS mapping, bottom first, with its key
# file (0600), not the passphrase one, for which the build warns, as it warns that the key file is
# in the image; the mounts list has both backups. Then the capture script assembles that list with
# the real lvm and cryptsetup: each step gives up after its bound and the script falls back.
#   dracut_storage.sh BUILD_DIR
# Needs root, lvm2, cryptsetup-bin, dracut-core (tools/install-deps.sh).
set -euo pipefail
build=$(cd "$1" && pwd)
fail() { echo "dracut_storage: FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root (loop device, mount namespace)"
for t in dracut lsinitrd lvm dmsetup cryptsetup losetup unshare; do
  command -v "$t" > /dev/null || fail "$t is not installed (tools/install-deps.sh)"
done
[[ -d /usr/lib/dracut/modules.d/90lvm && -d /usr/lib/dracut/modules.d/90crypt ]] || fail "dracut's lvm/crypt modules missing"

work=$(mktemp -d /tmp/kdf-storage-XXXXXX)
loop=''
cleanup() {
  [[ -n $loop ]] && losetup -d "$loop" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT

{ read -r bin; read -r _plugins; read -r module; } < <("$(dirname "$0")/stage_install.sh" "$build" "$work/stage") ||
  fail "cannot stage the install"
[[ -n ${module-} ]] || fail "cannot stage the install"
cp -a /usr/lib/dracut "$work/base"
cp -a "$module" "$work/base/modules.d/"
mkdir -p "$work/tmp" "$work/conf.d" "$work/lvm" "$work/lv-backup" "$work/luks-backup" "$work/asks-backup"

# lvm2 metadata on a loop device, no activation; lvm (ours and the module's) sees only this device.
truncate -s 64M "$work/pv.img"
loop=$(losetup -f --show "$work/pv.img")
cat > "$work/lvm/lvm.conf" <<CONF
devices { filter = [ "a|^$loop\$|", "r|.*|" ] obtain_device_list_from_udev = 0 use_devicesfile = 0 }
activation { udev_sync = 0 udev_rules = 0 monitoring = 0 }
global { activation = 0 }
backup { backup = 0 archive = 0 }
CONF
export LVM_SYSTEM_DIR=$work/lvm LVM_SUPPRESS_FD_WARNINGS=1
{ lvm pvcreate -y "$loop" && lvm vgcreate -s 4M kdf-vg "$loop" && lvm lvcreate -l 4 -n dump-lv kdf-vg; } \
  > "$work/lvm.log" 2>&1 || { cat "$work/lvm.log"; fail "lvm2 could not make the volume group"; }

# Two LUKS2 headers; one opened by key file, one by passphrase.
head -c 64 /dev/urandom > "$work/secret.key"
chmod 0644 "$work/secret.key"   # the image must make it 0600 anyway
for name in secret asks; do
  truncate -s 32M "$work/$name.img"
  cryptsetup luksFormat --type luks2 -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$work/secret.key" \
    "$work/$name.img" || fail "luksFormat $name"
done
secret_uuid=$(cryptsetup luksUUID "$work/secret.img")
asks_uuid=$(cryptsetup luksUUID "$work/asks.img")
cat > "$work/crypttab" <<TAB
# name      device                key                 options
kdf-secret  UUID=$secret_uuid     $work/secret.key    luks
kdf-asks    UUID=$asks_uuid       none                luks
TAB

cat > "$work/chain.conf" <<CONF
[chain]
targets = on-lvm on-luks on-asks

[target on-lvm]
type = local
path = $work/lv-backup
mount_point = $work/lv-backup

[target on-luks]
type = local
path = $work/luks-backup
mount_point = $work/luks-backup

[target on-asks]
type = local
path = $work/asks-backup
mount_point = $work/asks-backup
CONF

# shellcheck disable=SC2016 # expanded by the inner shell
unshare -m --propagation private bash -c '
  set -e
  w=$1 bin=$2
  mkdir -p "$w/etc-up" "$w/etc-work"
  cp "$w/crypttab" "$w/etc-up/crypttab"
  mount -t overlay overlay -o "lowerdir=/etc,upperdir=$w/etc-up,workdir=$w/etc-work" /etc 2> /dev/null ||
    { touch "$w/no-crypttab"; exit 98; }
  mount -t tmpfs /dev/mapper/kdf--vg-dump--lv "$w/lv-backup"
  mount -t tmpfs /dev/mapper/kdf-secret "$w/luks-backup"
  mount -t tmpfs /dev/mapper/kdf-asks "$w/asks-backup"
  KDUMP_FAILOVER_BIN=$bin KDUMP_FAILOVER_CONFIG=$w/chain.conf dracutbasedir=$w/base \
    dracut --force --no-kernel --no-hostonly --no-hostonly-cmdline --modules "base kdump-failover" \
    --no-early-microcode --tmpdir "$w/tmp" --conf /dev/null --confdir "$w/conf.d" "$w/storage.img" 6.1.0-kdf-test
' _ "$work" "$bin" > "$work/dracut.log" 2>&1 || {
  [[ -e $work/no-crypttab ]] && fail "cannot put the test's crypttab over /etc (overlayfs)"
  cat "$work/dracut.log"; fail "dracut failed"
}

mkdir "$work/x"
(cd "$work/x" && /usr/lib/dracut/skipcpio "$work/storage.img" | gzip -dc | cpio -idm --quiet 2> /dev/null) ||
  (cd "$work/x" && lsinitrd --unpack "$work/storage.img" > /dev/null)
x=$work/x
log=$(cat "$work/dracut.log")
for m in lvm crypt kdump-failover; do
  grep -q "Including module: $m\b" <<< "$log" || fail "dracut's $m module was not included"
done
# Nothing on the command line makes dracut wait for a backup device: with rd.lvm.lv=, rd.md.uuid=
# or rd.luks.uuid= dracut's parse-lvm.sh / parse-md.sh wait_for_dev and parse-crypt.sh's
# initqueue/finished hook keep the initqueue waiting for a dead backup disk until the emergency shell.
if grep -rEqs 'rd\.(lvm\.lv|lvm\.vg|md\.uuid|luks\.uuid|luks\.name)=|rd\.auto' "$x/etc/cmdline.d"; then
  fail "the image's command line makes dracut wait for a backup: $(cat "$x"/etc/cmdline.d/*)"
fi
[[ ! -e $x/etc/cmdline.d/94kdump-failover-storage.conf ]] || fail "a storage command line is still written"
! grep -qs 'kdf-' "$x/etc/crypttab" || fail "a backup mapping is in the image's crypttab (systemd-cryptsetup would wait for it)"
# What the capture script assembles, bottom first, and the key file (0600) it unlocks with.
storage=$(cat "$x/etc/kdump-failover/storage" 2> /dev/null) || fail "no /etc/kdump-failover/storage in the image"
expected_storage="lvm"$'\t'"kdf-vg/dump-lv"$'\n'"crypt"$'\t'"kdf-secret"$'\t'"UUID=$secret_uuid"$'\t'"$work/secret.key"
[[ $storage == "$expected_storage" ]] || fail "storage list: $storage"$'\n'"expected: $expected_storage"
[[ -f $x$work/secret.key && $(stat -c %a "$x$work/secret.key") == 600 ]] || fail "key file missing or not 0600 in the image"
grep -q "kdf-asks, unlocked by passphrase; the crash kernel cannot unlock it" <<< "$log" ||
  fail "no warning for the passphrase LUKS backup"
grep -q "WARNING: the key file $work/secret.key of LUKS mapping kdf-secret is copied into the kdump initramfs" <<< "$log" ||
  fail "no warning that the LUKS key file is copied into the image"
for mp in lv-backup luks-backup asks-backup; do
  grep -q $'\t'"$work/$mp"$'\t' "$x/etc/kdump-failover/mounts" || fail "mounts lacks $mp"
done
grep -q "^/dev/mapper/kdf--vg-dump--lv"$'\t' "$x/etc/kdump-failover/mounts" || fail "the LV is not the mount source"
[[ -x $x/usr/sbin/lvm || -x $x/sbin/lvm ]] || fail "no lvm in the image"
[[ -x $x/usr/sbin/cryptsetup || -x $x/sbin/cryptsetup || -e $x/usr/lib/systemd/systemd-cryptsetup ]] ||
  fail "nothing in the image can unlock LUKS"
if grep -rqs "kdf--vg-dump--lv\|kdf-secret" "$x"/usr/lib/dracut/hooks/initqueue/finished 2> /dev/null; then
  fail "the initqueue waits for a backup device (a missing backup would end in dracut's emergency shell)"
fi

# The capture script assembles the image's storage list with the real lvm and cryptsetup, each step
# bounded: the volume group is on the loop device, but this kernel has no device-mapper, so lvm
# cannot activate it; the LUKS device is absent. Both steps give up after KDF_DEVICE_WAIT seconds
# and say so, the chain still runs (its targets fail), and the script returns for kdump's own dump.
cap=$work/capture
mkdir -p "$cap/state"
"$build/bin/kdf-mkvmcore" --size 4M "$cap/vmcore" > /dev/null || fail "kdf-mkvmcore"
printf '[chain]\ntargets = on-lvm\n\n[target on-lvm]\ntype = local\npath = %s/never\n' "$cap" > "$cap/kdf.conf"
printf 'KDF_BIN=%s\nKDUMP_FAILOVER_CONFIG=%s\n' "$bin" "$cap/kdf.conf" > "$cap/initramfs.env"
printf '#!/bin/sh\necho "final_action $*" >> %s\n' "$cap/calls.log" > "$cap/final-action"
chmod +x "$cap/final-action"
sed "s|UUID=$secret_uuid|UUID=00000000-0000-4000-8000-00000000dead|" "$x/etc/kdump-failover/storage" > "$cap/storage"
: > "$cap/kdump.conf"
# lvm as in the crash kernel: activation on (the build's lvm.conf turns it off), this device only.
mkdir -p "$cap/lvm"
grep -v '^global' "$work/lvm/lvm.conf" > "$cap/lvm/lvm.conf"
start=$(date +%s)
LVM_SYSTEM_DIR=$cap/lvm KDF_VMCORE=$cap/vmcore KDF_STATE_DIR=$cap/state KDF_STORAGE=$cap/storage KDF_MOUNTS=$cap/mounts KDF_DEVICE_WAIT=2 \
  KDF_KDUMP_CONF=$cap/kdump.conf KDF_KDUMP_HOOK_DIR=$cap/hooks KDF_CMDLINE=/dev/null KDF_ENV_FILE=$cap/initramfs.env \
  KDF_KDUMP_LIB=$(sed -n 's/^KDF_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")/peers/kdump-utils/kdump-lib-initramfs.sh \
  KDF_DUTIES=$build/packaging/dracut/99kdump-failover/kdump-failover-duties.sh KDF_FINAL_ACTION_COMMAND=$cap/final-action \
  dash "$build/packaging/dracut/99kdump-failover/kdump-failover-capture.sh" > "$cap/console.log" 2>&1 ||
  fail "the capture script exited non-zero: $(cat "$cap/console.log")"
elapsed=$(($(date +%s) - start))
if [[ -r $cap/state/fence-notices.pid ]]; then kill "$(cat "$cap/state/fence-notices.pid")" 2> /dev/null || true; fi
grep -q "could not activate logical volume kdf-vg/dump-lv in 2 s; targets on it will fail" "$cap/console.log" ||
  fail "no bounded LV activation: $(cat "$cap/console.log")"
grep -q "could not unlock UUID=00000000-0000-4000-8000-00000000dead as kdf-secret in 2 s" "$cap/console.log" ||
  fail "no bounded LUKS unlock: $(cat "$cap/console.log")"
grep -q "kdump's own dump runs next as the last resort" "$cap/console.log" || fail "no fallback: $(cat "$cap/console.log")"
[[ ! -e $cap/calls.log ]] || fail "a final action ran although nothing was saved"
((elapsed < 60)) || fail "assembly took ${elapsed} s"
# lvm's own words, relayed: it found the volume group and failed only at the kernel's device-mapper.
grep -q "^kdump-failover:   .*device-mapper" "$cap/console.log" || fail "lvm did not get as far as activation: $(cat "$cap/console.log")"
echo "dracut_storage: OK (assembly gave up in ${elapsed} s)"
