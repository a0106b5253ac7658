#!/bin/sh
# kdump-failover-capture: the failover chain as its own step in the crash kernel's initramfs.
# Started by kdump-failover-capture.service (systemd initramfs) or the pre-mount hook (no systemd),
# before kdump's own dump (kdumpctl's kdump.sh) and before any of kdump's mounts.
#
#   1. starts the fence_kdump notices (`kdump-failover fence-notices`: [fence_kdump], else kdump.conf's
#      fence_kdump_nodes), before anything that can take time; they go on until the reboot;
#   2. runs kdump_pre and /etc/kdump/pre.d as kdump does (a failing kdump_pre: no dump, final action);
#   3. assembles the local backups' MD arrays, LUKS mappings and LVM logical volumes listed in
#      /etc/kdump-failover/storage (nothing on the kernel command line asks dracut to: its initqueue
#      would wait for them and a dead backup disk would end in its emergency shell), each step
#      retried for at most KDF_DEVICE_WAIT seconds and each try bounded; then
#      mounts the local targets' filesystems listed in /etc/kdump-failover/mounts, each bounded (a
#      failed mount only fails that target: the chain moves on; no fstab unit, so never kdump's
#      emergency path);
#   4. runs `kdump-failover dump` (exit 0: first target; 10+i: target i; 1: all failed; 2: config);
#   5. success (one of those exit statuses AND the chain's "dump saved by target" line; a chain killed
#      by a signal, 128+N, or a shell's 126/127 is a failure): post.d and kdump_post with status 0, kexec-dmesg.log beside a local dump, the
#      `kdumpctl test` status, then kdump's final_action (default reboot) right away, so kdump.sh
#      never runs: no second dump, no failure_action;
#      failure: records it in /run/kdump-failover/chain-failed (the kdump_post wrapper then does not
#      run the chain a second time), unmounts what it mounted, and returns, so kdump's own target
#      is the last resort (kdump.sh then runs kdump_pre and pre.d once more, before its own dump).
# Lines on the console start with "kdump-failover:"; the chain's own lines follow the same form.
# POSIX sh: the initramfs may have dash or busybox, not bash.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

# The crash kernel's files; the KDF_* names let the script's own tests point them elsewhere.
VMCORE=${KDF_VMCORE:-/proc/vmcore}
STATE=${KDF_STATE_DIR:-/run/kdump-failover}
MOUNTS=${KDF_MOUNTS:-/etc/kdump-failover/mounts}
STORAGE=${KDF_STORAGE:-/etc/kdump-failover/storage}
KDUMP_CONF=${KDF_KDUMP_CONF:-/etc/kdump.conf}
# shellcheck disable=SC2034 # read by the sourced kdump-duties.sh
KDUMP_HOOK_DIR=${KDF_KDUMP_HOOK_DIR:-/etc/kdump}
KDF_CMDLINE=${KDF_CMDLINE:-/proc/cmdline}
KDF_KDUMP_LIB=${KDF_KDUMP_LIB:-/lib/kdump-lib-initramfs.sh}
DUTIES=${KDF_DUTIES:-/usr/lib/kdump-failover/kdump-duties.sh}
ENV_FILE=${KDF_ENV_FILE:-/etc/kdump-failover/initramfs.env}

# Not a crash kernel (the module ended up in a normal boot image): nothing to do.
[ -e "$VMCORE" ] || exit 0

KDF_BIN=kdump-failover
KDF_PLUGIN_PATH=
KDUMP_FAILOVER_CONFIG=/etc/kdump-failover.conf
# shellcheck source=/dev/null
[ -r "$ENV_FILE" ] && . "$ENV_FILE"
[ -n "$KDF_PLUGIN_PATH" ] && export KDF_PLUGIN_PATH
TAB=$(printf '\t')
mkdir -p "$STATE"

say() { echo "kdump-failover: $*"; }

# A command bounded to $1 seconds when timeout exists: a device or host that never answers must
# not stall the capture.
bounded() {
    limit=$1
    shift
    if command -v timeout > /dev/null 2>&1; then
        timeout "$limit" "$@"
    else
        "$@"
    fi
}

# shellcheck source=/dev/null
. "$DUTIES"

# Whether a mount source is there yet: a logical volume, an MD array or an unlocked LUKS mapping
# appears only once the initqueue or cryptsetup has assembled it.
source_present() {
    case "$1" in
        UUID=*)
            [ -e "/dev/disk/by-uuid/${1#UUID=}" ] && return 0
            # Without blkid there is no way to look: mount itself will say whether it is there.
            command -v blkid > /dev/null 2>&1 || return 0
            blkid -U "${1#UUID=}" > /dev/null 2>&1
            ;;
        /dev/*) [ -b "$1" ] ;;
        *) true ;;
    esac
}

# Waits up to KDF_DEVICE_WAIT seconds (default 30) for a source; nothing in the initqueue waits
# for it (a backup that never comes must not send dracut into its emergency shell).
wait_for_source() {
    waited=0
    while ! source_present "$1"; do
        [ "$waited" -ge "${KDF_DEVICE_WAIT:-30}" ] && return 1
        sleep 1
        waited=$((waited + 1))
    done
    return 0
}

# Runs "$@" (one assembly step) until it succeeds, at most KDF_DEVICE_WAIT seconds (default 30)
# in all, each try bounded to 20 s: the disks below may still be appearing, or never will.
retry_bounded() {
    waited=0
    until bounded 20 "$@" > "$STATE/assemble.out" 2>&1; do
        if [ "$waited" -ge "${KDF_DEVICE_WAIT:-30}" ]; then
            sed 's/^/kdump-failover:   /' "$STATE/assemble.out"
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    return 0
}

# The device a crypttab-style source names (UUID=, PARTUUID=, LABEL= or a path).
crypt_device() {
    case "$1" in
        UUID=*) echo "/dev/disk/by-uuid/${1#UUID=}" ;;
        PARTUUID=*) echo "/dev/disk/by-partuuid/${1#PARTUUID=}" ;;
        LABEL=*) echo "/dev/disk/by-label/${1#LABEL=}" ;;
        *) echo "$1" ;;
    esac
}

# The local backups' device stacks, bottom layer first. A layer that cannot be assembled only
# fails the targets above it: the chain moves on to its other targets.
assemble_storage() {
    [ -r "$STORAGE" ] || return 0
    while IFS="$TAB" read -r layer a b c; do
        case "$layer" in
            md)
                [ -e "/dev/disk/by-id/md-uuid-$a" ] && continue
                if retry_bounded mdadm --assemble --scan --uuid="$a"; then
                    say "assembled MD array $a"
                else
                    say "could not assemble MD array $a in ${KDF_DEVICE_WAIT:-30} s; targets on it will fail"
                fi
                ;;
            crypt)
                [ -e "/dev/mapper/$a" ] && continue
                dev=$(crypt_device "$b")
                if retry_bounded cryptsetup open --key-file "$c" "$dev" "$a"; then
                    say "unlocked $b as /dev/mapper/$a"
                else
                    say "could not unlock $b as $a in ${KDF_DEVICE_WAIT:-30} s; targets on it will fail"
                fi
                ;;
            lvm)
                [ -e "/dev/$a" ] && continue
                if retry_bounded lvm lvchange -ay "$a"; then
                    say "activated logical volume $a"
                else
                    say "could not activate logical volume $a in ${KDF_DEVICE_WAIT:-30} s; targets on it will fail"
                fi
                ;;
        esac
    done < "$STORAGE"
}

mounted=""
mount_targets() {
    [ -r "$MOUNTS" ] || return 0
    while IFS="$TAB" read -r src mp fstype; do
        [ -n "$mp" ] || continue
        if grep -q " $mp " /proc/mounts 2> /dev/null; then
            continue
        fi
        mkdir -p "$mp"
        if ! wait_for_source "$src"; then
            say "$src did not appear in ${KDF_DEVICE_WAIT:-30} s; targets on $mp will fail"
            continue
        fi
        if bounded 60 mount -t "$fstype" "$src" "$mp"; then
            mounted="$mp $mounted"
            say "mounted $src on $mp ($fstype)"
        else
            say "could not mount $src on $mp ($fstype); targets there will fail"
        fi
    done < "$MOUNTS"
}

unmount_targets() {
    for mp in $mounted; do
        umount "$mp" 2> /dev/null || say "could not unmount $mp"
    done
}

# The directory holding the dump when the chain's line "dump saved by target 'NAME' (local): FILE"
# names a file on a local directory; empty otherwise (network targets, raw devices).
local_dump_dir() {
    loc=$(sed -n "s/^dump saved by target '.*' (local): \(.*\)$/\1/p" "$STATE/dump.out" 2> /dev/null)
    [ -n "$loc" ] && [ -f "$loc" ] && dirname "$loc"
}

# Whether the chain's run ($1: its exit status, $2: its standard output) saved the dump. `dump`
# exits 0 or 10+i only after printing "dump saved by target ..."; any other status (1, 2, a
# shell's 126/127, 128+N for signal N: an out-of-memory kill is 137, a crash 139 or 134) means no
# target is known to hold the dump, so kdump's own dump must run.
chain_saved_dump() {
    case "$1" in
        0) ;;
        1[0-9] | [2-9][0-9] | 1[01][0-9] | 12[0-5]) ;;
        *) return 1 ;;
    esac
    grep -q "^dump saved by target '" "$2" 2> /dev/null
}

"$KDF_BIN" fence-notices --config "$KDUMP_FAILOVER_CONFIG" --kdump-conf "$KDUMP_CONF" &
echo $! > "$STATE/fence-notices.pid"

if ! run_kdump_pre; then
    say "kdump_pre failed: as with kdump, no dump is taken"
    perform_final_action
fi

assemble_storage
mount_targets
say "running the chain: $KDF_BIN dump --config $KDUMP_FAILOVER_CONFIG"
"$KDF_BIN" dump --config "$KDUMP_FAILOVER_CONFIG" --vmcore "$VMCORE" --no-fence-notices > "$STATE/dump.out"
rc=$?
cat "$STATE/dump.out"
if chain_saved_dump "$rc" "$STATE/dump.out"; then
    echo "$rc" > "$STATE/chain-ok"
    say "the chain saved the dump (exit $rc); kdump's own dump is skipped"
    sync
    run_kdump_post 0
    save_kexec_dmesg "$(local_dump_dir)"
    record_kdump_test_status
    unmount_targets
    perform_final_action
fi
echo "$rc" > "$STATE/chain-failed"
say "no target of the chain holds the dump (exit $rc); kdump's own dump runs next as the last resort"
unmount_targets
exit 0
