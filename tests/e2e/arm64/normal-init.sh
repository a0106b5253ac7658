#!/bin/busybox sh
# shellcheck shell=dash
# /init of the arm64 guest's normal kernel: show what `kdump-failover status` says on this real
# arm64 kernel, load the crash kernel (kexec -p, behind the kallsyms workaround unless the host
# left it out), and crash with sysrq-c. Lines for the host start with "KDF-ARM64:".
/bin/busybox mkdir -p /proc /sys /dev /run /tmp
/bin/busybox --install -s /bin
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2> /dev/null
mount -t tmpfs tmpfs /run
exec < /dev/console > /dev/console 2>&1
fail() {
    echo "KDF-ARM64: FAIL: $*"
    poweroff -f
    sleep 30
}
echo "KDF-ARM64: normal kernel $(uname -r) $(uname -m) up at $(cut -d' ' -f1 /proc/uptime) s"
echo "KDF-ARM64: kallsyms _text lines: $(grep -c ' [Tt] _text$' /proc/kallsyms), first: $(head -n 3 /proc/kallsyms | tr '\n' ';'), $(grep -m1 ' _stext$' /proc/kallsyms)"
echo "KDF-ARM64: status: $(kdump-failover status --json --no-probe --config /etc/kdump-failover/disk.conf 2> /dev/null; echo " exit $?")"

crash_append="console=ttyAMA0 irqpoll nr_cpus=1 reset_devices panic=5 loglevel=6"
# kexec_file_load first, to show what this kernel says to it (the workaround's load replaces a
# crash kernel it might have loaded).
rc=0
out=$(/sbin/kexec.real -s -p "/boot/vmlinuz-$(uname -r)" --initrd=/boot/crash-initrd.img --append="$crash_append" 2>&1) || rc=$?
echo "KDF-ARM64: kexec -s -p: exit $rc: $(echo "$out" | tr '\n' ' ')"
kexec=/sbin/kexec
[ -e /etc/kdf-arm64/no-workaround ] && kexec=/sbin/kexec.real
t0=$(cut -d' ' -f1 /proc/uptime)
"$kexec" -p "/boot/vmlinuz-$(uname -r)" --initrd=/boot/crash-initrd.img --append="$crash_append" ||
    fail "kexec -p exit $?"
[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || fail "no crash kernel loaded"
echo "KDF-ARM64: crash kernel loaded with $kexec in $(awk -v t="$t0" '{printf "%.1f", $1 - t}' /proc/uptime) s; crashing"
sync
echo c > /proc/sysrq-trigger
fail "still running after sysrq-c"
