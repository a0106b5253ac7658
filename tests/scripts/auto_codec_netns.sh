#!/usr/bin/env bash
# compress = auto follows the link: `kdump-failover dump` saves the real 6.1 vmcore to an ssh target
# (OpenSSH's sshd, SFTP) across a veth link shaped with tbf (lib/ssh_link_netns.sh: network
# namespaces of our own, torn down at exit, also on failure). The link starts wide; at the first
# codec note (the vmcore is being written) `tc qdisc change` tightens it to 40 Mbit/s, and a later
# note must show the codec moved to a stronger one on the ladder (lzo < zstd-1 < zstd-3 < zstd-9),
# link-bound. What the codec was before is not asserted: on a loaded machine the wide link's ssh
# encryption can already limit the dump, so auto may start on a zstd level; the move is what counts.
# The dump must then complete, verify, and open in libkdumpfile.
#   auto_codec_netns.sh BUILD_DIR VMCORE
# Needs root (namespaces, tc), iproute2, openssh-server, the ssh plugin built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
vmcore=$2
fail() { echo "auto_codec_netns: FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root (network namespaces, tc)"
[[ -x /usr/sbin/sshd ]] || fail "openssh-server is not installed (tools/install-deps.sh)"
[[ -r $vmcore ]] || fail "no vmcore fixture at $vmcore"
cli=$build/bin/kdump-failover
pages=$build/bin/kdf-kdumpfile-pages
# shellcheck source=tests/scripts/lib/ssh_link_netns.sh
source "$here/lib/ssh_link_netns.sh"

work=$(mktemp -d /tmp/kdf-auto-netns.XXXXXX)
dump_pid=
cleanup() {
    if [[ -n $dump_pid ]]; then
        kill "$dump_pid" 2> /dev/null || true
        wait "$dump_pid" 2> /dev/null || true
    fi
    link_teardown
    rm -rf "$work"
}
trap cleanup EXIT

# Wide enough that compression, not the link, limits the dump at first.
link_setup "kdfauto$$" "$work" 10gbit 4mb || fail "cannot set up the link"
mkdir "$work/remote"
cat > "$work/kdump-failover.conf" << CONF
[dump]
level = 1
compress = auto
dmesg = no

[chain]
targets = server

[target server]
type = ssh
host = $LINK_HOST
identity = $work/client_key
known_hosts = $work/known_hosts
path = $work/remote
stall_timeout = 60s
CONF
link_run "$cli" dump --config "$work/kdump-failover.conf" --vmcore "$vmcore" --no-fence-notices \
    > "$work/dump.out" 2> "$work/dump.log" &
dump_pid=$!

# How strong a codec of the auto ladder is: its position (lzo the lightest).
ladder_rank() {
    case $1 in
    lzo) echo 0 ;;
    zstd-1) echo 1 ;;
    zstd-3) echo 2 ;;
    zstd-9) echo 3 ;;
    *) echo -1 ;;
    esac
}

# Wait for the first codec note (the vmcore is being written), then tighten the link at once. The
# note comes about a second into the write, and even the wide link carries at most about 100 MB/s
# (the ssh channel limits it), so a quarter to a half of the memory is written by then; the rest of
# the vmcore's data (up to two thirds into the file, and again in its last twentieth) must cross
# the 40 Mbit/s link, several seconds in which the chooser sees the link and moves.
for _ in $(seq 600); do
    grep -q 'codec ' "$work/dump.log" && break
    kill -0 "$dump_pid" 2> /dev/null || break
    sleep 0.1
done
grep -q 'codec ' "$work/dump.log" || fail "no codec note from the dump: $(cat "$work/dump.log")"
tightened_at=$(wc -l < "$work/dump.log")
link_shape 40mbit 1mb
kill -0 "$dump_pid" 2> /dev/null || fail "the dump had ended before the link was tightened: $(cat "$work/dump.log")"
before=$(head -n "$tightened_at" "$work/dump.log" | grep -o 'codec [a-z0-9-]*' | tail -n 1)
before=${before#codec }
before_rank=$(ladder_rank "$before")
[[ $before_rank -ge 0 ]] || fail "unknown codec '$before' in the notes"

status=0
wait "$dump_pid" || status=$?
dump_pid=
cat "$work/dump.log"
[[ $status == 0 ]] || fail "the dump failed ($status)"

# The notes after the tightening: one must show a stronger codec than before it, link-bound.
after=
while read -r codec; do
    if [[ $(ladder_rank "$codec") -gt $before_rank ]]; then
        after=$codec
        break
    fi
done < <(tail -n +"$((tightened_at + 1))" "$work/dump.log" | grep -o 'codec [a-z0-9-]*, link-bound' |
    sed 's/^codec //; s/, link-bound$//')
if [[ -z $after ]]; then
    [[ $before_rank -lt 3 ]] || fail "the codec was already zstd-9 on the wide link: no stronger codec to move to"
    fail "after the link was tightened no note shows a codec stronger than $before, link-bound"
fi
echo "auto_codec_netns: $before -> $after when the link went from 10 Gbit/s to 40 Mbit/s"

# A complete kdump-compressed file, every page decodable, and libkdumpfile opens it.
dump_file=$(find "$work/remote" -name vmcore -type f | head -n 1)
[[ -n $dump_file ]] || fail "no vmcore under $work/remote: $(cat "$work/dump.out")"
"$cli" verify "$dump_file" > "$work/verify.out" 2>&1 || fail "verify: $(cat "$work/verify.out")"
"$pages" "$dump_file" "$work/pages.bin" 4096 1000 100000 1000000 > "$work/pages.fmt" ||
    fail "libkdumpfile cannot open $dump_file"
grep -qx diskdump "$work/pages.fmt" || fail "libkdumpfile sees $(cat "$work/pages.fmt"), not diskdump"
echo "auto_codec_netns: PASS"
