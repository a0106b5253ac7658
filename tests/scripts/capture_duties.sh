#!/usr/bin/env bash
# The crash kernel's capture script (kdump-failover-capture + kdump-duties) doing kdump's duties
# around a chain dump, run by dash and by busybox sh as in an initramfs, on a real kdump.conf, with
# kdump's own initramfs library (kdump-utils' kdump-lib-initramfs.sh) and fence-agents' real
# fence_kdump listener:
#   1. the chain saves the dump: fence_kdump notices reach the node named by kdump.conf's
#      fence_kdump_nodes (port from fence_kdump_args); kdump_pre, pre.d, post.d and kdump_post run in
#      kdump.sh's order, post.d and kdump_post with status 0; kexec-dmesg.log (0600) lands beside the
#      dump; "success kdump_test_id=ID" lands in PATH/kdump-test-ID/vmcore-creation.status on kdump's
#      own target, mounted from fstab as in the crash kernel; kdump.conf's final_action is performed;
#      our kdump_post wrapper, as kdump_post, does not run the chain again;
#   2. kdump_pre fails: as with kdump, no dump is taken and the final action follows;
#   3. every target fails: no kdump_post, no final action; the script returns so kdump.sh runs;
#   3b. the chain is killed by a signal (exit 137, before or after its "saved" line) or cannot be
#      started (126/127): the same as 3, kdump.sh's own dump runs;
#   4. kdump-failover.conf does not load: the notices to kdump.conf's nodes go out all the same;
#   and in every case a local backup whose device never appears is waited for a bounded time, and
#   once a scenario's notices are stopped by their recorded pid nothing of it runs any more.
#   capture_duties.sh SOURCE_DIR BUILD_DIR
# Needs root (a private mount namespace for kdump's target), dash, busybox, fence-agents.
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
fail() { echo "capture_duties: FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root (mount namespace for kdump's target)"
listener_bin=/usr/sbin/fence_kdump
[[ -x $listener_bin ]] || fail "fence-agents is not installed (tools/install-deps.sh)"
kdump_utils=$(cd "$src/../shared/peers/kdump-utils" 2> /dev/null && pwd) || fail "../shared/peers/kdump-utils not found"
kdump_lib=$kdump_utils/kdump-lib-initramfs.sh
[[ -r $kdump_lib ]] || fail "kdump-utils' kdump-lib-initramfs.sh not found"
module=$build/packaging/dracut/99kdump-failover
capture=$module/kdump-failover-capture.sh
[[ -r $capture && -r $module/kdump-failover-duties.sh ]] || fail "the dracut module is not configured in $build"

work=$(mktemp -d /tmp/kdf-duties-XXXXXX)
pids=()
cleanup() {
  local p f
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  # A pid file whose process is gone already must not stop the cleanup (set -e holds here too).
  for f in "$work"/*/state/fence-notices.pid; do
    if [[ -r $f ]]; then kill "$(cat "$f")" 2> /dev/null || true; fi
  done
  # Whatever a failed check left running (stop_notices names it), by pid: nothing outlives the test.
  for p in $(pgrep -f -- "$work/" || true); do kill "$p" 2> /dev/null || true; done
  [[ -n ${KDF_KEEP_WORK-} ]] && { echo "capture_duties: kept $work"; return; }
  rm -rf "$work"
}
trap cleanup EXIT

"$build/bin/kdf-mkvmcore" --size 8M "$work/vmcore" > /dev/null || fail "kdf-mkvmcore"
free_udp_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# One scenario's tree: config, kdump.conf, hooks that log their name and arguments, fstab.
# $1 name, $2 the chain's local target directory, $3 kdump_pre's exit status, $4 fence port.
setup() {
  local d=$work/$1
  mkdir -p "$d/state" "$d/hooks/pre.d" "$d/hooks/post.d" "$d/crash" "$d/kdumpdisk" "$d/kdumproot"
  cat > "$d/kdf.conf" <<CONF
[chain]
targets = disk

[target disk]
type = local
path = $2
reserve = 0
CONF
  printf 'KDF_BIN=%s\nKDUMP_FAILOVER_CONFIG=%s\n' "$build/bin/kdump-failover" "$d/kdf.conf" > "$d/initramfs.env"
  # Each hook appends "name args" to calls.log.
  hook() {
    printf '#!/bin/sh\necho "%s $*" >> %s\nexit %s\n' "$2" "$d/calls.log" "$3" > "$1"
    chmod +x "$1"
  }
  hook "$d/kdump-pre" kdump_pre "$3"
  hook "$d/kdump-post" kdump_post 0
  hook "$d/hooks/pre.d/10-first" pre.d/10-first 0
  hook "$d/hooks/pre.d/20-failing" pre.d/20-failing 4
  hook "$d/hooks/post.d/10-first" post.d/10-first 0
  printf '#!/bin/sh\necho "final_action $*" >> %s\n' "$d/calls.log" > "$d/final-action"
  chmod +x "$d/final-action"
  # kdump.conf as kdumpctl's image carries it; the last final_action wins, as in kdump.sh.
  cat > "$d/kdump.conf" <<CONF
# kdump's own target: a local filesystem (here a directory bind-mounted by fstab)
xfs $d/kdumpdisk
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
kdump_pre $d/kdump-pre
kdump_post "$d/kdump-post"   # trailing comment
fence_kdump_args -p $4 -i 1 -f ipv4
fence_kdump_nodes 127.0.0.1
final_action reboot
final_action poweroff
CONF
  printf '%s %s none bind 0 0\n' "$d/kdumpdisk" "$d/kdumproot" > "$d/fstab"
  # A local backup whose device never appears: a bounded wait, then only its targets fail.
  printf 'UUID=0badc0de-0000-4000-8000-00000000dead\t%s\text4\n' "$d/never" > "$d/mounts"
  echo "BOOT_IMAGE=/vmlinuz ro console=ttyS0 kdump_test_id=1764940000-123 irqpoll" > "$d/cmdline"
}

# Runs the capture script with shell $2 for scenario $1 in a private mount namespace whose
# /etc/fstab is the scenario's (kdump's target is found and mounted from fstab, as in the image).
run_capture() {
  local d=$work/$1 shell
  read -ra shell <<< "$2"
  # shellcheck disable=SC2016 # expanded by the inner shell
  unshare -m --propagation private sh -c '
    mount --bind "$1/fstab" /etc/fstab || exit 99
    shift
    exec "$@"' _ "$d" env KDF_VMCORE="$work/vmcore" KDF_STATE_DIR="$d/state" KDF_MOUNTS="$d/mounts" KDF_DEVICE_WAIT=1 \
    KDF_KDUMP_CONF="$d/kdump.conf" KDF_KDUMP_HOOK_DIR="$d/hooks" KDF_CMDLINE="$d/cmdline" \
    KDF_KDUMP_LIB="$kdump_lib" KDF_DUTIES="$module/kdump-failover-duties.sh" KDF_ENV_FILE="$d/initramfs.env" \
    KDF_FINAL_ACTION_COMMAND="$d/final-action" "${shell[@]}" "$capture" > "$d/console.log" 2>&1
}

# The processes still running whose command line names scenario $1's tree (the notices take
# --config from it), one "pid args" a line.
scenario_processes() {
  pgrep -a -f -- "$work/$1/" || true
}

# Stops scenario $1's notices by the pid the capture script recorded, then fails if anything of
# that scenario still runs: a notices process the pid file does not name would keep telling the
# peers that this node is crashing long after the test.
stop_notices() {
  local f=$work/$1/state/fence-notices.pid left i
  [[ -r $f ]] && { kill "$(cat "$f")" 2> /dev/null || true; rm -f "$f"; }
  # Up to 10 s: on a loaded machine a stopped process can take seconds to be gone.
  for ((i = 0; i < 200; i++)); do
    left=$(scenario_processes "$1")
    [[ -z $left ]] && return 0
    sleep 0.05
  done
  fail "$1: still running after its notices were stopped:"$'\n'"$left"
}

for sh in dash "busybox sh"; do
  name=ok-${sh// /-}
  port=$(free_udp_port)
  setup "$name" "$work/$name/crash" 0 "$port"
  d=$work/$name
  # fence_kdump -n NODE: exits 0 once a valid notice from NODE arrived.
  "$listener_bin" -n 127.0.0.1 -p "$port" -f ipv4 -t 30 -v > "$d/listener.log" 2>&1 &
  listener=$!
  pids+=("$listener")
  sleep 0.5
  start=$(date +%s%N)
  run_capture "$name" "$sh" || fail "$sh: the capture script exited non-zero: $(cat "$d/console.log")"
  elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  stop_notices "$name"
  wait "$listener" || fail "$sh: the fence_kdump listener heard nothing: $(cat "$d/listener.log")"
  grep -q "fence_kdump: telling 127.0.0.1 (UDP port $port) every 1.0 s, nodes from $d/kdump.conf" "$d/console.log" ||
    fail "$sh: the notices did not come from kdump.conf: $(cat "$d/console.log")"
  expected="kdump_pre 
pre.d/10-first 
pre.d/20-failing 
post.d/10-first 0
kdump_post 0
final_action poweroff"
  [[ $(cat "$d/calls.log") == "$expected" ]] ||
    fail "$sh: hooks ran as:"$'\n'"$(cat "$d/calls.log")"$'\n'"expected:"$'\n'"$expected"
  grep -q "pre.d/20-failing exited with status 4 (the dump goes on" "$d/console.log" || fail "$sh: pre.d failure not logged"
  grep -q "UUID=0badc0de-0000-4000-8000-00000000dead did not appear in 1 s; targets on $d/never will fail" "$d/console.log" ||
    fail "$sh: no bounded wait for a missing backup device: $(cat "$d/console.log")"
  dump_dir=$(dirname "$(sed -n "s/^dump saved by target 'disk' (local): //p" "$d/console.log")")
  [[ -f $dump_dir/vmcore ]] || fail "$sh: no dump in $dump_dir: $(cat "$d/console.log")"
  [[ -s $dump_dir/kexec-dmesg.log ]] || fail "$sh: no kexec-dmesg.log beside the dump: $(cat "$d/console.log")"
  [[ $(stat -c %a "$dump_dir/kexec-dmesg.log") == 600 ]] || fail "$sh: kexec-dmesg.log is not 0600"
  status_file=$d/kdumpdisk/var/crash/kdump-test-1764940000-123/vmcore-creation.status
  [[ $(cat "$status_file" 2> /dev/null) == "success kdump_test_id=1764940000-123" ]] ||
    fail "$sh: kdumpctl test status not recorded on kdump's target: $(cat "$d/console.log")"
  ! grep -q " $d/kdumproot " /proc/mounts || fail "$sh: kdump's target left mounted"
  # kdumpctl's own fetch_status (`kdumpctl test` after the reboot) reads it as success.
  # shellcheck disable=SC2016 # expanded by the inner bash
  verdict=$(cd "$kdump_utils" && unshare -m --propagation private bash -c '
    mount --bind "$1/kdumpdisk" "$1/kdumproot" || exit 99
    __SOURCED__=1 . ./kdumpctl > /dev/null 2>&1 || exit 98
    KDUMP_CONFIG_FILE=$1/kdump.conf
    OPT[path]=/var/crash OPT[_target]=$1/kdumpdisk OPT[_fstype]=xfs
    # A bind mount has no source of its own for findmnt: say where kdump'"'"'s target is mounted.
    kdumproot=$1/kdumproot
    get_mntpoint_from_target() { echo "$kdumproot"; }
    fetch_status 1764940000-123
    echo "fetch_status=$?"' _ "$d" 2>&1)
  [[ $verdict == *"fetch_status=0"* ]] || fail "$sh: kdumpctl's fetch_status does not read success: $verdict"
  [[ $(cat "$d/state/chain-ok") == 0 ]] || fail "$sh: chain-ok not recorded"
  # Our kdump_post wrapper, had kdump.conf named it: nothing more once the chain saved the dump.
  out=$(KDUMP_FAILOVER_STATE="$d/state" KDUMP_FAILOVER_BIN=/bin/false "$build/packaging/helpers/kdump-post" 0)
  [[ $out == *"the chain already saved the dump in this boot; nothing to do"* ]] || fail "kdump-post wrapper: $out"
  echo "capture_duties: $sh: chain dump with kdump's duties in ${elapsed_ms} ms"
done

# kdump_pre fails: no dump at all, then the final action (kdump.sh: do_final_action; exit 1).
setup pre-fails "$work/pre-fails/crash" 3 "$(free_udp_port)"
d=$work/pre-fails
run_capture pre-fails dash || fail "pre-fails: exit status"
stop_notices pre-fails
[[ $(cat "$d/calls.log") == $'kdump_pre \nfinal_action poweroff' ]] || fail "pre-fails: hooks ran as: $(cat "$d/calls.log")"
[[ -z $(ls -A "$d/crash") ]] || fail "pre-fails: a dump was taken although kdump_pre failed"
grep -q "kdump_pre failed: as with kdump, no dump is taken" "$d/console.log" || fail "pre-fails: not said"

# Every target fails: the script returns (exit 0) for kdump.sh, which then runs the hooks itself.
setup chain-fails "$work/chain-fails/missing/dir" 0 "$(free_udp_port)"
d=$work/chain-fails
run_capture chain-fails dash || fail "chain-fails: exit status"
stop_notices chain-fails
[[ $(cat "$d/calls.log") == $'kdump_pre \npre.d/10-first \npre.d/20-failing ' ]] ||
  fail "chain-fails: hooks ran as: $(cat "$d/calls.log")"
[[ -f $d/state/chain-failed && ! -e $d/state/chain-ok ]] || fail "chain-fails: state files"
[[ ! -e $d/kdumpdisk/var ]] || fail "chain-fails: a kdumpctl test status was written"
grep -q "kdump's own dump runs next as the last resort" "$d/console.log" || fail "chain-fails: not said"
# The chain killed by a signal (as the out-of-memory killer does: 128+9 = 137) before or after it
# printed its "saved" line, or not even started (126/127): nothing is taken for a saved dump, so the
# script returns for kdump.sh's own dump: no chain-ok, no kdump_post, no final action.
# $1 scenario, $2 the KDF_BIN the capture script runs, $3 the exit status expected in chain-failed.
expect_fallback() {
  setup "$1" "$work/$1/crash" 0 "$(free_udp_port)"
  d=$work/$1
  printf 'KDF_BIN=%s\nKDUMP_FAILOVER_CONFIG=%s\n' "$2" "$d/kdf.conf" > "$d/initramfs.env"
  run_capture "$1" dash || fail "$1: exit status"
  stop_notices "$1"
  [[ $(cat "$d/state/chain-failed" 2> /dev/null) == "$3" && ! -e $d/state/chain-ok ]] ||
    fail "$1: chain-failed should hold $3 and there should be no chain-ok: $(cat "$d/console.log")"
  [[ $(cat "$d/calls.log") == $'kdump_pre \npre.d/10-first \npre.d/20-failing ' ]] ||
    fail "$1: hooks ran as: $(cat "$d/calls.log")"
  [[ ! -e $d/kdumpdisk/var ]] || fail "$1: a kdumpctl test status was written"
  grep -q "no target of the chain holds the dump (exit $3); kdump's own dump runs next" "$d/console.log" ||
    fail "$1: not said: $(cat "$d/console.log")"
}
mkdir -p "$work/bin"
# The real chain process, SIGKILLed as soon as it starts.
printf '#!/bin/sh\n"%s" "$@" &\nkill -KILL $!\nwait $!\n' "$build/bin/kdump-failover" > "$work/bin/killed-chain"
# The real chain saves the dump and prints its line, then is SIGKILLed before it exits. The
# notices the capture script starts through the same KDF_BIN are the real process itself (exec), so
# the pid the script records is the one that sends them, as with the real binary.
# shellcheck disable=SC2016 # expanded by the wrapper
printf '#!/bin/sh\n[ "$1" = fence-notices ] && exec "%s" "$@"\n"%s" "$@"\nkill -KILL $$\n' \
  "$build/bin/kdump-failover" "$build/bin/kdump-failover" > "$work/bin/killed-after-save"
chmod +x "$work/bin/killed-chain" "$work/bin/killed-after-save"
expect_fallback killed "$work/bin/killed-chain" 137
expect_fallback killed-after-save "$work/bin/killed-after-save" 137
grep -q "^dump saved by target 'disk'" "$work/killed-after-save/console.log" ||
  fail "killed-after-save: the chain did not get as far as its saved line: $(cat "$work/killed-after-save/console.log")"
expect_fallback binary-missing "$work/bin/no-such-kdump-failover" 127
: > "$work/bin/not-executable"
expect_fallback binary-not-executable "$work/bin/not-executable" 126

# A broken kdump-failover.conf: the chain cannot run (exit 2) and kdump.sh takes over, but the
# peers named in kdump.conf hear from this node from the start all the same.
port=$(free_udp_port)
setup bad-config "$work/bad-config/crash" 0 "$port"
d=$work/bad-config
printf '[chain]\ntargets = nowhere\n' > "$d/kdf.conf"
"$listener_bin" -n 127.0.0.1 -p "$port" -f ipv4 -t 30 -v > "$d/listener.log" 2>&1 &
listener=$!
pids+=("$listener")
sleep 0.5
run_capture bad-config dash || fail "bad-config: exit status"
wait "$listener" || { stop_notices bad-config; fail "bad-config: the listener heard nothing: $(cat "$d/console.log")"; }
stop_notices bad-config
[[ $(cat "$d/state/chain-failed") == 2 ]] || fail "bad-config: chain-failed should hold 2: $(cat "$d/console.log")"
grep -q "taking the nodes from kdump.conf only" "$d/console.log" || fail "bad-config: not said"
echo "capture_duties: OK"
