#!/bin/bash
# kdump-failover-net.sh: how the crash kernel reaches the chain's network targets, derived from this
# host. Sourced by module-setup.sh (dracut) and by its tests; nothing here changes the system.
#
# Why: kdumpctl's mkdumprd builds with --hostonly-mode strict --hostonly-nics '', so no NIC driver
# enters the image unless a module asks for it, and kdumpbase only configures the NIC of kdump's own
# target. For each host the chain talks to, this finds the interface the kernel routes it through
# now, the NIC drivers below it, and the addressing the host's own network configuration gives that
# interface, and turns that into dracut command-line arguments (ip=, ifname=, vlan=, bond=,
# bridge=, nameserver=), which every dracut network back end reads.
#
# Addressing sources, read below a root directory (normally /; tests point it at a tree of real
# files), first match wins:
#   NetworkManager keyfiles  etc/NetworkManager/system-connections, run/NetworkManager/system-connections,
#                            usr/lib/NetworkManager/system-connections (*.nmconnection)
#   ifcfg files              etc/sysconfig/network-scripts/ifcfg-*
#   ifupdown                 etc/network/interfaces
# A profile matches by interface name or MAC address. No profile: DHCP, with a warning.

# The first address HOST resolves to (a literal address as it is).
_kdf_net_address() {
    local addr
    addr=$(getent ahosts "$1" 2> /dev/null | awk 'NR == 1 { print $1 }')
    printf '%s\n' "${addr:-$1}"
}

# The interface the kernel routes HOST through now; nothing for no route or the loopback.
_kdf_net_route_dev() {
    local dev
    dev=$(ip -o route get "$(_kdf_net_address "$1")" 2> /dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p')
    [[ -n $dev && $dev != lo ]] && printf '%s\n' "$dev"
    return 0
}

# The link kind of a virtual interface (vlan, bond, bridge, veth, ...); empty for a plain NIC.
_kdf_net_kind() {
    ip -d -o link show dev "$1" 2> /dev/null |
        awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^(vlan|bond|bridge|team|macvlan|veth)$/) { print $i; exit } }'
}

# The interfaces IF sits on: a vlan's parent, a bond's slaves, a bridge's ports (the kernel's
# lower_* adjacency links).
_kdf_net_lowers() {
    local l
    for l in /sys/class/net/"$1"/lower_*; do
        [[ -e $l ]] && printf '%s\n' "${l##*/lower_}"
    done
    return 0
}

# The NICs at the bottom of IF's stack (IF itself when nothing is below it).
_kdf_net_bottom_nics() {
    local ifc=$1 depth=${2:-0} low found=0
    ((depth < 8)) || return 0
    while read -r low; do
        [[ -n $low ]] || continue
        found=1
        _kdf_net_bottom_nics "$low" $((depth + 1))
    done <<< "$(_kdf_net_lowers "$ifc")"
    ((found)) || printf '%s\n' "$ifc"
}

# The kernel module that drives IF: the device's driver module, else the driver's name (a built-in
# driver on this kernel is often a module in the crash kernel's), else the link kind for virtual
# devices (veth, 8021q for vlan, bonding, bridge).
_kdf_net_driver() {
    local ifc=$1 d=/sys/class/net/$1/device/driver kind
    if [[ -e $d/module ]]; then
        basename "$(readlink -f "$d/module")"
    elif [[ -e $d ]]; then
        basename "$(readlink -f "$d")"
    else
        kind=$(_kdf_net_kind "$ifc")
        case $kind in
            vlan) echo 8021q ;;
            bond) echo bonding ;;
            team) echo team ;;
            bridge | veth | macvlan) echo "$kind" ;;
            *) command -v ethtool > /dev/null && ethtool -i "$ifc" 2> /dev/null | awk '$1 == "driver:" { print $2 }' ;;
        esac
    fi
    return 0
}

# IF's permanent MAC address (the one the crash kernel's NIC will have), else its current one.
_kdf_net_mac() {
    local mac=''
    command -v ethtool > /dev/null && mac=$(ethtool -P "$1" 2> /dev/null | awk '{ print $NF }')
    [[ $mac =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ && $mac != 00:00:00:00:00:00 ]] || mac=$(cat "/sys/class/net/$1/address" 2> /dev/null)
    printf '%s\n' "${mac,,}"
}

# Dotted netmask of a prefix length.
_kdf_net_netmask() {
    local p=$1 _ o out=''
    for _ in 1 2 3 4; do
        if ((p >= 8)); then o=255; p=$((p - 8)); else o=$(((256 - (1 << (8 - p))) & 255)); p=0; fi
        out+=${out:+.}$o
    done
    printf '%s\n' "$out"
}

# Prefix length of a dotted netmask.
_kdf_net_prefix() {
    local IFS=. o n=0
    # shellcheck disable=SC2086 # split on dots
    for o in $1; do
        while ((o & 128)); do n=$((n + 1)); o=$(((o << 1) & 255)); done
    done
    printf '%s\n' "$n"
}

# Addressing results are one line: "dhcp SOURCE", "static ADDR PREFIX GATEWAY DNS SOURCE" (GATEWAY
# and DNS "-" when unset; DNS comma-separated), or "disabled SOURCE".

# From NetworkManager keyfiles (INI: [connection] interface-name, [ethernet] mac-address,
# [ipv4] method, address1 (ADDR/PFX[,GW]), gateway, dns).
_kdf_net_from_keyfiles() {
    local root=$1 ifc=$2 mac=$3 dir f
    for dir in etc/NetworkManager/system-connections run/NetworkManager/system-connections \
        usr/lib/NetworkManager/system-connections; do
        for f in "$root/$dir"/*.nmconnection; do
            [[ -f $f ]] || continue
            awk -v ifc="$ifc" -v mac="$mac" -v src="$f" '
                function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
                /^[ \t]*[#;]/ { next }
                /^[ \t]*\[/ { sec = trim($0); gsub(/[][]/, "", sec); next }
                index($0, "=") { k = trim(substr($0, 1, index($0, "=") - 1)); v[sec "." k] = trim(substr($0, index($0, "=") + 1)) }
                END {
                    if (v["connection.interface-name"] != ifc && tolower(v["ethernet.mac-address"]) != mac) exit 1
                    m = v["ipv4.method"]
                    if (m == "" || m == "auto") { print "dhcp " src; exit 0 }
                    if (m == "disabled") { print "disabled " src; exit 0 }
                    a = v["ipv4.address1"]; if (a == "") a = v["ipv4.addresses1"]; if (a == "") a = v["ipv4.addresses"]
                    sub(/;.*/, "", a)
                    if (m != "manual" || a == "") exit 1
                    gw = v["ipv4.gateway"]
                    if (index(a, ",")) { gw = substr(a, index(a, ",") + 1); a = substr(a, 1, index(a, ",") - 1) }
                    split(a, ap, "/"); if (ap[2] == "") ap[2] = 32
                    dns = v["ipv4.dns"]; gsub(/;+$/, "", dns); gsub(/;/, ",", dns)
                    printf "static %s %s %s %s %s\n", ap[1], ap[2], (gw == "" ? "-" : gw), (dns == "" ? "-" : dns), src
                }' "$f" && return 0
        done
    done
    return 1
}

# From ifcfg files (DEVICE or HWADDR; BOOTPROTO, IPADDR, PREFIX or NETMASK, GATEWAY, DNS1..).
_kdf_net_from_ifcfg() {
    local root=$1 ifc=$2 mac=$3 f
    for f in "$root"/etc/sysconfig/network-scripts/ifcfg-*; do
        [[ -f $f ]] || continue
        awk -v ifc="$ifc" -v mac="$mac" -v src="$f" -v base="${f##*/ifcfg-}" '
            /^[ \t]*#/ || !index($0, "=") { next }
            { k = substr($0, 1, index($0, "=") - 1); x = substr($0, index($0, "=") + 1); gsub(/^["'"'"']|["'"'"']$/, "", x); v[k] = x }
            END {
                dev = v["DEVICE"]; if (dev == "") dev = base
                if (dev != ifc && tolower(v["HWADDR"]) != mac) exit 1
                bp = tolower(v["BOOTPROTO"])
                if (bp == "dhcp" || bp == "bootp") { print "dhcp " src; exit 0 }
                if (v["IPADDR"] == "") { if (bp == "none" || bp == "static") { print "disabled " src; exit 0 } else exit 1 }
                p = v["PREFIX"]; if (p == "") p = v["PREFIX0"]; if (p == "") p = "mask:" v["NETMASK"]
                dns = v["DNS1"]; if (v["DNS2"] != "") dns = dns "," v["DNS2"]
                printf "static %s %s %s %s %s\n", v["IPADDR"], p, (v["GATEWAY"] == "" ? "-" : v["GATEWAY"]), (dns == "" ? "-" : dns), src
            }' "$f" && return 0
    done
    return 1
}

# From ifupdown's interfaces file (iface IF inet dhcp|static; address, netmask, gateway,
# dns-nameservers).
_kdf_net_from_interfaces() {
    local root=$1 ifc=$2 f=$1/etc/network/interfaces
    [[ -f $f ]] || return 1
    awk -v ifc="$ifc" -v src="$f" '
        $1 == "iface" { inside = ($2 == ifc && $3 == "inet"); if (inside) method = $4; next }
        $1 ~ /^(auto|allow-|source|mapping)/ { inside = 0; next }
        inside && $1 == "address" { addr = $2 }
        inside && $1 == "netmask" { mask = $2 }
        inside && $1 == "gateway" { gw = $2 }
        inside && $1 == "dns-nameservers" { dns = $2; for (i = 3; i <= NF; i++) dns = dns "," $i }
        END {
            if (method == "") exit 1
            if (method == "dhcp") { print "dhcp " src; exit 0 }
            if (method != "static" || addr == "") exit 1
            split(addr, ap, "/"); p = ap[2]; if (p == "") p = (mask == "" ? 32 : "mask:" mask)
            printf "static %s %s %s %s %s\n", ap[1], p, (gw == "" ? "-" : gw), (dns == "" ? "-" : dns), src
        }' "$f"
}

# The host's own addressing of IF (MAC: its address, lower case), as one result line; fails when no
# configuration file names it.
_kdf_net_addressing() {
    local root=$1 ifc=$2 mac=$3 out prefix
    local -a f=()
    out=$(_kdf_net_from_keyfiles "$root" "$ifc" "$mac") ||
        out=$(_kdf_net_from_ifcfg "$root" "$ifc" "$mac") ||
        out=$(_kdf_net_from_interfaces "$root" "$ifc") || return 1
    read -r -a f <<< "$out"
    if [[ ${f[0]} == static && ${f[2]} == mask:* ]]; then
        prefix=$(_kdf_net_prefix "${f[2]#mask:}")
        out="static ${f[1]} $prefix ${f[3]} ${f[4]} ${f[5]}"
    fi
    printf '%s\n' "$out"
}

# dracut arguments that bring IF up as the host has it. ROOT: where the configuration files are.
# Prints the arguments, one a line, and lines for the build log that start with "# " ("# warning: "
# for what the user should fix).
_kdf_net_args_for() {
    local root=$1 ifc=$2 kind low mac conf
    local -a lows=() f=()
    kind=$(_kdf_net_kind "$ifc")
    while read -r low; do [[ -n $low ]] && lows+=("$low"); done <<< "$(_kdf_net_lowers "$ifc")"
    case $kind in
        vlan) printf 'vlan=%s:%s\n' "$ifc" "${lows[0]}" ;;
        bond) printf 'bond=%s:%s\n' "$ifc" "$(IFS=,; echo "${lows[*]}")" ;;
        bridge) printf 'bridge=%s:%s\n' "$ifc" "$(IFS=,; echo "${lows[*]}")" ;;
    esac
    # Pin the names of the NICs below (and of IF when it is one) to their MAC addresses: the crash
    # kernel's udev may name them differently. Kernel-style names (ethN) are left alone; dracut
    # forbids them in ifname=, and a host that uses them passes net.ifnames=0 on its command line,
    # which kdumpctl hands on to the crash kernel.
    for low in $(_kdf_net_bottom_nics "$ifc"); do
        [[ $(_kdf_net_kind "$low") =~ ^(vlan|bond|bridge|team|macvlan)$ ]] && continue
        [[ $low =~ ^eth[0-9]+$ ]] && continue
        mac=$(_kdf_net_mac "$low")
        [[ -n $mac ]] && printf 'ifname=%s:%s\n' "$low" "$mac"
    done
    mac=$(_kdf_net_mac "$ifc")
    if ! conf=$(_kdf_net_addressing "$root" "$ifc" "$mac"); then
        echo "# warning: no NetworkManager, ifcfg or ifupdown profile for $ifc under ${root:-/}; the crash kernel uses DHCP on it"
        printf 'ip=%s:dhcp\n' "$ifc"
        return 0
    fi
    read -r -a f <<< "$conf"
    case ${f[0]} in
        dhcp)
            echo "# $ifc: DHCP (${f[1]})"
            printf 'ip=%s:dhcp\n' "$ifc"
            ;;
        static)
            echo "# $ifc: ${f[1]}/${f[2]} gateway ${f[3]} (${f[5]})"
            printf 'ip=%s::%s:%s::%s:none\n' "${f[1]}" "${f[3]/#-/}" "$(_kdf_net_netmask "${f[2]}")" "$ifc"
            if [[ ${f[4]} != - ]]; then
                local dns
                for dns in ${f[4]//,/ }; do printf 'nameserver=%s\n' "$dns"; done
            fi
            ;;
        disabled)
            echo "# warning: $ifc has IPv4 disabled in ${f[1]}; the crash kernel uses DHCP on it"
            printf 'ip=%s:dhcp\n' "$ifc"
            ;;
    esac
}

# The hosts kdumpbase brings the network up for (kdump.conf's ssh/nfs target, a dracut_args --mount
# of an NFS export, fence_kdump_nodes): their NICs are kdumpbase's, and a second configuration of
# the same NIC would fight it.
_kdf_net_kdumpbase_hosts() {
    local conf=$1
    [[ -f $conf ]] || return 0
    awk '
        /^[ \t]*#/ { next }
        $1 == "ssh" { h = $2; sub(/^.*@/, "", h); print h }
        $1 == "nfs" { h = $2; sub(/:.*$/, "", h); print h }
        $1 == "dracut_args" && /--mount/ && /nfs/ { if (match($0, /--mount[ \t]*["'"'"']?[^:"'"'"' \t]+:/)) { h = substr($0, RSTART, RLENGTH - 1); sub(/^--mount[ \t]*["'"'"']?/, "", h); print h } }
        $1 == "fence_kdump_nodes" { for (i = 2; i <= NF; i++) print $i }
    ' "$conf"
}
