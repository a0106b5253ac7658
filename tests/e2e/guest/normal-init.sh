#!/bin/busybox sh
# shellcheck shell=dash
# /init of the end-to-end test guest's normal kernel (made by make-initrds.sh): the machine that is
# about to crash. It loads the crash kernel the way kdump does (kexec -p, with the crash initramfs
# our packaging built), leaves some page cache and shared memory behind for the dump to carry, and
# panics with sysrq-c. Lines for the host start with "KDF-E2E:".
#
# Kernel command line knobs:
#   kdf_e2e.crash_args  extra crash kernel arguments, ',' stands for ' ' (nr_cpus=N replaces nr_cpus=1)
#   kdf_e2e.shm_mb      MiB of tmpfs data written before the crash (default 16)
PATH=/bin:/sbin
export PATH
/bin/busybox mkdir -p /proc /sys /dev /run /tmp /sbin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2> /dev/null
mount -t tmpfs tmpfs /run
exec < /dev/console > /dev/console 2>&1

fail() {
    echo "KDF-E2E: FAIL: $*"
    poweroff -f
}

crash_args='' shm_mb=16
# shellcheck disable=SC2013 # the command line is one line of words
for a in $(cat /proc/cmdline); do
    case "$a" in
        kdf_e2e.crash_args=*) crash_args=$(echo "${a#*=}" | tr ',' ' ') ;;
        kdf_e2e.shm_mb=*) shm_mb=${a#*=} ;;
    esac
done
echo "KDF-E2E: normal kernel $(uname -r) up, $(grep MemTotal /proc/meminfo | tr -s ' ')"
grep -q 'Crash kernel' /proc/iomem || fail "no crashkernel= reservation"
grep -q ' la57' /proc/cpuinfo && echo "KDF-E2E: cpu has la57"

# nr_cpus=1 as kdump's tools boot their crash kernels, unless the scenario asks for more: the
# kernel keeps the smallest nr_cpus= it is given, so a later one could not raise it.
cpus=nr_cpus=1
case "$crash_args" in *nr_cpus=*) cpus='' ;; esac
args="console=ttyS0 irqpoll $cpus reset_devices panic=5 $crash_args"
echo "KDF-E2E: kexec -p /vmlinuz --initrd=/crash-initrd.img --append=\"$args\""
kexec -p /vmlinuz --initrd=/crash-initrd.img --append="$args" || fail "kexec -p failed"
[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || fail "crash kernel not loaded"

# Memory the dump carries: tmpfs data (cache pages), and the kernel log up to the panic.
dd if=/dev/urandom of=/run/data.bin bs=1M count="$shm_mb" 2> /dev/null
echo "KDF-E2E: wrote $shm_mb MiB to tmpfs; crashing"
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
sleep 10
fail "still alive after sysrq-c"
