# shellcheck shell=bash
# ssh_link_netns.sh - sourced: an OpenSSH server across a shaped link, in network namespaces of the
# caller's own. Two namespaces joined by a veth pair: the server's (10.203.0.2) and the client's
# (10.203.0.1, where the dump runs, with tbf on its egress), so every address lives inside them and
# nothing on the host's network changes.
#
#   link_setup TAG WORKDIR RATE BURST   namespaces TAG-s / TAG-d, veth, tbf; keys, sshd_config,
#                                       known_hosts and client_key in WORKDIR; sshd started
#   link_shape RATE BURST               tc qdisc change on the client's egress, during a dump
#   link_run CMD...                     runs CMD in the client's namespace
#   link_teardown                       stops sshd (and its sessions) by PID, deletes the namespaces
# After link_setup: LINK_HOST (server address) and LINK_SSHD_PID. Callers trap link_teardown.

LINK_HOST=10.203.0.2
LINK_SSHD_PID=
link_tag=
link_dev=

link_setup() {
    link_tag=$1
    local work=$2 rate=$3 burst=$4
    link_dev=${link_tag}d
    ip netns add "$link_tag-s"
    ip netns add "$link_tag-d"
    ip link add "$link_dev" netns "$link_tag-d" type veth peer name "${link_tag}s" netns "$link_tag-s"
    ip -n "$link_tag-d" addr add 10.203.0.1/30 dev "$link_dev"
    ip -n "$link_tag-s" addr add "$LINK_HOST/30" dev "${link_tag}s"
    local ns
    for ns in "$link_tag-d" "$link_tag-s"; do ip -n "$ns" link set lo up; done
    ip -n "$link_tag-d" link set "$link_dev" up
    ip -n "$link_tag-s" link set "${link_tag}s" up
    ip netns exec "$link_tag-d" tc qdisc add dev "$link_dev" root tbf rate "$rate" burst "$burst" latency 50ms

    ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
    ssh-keygen -q -t ed25519 -N '' -f "$work/client_key"
    cp "$work/client_key.pub" "$work/authorized_keys"
    mkdir -p /run/sshd
    cat > "$work/sshd_config" << CONF
Port 22
ListenAddress $LINK_HOST
HostKey $work/hostkey
PidFile $work/sshd.pid
AuthorizedKeysFile $work/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CONF
    echo "$LINK_HOST $(cut -d' ' -f1,2 "$work/hostkey.pub")" > "$work/known_hosts"
    ip netns exec "$link_tag-s" /usr/sbin/sshd -D -e -f "$work/sshd_config" 2> "$work/sshd.log" &
    LINK_SSHD_PID=$!
    local _
    for _ in $(seq 100); do
        ip netns exec "$link_tag-s" ss -ltn 2> /dev/null | grep -q "$LINK_HOST:22 " && return 0
        sleep 0.1
    done
    echo "sshd did not listen: $(cat "$work/sshd.log")" >&2
    return 1
}

link_shape() {
    ip netns exec "$link_tag-d" tc qdisc change dev "$link_dev" root tbf rate "$1" burst "$2" latency 50ms
}

link_run() {
    ip netns exec "$link_tag-d" "$@"
}

link_teardown() {
    if [[ -n $LINK_SSHD_PID ]]; then
        # Per-connection sshd processes run in their own sessions: end them by PID as well.
        local child
        for child in $(pgrep -P "$LINK_SSHD_PID" || true); do kill "$child" 2> /dev/null || true; done
        kill "$LINK_SSHD_PID" 2> /dev/null || true
        wait "$LINK_SSHD_PID" 2> /dev/null || true
        LINK_SSHD_PID=
    fi
    if [[ -n $link_tag ]]; then
        ip netns del "$link_tag-s" 2> /dev/null || true
        ip netns del "$link_tag-d" 2> /dev/null || true
    fi
}
