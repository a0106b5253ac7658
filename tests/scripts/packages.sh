#!/usr/bin/env bash
# Builds the .deb and .rpm packages from this build tree with CPack and checks what they hold:
# the command, the plugins in their own directory, the config example (runtime package) and the
# SDK headers and CMake package (dev/devel package). Then unpacks the runtime .deb into an empty
# root and runs the packaged binary: it must find its packaged plugins there (the initramfs case:
# a relocated tree, no install prefix on disk).
#   packages.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d /tmp/kdf-packages-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "packages: $*" >&2; exit 1; }

(cd "$build" && cpack -G "DEB;RPM" -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack failed"; }
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
prefix=${prefix#/}
libexecdir=$(sed -n 's/^CMAKE_INSTALL_LIBEXECDIR:PATH=//p' "$build/CMakeCache.txt")
# GNUInstallDirs: prefix /usr puts sysconfdir at /etc, any other prefix at <prefix>/etc.
if [[ $prefix == usr ]]; then sysconfdir=etc; else sysconfdir=$prefix/etc; fi

deb=$(ls "$work"/out/kdump-failover_*.deb)
devdeb=$(ls "$work"/out/kdump-failover-dev_*.deb)
rpm=$(ls "$work"/out/kdump-failover-[0-9]*.rpm)
develrpm=$(ls "$work"/out/kdump-failover-devel-*.rpm)

runtime_files=(
  "$prefix/sbin/kdump-failover"
  "$prefix/$libdir/kdump-failover/plugins/kdf-transport-local.so"
  "$prefix/share/doc/kdump-failover/kdump-failover.conf.example"
  "$prefix/lib/dracut/modules.d/99kdump-failover/module-setup.sh"
  "$prefix/lib/dracut/modules.d/99kdump-failover/kdump-failover-capture.sh"
  "$prefix/lib/dracut/modules.d/99kdump-failover/kdump-failover-hook.sh"
  "$prefix/lib/dracut/modules.d/99kdump-failover/kdump-failover-net.sh"
  "$prefix/lib/dracut/modules.d/99kdump-failover/kdump-failover-net-giveup.sh"
  "$prefix/lib/dracut/modules.d/99kdump-failover/kdump-failover-capture.service"
  "$prefix/$libexecdir/kdump-failover/kdump-post"
  "$prefix/$libexecdir/kdump-failover/kdump-tools-start"
  "$prefix/$libexecdir/kdump-failover/kdump-tools-purge-dumps"
  "$prefix/lib/systemd/system/kdump-failover.service"
  "$prefix/lib/systemd/system/kdump.service.d/kdump-failover.conf"
  "$prefix/lib/systemd/system/kdump-tools-dump.service.d/kdump-failover.conf"
  "$prefix/lib/systemd/system/kdump-tools.service.d/kdump-failover.conf"
  "$sysconfdir/init.d/kdump-failover"
)
sdk_files=(
  "$prefix/include/kdf/transport.h"
  "$prefix/include/kdf/plugin_abi.h"
  "$prefix/$libdir/cmake/KdumpFailoverSDK/KdumpFailoverSDKConfig.cmake"
  "$prefix/$libdir/cmake/KdumpFailoverSDK/KdumpFailoverPlugin.cmake"
)
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||' >"$work/deb.list"
dpkg-deb -c "$devdeb" | awk '{print $6}' | sed 's|^\./||' >"$work/devdeb.list"
rpm -qlp "$rpm" 2>/dev/null | sed 's|^/||' >"$work/rpm.list"
rpm -qlp "$develrpm" 2>/dev/null | sed 's|^/||' >"$work/develrpm.list"
for f in "${runtime_files[@]}"; do
  grep -qxF "$f" "$work/deb.list" || fail "$deb lacks $f"
  grep -qxF "$f" "$work/rpm.list" || fail "$rpm lacks $f"
  grep -qxF "$f" "$work/devdeb.list" && fail "$devdeb also holds $f"
done
for f in "${sdk_files[@]}"; do
  grep -qxF "$f" "$work/devdeb.list" || fail "$devdeb lacks $f"
  grep -qxF "$f" "$work/develrpm.list" || fail "$develrpm lacks $f"
  grep -qxF "$f" "$work/deb.list" && fail "$deb also holds the SDK file $f"
done
# No test helper or fixture plugin may leak into a package.
if grep -E 'kdf-transport-(hang|segv|skeleton|broken|abi|wrong)|_tests$|kdf-mkvmcore|kdf-compare-pages' \
    "$work/deb.list" "$work/rpm.list"; then
  fail "a test artefact is packaged"
fi
# Captured first: with pipefail, `cmd | grep -q` fails when grep exits early and cmd gets SIGPIPE.
deb_info=$(dpkg-deb -I "$deb")
devdeb_info=$(dpkg-deb -I "$devdeb")
develrpm_requires=$(rpm -qp --requires "$develrpm" 2>/dev/null)
grep -q '^ Depends:.*libc6' <<<"$deb_info" || fail "$deb has no library dependencies (dpkg-shlibdeps)"
grep -q '^ Depends:.*kdump-failover' <<<"$devdeb_info" || fail "$devdeb does not depend on kdump-failover"
grep -q '^kdump-failover = ' <<<"$develrpm_requires" || fail "$develrpm does not require kdump-failover"

mkdir "$work/root"
dpkg-deb -x "$deb" "$work/root"
env -u KDF_PLUGIN_PATH "$work/root/$prefix/sbin/kdump-failover" plugins >"$work/plugins.txt" 2>&1 ||
  { cat "$work/plugins.txt"; fail "the packaged binary failed"; }
grep -q "^local" "$work/plugins.txt" || { cat "$work/plugins.txt"; fail "the packaged binary did not find its local plugin"; }
grep -q "$work/root" "$work/plugins.txt" || { cat "$work/plugins.txt"; fail "the plugin was not found inside the unpacked tree"; }
# Stripped: these files go into the crash kernel's initramfs, where every MiB counts.
for f in "$work/root/$prefix/sbin/kdump-failover" "$work/root/$prefix/$libdir/kdump-failover/plugins/"*.so; do
  if readelf -S "$f" | grep -q '\.debug_info'; then fail "$f is not stripped in $deb"; fi
done
# Removal restores kdump's files (the package scripts run for real in a private mount namespace).
if [[ $(id -u) == 0 ]]; then
  "$(dirname "$0")/package_removal.sh" "$build" "$deb" "$rpm" || fail "removing the package does not give kdump its files back"
else
  echo "packages: not root: the removal scripts are not run (package_removal.sh needs a mount namespace)"
fi
echo "packages: $(basename "$deb") $(basename "$devdeb") $(basename "$rpm") $(basename "$develrpm") OK"
