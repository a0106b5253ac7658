#!/usr/bin/env bash
# Boots a copy of the primed Debian 12 image (make-root.sh) under QEMU with a second disk made from
# STAGE_DIR: the image's kdflab-stage.service runs STAGE_DIR/run.sh from it at the end of the boot.
# The guest has QEMU's user network (its 10.0.2.2 is the host's 127.0.0.1). QEMU ends when the guest
# powers off or resets (kdump-tools' `reboot -f` after a dump), or at the time limit (exit 124).
#
#   run-debian-guest.sh --image ROOT_IMG --stage STAGE_DIR --work DIR [--timeout S]
#
# DIR gets root.img (the copy, kept for the test to read), stage.img, console.txt.
set -euo pipefail
image='' stage='' work='' limit=900
while (($#)); do
  case $1 in
    --image) image=$2; shift 2 ;;
    --stage) stage=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    *) echo "run-debian-guest: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -s $image && -d $stage && -n $work ]] || { echo "run-debian-guest: --image, --stage and --work are required" >&2; exit 2; }
cache=$(dirname "$image")
mkdir -p "$work"
cp --sparse=always "$image" "$work/root.img"
rm -f "$work/stage.img"
truncate -s 64M "$work/stage.img"
mkfs.ext4 -q -F -L kdflab-stage -d "$stage" "$work/stage.img"
rc=0
# -no-reboot: a reset (kdump-tools' reboot -f) ends QEMU; the panic itself does not reset, the
# kernel jumps into the loaded crash kernel. panic=10 ends a panic without a crash kernel quickly.
timeout --kill-after=10 "$limit" qemu-system-x86_64 -machine pc -accel tcg,thread=multi -cpu max,la57=off \
  -smp 2 -m 1536 -kernel "$cache/vmlinuz" -initrd "$cache/initrd.img" \
  -append "root=/dev/vda ro console=ttyS0 crashkernel=256M panic=10 kdflab.stage=1" \
  -drive "file=$work/root.img,if=virtio,format=raw,cache=unsafe" \
  -drive "file=$work/stage.img,if=virtio,format=raw,readonly=on" \
  -netdev user,id=n0,net=10.0.2.0/24,host=10.0.2.2 -device virtio-net-pci,netdev=n0 \
  -display none -monitor none -serial "file:$work/console.log" -no-reboot < /dev/null > "$work/qemu.out" 2>&1 || rc=$?
tr -d '\r' < "$work/console.log" > "$work/console.txt" 2> /dev/null || true
exit "$rc"
