#!/bin/bash
# rgw_lab.sh - a throwaway single-node Ceph cluster with radosgw (S3) on 127.0.0.1 for the tests.
#
#   LAB=DIR rgw_lab.sh start          # DIR must not exist yet or be empty; prints and writes DIR/env
#   LAB=DIR rgw_lab.sh stop           # SIGTERM (then SIGKILL) every daemon by its PID, rm -rf DIR
#   LAB=DIR rgw_lab.sh freeze|thaw    # SIGSTOP / SIGCONT radosgw (a server that stops answering)
#   LAB=DIR rgw_lab.sh restart-rgw    # SIGKILL radosgw and start it again on the same port
#   LAB=DIR rgw_lab.sh user UID AK SK # another S3 user (its own keys, no buckets)
#
# One ceph-mon, one ceph-osd on memstore (data in RAM: no block device, LVM or device-mapper) and
# radosgw with the beast frontend (http, and https with a certificate from a throwaway test CA,
# $LAB/tls/ca.pem), without systemd. cephx is off, which is safe only because every
# daemon binds 127.0.0.1. All state, logs, sockets and PID files live under $LAB and every command
# gets -c $LAB/ceph.conf, so /etc/ceph, /var/lib/ceph and /var/log/ceph are never touched. Ports:
# a block of 42 free ports (mon = base, rgw = base + 1, rgw https = base + 41, osd in between).
# RGW_ALSO_ON=ADDR: radosgw's http port listens on ADDR too (the benches start the lab inside a
# network namespace of their own and reach it over its veth pair; ADDR is the namespace's address).
set -euo pipefail

: "${LAB:?set LAB to a scratch directory}"
CONF=$LAB/ceph.conf
ACCESS_KEY=${S3_ACCESS_KEY:-KDFTESTACCESSKEY0001}
SECRET_KEY=${S3_SECRET_KEY:-kdftestsecretkey00000000000000000000001}
WAIT=${START_TIMEOUT:-90}

say() { printf 'rgw_lab: %s\n' "$*" >&2; }

# alive PID: running and not a zombie (kill -0 succeeds on a zombie)
alive() {
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "${st:0:1}" != Z ]
}

pid_of() { cat "$LAB/pids/$1" 2>/dev/null || true; }

stop_daemon() {
    local pid
    pid=$(pid_of "$1")
    [ -n "$pid" ] || return 0
    if alive "$pid"; then
        kill -CONT "$pid" 2>/dev/null || true
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
        if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$LAB/pids/$1"
}

fail() {
    say "ERROR: $*"
    for d in rgw osd.0 mon.a; do stop_daemon "$d"; done
    for f in "$LAB"/log/*.log "$LAB"/log/*.out; do
        [ -s "$f" ] && { say "--- $f"; tail -5 "$f" >&2; }
    done
    exit 1
}

port_block_free() { # port_block_free BASE: all of BASE..BASE+41 can be bound on 127.0.0.1
    python3 - "$1" <<'PY'
import socket, sys
base = int(sys.argv[1])
for p in range(base, base + 42):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
PY
}

# daemon NAME CMD...: run CMD in the foreground flag's style, in the background, detached from our
# stdin/stdout (a caller reading our output must see EOF when we exit), PID in $LAB/pids/NAME
daemon() {
    local name=$1
    shift
    setsid "$@" </dev/null >"$LAB/log/$name.out" 2>&1 &
    echo $! >"$LAB/pids/$name"
}

wait_until() { # wait_until WHAT CMD...: retry every 0.2 s while every daemon lives, up to $WAIT s
    local what=$1 end=$((SECONDS + WAIT)) f
    shift
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $end ] || fail "timed out after ${WAIT}s waiting for $what"
        for f in "$LAB"/pids/*; do alive "$(cat "$f")" || fail "$(basename "$f") exited while waiting for $what"; done
        sleep 0.2
    done
}

ceph_() { timeout 30 ceph -c "$CONF" "$@"; }

osd_up() {
    ceph_ osd dump --format json |
        python3 -c 'import json,sys; o=json.load(sys.stdin)["osds"]; sys.exit(0 if o and all(x["up"] and x["in"] for x in o) else 1)'
}

rgw_port() { sed -n 's/^S3_PORT=//p' "$LAB/env"; }

rgw_answers() { curl -s -o /dev/null "http://127.0.0.1:$1/"; }

start_rgw() {
    daemon rgw radosgw -c "$CONF" -n client.rgw -f
    wait_until "radosgw on 127.0.0.1:$1" rgw_answers "$1"
}

write_conf() {
    local base=$1 fsid=$2
    cat >"$CONF" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$base]
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind ipv6 = false
ms bind port min = $((base + 2))
ms bind port max = $((base + 40))
auth cluster required = none
auth service required = none
auth client required = none
keyring = $LAB/keyring
run dir = $LAB/run
crash dir = $LAB/crash
log file = $LAB/log/\$name.log
mon cluster log file = default=$LAB/log/\$cluster.\$channel.log cluster=$LAB/log/\$cluster.log
admin socket = $LAB/run/\$name.asok
pid file = $LAB/run/\$name.pid
mon data = $LAB/\$name
osd data = $LAB/\$name
rgw data = $LAB/rgw
# each pool radosgw creates waits for a paxos round: 0.1 s instead of 1 s halves its first start
paxos propose interval = 0.1
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 8589934592
osd op num shards = 1
osd op num threads per shard = 2

[client]
log file = $LAB/log/\$name.\$pid.log

[client.rgw]
log file = $LAB/log/\$name.log
# radosgw asks the mon for a secure session by default, which auth none cannot give
ms mon client mode = crc
rgw frontends = beast endpoint=127.0.0.1:$((base + 1))${RGW_ALSO_ON:+ endpoint=$RGW_ALSO_ON:$((base + 1))} ssl_endpoint=127.0.0.1:$((base + 41)) ssl_certificate=$LAB/tls/rgw.pem ssl_private_key=$LAB/tls/rgw.key
rgw thread pool size = 32
rgw enable usage log = false
# memstore keeps deleted objects in RAM until the garbage collector runs: run it often
rgw gc obj min wait = 10
rgw gc processor period = 20
CONF
}

# A CA of our own and radosgw's certificate for 127.0.0.1, signed by it.
make_tls() {
    local t=$LAB/tls
    mkdir -p "$t"
    openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=kdf-rgw-test-ca -days 2 \
        -keyout "$t/ca.key" -out "$t/ca.pem" >/dev/null 2>&1 || fail "openssl: test CA"
    openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$t/rgw.key" -out "$t/rgw.csr" \
        >/dev/null 2>&1 || fail "openssl: certificate request"
    # 10.0.2.2: the host as a QEMU guest on the user network reaches it (the s3 crash-kernel scenario).
    printf 'subjectAltName=IP:127.0.0.1,IP:10.0.2.2\n' >"$t/ext"
    openssl x509 -req -in "$t/rgw.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 2 \
        -extfile "$t/ext" -out "$t/rgw.pem" >/dev/null 2>&1 || fail "openssl: signing the certificate"
}

do_start() {
    [ ! -e "$CONF" ] || fail "$LAB already holds a cluster"
    local base="" uuid id
    for _ in $(seq 1 50); do
        base=$((20000 + (RANDOM % 400) * 100))
        port_block_free "$base" && break
        base=""
    done
    [ -n "$base" ] || fail "no block of 42 free ports found"
    mkdir -p "$LAB"/{log,run,pids,crash,mon.a,osd.0,rgw}
    make_tls
    write_conf "$base" "$(uuidgen)"
    monmaptool --create --fsid "$(sed -n 's/^fsid = //p' "$CONF")" --addv a "[v2:127.0.0.1:$base]" "$LAB/monmap" >/dev/null
    ceph-mon -c "$CONF" --mkfs -i a --monmap "$LAB/monmap" >"$LAB/log/mon-mkfs.out" 2>&1 || fail "ceph-mon --mkfs"
    daemon mon.a ceph-mon -c "$CONF" -i a -f
    wait_until "the monitor" ceph_ mon stat
    uuid=$(uuidgen)
    id=$(ceph_ osd new "$uuid")
    [ "$id" = 0 ] || fail "osd new gave id '$id'"
    ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$uuid" >"$LAB/log/osd-mkfs.out" 2>&1 || fail "ceph-osd --mkfs"
    daemon osd.0 ceph-osd -c "$CONF" -i 0 -f
    wait_until "osd.0 up and in" osd_up
    start_rgw $((base + 1))
    radosgw-admin -c "$CONF" user create --uid=lab --display-name=lab --access-key="$ACCESS_KEY" \
        --secret-key="$SECRET_KEY" >"$LAB/log/user-lab.json" 2>&1 || fail "radosgw-admin user create"
    cat >"$LAB/env" <<ENV
S3_ENDPOINT=http://127.0.0.1:$((base + 1))
S3_PORT=$((base + 1))
S3_TLS_ENDPOINT=https://127.0.0.1:$((base + 41))
S3_CA_FILE=$LAB/tls/ca.pem
S3_ACCESS_KEY=$ACCESS_KEY
S3_SECRET_KEY=$SECRET_KEY
S3_REGION=us-east-1
CEPH_CONF=$CONF
ENV
    if [ -n "${RGW_ALSO_ON:-}" ]; then echo "S3_ALSO_ENDPOINT=http://$RGW_ALSO_ON:$((base + 1))" >>"$LAB/env"; fi
    cat "$LAB/env"
}

do_stop() {
    [ -d "$LAB" ] || return 0
    if [ -d "$LAB/pids" ]; then
        for d in rgw osd.0 mon.a; do stop_daemon "$d"; done
    fi
    rm -rf "$LAB"
}

case ${1:-} in
start) do_start ;;
stop) do_stop ;;
freeze) kill -STOP "$(pid_of rgw)" ;;
thaw) kill -CONT "$(pid_of rgw)" ;;
restart-rgw)
    pid=$(pid_of rgw)
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
    start_rgw "$(rgw_port)"
    ;;
user)
    [ $# -eq 4 ] || { echo "usage: rgw_lab.sh user UID ACCESS SECRET" >&2; exit 2; }
    radosgw-admin -c "$CONF" user create --uid="$2" --display-name="$2" --access-key="$3" --secret-key="$4" \
        >"$LAB/log/user-$2.json" 2>&1 || { cat "$LAB/log/user-$2.json" >&2; exit 1; }
    ;;
*)
    echo "usage: LAB=DIR $0 start|stop|freeze|thaw|restart-rgw|user UID AK SK" >&2
    exit 2
    ;;
esac
