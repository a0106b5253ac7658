#!/usr/bin/env bash
# The ssh transport over loopback against OpenSSH scp and against a local-directory dump.
# Not a test: numbers vary with the machine; read them.
#   bench/ssh_vs_scp.sh [SIZE] [BUILD_DIR] [CIPHER] [CODECS]
#   (defaults: 1G, build, aes128-gcm@openssh.com, "none zlib"); THREADS=N sets [dump] threads (default
#   0 = all CPUs; THREADS=1 leaves a core to the server, as a real remote server has its own CPUs)
# For each codec: the same generated vmcore dumped (1) to a local directory, (2) over ssh in mode
# sftp with the default write window (auto: grown from 4 writes in flight), (3) sftp one write at a time (what libssh's own
# sftp_write() gives), (4) mode stream (flattened, `cat > file`); then (5) `scp` of the dump file
# made in (1), to the same sshd with the same cipher, and (6) that scp followed by `sync FILE` on the
# server (our dump fsyncs; scp does not). Throughput is dump-file bytes per second.
# Needs root (sshd), openssh-server and openssh-client.
set -euo pipefail
size=${1:-1G}
build=$(realpath "${2:-build}")
cipher=${3:-aes128-gcm@openssh.com}
codecs=${4:-none zlib}
work=$(mktemp -d /var/tmp/kdf-bench-ssh-XXXXXX)
sshd_pid=
cleanup() {
  if [ -n "$sshd_pid" ]; then kill "$sshd_pid" 2>/dev/null || true; wait "$sshd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# --- a private sshd on a free loopback port ---
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p /run/sshd "$work/ssh"
chmod 755 /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$work/ssh/client"
cp "$work/ssh/client.pub" "$work/ssh/authorized_keys"
cat > "$work/ssh/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $work/ssh/hostkey
PidFile $work/ssh/sshd.pid
AuthorizedKeysFile $work/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
Ciphers $cipher
CONF
/usr/sbin/sshd -D -e -f "$work/ssh/sshd_config" 2>"$work/ssh/sshd.log" &
sshd_pid=$!
echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$work/ssh/hostkey.pub")" > "$work/ssh/known_hosts"
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

"$build/bin/kdf-mkvmcore" --size "$size" --seed 11 "$work/vmcore" >/dev/null
cp --sparse=never "$work/vmcore" "$work/vmcore.dense" && mv "$work/vmcore.dense" "$work/vmcore"
export KDF_PLUGIN_PATH="$build/lib/kdump-failover/plugins"

now() { date +%s.%N; }
# run_dump NAME CODEC TARGET_TYPE_LINES -> prints "seconds bytes"
run_dump() {
  local name=$1 codec=$2 body=$3 out="$work/out-$1-$2"
  mkdir -p "$out"
  printf '[dump]\ncompress = %s\nthreads = %s\n\n[chain]\ntargets = t\n\n[target t]\n%s\npath = %s\nreserve = 0\n' \
    "$codec" "${THREADS:-0}" "$body" "$out" > "$work/$name.conf"
  local t0 t1
  t0=$(now)
  "$build/bin/kdump-failover" dump --config "$work/$name.conf" --vmcore "$work/vmcore" >/dev/null 2>"$work/$name-$codec.log" \
    || { echo "dump $name failed:" >&2; cat "$work/$name-$codec.log" >&2; exit 1; }
  t1=$(now)
  local f
  f=$(find "$out" -type f \( -name vmcore -o -name vmcore.flat \) | head -1)
  echo "$(echo "$t1 - $t0" | bc -l) $(stat -c %s "$f") $f"
}

ssh_body="type = ssh
host = 127.0.0.1
port = $port
identity = $work/ssh/client
known_hosts = $work/ssh/known_hosts
ciphers = $cipher"

printf '\ninput: %s generated vmcore (%d bytes), cipher %s, %s CPUs\n' "$size" "$(stat -c %s "$work/vmcore")" "$cipher" "$(nproc)"
for codec in $codecs; do
  read -r t_local b_local f_local < <(run_dump local "$codec" "type = local")
  read -r t_sftp b_sftp _ < <(run_dump sftp-auto "$codec" "$ssh_body")
  read -r t_sftp16 b_sftp16 _ < <(run_dump sftp16 "$codec" "$ssh_body
requests_in_flight = 16")
  read -r t_seq b_seq _ < <(run_dump sftp1 "$codec" "$ssh_body
requests_in_flight = 1")
  read -r t_stream b_stream _ < <(run_dump stream "$codec" "$ssh_body
mode = stream
format = flat")
  mkdir -p "$work/scp-$codec"
  t0=$(now)
  scp -q -c "$cipher" -P "$port" -i "$work/ssh/client" -o BatchMode=yes -o UserKnownHostsFile="$work/ssh/known_hosts" \
    "$f_local" "root@127.0.0.1:$work/scp-$codec/vmcore"
  t1=$(now)
  t_scp=$(echo "$t1 - $t0" | bc -l)
  b_scp=$(stat -c %s "$work/scp-$codec/vmcore")
  # scp does not fsync its copy, while our dump ends with fsync@openssh.com before the rename.
  # Syncing the copy on the server (over the same sshd) gives the durable-to-durable comparison.
  ssh -q -c "$cipher" -p "$port" -i "$work/ssh/client" -o BatchMode=yes -o UserKnownHostsFile="$work/ssh/known_hosts" \
    root@127.0.0.1 sync "$work/scp-$codec/vmcore"
  t2=$(now)
  t_scp_sync=$(echo "$t2 - $t0" | bc -l)
  printf '\ncompress = %s\n' "$codec"
  printf '%-34s %8s %10s %9s %12s\n' method seconds "out MB" "MB/s" "vs scp"
  row() { awk -v n="$1" -v t="$2" -v b="$3" -v ts="$t_scp" -v bs="$b_scp" 'BEGIN {
    printf "%-34s %8.2f %10.1f %9.0f %11.2fx\n", n, t, b / 1e6, b / t / 1e6, (b / t) / (bs / ts) }'; }
  row "dump to local dir" "$t_local" "$b_local"
  row "dump over ssh, sftp, auto in flight" "$t_sftp" "$b_sftp"
  row "dump over ssh, sftp, 16 in flight" "$t_sftp16" "$b_sftp16"
  row "dump over ssh, sftp, 1 in flight" "$t_seq" "$b_seq"
  row "dump over ssh, stream (flat)" "$t_stream" "$b_stream"
  row "scp of the local dump file" "$t_scp" "$b_scp"
  row "scp, then its copy synced" "$t_scp_sync" "$b_scp"
  awk -v l="$t_local" -v s="$t_sftp" 'BEGIN { printf "sftp dump speed vs local-dir dump: %.0f%%\n", 100 * l / s }'
done
