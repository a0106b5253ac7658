#!/bin/sh
# kdump-failover-capture: the failover chain as its own step in the crash kernel's initramfs.
# Started by kdump-failover-capture.service (systemd initramfs) or the pre-mount hook (no systemd),
# before kdump's own dump (kdumpctl's kdump.sh) and before any of kdump's mounts.
#
#   1. mounts the local targets' filesystems listed in /etc/kdump-failover/mounts (a failed mount
#      only fails that target: the chain moves on);
#   2. runs `kdump-failover dump` (exit 0: first target; 10+i: target i; 1: all failed; 2: config);
#   3. success: records it, syncs, and performs kdump's final_action (kdump.conf final_action,
#      default reboot) right away, so kdump.sh never runs: no second dump, no failure_action;
#      failure: records it in /run/kdump-failover/chain-failed (the kdump_post wrapper then does not
#      run the chain a second time), unmounts what it mounted, and returns, so kdump's own target
#      is the last resort.
# Lines on the console start with "kdump-failover:"; the chain's own lines follow the same form.
# POSIX sh: the initramfs may have dash or busybox, not bash.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

# Not a crash kernel (the module ended up in a normal boot image): nothing to do.
[ -e /proc/vmcore ] || exit 0

KDF_BIN=kdump-failover
KDF_PLUGIN_PATH=
KDUMP_FAILOVER_CONFIG=/etc/kdump-failover.conf
# shellcheck source=/dev/null
[ -r /etc/kdump-failover/initramfs.env ] && . /etc/kdump-failover/initramfs.env
[ -n "$KDF_PLUGIN_PATH" ] && export KDF_PLUGIN_PATH
STATE=/run/kdump-failover
MOUNTS=/etc/kdump-failover/mounts
TAB=$(printf '\t')
mkdir -p "$STATE"

say() { echo "kdump-failover: $*"; }

# A device that never shows up must not stall the chain: mount is bounded when timeout exists.
bounded_mount() {
    if command -v timeout > /dev/null 2>&1; then
        timeout 60 mount -t "$1" "$2" "$3"
    else
        mount -t "$1" "$2" "$3"
    fi
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
        if bounded_mount "$fstype" "$src" "$mp"; then
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

# kdump.conf's final_action (kdump.sh get_kdump_confs: reboot|halt|poweroff, default reboot); the
# last line wins. Only the commands module-setup.sh installs may be used here (no tail, awk, ...).
final_action() {
    action=reboot
    if [ -r /etc/kdump.conf ]; then
        a=$(sed -n 's/^[[:space:]]*final_action[[:space:]][[:space:]]*\([a-z]*\).*/\1/p' /etc/kdump.conf | sed -n '$p')
        case "$a" in reboot | halt | poweroff) action=$a ;; esac
    fi
    say "performing final action: $action"
    if [ -d /run/systemd/system ] && command -v systemctl > /dev/null 2>&1; then
        systemctl "$action" -f
    else
        "$action" -f
    fi
    # The action should not return; if it did, or has not taken effect in 30 s, force it rather than
    # fall through into kdump's own dump of a dump that is already saved.
    sleep 30
    case "$action" in
        reboot) echo b > /proc/sysrq-trigger ;;
        *) echo o > /proc/sysrq-trigger ;;
    esac
    sleep 30
    exit 0
}

mount_targets
say "running the chain: $KDF_BIN dump --config $KDUMP_FAILOVER_CONFIG"
"$KDF_BIN" dump --config "$KDUMP_FAILOVER_CONFIG"
rc=$?
if [ $rc -eq 0 ] || [ $rc -ge 10 ]; then
    echo "$rc" > "$STATE/chain-ok"
    say "the chain saved the dump (exit $rc); kdump's own dump is skipped"
    sync
    unmount_targets
    final_action
fi
echo "$rc" > "$STATE/chain-failed"
say "no target of the chain holds the dump (exit $rc); kdump's own dump runs next as the last resort"
unmount_targets
exit 0
