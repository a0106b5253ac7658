#!/usr/bin/env bash
# The nfs transport over loopback against libnfs's own nfs-cp and against a local-directory dump.
# Not a test: numbers vary with the machine; read them.
#   bench/nfs_vs_nfscp.sh [SIZE] [BUILD_DIR] [CODECS] [INFLIGHT...]
#   (defaults: 1G, build, "none zlib", "4 16 1"); THREADS=N sets [dump] threads (default 0 = all
#   CPUs; THREADS=1 leaves a core to the server, as a real remote server has its own CPUs)
# For each codec: the same generated vmcore dumped (1) to a local directory, (2) over NFSv3 to a
# private nfs-ganesha with 4 WRITEs in flight (the default), 16 and 1 (no pipelining); then (3)
# `nfs-cp` (libnfs-utils, sequential sync writes) of the dump file made in (1) to the same export,
# and that copy then synced on the server (our dump COMMITs before its rename; nfs-cp does not).
# Throughput is dump-file bytes per second. Needs root, nfs-ganesha, nfs-ganesha-vfs, rpcbind and
# libnfs-utils. An rpcbind already running is used and left alone; otherwise one is started and
# stopped again.
set -euo pipefail
size=${1:-1G}
build=$(realpath "${2:-build}")
codecs=${3:-none zlib}
shift $(( $# < 3 ? $# : 3 ))
inflights=${*:-4 16 1}
work=$(mktemp -d /var/tmp/kdf-bench-nfs-XXXXXX)
ganesha_pid=
rpcbind_pid=
cleanup() {
  if [ -n "$ganesha_pid" ]; then kill "$ganesha_pid" 2>/dev/null || true; wait "$ganesha_pid" 2>/dev/null || true; fi
  if [ -n "$rpcbind_pid" ]; then kill "$rpcbind_pid" 2>/dev/null || true; wait "$rpcbind_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# --- rpcbind (NFSv3 needs it registered) and a private ganesha ---
if ! (echo > /dev/tcp/127.0.0.1/111) 2>/dev/null; then
  rpcbind -f & rpcbind_pid=$!
  wait_port 111
fi
nfs_port=$(free_port); mnt_port=$(free_port)
mkdir -p "$work/export" "$work/recov" /var/run/ganesha
cat > "$work/ganesha.conf" <<CONF
NFS_CORE_PARAM { Bind_Addr = 127.0.0.1; NFS_Port = $nfs_port; MNT_Port = $mnt_port; NLM_Port = $(free_port);
  Rquota_Port = $(free_port); NFS_Protocols = 3, 4; Enable_NLM = false; Enable_RQUOTA = false; Enable_UDP = false;
  Mount_Path_Pseudo = true; }
NFSV4 { Graceless = true; RecoveryBackend = fs; RecoveryRoot = $work/recov; }
NFS_KRB5 { Active_krb5 = false; }
LOG { Default_Log_Level = EVENT; }
EXPORT { Export_Id = 1; Path = $work/export; Pseudo = /export; Access_Type = RW; Squash = No_Root_Squash;
  SecType = sys; Protocols = 3, 4; Transports = TCP; FSAL { Name = VFS; } }
CONF
ganesha.nfsd -F -f "$work/ganesha.conf" -L "$work/ganesha.log" -p "$work/ganesha.pid" -N NIV_EVENT &
ganesha_pid=$!
for _ in $(seq 100); do grep -q "NFS SERVER INITIALIZED" "$work/ganesha.log" 2>/dev/null && break; sleep 0.1; done
wait_port "$nfs_port"
url="nfs://127.0.0.1/export?nfsport=$nfs_port&mountport=$mnt_port"

"$build/bin/kdf-mkvmcore" --size "$size" --seed 11 "$work/vmcore" >/dev/null
cp --sparse=never "$work/vmcore" "$work/vmcore.dense" && mv "$work/vmcore.dense" "$work/vmcore"
export KDF_PLUGIN_PATH="$build/lib/kdump-failover/plugins"

now() { date +%s.%N; }
# run_dump NAME CODEC TARGET_LINES -> prints "seconds bytes file"
run_dump() {
  local name=$1 codec=$2 body=$3
  printf '[dump]\ncompress = %s\nthreads = %s\n\n[chain]\ntargets = t\n\n[target t]\n%s\nreserve = 0\n' \
    "$codec" "${THREADS:-0}" "$body" > "$work/$name.conf"
  local t0 t1
  t0=$(now)
  "$build/bin/kdump-failover" dump --config "$work/$name.conf" --vmcore "$work/vmcore" >"$work/$name-$codec.out" \
    2>"$work/$name-$codec.log" || { echo "dump $name failed:" >&2; cat "$work/$name-$codec.log" >&2; exit 1; }
  t1=$(now)
  local f
  f=$(sed -n 's/^dump saved by target .*: //p' "$work/$name-$codec.out")
  f=${f/nfs:\/\/127.0.0.1\/export/$work\/export}
  echo "$(echo "$t1 - $t0" | bc -l) $(stat -c %s "$f") $f"
}

printf '\ninput: %s generated vmcore (%d bytes), %s CPUs, ganesha %s\n' "$size" "$(stat -c %s "$work/vmcore")" \
  "$(nproc)" "$(dpkg-query -W -f='${Version}' nfs-ganesha 2>/dev/null || echo '?')"
for codec in $codecs; do
  mkdir -p "$work/local-$codec"
  read -r t_local b_local f_local < <(run_dump local "$codec" "type = local
path = $work/local-$codec")
  declare -A t_nfs b_nfs
  for n in $inflights; do
    read -r t b _ < <(run_dump "nfs$n" "$codec" "type = nfs
url = $url
inflight = $n")
    t_nfs[$n]=$t; b_nfs[$n]=$b
  done
  t0=$(now)
  nfs-cp "$f_local" "nfs://127.0.0.1/export/nfscp-$codec?nfsport=$nfs_port&mountport=$mnt_port" >/dev/null
  t1=$(now)
  t_cp=$(echo "$t1 - $t0" | bc -l)
  b_cp=$(stat -c %s "$work/export/nfscp-$codec")
  # nfs-cp sends UNSTABLE writes and no COMMIT: its copy may still be only in the server's page
  # cache, while our dump COMMITs before the rename. Flushing the copy on the server (it is this
  # machine) gives the durable-to-durable comparison.
  sync "$work/export/nfscp-$codec"
  t2=$(now)
  t_cp_sync=$(echo "$t2 - $t0" | bc -l)
  printf '\ncompress = %s\n' "$codec"
  printf '%-36s %8s %10s %9s %12s\n' method seconds "out MB" "MB/s" "vs nfs-cp"
  row() { awk -v n="$1" -v t="$2" -v b="$3" -v tc="$t_cp" -v bc="$b_cp" 'BEGIN {
    printf "%-36s %8.2f %10.1f %9.0f %11.2fx\n", n, t, b / 1e6, b / t / 1e6, (b / t) / (bc / tc) }'; }
  row "dump to local dir" "$t_local" "$b_local"
  for n in $inflights; do row "dump over NFSv3, $n in flight" "${t_nfs[$n]}" "${b_nfs[$n]}"; done
  row "nfs-cp of the local dump file" "$t_cp" "$b_cp"
  row "nfs-cp, then its copy synced" "$t_cp_sync" "$b_cp"
  first=${inflights%% *}
  awk -v l="$t_local" -v s="${t_nfs[$first]}" -v n="$first" \
    'BEGIN { printf "NFS dump (%s in flight) speed vs local-dir dump: %.0f%%\n", n, 100 * l / s }'
  unset t_nfs b_nfs
done
