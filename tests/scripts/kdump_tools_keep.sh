#!/usr/bin/env bash
# KDUMP_NUM_DUMPS as the chain's `keep` on Debian: kdump-tools-start runs the real chain with
# `dump --kdump-tools /etc/default/kdump-tools`, so a local target that does not set `keep` keeps
# at most KDUMP_NUM_DUMPS dumps of this host with the new one; the config's own keep wins; a value
# that is not a number removes nothing and the dump is still saved. Incomplete dumps and another
# host's are never removed.
#   kdump_tools_keep.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
build=$(cd "$2" && pwd)
fail() { echo "kdump_tools_keep: FAIL: $*" >&2; exit 1; }
command -v shellcheck > /dev/null || fail "shellcheck is not installed (tools/install-deps.sh installs it)"
shellcheck "$0" || fail "shellcheck"

work=$(mktemp -d /tmp/kdf-keep-XXXXXX)
trap 'rm -rf "$work"' EXIT
listing() { (cd "$1" && find . -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' '); }
# The dump host the chain names directories after: the node name (kdf/dump_host.h).
host=$(uname -n)
case $host in '' | '(none)' | localhost) echo "kdump_tools_keep: SKIP: no host name to name dumps after"; exit 0 ;; esac

seed() {
  rm -rf "$1" && mkdir -p "$1"
  for d in "$host-2026-01-01-00:00:00" "$host-2026-01-02-00:00:00" "$host-2026-01-03-00:00:00" "other-2026-01-01-00:00:00"; do
    mkdir "$1/$d" && echo dump > "$1/$d/vmcore"
  done
  mkdir "$1/$host-2025-12-31-00:00:00" && echo part > "$1/$host-2025-12-31-00:00:00/vmcore-incomplete"
}

shared=$(sed -n 's/^KDF_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")
xz -dc "$shared/fixtures/dump/synthetic.elf.xz" > "$work/vmcore" || fail "cannot read the synthetic vmcore fixture"
printf '#!/bin/sh\necho "INIT-SCRIPT $*"\n' > "$work/init"
chmod +x "$work/init"
KDF_PLUGIN_PATH=$build/$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")/kdump-failover/plugins
export KDF_PLUGIN_PATH KDUMP_FAILOVER_BIN=$build/bin/kdump-failover KDUMP_TOOLS_INIT=$work/init
export KDUMP_FAILOVER_REBOOT="echo REBOOT" KDUMP_FAILOVER_VMCORE=$work/vmcore
mkdir "$work/coredir"
run_start() { # NUM_DUMPS EXTRA_SECTION_LINE
  printf '[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = %s\nreserve = 0\n%s\n' "$work/t" "$2" > "$work/chain.conf"
  printf 'USE_KDUMP=1\nKDUMP_COREDIR=%s\nKDUMP_NUM_DUMPS=%s\nKDUMP_FAILOVER_CONFIG=%s\n' "$work/coredir" "$1" "$work/chain.conf" > "$work/defaults"
  KDUMP_TOOLS_DEFAULTS=$work/defaults "$build/packaging/kdump-tools/kdump-tools-start" start > "$work/out" 2>&1 ||
    { cat "$work/out"; fail "kdump-tools-start exited non-zero"; }
  grep -q REBOOT "$work/out" || { cat "$work/out"; fail "the chain did not save the dump"; }
}
kept=" $host-2025-12-31-00:00:00 other-2026-01-01-00:00:00 "

seed "$work/t" && touch "$work/vmcore"
run_start 2 ""
expected=$(printf '%s\n' "$host-2025-12-31-00:00:00" "$host-2026-01-03-00:00:00" other-2026-01-01-00:00:00 \
  "$(find "$work/t" -mindepth 2 -maxdepth 2 -name vmcore -newer "$work/vmcore" -printf '%h\n' | xargs -n1 basename)" | sort | tr '\n' ' ')
[[ $(listing "$work/t") == "$expected" ]] || { cat "$work/out"; fail "KDUMP_NUM_DUMPS=2: $(listing "$work/t"), wanted $expected"; }
grep -q "KDUMP_NUM_DUMPS=2 is \`keep\`" "$work/out" || { cat "$work/out"; fail "no line naming KDUMP_NUM_DUMPS"; }
grep -q "local: retention: removed $work/t/$host-2026-01-01-00:00:00 (keep = 2)" "$work/out" ||
  { cat "$work/out"; fail "no retention line on the console"; }

seed "$work/t" && touch "$work/vmcore"
run_start 2 "keep = 3"
for d in "$host-2026-01-02-00:00:00" "$host-2026-01-03-00:00:00" $kept; do
  [[ -d $work/t/$d ]] || { cat "$work/out"; fail "keep = 3 in the config: $d was removed"; }
done
[[ ! -e $work/t/$host-2026-01-01-00:00:00 ]] || fail "keep = 3 in the config: the oldest was not removed"

seed "$work/t" && touch "$work/vmcore"
run_start two ""
grep -q "KDUMP_NUM_DUMPS='two' is not a number" "$work/out" || { cat "$work/out"; fail "no warning for a bad KDUMP_NUM_DUMPS"; }
[[ $(find "$work/t" -mindepth 1 -maxdepth 1 | wc -l) -eq 6 ]] || fail "a bad KDUMP_NUM_DUMPS removed something: $(listing "$work/t")"
echo "kdump_tools_keep: OK"
