#!/usr/bin/env bash
# What keep costs a dump: the chain dumps the small synthetic vmcore to one target holding 20
# complete dumps of this host and FOREIGN directories of other hosts, with keep = 0 (the anchor:
# retention off), keep = 25 (the listing, nothing removed) and keep = 3 (18 dumps removed), to a
# local directory and over sftp to a real sshd on loopback (started here, stopped by PID). Prints
# the median wall time of ROUNDS runs of each.
#   bench/retention_open.sh [BUILD] [FOREIGN] [ROUNDS]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
foreign=${2:-3000}
rounds=${3:-3}
work=$(mktemp -d /tmp/kdf-bench-retention-XXXXXX)
sshd_pid=
cleanup() {
  [ -z "$sshd_pid" ] || kill "$sshd_pid" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
shared=$(sed -n 's/^KDF_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")
xz -dc "$shared/fixtures/dump/synthetic.elf.xz" > "$work/vmcore"
KDF_PLUGIN_PATH=$build/$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")/kdump-failover/plugins
export KDF_PLUGIN_PATH
host=$(uname -n)

ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$work/client"
cp "$work/client.pub" "$work/authorized_keys"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "[127.0.0.1]:$port $(cat "$work/hostkey.pub")" > "$work/known_hosts"
printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPermitRootLogin yes\nPasswordAuthentication no\nStrictModes no\nSubsystem sftp internal-sftp\nPidFile %s\n' \
  "$port" "$work/hostkey" "$work/authorized_keys" "$work/sshd.pid" > "$work/sshd_config"
mkdir -p /run/sshd
/usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log"
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s "$work/sshd.pid" ] && break; sleep 0.2; done
sshd_pid=$(cat "$work/sshd.pid")

seed() {
  rm -rf "$work/t" && mkdir "$work/t"
  for i in $(seq 1 "$foreign"); do mkdir "$work/t/node$i-2026-01-01-00:00:00" && : > "$work/t/node$i-2026-01-01-00:00:00/vmcore"; done
  for i in $(seq 10 29); do mkdir "$work/t/$host-2026-01-$i-00:00:00" && : > "$work/t/$host-2026-01-$i-00:00:00/vmcore"; done
}
run_ms() { # TYPE KEEP
  local section
  if [ "$1" = ssh ]; then
    section=$(printf 'type = ssh\nhost = 127.0.0.1\nport = %s\nidentity = %s\nknown_hosts = %s\npath = %s\nreserve = 0' \
      "$port" "$work/client" "$work/known_hosts" "$work/t")
  else
    section=$(printf 'type = local\npath = %s\nreserve = 0' "$work/t")
  fi
  printf '[dump]\ndmesg = no\n\n[chain]\ntargets = t\n\n[target t]\n%s\nkeep = %s\n' "$section" "$2" > "$work/c.conf"
  local start end
  start=$(date +%s%N)
  "$build/bin/kdump-failover" dump --config "$work/c.conf" --vmcore "$work/vmcore" > /dev/null 2> "$work/err" ||
    { cat "$work/err" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
for type in local ssh; do
  for keep in 0 25 3; do
    times=()
    for _ in $(seq 1 "$rounds"); do seed && times+=("$(run_ms "$type" "$keep")"); done
    mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
    echo "$type, $foreign foreign + 20 own dumps, keep = $keep: median ${sorted[$((rounds / 2))]} ms (runs ${times[*]})"
  done
done
