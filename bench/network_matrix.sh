#!/usr/bin/env bash
# Network dumps over shaped, delayed links (bench/link-lab) against what users run today, on the
# real 6.1 vmcore fixture. Not a test: numbers vary with the machine; read them.
#
#   bench/network_matrix.sh [--quick] [--runs N] [--build DIR] [--links "1gbit 10gbit none"]
#                           [--rtts "0.2 2 20"] [--levels "1 31"] [--targets "ssh nfs"]
#
# For every link rate x round trip x dump level x target, RUNS times (default 3), in turns:
#   ssh  ours        kdump-failover dump, [dump] compress = lzo, to an ssh target (sftp)
#        rhel        RHEL kdump.sh's ssh path exactly: ssh mkdir -p; makedumpfile -F -l
#                    --message-level 7 -d L | ssh -i KEY -o BatchMode=yes -o StrictHostKeyChecking=yes
#                    HOST "umask 0077 && dd bs=512 of=DIR/vmcore-incomplete"; ssh HOST mv to vmcore.flat
#        kdt         Debian kdump-config's ssh path (kdump-tools 1.8.1): ssh -i KEY HOST mkdir -p;
#                    makedumpfile MAKEDUMP_ARGS (its default "-F -c -d 31", here -d L) | cat |
#                    ssh -i KEY HOST dd of=DIR/dump-incomplete; ssh -i KEY HOST mv DIR/dump.STAMP
#   nfs  ours        kdump-failover dump, compress = lzo, to an nfs target (NFSv3, libnfs)
#        nfs-cp      libnfs's nfs-cp of the same makedumpfile -l -d L output (made beforehand, not
#                    timed), then that copy synced on the server: the bytes moved, no compression
#                    (the host kernel has no NFS client, so RHEL's own nfs path cannot run here)
# The servers (sshd, nfs-ganesha) run in the lab's namespace; every connection goes through the
# delay relay. Every anchor uses the same link, the same servers and the same run as ours. Printed:
# one markdown table of medians (seconds), ours' speed against each anchor, and ours' bytes on the
# wire (host veth, both directions' payload + headers) against the link rate.
# `--quick` is links "1gbit none", rtts "2 20", runs 1. OURS_SSH_EXTRA / OURS_NFS_EXTRA: more lines
# for our target's section (e.g. OURS_SSH_EXTRA="requests_in_flight = 8"). Needs root, makedumpfile, openssh-server,
# nfs-ganesha(-vfs), rpcbind, libnfs-utils, zstd, and a build with kdump-failover, its ssh and nfs
# plugins and kdf-delay-relay.
# The remote commands are built here on purpose, as kdump.sh and kdump-config build theirs.
# shellcheck disable=SC2029
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
lab="$repo/bench/link-lab/lab.sh"
shared=${KDF_SHARED_DIR:-$repo/../shared}
build="$repo/build"
links="1gbit 10gbit none" rtts="0.2 2 20" levels="1 31" targets="ssh nfs" runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) links="1gbit none"; rtts="2 20"; runs=1 ;;
    --runs) runs=$2; shift ;;
    --build) build=$(realpath "$2"); shift ;;
    --links) links=$2; shift ;;
    --rtts) rtts=$2; shift ;;
    --levels) levels=$2; shift ;;
    --targets) targets=$2; shift ;;
    *) echo "network_matrix: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
export KDF_DELAY_RELAY="$build/bin/kdf-delay-relay"
export KDF_PLUGIN_PATH="$build/lib/kdump-failover/plugins"
for f in "$build/bin/kdump-failover" "$KDF_DELAY_RELAY"; do
  [ -x "$f" ] || { echo "network_matrix: $f missing (build it first)" >&2; exit 1; }
done

# The fixture, decompressed once into a cache outside the tree.
cache=${KDF_BENCH_CACHE:-/var/cache/kdump-failover/bench}
vmcore="$cache/vmcore-6.1-a"
if [ ! -s "$vmcore" ]; then
  mkdir -p "$cache"
  zstd -q -d -f "$shared/fixtures/vmcore-6.1-a.zst" -o "$vmcore.part" && mv "$vmcore.part" "$vmcore"
fi

work=$(mktemp -d /var/tmp/kdf-netmatrix-XXXXXX)
state="$work/lab"
trap '"$lab" down "$state"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
"$lab" up "$state" none
"$lab" sshd "$state"
"$lab" nfs "$state"
# shellcheck source=/dev/null
. "$state/lab.env"
remote="$state/remote"   # the ssh server's directory: the namespace shares this machine's disk
mkdir -p "$remote"

key="$state/ssh/client"
ssh_opts=(-i "$key" -p "$LAB_RELAY_SSH_PORT" -o BatchMode=yes -o StrictHostKeyChecking=yes
  -o "UserKnownHostsFile=$state/ssh/known_hosts")
host="root@$LAB_NS_ADDR"
nfs_url="nfs://$LAB_NS_ADDR/export?version=3&nfsport=$LAB_RELAY_NFS_PORT&mountport=$LAB_RELAY_MNT_PORT"

now() { date +%s.%N; }
wire_bytes() { local tx rx; read -r tx rx < <("$lab" counters "$state"); echo $((tx + rx)); }

# Each method prints "seconds bytes_on_the_wire" and leaves nothing on the server.
run_ours() {  # run_ours TARGET LEVEL
  local target=$1 level=$2 body
  if [ "$target" = ssh ]; then
    body="type = ssh
host = $LAB_NS_ADDR
port = $LAB_RELAY_SSH_PORT
identity = $key
known_hosts = $state/ssh/known_hosts
path = $remote${OURS_SSH_EXTRA:+
$OURS_SSH_EXTRA}"
  else
    body="type = nfs
url = $nfs_url${OURS_NFS_EXTRA:+
$OURS_NFS_EXTRA}"
  fi
  printf '[dump]\ncompress = lzo\nlevel = %s\n\n[chain]\ntargets = t\n\n[target t]\n%s\nreserve = 0\n' \
    "$level" "$body" > "$work/ours.conf"
  local w0 t0 t1 w1
  w0=$(wire_bytes); t0=$(now)
  "$build/bin/kdump-failover" dump --config "$work/ours.conf" --vmcore "$vmcore" > "$work/ours.out" 2> "$work/ours.log" \
    || { echo "network_matrix: our $target dump failed:" >&2; cat "$work/ours.log" >&2; exit 1; }
  t1=$(now); w1=$(wire_bytes)
  grep -q '^dump saved by target' "$work/ours.out" || { echo "network_matrix: no dump saved:" >&2; cat "$work/ours.out" "$work/ours.log" >&2; exit 1; }
  echo "$(echo "$t1 - $t0" | bc -l) $((w1 - w0))"
}

run_rhel() {  # run_rhel LEVEL: kdump.sh dump_ssh, the vmcore part
  local dir="$remote/rhel" w0 t0 t1 w1
  w0=$(wire_bytes); t0=$(now)
  ssh "${ssh_opts[@]}" "$host" mkdir -p "$dir"
  makedumpfile -F -l --message-level 7 -d "$1" "$vmcore" 2> "$work/rhel.log" \
    | ssh "${ssh_opts[@]}" "$host" "umask 0077 && dd bs=512 of='$dir/vmcore-incomplete'" 2>> "$work/rhel.log"
  ssh "${ssh_opts[@]}" "$host" mv "$dir/vmcore-incomplete" "$dir/vmcore.flat"
  t1=$(now); w1=$(wire_bytes)
  echo "$(echo "$t1 - $t0" | bc -l) $((w1 - w0))"
}

run_kdt() {  # run_kdt LEVEL: kdump-config savecore's ssh branch, the vmcore part
  local dir="$remote/kdt" w0 t0 t1 w1
  w0=$(wire_bytes); t0=$(now)
  ssh "${ssh_opts[@]}" "$host" mkdir -p "$dir"
  # `cat`: kdump-config's compress() when KDUMP_COMPRESSION is unset (its default).
  makedumpfile -F -c -d "$1" "$vmcore" 2> "$work/kdt.log" | cat \
    | ssh "${ssh_opts[@]}" "$host" dd "of=$dir/dump-incomplete" 2>> "$work/kdt.log"
  ssh "${ssh_opts[@]}" "$host" mv "$dir/dump-incomplete" "$dir/dump.202612051200"
  t1=$(now); w1=$(wire_bytes)
  echo "$(echo "$t1 - $t0" | bc -l) $((w1 - w0))"
}

run_nfscp() {  # run_nfscp LEVEL
  # A new name each time: the copies are removed behind ganesha's back (clean_server), and its
  # cache would still answer EXIST for an old name.
  local w0 t0 t1 w1 f="$work/mdf-l-d$1" name
  name="nfscp-$(date +%s%N)"
  w0=$(wire_bytes); t0=$(now)
  nfs-cp "$f" "nfs://$LAB_NS_ADDR/export/$name?nfsport=$LAB_RELAY_NFS_PORT&mountport=$LAB_RELAY_MNT_PORT" > /dev/null
  # nfs-cp sends UNSTABLE writes and no COMMIT, our dump COMMITs: sync its copy on the server.
  sync "$state/export/$name"
  t1=$(now); w1=$(wire_bytes)
  echo "$(echo "$t1 - $t0" | bc -l) $((w1 - w0))"
}

# The next run starts with the removal written back (syncfs of that file system, not all of them).
clean_server() { rm -rf "${remote:?}"/* "$state/export"/*; sync -f "$remote"; }

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
link_mbs() { case "$1" in none) echo 0 ;; *) awk -v r="$1" 'BEGIN { n = r + 0; u = tolower(r); sub(/^[0-9.]+/, "", u);
  m = (u == "gbit") ? 1e9 : (u == "mbit") ? 1e6 : 1; printf "%.1f", n * m / 8 / 1e6 }' ;; esac; }

for level in $levels; do
  if [[ " $targets " == *" nfs "* ]] && [ ! -s "$work/mdf-l-d$level" ]; then
    makedumpfile -l -d "$level" "$vmcore" "$work/mdf-l-d$level" > /dev/null 2>&1
  fi
done

printf '\ninput: %s (%d bytes), %s CPUs, load average %s\n' "$vmcore" "$(stat -c %s "$vmcore")" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'our ssh target: %s; our nfs target: %s\n' "${OURS_SSH_EXTRA:-defaults}" "${OURS_NFS_EXTRA:-defaults}"
printf 'runs per cell: %s; seconds are medians; "x" = ours faster by (anchor time / our time)\n\n' "$runs"
echo "| link | RTT ms | level | target | ours s | ours wire MB/s (% of link) | RHEL kdump.sh s | x | kdump-tools s | x | nfs-cp s | x |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for link in $links; do
  "$lab" shape "$state" "$link"
  for rtt in $rtts; do
    "$lab" relay "$state" "$rtt"
    for level in $levels; do
      for target in $targets; do
        declare -A times=() wires=()
        for ((r = 0; r < runs; r++)); do
          read -r t w < <(run_ours "$target" "$level"); times[ours]+=" $t"; wires[ours]+=" $w"; clean_server
          if [ "$target" = ssh ]; then
            read -r t w < <(run_rhel "$level"); times[rhel]+=" $t"; clean_server
            read -r t w < <(run_kdt "$level"); times[kdt]+=" $t"; clean_server
          else
            read -r t w < <(run_nfscp "$level"); times[nfscp]+=" $t"; clean_server
          fi
        done
        ours=$(echo "${times[ours]}" | median)
        wire=$(echo "${wires[ours]}" | median)
        rate=$(link_mbs "$link")
        cell_wire=$(awk -v w="$wire" -v t="$ours" -v r="$rate" 'BEGIN { m = w / t / 1e6;
          if (r > 0) printf "%.0f (%.0f%%)", m, 100 * m / r; else printf "%.0f", m }')
        ratio() { awk -v a="$1" -v o="$ours" 'BEGIN { printf "%.2f", a / o }'; }
        if [ "$target" = ssh ]; then
          rhel=$(echo "${times[rhel]}" | median); kdt=$(echo "${times[kdt]}" | median)
          printf '| %s | %s | %s | ssh | %.2f | %s | %.2f | %s | %.2f | %s | | |\n' "$link" "$rtt" "$level" "$ours" \
            "$cell_wire" "$rhel" "$(ratio "$rhel")" "$kdt" "$(ratio "$kdt")"
        else
          nfscp=$(echo "${times[nfscp]}" | median)
          printf '| %s | %s | %s | nfs | %.2f | %s | | | | | %.2f | %s |\n' "$link" "$rtt" "$level" "$ours" \
            "$cell_wire" "$nfscp" "$(ratio "$nfscp")"
        fi
        unset times wires
      done
    done
  done
done
