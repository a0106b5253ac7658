#!/bin/sh
# kdump-failover-net-giveup: sourced by dracut's initqueue (as an initqueue/settled job on every
# round, and as an initqueue/timeout job), only in images where kdump's own target needs no network.
#
# Why: the chain's network targets need rd.neednet=1 with their ip= arguments (NetworkManager's
# initrd module starts nothing without it). But with rd.neednet=1 dracut also waits for each of
# those interfaces (network-legacy's initqueue/finished/wait-IF.sh, wait-network.sh,
# network-manager's nm.sh); a chain NIC with no link or no DHCP answer would then hold the initqueue
# until dracut gives up with "Could not boot." and its emergency shell, and kdump's own local dump
# would never run. So after KDF_NET_WAIT seconds of uptime (60), or when dracut starts its timeout
# scripts, the waits for the chain's interfaces are dropped: the initqueue finishes, the chain's
# network targets fail on their own deadlines, and kdump's own dump runs.
# The interfaces are listed, one a line, in /etc/kdump-failover/net-ifaces.
kdf_net_giveup() {
    _kdf_hooks=${hookdir:-/lib/dracut/hooks}/initqueue/finished
    _kdf_up=$(cut -d. -f1 /proc/uptime 2> /dev/null)
    case "${job-}" in
        */timeout/*) ;;
        *) [ "${_kdf_up:-0}" -ge "${KDF_NET_WAIT:-60}" ] || return 0 ;;
    esac
    _kdf_dropped=
    while read -r _kdf_if; do
        [ -n "$_kdf_if" ] || continue
        if [ -e "$_kdf_hooks/wait-$_kdf_if.sh" ]; then
            rm -f "$_kdf_hooks/wait-$_kdf_if.sh"
            _kdf_dropped="$_kdf_dropped $_kdf_if"
        fi
    done < "${KDF_NET_IFACES:-/etc/kdump-failover/net-ifaces}"
    for _kdf_f in wait-network.sh nm.sh; do
        if [ -e "$_kdf_hooks/$_kdf_f" ]; then
            rm -f "$_kdf_hooks/$_kdf_f"
            _kdf_dropped="$_kdf_dropped $_kdf_f"
        fi
    done
    [ -z "$_kdf_dropped" ] ||
        echo "kdump-failover: the network of the chain is not up after ${_kdf_up:-?} s; no longer waiting for it ($_kdf_dropped), so kdump's own dump is not held up" > /dev/kmsg 2> /dev/null ||
        echo "kdump-failover: no longer waiting for the chain's network ($_kdf_dropped)"
    return 0
}
kdf_net_giveup
