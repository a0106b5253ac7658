#!/usr/bin/env bash
# The bench's network link lab (bench/link-lab/lab.sh) does what the network benchmarks rely on:
# tbf holds a transfer to the rate it was given (and a rate changed mid-run takes effect), the
# delay relay adds the round trip it was given while a direct path does not, and `down` leaves no
# namespace, veth pair or process behind (sshd, ganesha and its private rpcbind included), also
# after a lab whose `up` was interrupted.
#   link_lab.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(realpath "$1")
build=$(realpath "$2")
lab="$src/bench/link-lab/lab.sh"
export KDF_DELAY_RELAY="$build/bin/kdf-delay-relay"
state=$(mktemp -d /var/tmp/kdf-link-lab-test-XXXXXX)
rmdir "$state"
fail() { echo "link_lab: FAIL: $*" >&2; exit 1; }
trap '"$lab" down "$state"' EXIT

[ "$(id -u)" -eq 0 ] || fail "needs root (network namespaces, tc)"
[ -x "$KDF_DELAY_RELAY" ] || fail "no $KDF_DELAY_RELAY (build the kdf-delay-relay target)"

"$lab" up "$state" 200mbit
# shellcheck source=/dev/null
. "$state/lab.env"

# A sink and an echo server inside the namespace: plain sockets, so what is timed is the link.
sink_port=7001 echo_port=7002 relay_echo_port=17002
"$lab" exec "$state" python3 -c '
import socket, sys, threading
def serve(port, echo):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(8)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        def run(c=c):
            while (b := c.recv(1 << 16)):
                if echo: c.sendall(b)
            if not echo: c.sendall(b"done")
            c.close()
        threading.Thread(target=run, daemon=True).start()
threading.Thread(target=serve, args=(int(sys.argv[1]), False), daemon=True).start()
serve(int(sys.argv[2]), True)
' "$sink_port" "$echo_port" > "$state/py.log" 2>&1 < /dev/null &
py_pid=$!
trap 'kill "$py_pid" 2>/dev/null; wait "$py_pid" 2>/dev/null; "$lab" down "$state"' EXIT
for _ in $(seq 50); do (echo > "/dev/tcp/$LAB_NS_ADDR/$echo_port") 2>/dev/null && break; sleep 0.1; done
"$lab" relay "$state" 20 "$relay_echo_port=$echo_port"

# send MB: seconds to push MB megabytes to the sink and have it acknowledge the end.
send() {
  python3 - "$LAB_NS_ADDR" "$sink_port" "$1" <<'PY'
import socket, sys, time
addr, port, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.create_connection((addr, port)); block = b"\0" * (1 << 20)
t = time.monotonic()
for _ in range(mb): s.sendall(block)
s.shutdown(socket.SHUT_WR); s.recv(16)
print(f"{time.monotonic() - t:.3f}")
PY
}
# rtt PORT: median seconds of 15 one-byte round trips through PORT.
rtt() {
  python3 - "$LAB_NS_ADDR" "$1" <<'PY'
import socket, statistics, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
times = []
for _ in range(15):
    t = time.monotonic(); s.sendall(b"x"); s.recv(1); times.append(time.monotonic() - t)
print(f"{statistics.median(times):.4f}")
PY
}
between() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }

# 200 Mbit/s is 25 MB/s on the wire, about 24 MB/s of TCP payload: 24 MB take about a second.
read -r tx0 _ < <("$lab" counters "$state")
t=$(send 24)
read -r tx1 _ < <("$lab" counters "$state")
mbs=$(awk -v t="$t" 'BEGIN { printf "%.1f", 24 * 1048576 / t / 1e6 }')
wire=$(awk -v a="$tx0" -v b="$tx1" -v t="$t" 'BEGIN { printf "%.1f", (b - a) / t / 1e6 }')
echo "200mbit: 24 MiB in $t s = $mbs MB/s payload, $wire MB/s on the wire"
between "$mbs" 18 25.5 || fail "200mbit tbf moved $mbs MB/s of payload (expected 18-25.5)"
[ $((tx1 - tx0)) -ge $((24 * 1048576)) ] || fail "the host-side counter saw $((tx1 - tx0)) bytes for 24 MiB sent"

"$lab" shape "$state" 50mbit
t=$(send 6)
mbs=$(awk -v t="$t" 'BEGIN { printf "%.1f", 6 * 1048576 / t / 1e6 }')
echo "50mbit: 6 MiB in $t s = $mbs MB/s"
between "$mbs" 4.5 6.4 || fail "after shape 50mbit the link moved $mbs MB/s (expected 4.5-6.4)"

"$lab" shape "$state" none
t=$(send 24)
mbs=$(awk -v t="$t" 'BEGIN { printf "%.1f", 24 * 1048576 / t / 1e6 }')
echo "unshaped: 24 MiB in $t s = $mbs MB/s"
between "$mbs" 40 100000 || fail "the unshaped link moved only $mbs MB/s (tbf still there?)"
tc qdisc show dev "$LAB_HOST_IF" | grep -q tbf && fail "shape none left a tbf qdisc on $LAB_HOST_IF"

direct=$(rtt "$echo_port")
relayed=$(rtt "$relay_echo_port")
echo "round trip: direct $direct s, through the 20 ms relay $relayed s"
between "$direct" 0 0.005 || fail "the direct round trip is $direct s (expected < 5 ms)"
# Never less than the delay; the upper bound leaves room for a loaded machine's late timer wakeups
# (20-32 ms seen with 2 CPUs at load 15-17) and still catches a delay applied twice (40 ms).
between "$relayed" 0.0195 0.038 || fail "the relayed round trip is $relayed s (expected 20-38 ms)"
"$lab" relay "$state" 2 "$relay_echo_port=$echo_port"
relayed=$(rtt "$relay_echo_port")
echo "round trip through the 2 ms relay: $relayed s"
between "$relayed" 0.0019 0.015 || fail "the 2 ms relay gave a $relayed s round trip (expected 2-15 ms)"

# A relayed bulk transfer still runs at the shaped rate: the relay keeps the pipe full.
"$lab" shape "$state" 200mbit
"$lab" relay "$state" 20 "$relay_echo_port=$echo_port" "$((sink_port + 10000))=$sink_port"
t=$(sink_port=$((sink_port + 10000)) send 24)
mbs=$(awk -v t="$t" 'BEGIN { printf "%.1f", 24 * 1048576 / t / 1e6 }')
echo "200mbit through the 20 ms relay: $mbs MB/s"
between "$mbs" 17 25.5 || fail "through the 20 ms relay the 200mbit link moved $mbs MB/s (expected 17-25.5)"

# The real servers the benchmarks use start inside the namespace and answer through the relay.
"$lab" sshd "$state"
"$lab" nfs "$state"
ssh -i "$state/ssh/client" -p "$LAB_RELAY_SSH_PORT" -o BatchMode=yes -o StrictHostKeyChecking=yes \
  -o "UserKnownHostsFile=$state/ssh/known_hosts" "root@$LAB_NS_ADDR" "echo hello > '$state/export/from-ssh'" \
  || fail "ssh through the relay to the lab's sshd failed (log: $state/ssh/sshd.log)"
nfs-ls "nfs://$LAB_NS_ADDR/export?version=3&nfsport=$LAB_RELAY_NFS_PORT&mountport=$LAB_RELAY_MNT_PORT" \
  | grep -q from-ssh || fail "nfs-ls through the relay does not list the export's file"
ganesha_pid=$(cut -d' ' -f1 "$state/ganesha.pid")
rpcbind_pid=$(cut -d' ' -f1 "$state/rpcbind.pid")
sshd_pid=$(cut -d' ' -f1 "$state/sshd.pid")

kill "$py_pid"; wait "$py_pid" 2>/dev/null || true
relay_pid=$(cut -d' ' -f1 "$state/relay.pid")
"$lab" down "$state"
trap - EXIT
ip netns list | grep -q "^$LAB_NS\b" && fail "down left the namespace $LAB_NS"
ip link show "$LAB_HOST_IF" > /dev/null 2>&1 && fail "down left the veth $LAB_HOST_IF"
[ -e "$state" ] && fail "down left $state"
for pid in "$relay_pid" "$ganesha_pid" "$rpcbind_pid" "$sshd_pid"; do
  if [ -r "/proc/$pid/stat" ] && [ "$(awk '{print $3}' "/proc/$pid/stat")" != Z ]; then
    fail "down left $(cat "/proc/$pid/comm" 2>/dev/null) (pid $pid) running"
  fi
done

# An `up` killed half-way leaves nothing either: its trap takes down what it made.
"$lab" up "$state" 1gbit & up_pid=$!
sleep 0.05
kill -TERM "$up_pid" 2>/dev/null || true
wait "$up_pid" 2>/dev/null || true
ns='' host_if=''
if [ -f "$state/lab.env" ]; then
  ns=$(sed -n 's/^LAB_NS=//p' "$state/lab.env"); host_if=$(sed -n 's/^LAB_HOST_IF=//p' "$state/lab.env")
fi
"$lab" down "$state"
[ -e "$state" ] && fail "down after an interrupted up left $state"
if [ -n "$ns" ]; then
  ip netns list | grep -q "^$ns\b" && fail "an interrupted up left the namespace $ns"
  ip link show "$host_if" > /dev/null 2>&1 && fail "an interrupted up left the veth $host_if"
fi
echo "link_lab: PASS"
