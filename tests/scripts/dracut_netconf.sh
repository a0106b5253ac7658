#!/usr/bin/env bash
# How the dracut module brings up the crash kernel's network (kdump-failover-net.sh), on real
# interfaces and real configuration files:
#   - a network namespace made here holds a veth pair (enp1s0, a fixed MAC) with routes, and a
#     bridge over another veth; the route lookup, the NICs below a bridge and their drivers come
#     from the kernel;
#   - NetworkManager keyfiles written by nmcli itself (`nmcli --offline connection add`), RHEL ifcfg
#     files and an ifupdown interfaces file, each under its own root directory: static addressing
#     becomes ip=ADDR::GW:MASK::IF:none (+ nameserver=), DHCP becomes ip=IF:dhcp, a profile matched
#     by MAC only works too, no profile falls back to DHCP with a warning;
#   - the NIC's name is pinned to its MAC (ifname=), kernel-style names are not;
#   - the hosts kdumpbase brings the network up for are read from kdump.conf.
#   dracut_netconf.sh BUILD_DIR
# Needs root (network namespaces), iproute2 and network-manager (nmcli).
set -euo pipefail
build=$(cd "$1" && pwd)
lib=$build/packaging/dracut/99kdump-failover/kdump-failover-net.sh
fail() { echo "dracut_netconf: FAIL: $*" >&2; exit 1; }
[[ -f $lib ]] || fail "$lib missing (build the tree first)"
command -v nmcli > /dev/null || fail "nmcli missing (apt-get install network-manager: tools/install-deps.sh)"
command -v ip > /dev/null || fail "ip missing (iproute2)"

ns=kdf-netconf-$$
work=$(mktemp -d /tmp/kdf-netconf-XXXXXX)
cleanup() {
    ip netns del "$ns" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# --- the interfaces -------------------------------------------------------------------------
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add enp1s0 address 52:54:00:12:34:56 type veth peer name kdfpeer0
ip -n "$ns" addr add 10.0.2.15/24 dev enp1s0
ip -n "$ns" link set enp1s0 up
ip -n "$ns" link set kdfpeer0 up
ip -n "$ns" route add default via 10.0.2.2
ip -n "$ns" link add br-kdf type bridge
ip -n "$ns" link add kdfport0 address 52:54:00:aa:bb:01 type veth peer name kdfport1
ip -n "$ns" link set kdfport0 master br-kdf
ip -n "$ns" addr add 198.51.100.5/24 dev br-kdf
for l in br-kdf kdfport0 kdfport1; do ip -n "$ns" link set "$l" up; done

in_ns() {  # CMD...: runs a function of the library in the namespace (its /sys included)
    # shellcheck disable=SC2016 # expanded by the inner shell
    ip netns exec "$ns" bash -c '. "$0"; "$@"' "$lib" "$@"
}
expect() {  # WHAT EXPECTED ACTUAL
    [[ $2 == "$3" ]] || fail "$1: expected [$2], got [$3]"
    echo "ok  $1"
}

# --- route lookup, stacking, drivers -----------------------------------------------------------
expect "route to 10.0.2.2" enp1s0 "$(in_ns _kdf_net_route_dev 10.0.2.2)"
expect "route to 192.0.2.77 (default route)" enp1s0 "$(in_ns _kdf_net_route_dev 192.0.2.77)"
expect "route to 198.51.100.1" br-kdf "$(in_ns _kdf_net_route_dev 198.51.100.1)"
expect "no route for the loopback" "" "$(in_ns _kdf_net_route_dev 127.0.0.1)"
expect "driver of a veth" veth "$(in_ns _kdf_net_driver enp1s0)"
expect "driver of a bridge" bridge "$(in_ns _kdf_net_driver br-kdf)"
expect "NICs below the bridge" kdfport0 "$(in_ns _kdf_net_bottom_nics br-kdf)"
expect "MAC" 52:54:00:12:34:56 "$(in_ns _kdf_net_mac enp1s0)"

# --- configuration roots ------------------------------------------------------------------------
nm_root() {  # DIR NMCLI-ARGS...: a keyfile as nmcli writes it
    local dir=$1
    shift
    mkdir -p "$dir/etc/NetworkManager/system-connections"
    nmcli --offline connection add "$@" > "$dir/etc/NetworkManager/system-connections/kdf.nmconnection" ||
        fail "nmcli --offline connection add $*"
    chmod 600 "$dir/etc/NetworkManager/system-connections/kdf.nmconnection"
}
nm_root "$work/nm-static" type ethernet con-name uplink ifname enp1s0 ipv4.method manual \
    ipv4.addresses 10.0.2.15/24 ipv4.gateway 10.0.2.2 ipv4.dns "10.0.2.3 192.0.2.53"
nm_root "$work/nm-dhcp-by-mac" type ethernet con-name uplink ifname '' ethernet.mac-address 52:54:00:12:34:56 ipv4.method auto
nm_root "$work/nm-other" type ethernet con-name elsewhere ifname enp9s0 ipv4.method manual ipv4.addresses 10.9.9.9/24
nm_root "$work/nm-bridge" type bridge con-name br ifname br-kdf ipv4.method manual ipv4.addresses 198.51.100.5/24 \
    ipv4.gateway 198.51.100.1
mkdir -p "$work/ifcfg-static/etc/sysconfig/network-scripts" "$work/ifcfg-dhcp/etc/sysconfig/network-scripts"
cat > "$work/ifcfg-static/etc/sysconfig/network-scripts/ifcfg-uplink" << 'EOF'
# as written by RHEL's installer
TYPE=Ethernet
BOOTPROTO=none
NAME=uplink
DEVICE=enp1s0
ONBOOT=yes
IPADDR=10.0.2.15
NETMASK=255.255.240.0
GATEWAY=10.0.2.2
DNS1=10.0.2.3
EOF
cat > "$work/ifcfg-dhcp/etc/sysconfig/network-scripts/ifcfg-eth-any" << 'EOF'
TYPE=Ethernet
BOOTPROTO="dhcp"
HWADDR="52:54:00:12:34:56"
ONBOOT=yes
EOF
mkdir -p "$work/ifupdown/etc/network"
cat > "$work/ifupdown/etc/network/interfaces" << 'EOF'
source /etc/network/interfaces.d/*
auto lo
iface lo inet loopback

allow-hotplug enp1s0
iface enp1s0 inet static
    address 10.0.2.15/24
    gateway 10.0.2.2
    dns-nameservers 10.0.2.3
EOF
mkdir -p "$work/empty"

args() {  # ROOT IF: the argument lines (not the log lines)
    in_ns _kdf_net_args_for "$1" "$2" | grep -v '^# ' | tr '\n' ' ' | sed 's/ $//'
}
log() { in_ns _kdf_net_args_for "$1" "$2" | grep '^# ' || true; }
pin=ifname=enp1s0:52:54:00:12:34:56
expect "NM keyfile, static" "$pin ip=10.0.2.15::10.0.2.2:255.255.255.0::enp1s0:none nameserver=10.0.2.3 nameserver=192.0.2.53" \
    "$(args "$work/nm-static" enp1s0)"
expect "NM keyfile matched by MAC, DHCP" "$pin ip=enp1s0:dhcp" "$(args "$work/nm-dhcp-by-mac" enp1s0)"
expect "ifcfg, static with NETMASK" "$pin ip=10.0.2.15::10.0.2.2:255.255.240.0::enp1s0:none nameserver=10.0.2.3" \
    "$(args "$work/ifcfg-static" enp1s0)"
expect "ifcfg matched by HWADDR, DHCP" "$pin ip=enp1s0:dhcp" "$(args "$work/ifcfg-dhcp" enp1s0)"
expect "ifupdown, static" "$pin ip=10.0.2.15::10.0.2.2:255.255.255.0::enp1s0:none nameserver=10.0.2.3" \
    "$(args "$work/ifupdown" enp1s0)"
expect "a profile for another NIC: DHCP" "$pin ip=enp1s0:dhcp" "$(args "$work/nm-other" enp1s0)"
expect "no profile: DHCP" "$pin ip=enp1s0:dhcp" "$(args "$work/empty" enp1s0)"
log "$work/empty" enp1s0 | grep -q '^# warning: no NetworkManager, ifcfg or ifupdown profile for enp1s0' ||
    fail "no warning for the DHCP fallback"
log "$work/nm-static" enp1s0 | grep -q "^# enp1s0: 10.0.2.15/24 gateway 10.0.2.2 ($work/nm-static/etc/NetworkManager" ||
    fail "the build log does not say where the static address came from: $(log "$work/nm-static" enp1s0)"
expect "bridge: ports pinned, bridge configured" \
    "bridge=br-kdf:kdfport0 ifname=kdfport0:52:54:00:aa:bb:01 ip=198.51.100.5::198.51.100.1:255.255.255.0::br-kdf:none" \
    "$(args "$work/nm-bridge" br-kdf)"

# A kernel-style name is not pinned (dracut forbids ethN in ifname=).
ip -n "$ns" link set enp1s0 down
ip -n "$ns" link set enp1s0 name eth0
expect "kernel-style name: no ifname=" "ip=eth0:dhcp" "$(args "$work/empty" eth0)"

# --- the hosts kdumpbase configures the network for -------------------------------------------
cat > "$work/kdump.conf" << 'EOF'
# ssh kdump@commented.example
ssh kdump@dumps.example
nfs 192.0.2.10:/export/crash
dracut_args --mount "192.0.2.11:/srv /kdumproot nfs defaults"
fence_kdump_nodes node2.example 192.0.2.12
EOF
expect "kdumpbase's hosts" "dumps.example 192.0.2.10 192.0.2.11 node2.example 192.0.2.12" \
    "$(in_ns _kdf_net_kdumpbase_hosts "$work/kdump.conf" | tr '\n' ' ' | sed 's/ $//')"
printf 'ext4 UUID=0b1d\npath /var/crash\n' > "$work/kdump-local.conf"
expect "a local kdump target: none" "" "$(in_ns _kdf_net_kdumpbase_hosts "$work/kdump-local.conf")"
echo "dracut_netconf: all checks passed"
