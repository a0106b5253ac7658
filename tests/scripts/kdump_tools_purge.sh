#!/usr/bin/env bash
# KDUMP_NUM_DUMPS for the chain's dumps on Debian (packaging/kdump-tools/kdump-tools-purge-dumps),
# on real directories: kdump-tools' own stamp directories and the chain's dump directories are
# counted together, the oldest beyond N go, nothing else is touched; N=0 keeps everything; a bad
# N or directory purges nothing. Then through kdump-tools-start with a real chain run: a dump saved
# into KDUMP_COREDIR purges as kdump-config would after its own save; a dump saved elsewhere does not.
# Also shellchecks the Debian scripts (the helper, the e2e scenario's guest scripts).
#   kdump_tools_purge.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$(cd "$2" && pwd)
purge=$src/packaging/kdump-tools/kdump-tools-purge-dumps
fail() { echo "kdump_tools_purge: FAIL: $*" >&2; exit 1; }
command -v shellcheck > /dev/null || fail "shellcheck is not installed (tools/install-deps.sh installs it)"
shellcheck "$purge" "$build/packaging/kdump-tools/kdump-tools-start" "$src"/tests/e2e/debian/*.sh "$0" || fail "shellcheck"

work=$(mktemp -d /tmp/kdf-purge-XXXXXX)
trap 'rm -rf "$work"' EXIT
listing() { (cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' '); }

# A directory as kdump-tools leaves it: stamp dirs, its lock and command files; ours named after the
# host, aged by their modification time; a directory and a link that are no dumps.
seed() {
  rm -rf "$1" && mkdir -p "$1"
  mkdir "$1/202612010900" "$1/202612031000" "$1/notes" "$1/node1-2026-12-02-08:00:00" "$1/node1-2026-12-04-00:00:00"
  touch "$1/202612010900/dump.202612010900" "$1/202612031000/dump.202612031000" "$1/kdump_lock" "$1/kexec_cmd"
  touch "$1/node1-2026-12-02-08:00:00/vmcore-dmesg.txt" "$1/node1-2026-12-04-00:00:00/vmcore" "$1/notes/vmcore.txt"
  touch -d '2026-12-02 08:00:05' "$1/node1-2026-12-02-08:00:00"
  touch -d '2026-12-04 00:00:07' "$1/node1-2026-12-04-00:00:00"
  ln -s /nonexistent "$1/node2-link"
}
d=$work/coredir
seed "$d"
"$purge" "$d" 2 > "$work/out" || fail "purge exited non-zero: $(cat "$work/out")"
[[ $(listing "$d") == "202612031000 kdump_lock kexec_cmd node1-2026-12-04-00:00:00 node2-link notes " ]] ||
  fail "N=2 kept: $(listing "$d")"
grep -q 'purging: 202612010900 node1-2026-12-02-08:00:00' "$work/out" || fail "no purge message: $(cat "$work/out")"

seed "$d"
"$purge" "$d" 0 || fail "N=0 failed"
[[ $(find "$d" -mindepth 1 -maxdepth 1 | wc -l) -eq 8 ]] || fail "N=0 removed something: $(listing "$d")"
"$purge" "$d" 8 || fail "N=8 failed"
[[ $(find "$d" -mindepth 1 -maxdepth 1 | wc -l) -eq 8 ]] || fail "N above the count removed something"
if "$purge" "$d" two 2> "$work/err"; then fail "N=two accepted"; fi
grep -q "KDUMP_NUM_DUMPS='two' is not a number" "$work/err" || fail "bad N: $(cat "$work/err")"
if "$purge" "$work/absent" 1 2> "$work/err"; then fail "a missing KDUMP_COREDIR accepted"; fi
if "$purge" / 1 2> "$work/err"; then fail "/ accepted as KDUMP_COREDIR"; fi
[[ $(find "$d" -mindepth 1 -maxdepth 1 | wc -l) -eq 8 ]] || fail "a refused call removed something"
touch "$work/later"
"$purge" "$d" 1 "$work/later" || fail "purge with SINCE failed"
[[ $(find "$d" -mindepth 1 -maxdepth 1 | wc -l) -eq 8 ]] || fail "purged although nothing new is in KDUMP_COREDIR"

# Through kdump-tools-start, with the real chain writing the dump.
shared=$(sed -n 's/^KDF_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")
xz -dc "$shared/fixtures/dump/synthetic.elf.xz" > "$work/vmcore" || fail "cannot read the synthetic vmcore fixture"
printf '#!/bin/sh\necho "INIT-SCRIPT $*"\n' > "$work/init"
chmod +x "$work/init"
KDF_PLUGIN_PATH=$build/$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")/kdump-failover/plugins
export KDF_PLUGIN_PATH KDUMP_FAILOVER_BIN=$build/bin/kdump-failover KDUMP_TOOLS_INIT=$work/init
export KDUMP_FAILOVER_REBOOT="echo REBOOT" KDUMP_FAILOVER_PURGE=$purge KDUMP_FAILOVER_VMCORE=$work/vmcore
run_start() { # TARGET_DIR: the chain's local target
  printf '[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = %s\n' "$1" > "$work/chain.conf"
  printf 'USE_KDUMP=1\nKDUMP_COREDIR=%s\nKDUMP_NUM_DUMPS=2\nKDUMP_FAILOVER_CONFIG=%s\n' "$d" "$work/chain.conf" > "$work/defaults"
  KDUMP_TOOLS_DEFAULTS=$work/defaults "$build/packaging/kdump-tools/kdump-tools-start" start > "$work/out" 2>&1 ||
    { cat "$work/out"; fail "kdump-tools-start exited non-zero"; }
  grep -q REBOOT "$work/out" || { cat "$work/out"; fail "the chain did not save the dump"; }
}
seed "$d"
touch "$work/before"
run_start "$d"
ours=$(find "$d" -mindepth 1 -maxdepth 1 -type d -newer "$work/before" -printf '%f\n')
[[ -n $ours ]] || { cat "$work/out"; fail "no new dump in KDUMP_COREDIR"; }
expected=$(printf '%s\n' kdump_lock kexec_cmd "$ours" node1-2026-12-04-00:00:00 node2-link notes | sort | tr '\n' ' ')
[[ $(listing "$d") == "$expected" ]] ||
  { cat "$work/out"; fail "after a save into KDUMP_COREDIR: $(listing "$d")"; }
grep -q 'too many dumps' "$work/out" || { cat "$work/out"; fail "no purge message on the console"; }

seed "$d"
mkdir -p "$work/elsewhere"
run_start "$work/elsewhere"
[[ $(find "$d" -mindepth 1 -maxdepth 1 | wc -l) -eq 8 ]] || fail "a dump saved elsewhere purged KDUMP_COREDIR: $(listing "$d")"

# The chain killed by a signal (137, as by the out-of-memory killer), before or after its "saved"
# line, or not startable (127): kdump-config savecore runs (the init script), no reboot, no purge.
printf '#!/bin/sh\n"%s" "$@" &\nkill -KILL $!\nwait $!\n' "$build/bin/kdump-failover" > "$work/killed-chain"
printf '#!/bin/sh\n"%s" "$@"\nkill -KILL $$\n' "$build/bin/kdump-failover" > "$work/killed-after-save"
chmod +x "$work/killed-chain" "$work/killed-after-save"
for bin_rc in "$work/killed-chain:137" "$work/killed-after-save:137" "$work/no-such-kdump-failover:127"; do
  seed "$d"
  printf '[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = %s\n' "$d" > "$work/chain.conf"
  printf 'USE_KDUMP=1\nKDUMP_COREDIR=%s\nKDUMP_NUM_DUMPS=1\nKDUMP_FAILOVER_CONFIG=%s\n' "$d" "$work/chain.conf" > "$work/defaults"
  KDUMP_FAILOVER_BIN=${bin_rc%:*} KDUMP_TOOLS_DEFAULTS=$work/defaults \
    "$build/packaging/kdump-tools/kdump-tools-start" start > "$work/out" 2>&1 || { cat "$work/out"; fail "exit status"; }
  if ! grep -q "^INIT-SCRIPT start$" "$work/out" || grep -q REBOOT "$work/out" ||
    ! grep -q "no target of the chain holds the dump (exit ${bin_rc##*:}); falling back to kdump-config savecore" "$work/out"; then
    cat "$work/out"
    fail "${bin_rc%:*}: a killed or missing chain did not fall back to kdump-config savecore"
  fi
  ! grep -q 'too many dumps' "$work/out" || fail "${bin_rc%:*}: purged after a failed chain"
  [[ $bin_rc != *killed-after-save* ]] || grep -q "^dump saved by target 'disk'" "$work/out" ||
    { cat "$work/out"; fail "killed-after-save: the chain did not get as far as its saved line"; }
done
echo "kdump_tools_purge: OK"
