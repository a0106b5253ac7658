#!/usr/bin/env bash
# kdump's duties after a chain dump, in a RHEL-style kdump initramfs built by kdump-utils' own
# mkdumprd (99kdumpbase, Debian's dracut; tests/e2e/guest/mkdumprd-image.sh) and crashed in QEMU as
# `kdumpctl test` crashes it (kdump_test_id= on the crash kernel's command line):
#   kdump.conf: the kdump target is a local ext4 disk (UUID=), a kdump_post script of the user's,
#   a post.d script, final_action poweroff; the chain: ssh to the host's sshd.
# In the crash kernel our unit runs the chain (ssh holds the dump), then post.d and kdump_post with
# status 0, and records "success kdump_test_id=ID" in /var/crash/kdump-test-ID/vmcore-creation.status
# on kdump's own disk, mounted from the image's fstab with kdumpbase's own kdump-lib-initramfs.sh
# (where `kdumpctl test` reads it after the reboot), then powers off; kdump-capture.service never
# starts. Checked on the console and on the host (debugfs on the disk image, makedumpfile on the dump).
# fence_kdump_nodes in kdump.conf cannot be part of this image here: kdumpbase's own network set-up
# for a fence node clones the NIC's profile with nmcli, which needs a running NetworkManager (the
# build machine has none); capture_duties and the KdumpDutiesE2E QEMU case cover those notices.
#   mkdumprd_duties.sh BUILD KDUMP_UTILS_SRC
set -euo pipefail
build=$(cd "$1" && pwd)
ku=$(cd "$2" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
state=$build/mkdumprd-duties
fail() { echo "mkdumprd_duties: FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
readonly guest_mac=52:54:00:12:34:56 host_from_guest=10.0.2.2 test_id=1764940000-777
{ read -r kroot; read -r kver; } < <("$src/tests/e2e/guest/prepare-kernel.sh" /var/cache/kdump-failover/e2e-kernel) ||
    fail "no e2e kernel (tools/install-deps.sh caches it)"

rm -rf "$state"
mkdir -p "$state/etc/kdump-failover" "$state/etc/kdump/post.d" "$state/sshd" "$state/dumps" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$state/sshd/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$state/etc/kdump-failover/id_ed25519"
cp "$state/etc/kdump-failover/id_ed25519.pub" "$state/sshd/authorized_keys"
port=$(free_port)
echo "[$host_from_guest]:$port $(cut -d' ' -f1,2 "$state/sshd/hostkey.pub")" > "$state/etc/kdump-failover/known_hosts"
mkdir -p "$state/etc/NetworkManager/system-connections"
nmcli --offline connection add type ethernet con-name uplink ifname enp1s0 ipv4.method auto \
    > "$state/etc/NetworkManager/system-connections/uplink.nmconnection"
chmod 600 "$state/etc/NetworkManager/system-connections/uplink.nmconnection"
# shellcheck disable=SC2016 # $1: the hook's own argument, expanded when it runs
printf '#!/bin/sh\necho "KDF-TEST: kdump_post ran with status $1"\n' > "$state/etc/kdump/kdf-test-post.sh"
# shellcheck disable=SC2016 # as above
printf '#!/bin/sh\necho "KDF-TEST: post.d ran with status $1"\n' > "$state/etc/kdump/post.d/10-kdf-test"
chmod 0755 "$state/etc/kdump/kdf-test-post.sh" "$state/etc/kdump/post.d/10-kdf-test"
cat > "$state/kdump-failover.conf" << EOF
[dump]
level = 31
compress = zlib

[chain]
targets = backup

[target backup]
type = ssh
host = $host_from_guest
port = $port
identity = /etc/kdump-failover/id_ed25519
known_hosts = /etc/kdump-failover/known_hosts
path = $state/dumps
connect_timeout = 30s
EOF
cat > "$state/kdump.conf.in" << 'EOF'
ext4 UUID=@UUID@
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
extra_modules virtio_blk virtio_net
kdump_post /etc/kdump/kdf-test-post.sh
final_action poweroff
EOF

ns=kdf-mkdduties-$$
pid=''
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2> /dev/null
    ip netns del "$ns" 2> /dev/null || true
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add enp1s0 address "$guest_mac" type veth peer name kdfpeer0
ip -n "$ns" addr add 10.0.2.15/24 dev enp1s0
ip -n "$ns" link set enp1s0 up
ip -n "$ns" link set kdfpeer0 up
ip -n "$ns" route add default via "$host_from_guest"
"$src/tests/e2e/guest/mkdumprd-image.sh" --build "$build" --kroot "$kroot" --kver "$kver" --work "$state/image" \
    --kdump-utils "$ku" --kdump-conf "$state/kdump.conf.in" --config "$state/kdump-failover.conf" \
    --etc "$state/etc" --netns "$ns" --cmdline "console=ttyS0" > "$state/image.log" 2>&1 ||
    { cat "$state/image.log" >&2; fail "mkdumprd-image.sh"; }
ip netns del "$ns"
lsinitrd -f etc/kdump.conf "$state/image/kdump.img" | grep -q '^kdump_post /etc/kdump/kdf-test-post.sh' ||
    fail "the image's kdump.conf lacks the user's kdump_post"

cat > "$state/sshd/sshd_config" << EOF
Port $port
ListenAddress 127.0.0.1
HostKey $state/sshd/hostkey
PidFile $state/sshd/sshd.pid
AuthorizedKeysFile $state/sshd/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
/usr/sbin/sshd -D -e -f "$state/sshd/sshd_config" > "$state/sshd/sshd.log" 2>&1 &
pid=$!
for _ in $(seq 50); do
    (: > "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break
    sleep 0.2
done
(: > "/dev/tcp/127.0.0.1/$port") 2> /dev/null || fail "sshd does not listen: $(cat "$state/sshd/sshd.log")"
"$src/tests/e2e/guest/make-initrds.sh" --crash-initrd "$state/image/kdump.img" --kroot "$kroot" --kver "$kver" \
    --work "$state/guest" > "$state/guest.log" 2>&1 || { cat "$state/guest.log" >&2; fail "make-initrds.sh"; }
cp "$state/image/dump.img" "$state/guest/disk.img"
rc=0
t0=$SECONDS
"$src/tests/e2e/guest/run-guest.sh" --work "$state/guest" --kernel "$kroot/boot/vmlinuz-$kver" \
    --disk "$state/guest/disk.img" --net --mem 1024 --crashkernel 192M --timeout 900 \
    --crash-args "$(cat "$state/image/cmdline.txt") kdump_test_id=$test_id" || rc=$?
wall=$((SECONDS - t0))
kill "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true
pid=''
console=$state/guest/console.txt
tail_console() { tail -n 60 "$console" >&2; }
((rc == 0)) || { tail_console; fail "QEMU exited with $rc after $wall s"; }
line() { grep -n -m1 -F -- "$1" "$console" | cut -d: -f1; }
saved=$(line "kdump-failover: the chain saved the dump")
postd=$(line "KDF-TEST: post.d ran with status 0")
post=$(line "KDF-TEST: kdump_post ran with status 0")
status=$(line "kdump-failover: kdumpctl test status recorded in /kdumproot")
final=$(line "kdump-failover: performing final action: poweroff")
[[ -n $saved && -n $postd && -n $post && -n $status && -n $final ]] ||
    { tail_console; fail "missing console lines (saved=$saved post.d=$postd kdump_post=$post status=$status final=$final)"; }
((saved < postd && postd < post && post < status && status < final)) ||
    { tail_console; fail "not kdump.sh's order: saved $saved, post.d $postd, kdump_post $post, status $status, final $final"; }
! grep -q 'Starting.*kdump-capture.service' "$console" || { tail_console; fail "kdump-capture.service started after a saved chain dump"; }
got=$(debugfs -R "cat /var/crash/kdump-test-$test_id/vmcore-creation.status" "$state/guest/disk.img" 2> /dev/null)
[[ $got == "success kdump_test_id=$test_id" ]] || fail "kdump's disk holds '$got' as the kdumpctl test status"
vmcore=$(find "$state/dumps" -type f -name 'vmcore*' ! -name '*dmesg*' ! -name '*.incomplete' | head -n 1)
[[ -n $vmcore ]] || fail "no vmcore on the ssh target: $(find "$state/dumps")"
makedumpfile --dump-dmesg "$vmcore" "$state/dmesg.txt" > "$state/makedumpfile.log" 2>&1 ||
    fail "makedumpfile cannot read $vmcore: $(cat "$state/makedumpfile.log")"
grep -q 'sysrq: Trigger a crash' "$state/dmesg.txt" || fail "the dump's kernel log lacks the crash"
chain_s=$(grep -o 'kdump-failover: chain over in [0-9.]* s' "$console" | grep -o '[0-9.]*' | tail -n 1)
peak=$(grep -o 'peak memory: chain process [0-9.]* MiB' "$console" | grep -o '[0-9.]*' | tail -n 1)
echo "E2E: kdump duties in a mkdumprd-built image: QEMU run ${wall} s, chain ${chain_s:-?} s (ssh saved)," \
    "peak memory ${peak:-?} MiB (chain process VmHWM); post.d and kdump_post with status 0, kdumpctl test status" \
    "'success' on kdump's disk, final_action poweroff, kdump-capture.service never started"
