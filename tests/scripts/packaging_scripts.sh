#!/usr/bin/env bash
# The packaging scripts as configured in BUILD_DIR: they parse (bash -n / sh -n), pass shellcheck
# when it is installed, and the helpers behave:
#   - kdump-tools-start (Debian, the drop-ins' ExecStart): in a crash boot the chain runs first; on
#     success kdump-config's save is skipped and the machine reboots; when every target fails it
#     hands over to /etc/init.d/kdump-tools (stand-in here) with the same arguments; without a
#     vmcore it only hands over;
#   - kdump-post (kdumpctl's kdump_post): `kdump-failover post STATUS` (0: nothing; 1: the chain),
#     and nothing when the chain already failed in this boot.
#   packaging_scripts.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1
build=$(cd "$2" && pwd)
gen=$build/packaging
bin=$build/bin/kdump-failover
fail() { echo "packaging_scripts: FAIL: $*" >&2; exit 1; }

scripts=("$gen/dracut/99kdump-failover/module-setup.sh" "$gen/dracut/99kdump-failover/kdump-failover-capture.sh"
         "$gen/dracut/99kdump-failover/kdump-failover-duties.sh"
         "$gen/dracut/99kdump-failover/kdump-failover-hook.sh" "$gen/dracut/99kdump-failover/kdump-failover-net.sh"
         "$gen/dracut/99kdump-failover/kdump-failover-net-giveup.sh"
         "$gen/helpers/kdump-post"
         "$gen/kdump-tools/kdump-tools-start" "$gen/sysvinit/kdump-failover" "$gen/deb/prerm" "$gen/deb/postrm"
         "$src/tests/scripts/kdumpctl_rebuild.sh" "$src/tests/scripts/package_removal.sh"
         "$src/tests/scripts/dracut_module.sh" "$src/tests/scripts/dracut_storage.sh" "$src/tests/scripts/capture_duties.sh"
         "$src/tests/scripts/packaging_scripts.sh" "$src/tests/scripts/stage_install.sh"
         "$src/tests/scripts/dracut_netconf.sh" "$src/tests/scripts/mkdumprd_scenario.sh"
         "$src/tools/install-deps.sh" "$src"/tests/e2e/guest/*.sh "$src"/tests/readers/*.sh)
for s in "${scripts[@]}"; do
  [[ -f $s ]] || fail "$s was not generated"
  bash -n "$s" || fail "bash -n $s"
  head -1 "$s" | grep -Eq 'bin/sh$|busybox sh$' && { sh -n "$s" || fail "sh -n $s"; }
done
command -v shellcheck > /dev/null || fail "shellcheck is not installed (tools/install-deps.sh installs it)"
shellcheck -x -s bash "$gen/dracut/99kdump-failover/module-setup.sh" || fail "shellcheck module-setup.sh"
shellcheck "${scripts[@]:1}" || fail "shellcheck"
# rpm scriptlets have no #! line: /bin/sh runs them.
for s in "$gen/rpm/preun" "$gen/rpm/postun"; do
  sh -n "$s" || fail "sh -n $s"
  shellcheck -s sh "$s" || fail "shellcheck $s"
done
grep -q "^ExecStartPre=-/bin/sh -c 'test ! -e /etc/kdump-failover.conf || exec /.*/kdump-failover generate'\$" \
  "$gen/systemd/kdump.service.conf" || fail "the kdump.service drop-in does not run generate before kdumpctl"
grep -q '^ExecStart=$' "$gen/kdump-tools/kdump-tools-dump.service.conf" || fail "the drop-in does not clear ExecStart"
grep -q "^ExecStart=$bin generate\$" "$gen/systemd/kdump-failover.service" ||
  grep -q '^ExecStart=/.*/kdump-failover generate$' "$gen/systemd/kdump-failover.service" || fail "kdump-failover.service ExecStart"

work=$(mktemp -d /tmp/kdf-pkgscripts-XXXXXX)
trap 'rm -rf "$work"' EXIT
shared=$(sed -n 's/^KDF_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")
xz -dc "$shared/fixtures/dump/synthetic.elf.xz" > "$work/vmcore" || fail "cannot read the synthetic vmcore fixture"
mkdir -p "$work/crash" "$work/state"
printf '[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = %s\n' "$work/crash" > "$work/good.conf"
printf '[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = %s\n' "$work/absent" > "$work/bad.conf"
printf '#!/bin/sh\necho "INIT-SCRIPT $*"\n' > "$work/init"
chmod +x "$work/init"
KDF_PLUGIN_PATH=$build/$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")/kdump-failover/plugins
export KDF_PLUGIN_PATH
export KDUMP_FAILOVER_BIN=$bin KDUMP_TOOLS_INIT=$work/init KDUMP_FAILOVER_REBOOT="echo REBOOT"

run_start() {  # CONFIG VMCORE -> output in $work/out
  printf 'USE_KDUMP=1\nKDUMP_FAILOVER_CONFIG=%s\n' "$1" > "$work/defaults"
  KDUMP_TOOLS_DEFAULTS=$work/defaults KDUMP_FAILOVER_VMCORE=$2 "$gen/kdump-tools/kdump-tools-start" start > "$work/out" 2>&1 ||
    { cat "$work/out"; fail "kdump-tools-start exited non-zero"; }
}
run_start "$work/good.conf" "$work/vmcore"
grep -q 'REBOOT' "$work/out" || { cat "$work/out"; fail "success did not reboot"; }
grep -q 'INIT-SCRIPT' "$work/out" && { cat "$work/out"; fail "kdump-config ran after the chain saved the dump"; }
ls "$work"/crash/*/vmcore > /dev/null || fail "no dump saved through kdump-tools-start"

run_start "$work/bad.conf" "$work/vmcore"
grep -q 'INIT-SCRIPT start' "$work/out" || { cat "$work/out"; fail "no fallback to kdump-tools after the chain failed"; }
grep -q 'REBOOT' "$work/out" && fail "rebooted although the chain failed"

run_start "$work/good.conf" "$work/empty-vmcore"
grep -qx 'INIT-SCRIPT start' "$work/out" || { cat "$work/out"; fail "the first boot must only hand over"; }
grep -q 'running the chain' "$work/out" && fail "the chain ran without a vmcore"

export KDUMP_FAILOVER_STATE=$work/state KDUMP_FAILOVER_VMCORE=$work/vmcore
rm -rf "$work/crash"/*
KDUMP_FAILOVER_CONFIG=$work/good.conf "$gen/helpers/kdump-post" 0 > "$work/out" 2>&1 || fail "kdump-post 0"
grep -q 'nothing to do' "$work/out" || { cat "$work/out"; fail "kdump-post 0 did something"; }
[[ -z $(ls "$work/crash") ]] || fail "kdump-post 0 saved a dump"
KDUMP_FAILOVER_CONFIG=$work/good.conf "$gen/helpers/kdump-post" 1 > "$work/out" 2>&1 || { cat "$work/out"; fail "kdump-post 1"; }
ls "$work"/crash/*/vmcore > /dev/null || { cat "$work/out"; fail "kdump-post 1 did not run the chain"; }
touch "$work/state/chain-failed"
rm -rf "$work/crash"/*
KDUMP_FAILOVER_CONFIG=$work/good.conf "$gen/helpers/kdump-post" 1 > "$work/out" 2>&1 || fail "kdump-post with marker"
grep -q 'not running it again' "$work/out" || { cat "$work/out"; fail "kdump-post ran the chain a second time"; }
echo "packaging_scripts: OK"
