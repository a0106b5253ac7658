#!/usr/bin/env bash
# shellcheck disable=SC2054 # commas inside QEMU option values
# run-guest.sh - boots the end-to-end test guest under QEMU (software emulation) until it powers
# off: normal kernel -> kexec -p -> sysrq-c -> crash kernel -> dump -> poweroff.
#
#   run-guest.sh --work DIR --kernel VMLINUZ [--disk IMG] [--net] [--la57]
#                [--mem MB] [--smp N] [--crashkernel SIZE] [--crash-args ARGS] [--timeout S]
#
# DIR holds normal-initrd.img (make-initrds.sh); the serial console of both kernels goes to
# DIR/console.log. --disk: a raw image as the guest's only virtio disk (/dev/vda). --net: QEMU's
# user network on a virtio NIC; QEMU connects the guest's 10.0.2.2 to the host's 127.0.0.1, where
# the test's servers listen (restrict=on would also cut that off for UDP). --la57: -cpu max with 5-level
# paging (the default is -cpu max,la57=off). --smp: vCPUs (default 1; the crash kernel still boots
# with nr_cpus=1 unless --crash-args says nr_cpus=N). The wall-clock limit (default 600 s) kills QEMU;
# exit status: QEMU's, or 124 when the limit hit.
set -euo pipefail
work='' kernel='' disk='' net=0 cpu=max,la57=off mem=512 smp=1 ck=192M crash_args='' limit=600
while (($#)); do
    case $1 in
        --work) work=$2; shift ;;
        --kernel) kernel=$2; shift ;;
        --disk) disk=$2; shift ;;
        --net) net=1 ;;
        --la57) cpu=max ;;
        --mem) mem=$2; shift ;;
        --smp) smp=$2; shift ;;
        --crashkernel) ck=$2; shift ;;
        --crash-args) crash_args=$2; shift ;;
        --timeout) limit=$2; shift ;;
        *) echo "run-guest: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[[ -f $work/normal-initrd.img && -f $kernel ]] || { echo "run-guest: --work (with normal-initrd.img) and --kernel needed" >&2; exit 2; }
command -v qemu-system-x86_64 > /dev/null || { echo "run-guest: qemu-system-x86_64 missing (tools/install-deps.sh installs it)" >&2; exit 1; }

args=(-machine pc -accel tcg -cpu "$cpu" -smp "$smp" -m "$mem"
      -kernel "$kernel" -initrd "$work/normal-initrd.img"
      -append "console=ttyS0 crashkernel=$ck panic=5 loglevel=6 kdf_e2e.crash_args=$(tr ' ' ',' <<< "$crash_args")"
      -display none -monitor none -serial "file:$work/console.log" -no-reboot -nodefaults)
if [[ -n $disk ]]; then
    args+=(-drive "file=$disk,format=raw,if=none,id=d0,cache=unsafe" -device virtio-blk-pci,drive=d0,serial=kdfdisk)
fi
if ((net)); then
    args+=(-netdev user,id=n0,net=10.0.2.0/24,host=10.0.2.2 -device virtio-net-pci,netdev=n0)
fi
rc=0
timeout --kill-after=10 "$limit" qemu-system-x86_64 "${args[@]}" < /dev/null > "$work/qemu.out" 2>&1 || rc=$?
tr -d '\r' < "$work/console.log" > "$work/console.txt" 2> /dev/null || true
exit "$rc"
