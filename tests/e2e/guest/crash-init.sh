#!/kdf-e2e/busybox sh
# shellcheck shell=dash
# /init of the end-to-end test guest's crash kernel. make-initrds.sh appends it (with busybox and
# the kernel modules) to the initramfs that dracut built with our 99kdump-failover module, so
# everything of kdump-failover here (binary, plugins, their libraries, config, keys, the capture
# script) is what our packaging put in. This init stands in for dracut's own (which needs udev and
# a full boot sequence the test does not exercise): it brings up the devices and the network the
# way dracut's would, then starts the same capture script dracut's pre-mount hook starts.
#
# kdf_e2e.mode=chain (default): run /usr/bin/kdump-failover-capture; its final_action powers off.
# kdf_e2e.mode=raw: copy /proc/vmcore byte for byte to /dev/vda instead (a raw vmcore for the host).
# kdf_e2e.mode=script: once the network is up, run /kdf-e2e/script.sh (a scenario's own, added with
# make-initrds.sh --overlay) instead of the capture script, then power off.
B=/kdf-e2e/busybox
$B mkdir -p /proc /sys /dev /run /tmp /kdf-e2e/bin
$B --install -s /kdf-e2e/bin
PATH=/kdf-e2e/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2> /dev/null
mount -t tmpfs tmpfs /run
mkdir -p /run/kdump-failover
exec < /dev/console > /dev/console 2>&1

off() {
    sync
    poweroff -f
    sleep 30
}
fail() {
    echo "KDF-E2E: FAIL: $*"
    off
}
echo "KDF-E2E: crash kernel $(uname -r) up at $(cut -d' ' -f1 /proc/uptime) s, $(grep MemTotal /proc/meminfo | tr -s ' ')"
[ -e /proc/vmcore ] || fail "no /proc/vmcore: not a crash kernel"

mode=chain
[ -r /kdf-e2e/mode ] && mode=$(cat /kdf-e2e/mode)   # make-initrds.sh --raw
# shellcheck disable=SC2013 # the command line is one line of words
for a in $(cat /proc/cmdline); do
    case "$a" in kdf_e2e.mode=*) mode=${a#*=} ;; esac
done

# Modules listed by make-initrds.sh, dependencies first; built-in ones are not in the list.
while read -r ko; do
    insmod "$ko" || echo "KDF-E2E: insmod $ko failed"
done < /kdf-e2e/modules.order

wait_dev() {
    i=0
    while [ ! -e "$1" ] && [ $i -lt 20 ]; do sleep 1; i=$((i + 1)); done
    [ -e "$1" ]
}

if [ "$mode" = raw ]; then
    wait_dev /dev/vda || fail "no /dev/vda"
    size=$(stat -c %s /proc/vmcore)
    dd if=/proc/vmcore of=/dev/vda bs=1M 2> /dev/null || fail "dd /proc/vmcore"
    sync
    echo "KDF-E2E: RAW size=$size"
    off
fi

# The network the way dracut's ip= would set it up: QEMU's user network, the host at 10.0.2.2.
if [ -e /sys/class/net/eth0 ]; then
    ip link set lo up
    ip link set eth0 up
    ip addr add 10.0.2.15/24 dev eth0
    ip route add default via 10.0.2.2
    echo "KDF-E2E: network up: $(ip -o -4 addr show eth0 | awk '{print $4}')"
fi
hostname kdf-e2e-guest
wait_dev /dev/vda && echo "KDF-E2E: disk /dev/vda present"

# lvm's run and lock directories, as dracut's base module leaves them. Nothing activates the local
# backup's logical volume here: the capture script does that itself, from the image's
# /etc/kdump-failover/storage (no rd.lvm.lv= on the command line, so dracut's lvm module would not).
mkdir -p /run/lock/lvm /run/lvm

if [ "$mode" = script ]; then
    sh /kdf-e2e/script.sh || echo "KDF-E2E: FAIL: /kdf-e2e/script.sh exit $?"
    off
fi

t0=$(cut -d' ' -f1 /proc/uptime)
echo "KDF-E2E: chain starts at $t0 s"
/usr/bin/kdump-failover-capture
echo "KDF-E2E: capture returned: the chain did not save the dump ($(cat /run/kdump-failover/chain-failed 2> /dev/null))"
off
