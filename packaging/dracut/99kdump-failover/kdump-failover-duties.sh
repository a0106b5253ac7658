# shellcheck shell=sh
# kdump-failover-duties: what kdump's own crash-kernel script (kdumpctl's kdump.sh) does around a
# dump, for the dumps the chain saves. Sourced by kdump-failover-capture; POSIX sh.
#
# kdump.sh, in this order: starts fence_kdump_send (here: `kdump-failover fence-notices`, started by
# the capture script), runs kdump_pre and then /etc/kdump/pre.d/* (a failing kdump_pre means no dump
# and the final action; a failing pre.d script is only logged), dumps, runs /etc/kdump/post.d/* and
# then kdump_post, each with the dump's status as its one argument (failures only logged), saves its
# own dmesg and journal as kexec-dmesg.log beside the dump, records "success" for `kdumpctl test`
# on kdump's target, and performs final_action.
#
# Inputs: KDUMP_CONF (kdump.conf), KDUMP_HOOK_DIR (holds pre.d and post.d), KDF_CMDLINE (the kernel
# command line), KDF_KDUMP_LIB (kdump's shell library, for where kdump's target is mounted).

# The value of kdump.conf's KEY as kdump reads it: comment lines skipped, a trailing "# comment"
# and one pair of surrounding quotes removed, the last line wins. Only commands the module installs.
kdump_conf_value() {
    [ -r "$KDUMP_CONF" ] || return 0
    sed -n "s/^[[:space:]]*$1[[:space:]][[:space:]]*\\([^#]*\\).*/\\1/p" "$KDUMP_CONF" |
        sed -n '$p' | sed 's/[[:space:]]*$//; s/^"\(.*\)"$/\1/'
}

# kdump_pre, then pre.d. Returns kdump_pre's non-zero status (kdump then takes no dump).
run_kdump_pre() {
    pre=$(kdump_conf_value kdump_pre)
    if [ -n "$pre" ]; then
        "$pre"
        r=$?
        if [ $r -ne 0 ]; then
            say "kdump_pre $pre exited with status $r"
            return $r
        fi
        say "kdump_pre $pre ran (status 0)"
    fi
    for f in "$KDUMP_HOOK_DIR"/pre.d/*; do
        [ -e "$f" ] || continue
        "$f"
        r=$?
        [ $r -eq 0 ] || say "$f exited with status $r (the dump goes on, as with kdump)"
    done
    return 0
}

# post.d, then kdump_post, each given the dump status $1.
run_kdump_post() {
    for f in "$KDUMP_HOOK_DIR"/post.d/*; do
        [ -e "$f" ] || continue
        "$f" "$1"
        r=$?
        [ $r -eq 0 ] || say "$f exited with status $r"
    done
    post=$(kdump_conf_value kdump_post)
    if [ -n "$post" ]; then
        "$post" "$1"
        r=$?
        say "kdump_post $post ran with dump status $1 (exit $r)"
    fi
}

# The crash kernel's own log, as kdump keeps it: dmesg, then the journal when there is one.
# $1: the directory that holds the dump, or empty when the dump is not on a local directory (an
# ssh or nfs target: the log stays in the state directory, /run/kdump-failover, until the reboot;
# the chain's [dump] dmesg file beside the dump carries the crashed kernel's log).
save_kexec_dmesg() {
    log=$STATE/kexec-dmesg.log
    dmesg -T > "$log" 2> /dev/null || dmesg > "$log" 2> /dev/null
    if command -v journalctl > /dev/null 2>&1; then
        journalctl -ab >> "$log" 2> /dev/null
    fi
    chmod 600 "$log"
    if [ -n "$1" ] && [ -d "$1" ]; then
        if cp "$log" "$1/kexec-dmesg.log" && sync; then
            say "saved the crash kernel's log as $1/kexec-dmesg.log"
        else
            say "could not save $1/kexec-dmesg.log (the dump itself is saved)"
        fi
    else
        say "the crash kernel's log stays in $log: the dump is not on a local directory"
    fi
}

# `kdumpctl test` boots the crash kernel with kdump_test_id=ID and afterwards reads
# PATH/kdump-test-ID/vmcore-creation.status on kdump's own target. The chain saved the dump, so
# "success" goes there: on kdump's local or nfs target (mounted from the image's fstab as kdump
# would, bounded) or over ssh as kdump would; a raw target has no status, as with kdump.
record_kdump_test_status() {
    id=$(sed -n 's/.*kdump_test_id=\([^ ]*\).*/\1/p' "$KDF_CMDLINE" 2> /dev/null)
    [ -n "$id" ] || return 0
    if [ ! -r "$KDF_KDUMP_LIB" ]; then
        say "kdumpctl test status not recorded: kdump's library $KDF_KDUMP_LIB is not in the image"
        return 0
    fi
    (
        # shellcheck source=/dev/null
        . "$KDF_KDUMP_LIB"
        # shellcheck disable=SC2034 # read by the library's functions
        KDUMP_CONFIG_FILE=$KDUMP_CONF
        is_raw_dump_target && exit 0
        dir="$(get_save_path)/kdump-test-$id"
        line="success kdump_test_id=$id"
        ssh_target=$(kdump_get_conf_val ssh)
        if [ -n "$ssh_target" ]; then
            key=$(kdump_get_conf_val sshkey)
            [ -n "$key" ] || key=$DEFAULT_SSHKEY
            # shellcheck disable=SC2029 # expanded here on purpose: the remote side gets plain paths
            if bounded 60 ssh -q -i "$key" -o BatchMode=yes -o StrictHostKeyChecking=yes "$ssh_target" \
                "mkdir -p $dir && echo $line > $dir/vmcore-creation.status"; then
                say "kdumpctl test status recorded on $ssh_target:$dir"
            else
                say "could not record the kdumpctl test status on $ssh_target:$dir"
            fi
            exit 0
        fi
        target=$(kdump_get_conf_val "ext[234]|xfs|btrfs|minix|nfs|virtiofs")
        [ -n "$target" ] || target=$(get_dracut_args_target "$(kdump_get_conf_val dracut_args)")
        if [ -z "$target" ]; then
            say "kdumpctl test status not recorded: kdump's target is the root filesystem, which is mounted only after this step"
            exit 0
        fi
        mp=$(get_mntpoint_from_target "$target")
        ours=
        if [ -z "$mp" ]; then
            say "kdumpctl test status not recorded: no mount point for kdump's target $target"
            exit 0
        fi
        if ! is_mounted "$mp"; then
            if ! bounded 60 mount --target "$mp"; then
                say "kdumpctl test status not recorded: cannot mount kdump's target on $mp"
                exit 0
            fi
            ours=yes
        fi
        if mkdir -p "$mp/$dir" && echo "$line" > "$mp/$dir/vmcore-creation.status" && sync; then
            say "kdumpctl test status recorded in $mp/$dir/vmcore-creation.status"
        else
            say "could not record the kdumpctl test status in $mp/$dir"
        fi
        [ -z "$ours" ] || umount "$mp" 2> /dev/null
        exit 0
    )
}

# kdump.conf's final_action (reboot|halt|poweroff, default reboot; the last line wins).
# KDF_FINAL_ACTION_COMMAND, when set, is run with the action instead (the script's own tests).
perform_final_action() {
    action=$(kdump_conf_value final_action)
    case "$action" in reboot | halt | poweroff) ;; *) action=reboot ;; esac
    say "performing final action: $action"
    if [ -n "${KDF_FINAL_ACTION_COMMAND-}" ]; then
        $KDF_FINAL_ACTION_COMMAND "$action"
        exit 0
    fi
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
