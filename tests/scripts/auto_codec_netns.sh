#!/usr/bin/env bash
# compress = auto follows the link: `kdump-failover dump` saves the real 6.1 vmcore to an ssh target
# (OpenSSH's sshd, SFTP) across a veth link shaped with tbf (lib/ssh_link_netns.sh: network
# namespaces of our own, torn down at exit, also on failure). The link starts wide, and is tightened
# with `tc qdisc change` to 80 Mbit/s at a known point: once the server holds 8 MiB of the dump.
# auto starts every dump on the ladder's lightest codec (lzo < zstd-1 < zstd-3 < zstd-9) and holds
# a choice at least 0.5 s, so it is still there at that point; a later note must show a stronger
# codec, link-bound. The point is a byte count, not a time: an idle machine writes most of this
# vmcore within the first second (before auto's first note), a loaded one a quarter of it, and
# either way the rest of its data now has to cross the narrow link.
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

# Wait until the server holds 8 MiB of the dump (disk usage of the target directory), then tighten.
for _ in $(seq 3000); do
    [[ $(du -sk "$work/remote" | cut -f1) -ge 8192 ]] && break
    kill -0 "$dump_pid" 2> /dev/null || break
    sleep 0.02
done
tightened_at=$(wc -l < "$work/dump.log")
link_shape 80mbit 1mb
kill -0 "$dump_pid" 2> /dev/null || fail "the dump had ended before the link was tightened: $(cat "$work/dump.log")"
# The codec in use then: the last note's, or auto's starting codec when there was no note yet.
before=$(head -n "$tightened_at" "$work/dump.log" | grep -o 'codec [a-z0-9-]*' | tail -n 1 || true)
before=${before#codec }
before=${before:-lzo}
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
echo "auto_codec_netns: $before -> $after when the link went from 10 Gbit/s to 80 Mbit/s"

# A complete kdump-compressed file, every page decodable, and libkdumpfile opens it.
dump_file=$(find "$work/remote" -name vmcore -type f | head -n 1)
[[ -n $dump_file ]] || fail "no vmcore under $work/remote: $(cat "$work/dump.out")"
"$cli" verify "$dump_file" > "$work/verify.out" 2>&1 || fail "verify: $(cat "$work/verify.out")"
"$pages" "$dump_file" "$work/pages.bin" 4096 1000 100000 1000000 > "$work/pages.fmt" ||
    fail "libkdumpfile cannot open $dump_file"
grep -qx diskdump "$work/pages.fmt" || fail "libkdumpfile sees $(cat "$work/pages.fmt"), not diskdump"
echo "auto_codec_netns: PASS"
