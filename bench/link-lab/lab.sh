#!/usr/bin/env bash
# The network link lab: servers in a network namespace of our own, reached from the host over a
# veth pair shaped with tbf, with a userspace relay adding round-trip delay (this kernel has no
# netem). Used by bench/network_matrix.sh and by tests; every verb works on one STATE directory,
# which holds the lab's settings (lab.env), its keys, configs, logs and the PIDs of what it started.
#
#   lab.sh up STATE [RATE]      make the namespace, the veth pair and its addresses, shape both
#                               directions to RATE (tc rate such as 1gbit, 10gbit; "none": unshaped)
#   lab.sh shape STATE RATE     change the rate of a running lab (also during a transfer)
#   lab.sh sshd STATE           start OpenSSH's sshd in the namespace (port 22; key in STATE/ssh)
#   lab.sh nfs STATE            start nfs-ganesha (NFSv3, export STATE/export) with a private rpcbind
#                               (LAB_NFS_PROTOCOLS="3, 4": NFSv4 too, for a kernel NFS client)
#   lab.sh relay STATE RTT_MS [RELAY_PORT=SERVER_PORT...]
#                               (re)start the delay relay: the RELAY ports below (and any given
#                               here) on the namespace's address lead to the servers with RTT_MS
#                               more round trip
#   lab.sh exec STATE CMD...    run CMD inside the namespace
#   lab.sh counters STATE       print the host side's "tx_bytes rx_bytes" (bytes on the wire)
#   lab.sh down STATE           stop everything the lab started (by PID), delete the veth pair,
#                               the namespace and STATE. Safe to call twice or after a failed up.
#
# After `up`, `. STATE/lab.env` gives LAB_NS, LAB_HOST_IF, LAB_HOST_ADDR, LAB_NS_ADDR and the
# ports: LAB_SSH_PORT / LAB_NFS_PORT / LAB_MNT_PORT are the servers themselves (undelayed),
# LAB_RELAY_SSH_PORT / LAB_RELAY_NFS_PORT / LAB_RELAY_MNT_PORT go through the relay. Addresses
# exist only on the lab's veth pair: 10.231.N.1 (host side) and 10.231.N.2 (namespace), /30.
# The relay binary is $KDF_DELAY_RELAY, else build/bin/kdf-delay-relay beside this script's repo.
# Needs root, iproute2, and for the servers openssh-server, nfs-ganesha(-vfs) and rpcbind.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self="$here/$(basename "${BASH_SOURCE[0]}")"

die() { echo "link-lab: $*" >&2; exit 1; }

load_env() {
  [ -f "$1/lab.env" ] || die "$1: no lab here (lab.env missing; run: lab.sh up $1)"
  # shellcheck source=/dev/null
  . "$1/lab.env"
}

# A pid file names what the lab started; it is only signalled while /proc says it is still that
# program, so a recycled PID is never hit.
stop_pidfile() {
  local file=$1 pid comm
  [ -f "$file" ] || return 0
  read -r pid comm < "$file"
  rm -f "$file"
  [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$comm" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  # Not our child (the verb that started it has exited), so no wait(): poll /proc until it is gone
  # or a zombie, then insist.
  for _ in $(seq 50); do
    local state
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 0
    [ "$state" = Z ] && return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

record_pid() { echo "$2 $3" > "$1"; }

wait_tcp() {  # wait_tcp ADDR PORT: inside the namespace
  for _ in $(seq 100); do
    ip netns exec "$LAB_NS" bash -c "echo > /dev/tcp/$1/$2" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

apply_shape() {  # apply_shape RATE: both directions, so replies are shaped as requests are
  local rate=$1 dev burst
  for dev in "host:$LAB_HOST_IF" "ns:$LAB_NS_IF"; do
    local where=${dev%%:*} ifname=${dev#*:} run=()
    [ "$where" = ns ] && run=(ip netns exec "$LAB_NS")
    "${run[@]}" tc qdisc del dev "$ifname" root 2>/dev/null || true
    [ "$rate" = none ] && continue
    # The bucket must hold a few ms of traffic at the rate (and at least one 64 KiB GSO packet), or
    # tbf cannot reach its rate with a timer tick's worth of jitter.
    burst=$(awk -v r="$rate" 'BEGIN { n = r + 0; u = tolower(r); sub(/^[0-9.]+/, "", u);
      m = (u == "gbit") ? 1e9 : (u == "mbit") ? 1e6 : (u == "kbit") ? 1e3 : 1;
      b = n * m / 8 * 0.002; if (b < 262144) b = 262144; printf "%d", b }')
    "${run[@]}" tc qdisc add dev "$ifname" root tbf rate "$rate" burst "$burst" latency 50ms
  done
  sed -i '/^LAB_RATE=/d' "$STATE/lab.env"
  echo "LAB_RATE=$rate" >> "$STATE/lab.env"
}

cmd_up() {
  local rate=${1:-none}
  [ ! -e "$STATE/lab.env" ] || die "$STATE: a lab is already up here"
  mkdir -p "$STATE"
  # A failed `up` takes down what it made so far.
  trap 'cmd_down; exit 1' ERR INT TERM
  local n
  # Pick a free 10.231.N.0/30 under a lock, so labs started at the same time do not collide.
  exec {lock}> /run/lock/kdf-link-lab.lock
  flock "$lock"
  for n in $(seq 1 250); do
    ip netns list | grep -q "^kdflab$n\b" && continue
    ip -4 -o addr show | grep -q " 10\.231\.$n\." && continue
    break
  done
  cat > "$STATE/lab.env" <<ENV
LAB_NS=kdflab$n
LAB_HOST_IF=kdflab$n-h
LAB_NS_IF=kdflab$n-n
LAB_HOST_ADDR=10.231.$n.1
LAB_NS_ADDR=10.231.$n.2
LAB_SSH_PORT=22
LAB_NFS_PORT=2049
LAB_MNT_PORT=20048
LAB_RELAY_SSH_PORT=2222
LAB_RELAY_NFS_PORT=12049
LAB_RELAY_MNT_PORT=12048
ENV
  load_env "$STATE"
  ip netns add "$LAB_NS"
  flock -u "$lock"
  ip link add "$LAB_HOST_IF" type veth peer name "$LAB_NS_IF" netns "$LAB_NS"
  ip addr add "$LAB_HOST_ADDR/30" dev "$LAB_HOST_IF"
  ip link set "$LAB_HOST_IF" up
  ip netns exec "$LAB_NS" ip addr add "$LAB_NS_ADDR/30" dev "$LAB_NS_IF"
  ip netns exec "$LAB_NS" ip link set "$LAB_NS_IF" up
  ip netns exec "$LAB_NS" ip link set lo up
  apply_shape "$rate"
  trap - ERR INT TERM
}

cmd_shape() { load_env "$STATE"; apply_shape "${1:?rate (e.g. 1gbit, 10gbit, none)}"; }

cmd_sshd() {
  load_env "$STATE"
  local d="$STATE/ssh"
  mkdir -p "$d" /run/sshd
  chmod 755 /run/sshd
  [ -f "$d/hostkey" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/hostkey"
  [ -f "$d/client" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/client"
  cp "$d/client.pub" "$d/authorized_keys"
  cat > "$d/sshd_config" <<CONF
Port $LAB_SSH_PORT
ListenAddress 0.0.0.0
HostKey $d/hostkey
PidFile none
AuthorizedKeysFile $d/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
CONF
  # One known_hosts line for both ways in: straight to sshd and through the relay.
  echo "$LAB_NS_ADDR,[$LAB_NS_ADDR]:$LAB_SSH_PORT,[$LAB_NS_ADDR]:$LAB_RELAY_SSH_PORT $(cut -d' ' -f1,2 "$d/hostkey.pub")" > "$d/known_hosts"
  ip netns exec "$LAB_NS" /usr/sbin/sshd -D -e -f "$d/sshd_config" > "$d/sshd.log" 2>&1 < /dev/null &
  record_pid "$STATE/sshd.pid" $! sshd
  wait_tcp 127.0.0.1 "$LAB_SSH_PORT" || die "sshd did not start in $LAB_NS (log: $d/sshd.log)"
}

# Runs inside the namespace (lab.sh _nfs_inside STATE, through ip netns exec, which gives it its
# own mount namespace): ganesha registers NFSv3 with rpcbind through /run/rpcbind.sock, a path,
# not a port, so a private /run gives it a private rpcbind instead of the host's.
cmd_nfs_inside() {
  load_env "$STATE"
  mount -t tmpfs lab-run /run
  mkdir -p /run/ganesha /run/rpcbind
  rpcbind -f > "$STATE/nfs/rpcbind.log" 2>&1 < /dev/null &
  record_pid "$STATE/rpcbind.pid" $! rpcbind
  for _ in $(seq 50); do [ -S /run/rpcbind.sock ] && break; sleep 0.1; done
  exec ganesha.nfsd -F -f "$STATE/nfs/ganesha.conf" -L "$STATE/nfs/ganesha.log" -p "$STATE/nfs/ganesha.pid" -N NIV_EVENT
}

cmd_nfs() {
  load_env "$STATE"
  local d="$STATE/nfs"
  mkdir -p "$d/recov" "$STATE/export"
  cat > "$d/ganesha.conf" <<CONF
NFS_CORE_PARAM { Bind_Addr = 0.0.0.0; NFS_Port = $LAB_NFS_PORT; MNT_Port = $LAB_MNT_PORT; NLM_Port = 32803;
  Rquota_Port = 875; NFS_Protocols = ${LAB_NFS_PROTOCOLS:-3}; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false;
  Mount_Path_Pseudo = true; }
NFSV4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = $d/recov; }
NFS_KRB5 { Active_krb5 = false; }
LOG { Default_Log_Level = EVENT; }
EXPORT { Export_Id = 1; Path = $STATE/export; Pseudo = /export; Access_Type = RW; Squash = No_Root_Squash;
  SecType = sys; Protocols = ${LAB_NFS_PROTOCOLS:-3}; Transports = TCP; FSAL { Name = VFS; } }
CONF
  ip netns exec "$LAB_NS" "$self" _nfs_inside "$STATE" > "$d/inside.log" 2>&1 < /dev/null &
  record_pid "$STATE/ganesha.pid" $! ganesha.nfsd
  for _ in $(seq 100); do grep -q "NFS SERVER INITIALIZED" "$d/ganesha.log" 2>/dev/null && break; sleep 0.1; done
  if ! wait_tcp 127.0.0.1 "$LAB_NFS_PORT" || ! wait_tcp 127.0.0.1 "$LAB_MNT_PORT"; then
    die "ganesha did not start in $LAB_NS (logs: $d/ganesha.log, $d/inside.log)"
  fi
}

cmd_relay() {
  load_env "$STATE"
  local rtt=${1:?RTT in ms} relay=${KDF_DELAY_RELAY:-$here/../../build/bin/kdf-delay-relay}
  [ -x "$relay" ] || die "no relay at $relay (build kdf-delay-relay, or set KDF_DELAY_RELAY)"
  shift
  local extra=() route
  for route in "$@"; do extra+=("$LAB_NS_ADDR:${route%%=*}=127.0.0.1:${route#*=}"); done
  stop_pidfile "$STATE/relay.pid"
  # Only the servers' ports: a connection to a server that is not running is refused at once.
  ip netns exec "$LAB_NS" "$relay" --rtt-ms "$rtt" \
    "$LAB_NS_ADDR:$LAB_RELAY_SSH_PORT=127.0.0.1:$LAB_SSH_PORT" \
    "$LAB_NS_ADDR:$LAB_RELAY_NFS_PORT=127.0.0.1:$LAB_NFS_PORT" \
    "$LAB_NS_ADDR:$LAB_RELAY_MNT_PORT=127.0.0.1:$LAB_MNT_PORT" "${extra[@]}" > "$STATE/relay.log" 2>&1 < /dev/null &
  record_pid "$STATE/relay.pid" $! kdf-delay-relay
  for _ in $(seq 50); do grep -q '^ready' "$STATE/relay.log" && break; sleep 0.1; done
  grep -q '^ready' "$STATE/relay.log" || die "the relay did not start (log: $STATE/relay.log)"
  sed -i '/^LAB_RTT_MS=/d' "$STATE/lab.env"
  echo "LAB_RTT_MS=$rtt" >> "$STATE/lab.env"
}

cmd_exec() { load_env "$STATE"; exec ip netns exec "$LAB_NS" "$@"; }

cmd_counters() {
  load_env "$STATE"
  echo "$(cat "/sys/class/net/$LAB_HOST_IF/statistics/tx_bytes") $(cat "/sys/class/net/$LAB_HOST_IF/statistics/rx_bytes")"
}

cmd_down() {
  trap - ERR INT TERM
  [ -f "$STATE/lab.env" ] || { rm -rf "$STATE"; return 0; }
  # shellcheck source=/dev/null
  . "$STATE/lab.env"
  stop_pidfile "$STATE/relay.pid"
  stop_pidfile "$STATE/sshd.pid"
  stop_pidfile "$STATE/ganesha.pid"
  stop_pidfile "$STATE/rpcbind.pid"
  # Deleting one end of a veth pair deletes both; the namespace goes after its last process.
  ip link del "$LAB_HOST_IF" 2>/dev/null || true
  ip netns del "$LAB_NS" 2>/dev/null || true
  rm -rf "$STATE"
}

verb=${1:-}
STATE=${2:-}
if [ -z "$verb" ] || [ -z "$STATE" ]; then
  die "usage: lab.sh up|shape|sshd|nfs|relay|exec|counters|down STATE [ARGS...]"
fi
shift 2
STATE=$(realpath -m "$STATE")
case "$verb" in
  up) cmd_up "$@" ;;
  shape) cmd_shape "$@" ;;
  sshd) cmd_sshd ;;
  nfs) cmd_nfs ;;
  _nfs_inside) cmd_nfs_inside ;;
  relay) cmd_relay "$@" ;;
  exec) cmd_exec "$@" ;;
  counters) cmd_counters ;;
  down) cmd_down ;;
  *) die "unknown verb '$verb'" ;;
esac
