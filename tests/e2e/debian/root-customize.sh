#!/bin/sh
# mmdebstrap's customize hook for make-root.sh ($1 = the new root, its mounts still in place).
# What a Debian 12 machine with kdump-tools has, plus two test units that only start when the kernel
# command line asks for them: kdflab.prime=1 (report kdump's state, power off) and kdflab.stage=1
# (run the test's script from the second disk, /dev/vdb).
set -eu
R=$1
# The kernel mounts / read-only, as GRUB's "ro" does; systemd-remount-fs makes it writable from fstab.
printf '/dev/vda\t/\text4\terrors=remount-ro\t0\t1\n' > "$R/etc/fstab"
echo kdflab > "$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tkdflab\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$R/etc/hosts"

# kdump-tools after the kernel: unpacked earlier, its kernel postinst hook would build the kdump
# initrd inside the chroot, where it cannot find the root device, and abort the whole install.
# mmdebstrap's policy-rc.d keeps its postinst from loading a crash kernel here.
chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends kdump-tools
sed -i 's/^USE_KDUMP=.*/USE_KDUMP=1/' "$R/etc/default/kdump-tools"
grep -q '^USE_KDUMP=1$' "$R/etc/default/kdump-tools"

# The network, as a server has it: systemd-networkd with DHCP (QEMU's user network serves it), and
# network-online.target meaning "configured", which kdump-tools-dump.service waits for.
cat > "$R/etc/systemd/network/50-wired.network" << 'UNIT'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4
UNIT
chroot "$R" systemctl enable systemd-networkd.service systemd-networkd-wait-online.service

cat > "$R/etc/systemd/system/kdflab-prime.service" << 'UNIT'
[Unit]
Description=kdflab: report kdump's state after kdump-tools loaded the crash kernel, then power off
ConditionKernelCommandLine=kdflab.prime=1
After=kdump-tools.service multi-user.target

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'kdump-config show 2>&1 | sed "s/^/KDFLAB-PRIME: /" > /dev/console; systemctl poweroff --no-block'

[Install]
WantedBy=multi-user.target
UNIT
cat > "$R/usr/local/sbin/kdflab-stage" << 'SH'
#!/bin/sh
# Runs the test's script from the second disk; its output goes to the serial console.
set -eu
mkdir -p /run/kdflab-stage
mount -o ro /dev/vdb /run/kdflab-stage
exec sh /run/kdflab-stage/run.sh > /dev/console 2>&1
SH
chmod 755 "$R/usr/local/sbin/kdflab-stage"
cat > "$R/etc/systemd/system/kdflab-stage.service" << 'UNIT'
[Unit]
Description=kdflab: run the test's script from /dev/vdb
ConditionKernelCommandLine=kdflab.stage=1
Wants=network-online.target
After=kdump-tools.service multi-user.target network-online.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/kdflab-stage

[Install]
WantedBy=multi-user.target
UNIT
chroot "$R" systemctl enable kdflab-prime.service kdflab-stage.service
# Last: apt above needed it. mmdebstrap copied the host's; the guest only talks to QEMU's 10.0.2.2.
rm -f "$R/etc/resolv.conf"
