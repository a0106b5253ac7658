#!/bin/busybox sh
# shellcheck shell=dash
# /init of the arm64 guest's crash kernel: the modules, the network (QEMU's user network: the
# host's loopback is 10.0.2.2) and the local disk up, then our chain twice from /proc/vmcore, as
# installed from the arm64 .deb: /etc/kdump-failover/disk.conf (primary NFS server down, the local
# virtio disk holds the dump), then ssh.conf (the same primary, the host's sshd holds it). Then
# power off. Lines for the host start with "KDF-ARM64:".
/bin/busybox mkdir -p /proc /sys /dev /run /tmp /mnt/disk
/bin/busybox --install -s /bin
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2> /dev/null
mount -t tmpfs tmpfs /run
exec < /dev/console > /dev/console 2>&1
off() {
    sync
    umount /mnt/disk 2> /dev/null
    poweroff -f
    sleep 30
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
echo "KDF-ARM64: crash kernel $(uname -r) up at $(uptime_s) s, $(grep MemTotal /proc/meminfo | tr -s ' '), /proc/vmcore $(stat -c %s /proc/vmcore 2> /dev/null) bytes"
while read -r ko; do
    insmod "$ko" || echo "KDF-ARM64: insmod $ko failed"
done < /etc/kdf-arm64/modules.order
i=0
while { [ ! -e /dev/vda ] || [ ! -e /sys/class/net/eth0 ]; } && [ $i -lt 30 ]; do
    sleep 1
    i=$((i + 1))
done
ip link set lo up
ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2 ||
    echo "KDF-ARM64: no network"
mount -t ext4 /dev/vda /mnt/disk || echo "KDF-ARM64: cannot mount /dev/vda"
hostname kdf-arm64-guest
for chain in disk ssh; do
    t0=$(uptime_s)
    rc=0
    kdump-failover dump --config "/etc/kdump-failover/$chain.conf" || rc=$?
    echo "KDF-ARM64: chain $chain exit $rc in $(awk -v t="$t0" '{printf "%.1f", $1 - t}' /proc/uptime) s"
done
off
