#!/usr/bin/env bash
# Removing the package gives kdump its files back. The runtime .deb and .rpm (built by packages.sh)
# are unpacked; in a private mount namespace the unpacked tree is overlaid on its prefix and a
# sandbox /etc (kdump.conf with the user's own extra_bins/dracut_args lines, kdump-tools' defaults,
# our config) on /etc, so the packaged binary and the packages' own removal scripts run unmodified
# on the paths a real system has, and nothing outside the namespace changes:
#   - the packaged binary's `generate` wires the chain in;
#   - .deb prerm "upgrade" changes nothing; prerm "remove" restores /etc/kdump.conf and
#     /etc/default/kdump-tools byte for byte; postrm "remove" and "purge" succeed;
#   - .rpm %preun with 1 (upgrade) changes nothing; with 0 (erase) restores /etc/kdump.conf;
#   - the real kdumpctl (kdump-utils' `make install DESTDIR=` overlaid on /usr/lib and /etc, sourced)
#     parses the restored kdump.conf and its rebuild check does not refuse it.
#   package_removal.sh BUILD_DIR RUNTIME_DEB RUNTIME_RPM
set -euo pipefail
build=$(cd "$1" && pwd)
deb=$(realpath "$2")
rpm=$(realpath "$3")
fail() { echo "package_removal: FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root (private mount namespace)"
if [[ -z ${KDF_REMOVAL_NS-} ]]; then
  exec unshare --mount --propagation private env KDF_REMOVAL_NS=1 bash "$0" "$@"
fi
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
shared=$(sed -n 's/^KDF_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")
src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build/CMakeCache.txt")
kdump_utils=$shared/peers/kdump-utils
[[ -f $kdump_utils/kdumpctl ]] || fail "kdump-utils is not at $kdump_utils"

work=$(mktemp -d /tmp/kdf-removal-XXXXXX)
cleanup() { umount /etc /usr/lib "$prefix" 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cp -a "$kdump_utils" "$work/kdump-utils"
make -s -C "$work/kdump-utils" install DESTDIR="$work/kdump-utils-root" > "$work/kdump-utils-make.log" 2>&1 ||
  { cat "$work/kdump-utils-make.log"; fail "make install of kdump-utils failed"; }
mkdir -p "$work"/{tree,control,etc/default,upper-prefix,upper-etc,ovl-prefix,ovl-etc,crash}
dpkg-deb -x "$deb" "$work/tree"
dpkg-deb -e "$deb" "$work/control"
for s in prerm postrm; do [[ -x $work/control/$s ]] || fail "the .deb has no executable $s"; done
rpm -qp --qf '%{PREUN}' "$rpm" > "$work/preun" 2> /dev/null
rpm -qp --qf '%{POSTUN}' "$rpm" > "$work/postun" 2> /dev/null
grep -q 'generate --remove' "$work/preun" || fail "the .rpm's %preun does not run generate --remove"
[[ -e $work/tree$prefix/lib/systemd/system/kdump.service.d/kdump-failover.conf ]] ||
  fail "the .deb lacks the kdump.service drop-in (package files: dpkg and rpm remove them with the package)"

# The sandbox /etc.
original_conf=$work/kdump.conf.original
{
  grep -v '^#' "$src/tests/unit/integration/data/fedora-kdump.conf" | grep -v '^$' || true
  printf 'extra_bins /usr/bin/grep\ndracut_args --omit plymouth\nfinal_action reboot'   # no final newline
} > "$original_conf"
cp "$original_conf" "$work/etc/kdump.conf"
cp "$src/tests/unit/integration/data/debian-kdump-tools" "$work/etc/default/kdump-tools"
cp "$work/etc/default/kdump-tools" "$work/kdump-tools.original"
printf '[chain]\ntargets = disk\n\n[target disk]\ntype = local\npath = %s\n' "$work/crash" > "$work/etc/kdump-failover.conf"

mount -t overlay kdf-removal-prefix \
  -o "lowerdir=$work/tree$prefix:$prefix,upperdir=$work/upper-prefix,workdir=$work/ovl-prefix" "$prefix"
mount -t overlay kdf-removal-etc \
  -o "lowerdir=$work/etc:$work/kdump-utils-root/etc:/etc,upperdir=$work/upper-etc,workdir=$work/ovl-etc" /etc
mount -t overlay kdf-removal-usrlib -o "lowerdir=$work/kdump-utils-root/usr/lib:/usr/lib" /usr/lib
bin=$prefix/sbin/kdump-failover

wire() {
  env -u KDF_PLUGIN_PATH "$bin" generate > "$work/generate.out" 2>&1 || { cat "$work/generate.out"; fail "generate failed"; }
  cmp -s /etc/kdump.conf "$original_conf" && fail "generate did not change /etc/kdump.conf"
  cmp -s /etc/default/kdump-tools "$work/kdump-tools.original" && fail "generate did not change /etc/default/kdump-tools"
  cp /etc/kdump.conf "$work/kdump.conf.wired"
  return 0
}
restored() {  # WHAT
  cmp /etc/kdump.conf "$original_conf" || { diff "$original_conf" /etc/kdump.conf; fail "$1: /etc/kdump.conf is not the original"; }
}

wire
"$work/control/prerm" upgrade > "$work/prerm.out" 2>&1 || { cat "$work/prerm.out"; fail "prerm upgrade failed"; }
cmp -s /etc/kdump.conf "$work/kdump.conf.wired" || fail "prerm upgrade changed /etc/kdump.conf"
"$work/control/prerm" remove > "$work/prerm.out" 2>&1 || { cat "$work/prerm.out"; fail "prerm remove failed"; }
cat "$work/prerm.out"
restored ".deb prerm remove"
cmp /etc/default/kdump-tools "$work/kdump-tools.original" || fail ".deb prerm remove: /etc/default/kdump-tools is not the original"
for a in remove purge; do "$work/control/postrm" "$a" || fail "postrm $a failed"; done

wire
sh "$work/preun" 1 > "$work/preun.out" 2>&1 || { cat "$work/preun.out"; fail "%preun 1 failed"; }
cmp -s /etc/kdump.conf "$work/kdump.conf.wired" || fail "%preun on upgrade changed /etc/kdump.conf"
sh "$work/preun" 0 > "$work/preun.out" 2>&1 || { cat "$work/preun.out"; fail "%preun 0 failed"; }
restored ".rpm %preun on erase"
sh "$work/postun" 0 || fail "%postun 0 failed"

# The real kdumpctl on the restored file: parsed, and its rebuild check does not refuse it.
printf 'kernel\n' > "$work/vmlinuz-test"
printf 'image\n' > "$work/initramfs-test.img"
touch -d '@1000000000' "$work/initramfs-test.img"
# SC2034: the variables set in the subshell are kdumpctl's, read by its functions.
# shellcheck disable=SC2034
(
  set +euo pipefail
  cd /usr/lib/kdump || exit 1   # with __SOURCED__, kdumpctl sources ./kdump-lib.sh and ./kdump-logger.sh
  __SOURCED__=1
  # shellcheck source=/dev/null
  . "$work/kdump-utils-root/usr/bin/kdumpctl"
  KDUMP_CONFIG_FILE=/etc/kdump.conf TARGET_INITRD=$work/initramfs-test.img KDUMP_KERNELVER=test KDUMP_KERNEL=$work/vmlinuz-test
  parse_config > "$work/check.out" 2>&1 || { cat "$work/check.out"; echo "package_removal: FAIL: parse_config refused the restored kdump.conf" >&2; exit 1; }
  check_files_modified >> "$work/check.out" 2>&1
  rc=$?
  [[ $rc == 1 ]] || { cat "$work/check.out"; echo "package_removal: FAIL: check_files_modified rc=$rc on the restored kdump.conf, want 1 (rebuild)" >&2; exit 1; }
  exit 0
) || exit 1
echo "package_removal: OK (.deb prerm/postrm and .rpm %preun/%postun restore kdump's files; kdumpctl takes them)"
