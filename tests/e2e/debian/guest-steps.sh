#!/bin/sh
# The steps of docs/setup-debian.md, run as root in the Debian guest (kdflab-stage.service runs
# this from the read-only stage disk at the end of every boot, output on the serial console).
# First boot: install the package, configure, trust, check, generate, enable, reboot. Second boot:
# kdump-tools has loaded the crash kernel at boot through our drop-in; check that, then crash.
# Stage files: kdump-failover_*.deb, kdump-failover.conf, fingerprint (the host's sshd key, as its
# admin would read it out). Lines for the test start with "KDFLAB:"; a failed step prints
# "KDFLAB: FAIL: <step>" and powers the guest off.
set -eu
S=$(dirname "$0")
done_marker=/var/lib/kdflab/set-up
fail() {
	echo "KDFLAB: FAIL: $*"
	sleep 1
	systemctl poweroff --force --force
	exit 1
}
step() {
	echo "KDFLAB: step: $*"
	"$@" || fail "$* (exit $?)"
}

if [ ! -e "$done_marker" ]; then
	echo "KDFLAB: first boot, kernel $(uname -r), $(ip -4 -o addr show scope global | awk '{print $2, $4}')"
	# 1. Install
	deb=$(ls "$S"/kdump-failover_*.deb)
	step env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$deb"
	# 2. Config, key, the server's host key, check
	step install -m 0644 "$S/kdump-failover.conf" /etc/kdump-failover.conf
	step kdump-failover keys remote
	step kdump-failover ssh-trust remote --expect "$(cat "$S/fingerprint")"
	# The server's admin appends the line `keys` printed to authorized_keys (the test does it when
	# it reads the line on the console); until then the probe's login fails.
	tries=0
	until kdump-failover check --probe; do
		tries=$((tries + 1))
		[ $tries -lt 60 ] || fail "kdump-failover check --probe (the server never accepted the key)"
		sleep 2
	done
	echo "KDFLAB: step: kdump-failover check --probe: ok"
	# 3. Wire it
	step kdump-failover generate
	step systemctl enable kdump-failover
	mkdir -p "${done_marker%/*}" && touch "$done_marker" && sync
	# 4. Reboot. QEMU runs with -no-reboot (the crash kernel's final reboot ends the test), so the
	# reboot is a kexec into the same kernel: the same shutdown and the same full boot.
	echo "KDFLAB: step: reboot (systemctl kexec)"
	step kexec -l "/boot/vmlinuz-$(uname -r)" --initrd="/boot/initrd.img-$(uname -r)" --reuse-cmdline
	step systemctl kexec
	exit 0
fi

echo "KDFLAB: second boot, kernel $(uname -r)"
if journalctl -b --no-pager | grep -i 'ordering cycle'; then
	fail "systemd found an ordering cycle at boot"
fi
for unit in kdump-failover.service kdump-tools.service; do
	state="$(systemctl is-active "$unit" || true) $(systemctl show -p Result --value "$unit")"
	echo "KDFLAB: $unit: $state"
	[ "$state" = "active success" ] || { journalctl -b -u "$unit" --no-pager; fail "$unit did not start: $state"; }
done
# Both kdump-tools units run through kdump-failover's drop-ins (the crash boot reads them too).
for unit in kdump-tools.service kdump-tools-dump.service; do
	dropins=$(systemctl show -p DropInPaths --value "$unit")
	echo "KDFLAB: $unit drop-ins: $dropins"
	case $dropins in
	*"$unit.d/kdump-failover.conf"*) ;;
	*) fail "$unit has no kdump-failover drop-in" ;;
	esac
done
journalctl -b -u kdump-tools.service --no-pager | sed 's/^/KDFLAB: | /'
kdump-config show 2>&1 | sed 's/^/KDFLAB: | /'
kdump-config show 2>&1 | grep -q 'current state:[[:space:]]*ready to kdump' || fail "kdump-config show: not ready to kdump"
[ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || fail "no crash kernel loaded"
grep -q "^KDUMP_FAILOVER_CONFIG='/etc/kdump-failover.conf'" /etc/default/kdump-tools || fail "generate wrote no KDUMP_FAILOVER_CONFIG"
# The post-interrupt check: kdump-failover status reads the reservation, the loaded crash kernel,
# kdump-tools' unit and its crash initrd itself. Kept on the root disk for the test to read (the
# console can interleave kernel messages into a long line), and shown on the console.
status_rc=0
kdump-failover status --json > /var/lib/kdflab/status.json || status_rc=$?
echo "$status_rc" > /var/lib/kdflab/status.exit
kdump-failover status 2>&1 | sed 's/^/KDFLAB: status | /' || true
echo "KDFLAB: status exit $status_rc"
sync
echo "KDFLAB: ready; crashing now: echo c > /proc/sysrq-trigger"
sync
sleep 2
echo c > /proc/sysrq-trigger
