#!/kdf-e2e/busybox sh
# shellcheck shell=dash
# Runs in the crash kernel of the end-to-end test guest (crash-init.sh's "script" mode, network up,
# nfs modules loaded) and times two ways of saving /proc/vmcore on the same NFS export, in turns:
#   rhel  what RHEL's kdump.sh does for an nfs target: the kernel NFS client mounts the export
#         (dracut does that before kdump.sh starts, so the mount is timed apart), then
#         `makedumpfile -l --message-level 7 -d L /proc/vmcore DIR/vmcore-incomplete`, mv to
#         DIR/vmcore, sync;
#   ours  `kdump-failover dump` with the chain config our dracut module installed, its dump level
#         set to L (nfs target, compress = lzo, libnfs from userspace: no kernel mount at all).
# Every run is timed from the guest's /proc/uptime and printed as one line for the host:
#   KDF-BENCH: way=rhel|ours level=L run=N seconds=S bytes=B user=S sys=S idle=S
# (the last three: where the guest's one vCPU spent that time).
# Settings come from /kdf-e2e/bench.env (written by bench/nfs_in_guest.sh): NFS_SERVER,
# NFS_PORT, NFS_EXPORT, RUNS, LEVELS, NFS_VERS, MAKEDUMPFILE and MOUNT (the host's makedumpfile and util-linux
# mount, with their libraries).
set -u
# shellcheck source=/dev/null
. /kdf-e2e/bench.env
# shellcheck source=/dev/null
. /etc/kdump-failover/initramfs.env 2> /dev/null || true
KDF_BIN=${KDF_BIN:-kdump-failover}
[ -n "${KDF_PLUGIN_PATH:-}" ] && export KDF_PLUGIN_PATH
config=/etc/kdump-failover.conf
mnt=/run/kdf-bench-mnt

say() { echo "KDF-BENCH: $*"; }
now() { cut -d' ' -f1 /proc/uptime; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# Where the one vCPU's time went, in USER_HZ ticks: "user system idle" (idle includes iowait).
# A way that leaves the CPU idle waits for the server; one that uses it all is bound by it.
cpu_ticks() { awk '/^cpu / { print $2 + $3, $4 + $7 + $8, $5 + $6 }' /proc/stat; }
cpu_used() {  # "BEFORE" "AFTER" -> "user=S sys=S idle=S"
    echo "$1 $2" | awk '{ printf "user=%.2f sys=%.2f idle=%.2f", ($4 - $1) / 100, ($5 - $2) / 100, ($6 - $3) / 100 }'
}

mkdir -p "$mnt"
t0=$(now)
# util-linux mount without a helper (-i: there is no mount.nfs) hands these options to the kernel
# as they are, so the kernel NFS client needs the server's address itself (addr=), as mount.nfs
# would have resolved it. busybox mount cannot: it takes every nfs type for its own NFSv2/v3 code.
opts="vers=$NFS_VERS,proto=tcp,port=$NFS_PORT,addr=$NFS_SERVER,clientaddr=10.0.2.15,hard"
# shellcheck disable=SC2086 # the command and its library path, as bench.env gives them
if ! $MOUNT -i -t nfs4 -o "$opts" "$NFS_SERVER:$NFS_EXPORT" "$mnt"; then
    say "FAIL: mount -t nfs4 -o $opts $NFS_SERVER:$NFS_EXPORT"
    exit 1
fi
say "mounted $NFS_SERVER:$NFS_EXPORT (nfs $NFS_VERS) in $(elapsed "$t0" "$(now)") s: $(grep " $mnt " /proc/mounts)"
say "vmcore $(stat -c %s /proc/vmcore) bytes; crash kernel $(grep MemTotal /proc/meminfo | tr -s ' '), $(grep -c '^processor' /proc/cpuinfo) CPU(s)"

rhel() {  # LEVEL RUN
    dir=$mnt/rhel-d$1-run$2
    mkdir -p "$dir"
    c0=$(cpu_ticks)
    t0=$(now)
    # shellcheck disable=SC2086 # the command and its library path, as bench.env gives them
    $MAKEDUMPFILE -l --message-level 7 -d "$1" /proc/vmcore "$dir/vmcore-incomplete" > /tmp/makedumpfile.log 2>&1 ||
        { say "FAIL: makedumpfile -d $1 run $2: $(tail -n 3 /tmp/makedumpfile.log | tr '\n' ' ')"; return 1; }
    mv "$dir/vmcore-incomplete" "$dir/vmcore"
    sync
    t1=$(now)
    say "way=rhel level=$1 run=$2 seconds=$(elapsed "$t0" "$t1") bytes=$(stat -c %s "$dir/vmcore") $(cpu_used "$c0" "$(cpu_ticks)")"
}

ours() {  # LEVEL RUN
    sed "s/^level *=.*/level = $1/" "$config" > "/tmp/kdf-d$1.conf"
    c0=$(cpu_ticks)
    t0=$(now)
    "$KDF_BIN" dump --config "/tmp/kdf-d$1.conf" --vmcore /proc/vmcore --no-fence-notices > /tmp/ours.out 2> /tmp/ours.log ||
        { say "FAIL: kdump-failover dump -d $1 run $2: $(tail -n 3 /tmp/ours.log | tr '\n' ' ')"; return 1; }
    t1=$(now)
    c1=$(cpu_ticks)
    # "dump saved by target 'nas': nfs://SERVER/EXPORT/DIR/vmcore": the same file through the mount.
    saved=$(sed -n "s|^dump saved by target .*: nfs://[^/]*$NFS_EXPORT||p" /tmp/ours.out)
    say "way=ours level=$1 run=$2 seconds=$(elapsed "$t0" "$t1") bytes=$(stat -c %s "$mnt$saved") $(cpu_used "$c0" "$c1") file=$saved"
    say "ours' own account: $(grep 'chain over in' /tmp/ours.log)"
}

# In turns, the first way alternating between runs, so neither always runs first.
for level in $LEVELS; do
    run=1
    while [ "$run" -le "$RUNS" ]; do
        if [ $((run % 2)) = 1 ]; then
            rhel "$level" "$run"
            ours "$level" "$run"
        else
            ours "$level" "$run"
            rhel "$level" "$run"
        fi
        run=$((run + 1))
    done
done
umount "$mnt"
say "done"
