#!/usr/bin/env bash
# compress = auto follows the link: `kdump-failover dump` saves the real 6.1 vmcore to an ssh target
# (OpenSSH's sshd, SFTP) across a veth link shaped with tbf. The link starts wide, so the CPU is the
# bottleneck and auto keeps lzo; once the codec notes show the dump under way, `tc qdisc change`
# tightens the link, and the notes must show the codec moving to a stronger one, link-bound. The
# dump must then complete, and libkdumpfile must read the mixed-codec file it left.
#
# Two network namespaces of our own, joined by a veth pair: sshd runs in one, the dump in the
# other, so every address lives inside them and nothing on the host's network changes. sshd is
# stopped by PID and both namespaces are deleted at exit, also on failure.
#   auto_codec_netns.sh BUILD_DIR VMCORE
# Needs root (namespaces, tc), iproute2, openssh-server, the ssh plugin built.
set -euo pipefail
build=$(cd "$1" && pwd)
vmcore=$2
fail() { echo "auto_codec_netns: FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root (network namespaces, tc)"
[[ -x /usr/sbin/sshd ]] || fail "openssh-server is not installed (tools/install-deps.sh)"
[[ -r $vmcore ]] || fail "no vmcore fixture at $vmcore"
cli=$build/bin/kdump-failover
pages=$build/bin/kdf-kdumpfile-pages

tag=kdfauto$$
srv_ns=$tag-s
dump_ns=$tag-d
work=$(mktemp -d /tmp/kdf-auto-netns.XXXXXX)
sshd_pid=
dump_pid=
cleanup() {
    # Stop what we started, by PID, then the namespaces (which takes the veth pair with them).
    [[ -n $dump_pid ]] && kill "$dump_pid" 2> /dev/null && wait "$dump_pid" 2> /dev/null
    if [[ -n $sshd_pid ]]; then
        # Per-connection sshd processes run in their own sessions: end them by PID as well.
        for child in $(pgrep -P "$sshd_pid" || true); do kill "$child" 2> /dev/null || true; done
        kill "$sshd_pid" 2> /dev/null || true
        wait "$sshd_pid" 2> /dev/null || true
    fi
    ip netns del "$srv_ns" 2> /dev/null || true
    ip netns del "$dump_ns" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# --- the link: dump namespace (10.203.0.1, tbf on its egress) <-> server namespace (10.203.0.2)
ip netns add "$srv_ns"
ip netns add "$dump_ns"
ip link add "${tag}d" netns "$dump_ns" type veth peer name "${tag}s" netns "$srv_ns"
ip -n "$dump_ns" addr add 10.203.0.1/30 dev "${tag}d"
ip -n "$srv_ns" addr add 10.203.0.2/30 dev "${tag}s"
for ns in "$dump_ns" "$srv_ns"; do ip -n "$ns" link set lo up; done
ip -n "$dump_ns" link set "${tag}d" up
ip -n "$srv_ns" link set "${tag}s" up
# Wide enough that compression, not the link, limits the dump at first.
tbf() { ip netns exec "$dump_ns" tc qdisc "$1" dev "${tag}d" root tbf rate "$2" burst "$3" latency 50ms; }
tbf add 10gbit 4mb

# --- sshd in the server namespace, keys made by ssh-keygen
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
cp "$work/client_key.pub" "$work/authorized_keys"
mkdir -p "$work/remote" /run/sshd
cat > "$work/sshd_config" << EOF
Port 22
ListenAddress 10.203.0.2
HostKey $work/hostkey
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
echo "10.203.0.2 $(cut -d' ' -f1,2 "$work/hostkey.pub")" > "$work/known_hosts"
ip netns exec "$srv_ns" /usr/sbin/sshd -D -e -f "$work/sshd_config" 2> "$work/sshd.log" &
sshd_pid=$!
for _ in $(seq 100); do
    ip netns exec "$srv_ns" ss -ltn 2> /dev/null | grep -q '10.203.0.2:22 ' && break
    sleep 0.1
done
ip netns exec "$srv_ns" ss -ltn | grep -q '10.203.0.2:22 ' || fail "sshd did not listen: $(cat "$work/sshd.log")"

# --- the dump: level 1 (about 640 MiB of pages), compress = auto
cat > "$work/kdump-failover.conf" << EOF
[dump]
level = 1
compress = auto
dmesg = no

[chain]
targets = server

[target server]
type = ssh
host = 10.203.0.2
identity = $work/client_key
known_hosts = $work/known_hosts
path = $work/remote
stall_timeout = 60s
EOF
ip netns exec "$dump_ns" "$cli" dump --config "$work/kdump-failover.conf" --vmcore "$vmcore" --no-fence-notices \
    > "$work/dump.out" 2> "$work/dump.log" &
dump_pid=$!

# Wait for the first codec note (the vmcore is being written), then tighten the link to 80 Mbit/s.
for _ in $(seq 300); do
    grep -q 'codec ' "$work/dump.log" && break
    kill -0 "$dump_pid" 2> /dev/null || break
    sleep 0.1
done
grep -q 'codec ' "$work/dump.log" || fail "no codec note from the dump: $(cat "$work/dump.log")"
before=$(grep -o 'codec [a-z0-9-]*' "$work/dump.log" | tail -n 1)
tbf change 80mbit 1mb
tightened_at=$(wc -l < "$work/dump.log")

status=0
wait "$dump_pid" || status=$?
dump_pid=
[[ $status == 0 ]] || fail "the dump failed ($status): $(cat "$work/dump.log")"
cat "$work/dump.log"

# The last note before tightening: lzo, limited by the CPU. After it: a stronger codec, link-bound.
[[ $before == "codec lzo" ]] || fail "before tightening the link the codec was '$before', not lzo"
after=$(tail -n +"$((tightened_at + 1))" "$work/dump.log" | grep -o 'codec zstd-[0-9]*, link-bound' | head -n 1 || true)
[[ -n $after ]] || fail "after tightening the link no note shows a zstd level, link-bound"
echo "auto_codec_netns: $before -> ${after%,*} when the link went from 10 Gbit/s to 80 Mbit/s"

# The file is kdump-compressed with both codecs in it, and libkdumpfile reads it.
dump_file=$(find "$work/remote" -name vmcore -type f | head -n 1)
[[ -n $dump_file ]] || fail "no vmcore under $work/remote: $(cat "$work/dump.out")"
"$cli" verify "$dump_file" > "$work/verify.out" 2>&1 || fail "verify: $(cat "$work/verify.out")"
"$pages" "$dump_file" "$work/pages.bin" 4096 1000 100000 1000000 > "$work/pages.fmt" ||
    fail "libkdumpfile cannot open $dump_file"
grep -qx diskdump "$work/pages.fmt" || fail "libkdumpfile sees $(cat "$work/pages.fmt"), not diskdump"
echo "auto_codec_netns: PASS"
