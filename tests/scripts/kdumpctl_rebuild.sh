#!/usr/bin/env bash
# The real kdumpctl (kdump-utils, sourced with __SOURCED__=1 as its own shellspec tests do) judges
# what `kdump-failover generate` wrote into a sandbox kdump.conf:
#   - parse_config accepts it (each option once, alongside the user's own extra_bins/dracut_args
#     lines) and check_files_modified does not refuse it (rc 2: "... is not executable");
#   - with the image newer than every input, nothing is to be rebuilt (rc 0);
#   - each kind of change to the chain's inputs (our config, a plugin, the ssh identity, known_hosts,
#     the binary as a package upgrade lays it down, with an old mtime) is invisible to kdumpctl
#     alone (rc 0) and, once generate ran again, makes it rebuild (rc 1, naming kdump.conf).
#     generate is run exactly as the package's kdump.service drop-in runs it before kdumpctl
#     starts: its ExecStartPre command, on /etc/kdump.conf and /etc/kdump-failover.conf;
#   - generate run again with no change leaves kdump.conf byte for byte and its mtime as they were;
#   - `generate --remove` gives back the original kdump.conf byte for byte, which parse_config and
#     check_files_modified accept; a second --remove changes nothing.
# Both installs are staged and seen at their real paths through overlays in a private mount
# namespace: ours (cmake --install DESTDIR=) on its prefix, so kdump.conf names the paths a package
# would install; kdump-utils' (a copy of its tree, `make install DESTDIR=`) on /usr/lib and /etc, so
# kdumpctl runs from /usr/lib/kdump with its /etc/sysconfig/kdump and /etc/kdump/{pre,post}.d as
# on RHEL; a sandbox /etc (writable overlay) holds kdump.conf and our config. Nothing outside the
# namespace changes.
#   kdumpctl_rebuild.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
fail() { echo "kdumpctl_rebuild: FAIL: $*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || fail "needs root: the staged install is overlaid on its prefix in a private mount namespace"
if [[ -z ${KDF_KDUMPCTL_NS-} ]]; then
  exec unshare --mount --propagation private env KDF_KDUMPCTL_NS=1 bash "$0" "$@"
fi

shared=$(sed -n 's/^KDF_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
kdump_utils=$shared/peers/kdump-utils
[[ -f $kdump_utils/kdumpctl ]] || fail "kdump-utils is not at $kdump_utils"
[[ -f /usr/lib/dracut/dracut-functions.sh ]] || fail "dracut-core is not installed (kdumpctl sources dracut-functions.sh)"
command -v makedumpfile > /dev/null || fail "makedumpfile is not installed (kdump.conf's core_collector)"

work=$(mktemp -d /tmp/kdf-kdumpctl-XXXXXX)
cleanup() { umount "$prefix" /usr/lib /etc 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
cp -a "$kdump_utils" "$work/kdump-utils"
make -s -C "$work/kdump-utils" install DESTDIR="$work/kdump-utils-root" > "$work/kdump-utils-make.log" 2>&1 ||
  { cat "$work/kdump-utils-make.log"; fail "make install of kdump-utils failed"; }
{ read -r bin; read -r plugins; read -r _module; } < <("$src/tests/scripts/stage_install.sh" "$build" "$work/stage") ||
  fail "cannot stage the install"
mkdir -p "$work"/{upper,ovl,etc,upper-etc,ovl-etc}
mount -t overlay kdf-kdumpctl-test -o "lowerdir=$work/stage$prefix:$prefix,upperdir=$work/upper,workdir=$work/ovl" "$prefix" ||
  fail "cannot overlay the staged install on $prefix"
mount -t overlay kdf-kdumpctl-usrlib -o "lowerdir=$work/kdump-utils-root/usr/lib:/usr/lib" /usr/lib ||
  fail "cannot overlay kdump-utils' install on /usr/lib"
mount -t overlay kdf-kdumpctl-etc \
  -o "lowerdir=$work/etc:$work/kdump-utils-root/etc:/etc,upperdir=$work/upper-etc,workdir=$work/ovl-etc" /etc ||
  fail "cannot overlay the sandbox /etc"
kdumpctl=$work/kdump-utils-root/usr/bin/kdumpctl
[[ -f $kdumpctl && -f /usr/lib/kdump/kdump-lib.sh ]] || fail "kdump-utils' install lacks kdumpctl or /usr/lib/kdump"
bin=${bin#"$work/stage"}
plugins=${plugins#"$work/stage"}
helper=$(find "$prefix" -path '*/kdump-failover/kdump-post' -type f | head -n 1)
[[ -x $bin && -x $helper && -f $plugins/kdf-transport-ssh.so ]] || fail "the overlaid install lacks the binary, kdump-post or ssh"

# The chain: ssh (identity + known_hosts) then a local directory.
mkdir -p "$work/keys" "$work/crash"
printf 'not a real key 1\n' > "$work/keys/id_test"
printf '[127.0.0.1]:2222 ssh-ed25519 AAAAfirst\n' > "$work/keys/known_hosts_test"
cat > /etc/kdump-failover.conf << CONF
[chain]
targets = remote disk

[target remote]
type = ssh
host = 127.0.0.1
port = 2222
path = /srv/dumps
identity = $work/keys/id_test
known_hosts = $work/keys/known_hosts_test

[target disk]
type = local
path = $work/crash
CONF
# kdump.conf as a user has it: the Fedora default plus their own extra_bins and dracut_args lines.
conf=/etc/kdump.conf
{
  grep -v '^#' "$src/tests/unit/integration/data/fedora-kdump.conf" | grep -v '^$' || true
  printf 'extra_bins /usr/bin/grep\ndracut_args --omit plymouth\n'
} > "$conf"
cp -p "$conf" "$work/kdump.conf.original"
# The image kdumpctl compares against and the crash kernel: only their mtimes matter to the check.
printf 'kdump-failover rebuild test\n' > "$work/marker"
(cd "$work" && echo marker | cpio -o -H newc --quiet | gzip > "$work/initramfs-test.img")
printf 'kernel\n' > "$work/vmlinuz-test"

# The command kdump.service's drop-in runs before kdumpctl starts (systemd's quoting of it is a
# shell's for this line: one /bin/sh -c with a single-quoted script).
dropin=$prefix/lib/systemd/system/kdump.service.d/kdump-failover.conf
pre_start=$(sed -n 's/^ExecStartPre=-//p' "$dropin")
[[ $pre_start == "/bin/sh -c '"*"$bin generate'" ]] || fail "unexpected ExecStartPre in $dropin: $pre_start"
generate() { eval "$pre_start" > "$work/generate.out" 2>&1; }
generate || { cat "$work/generate.out"; fail "generate failed"; }

# Everything below runs in one shell that sourced kdumpctl once (sourcing costs seconds).
# SC2034: the variables set here are kdumpctl's, read by its functions. SC2317: the change
# functions are called through change().
# shellcheck disable=SC2030,SC2031,SC2034,SC2317
(
  set +euo pipefail
  cd /usr/lib/kdump || exit 1   # with __SOURCED__, kdumpctl sources ./kdump-lib.sh and ./kdump-logger.sh
  __SOURCED__=1
  # shellcheck source=/dev/null
  . "$kdumpctl"
  # kdumpctl's check compares whole seconds with -gt: mtimes are set explicitly, never raced.
  now=$(date +%s)
  settle() {  # the state right after kdumpctl rebuilt: every input older than the image
    local old=$((now - 200))
    touch -d "@$old" "$conf" "$work/vmlinuz-test" "$bin" "$helper"
    touch -d "@$((old + 100))" "$work/initramfs-test.img"
  }
  kcheck() {  # WANT_RC WHAT
    unset OPT
    declare -gA OPT
    KDUMP_CONFIG_FILE=$conf TARGET_INITRD=$work/initramfs-test.img KDUMP_KERNELVER=test KDUMP_KERNEL=$work/vmlinuz-test
    parse_config > "$work/parse.out" 2>&1 || { cat "$work/parse.out" "$conf"; fail "$2: kdumpctl parse_config refused kdump.conf"; }
    check_files_modified > "$work/check.out" 2>&1
    local rc=$?
    [[ $rc == "$1" ]] || { cat "$work/check.out" "$conf"; fail "$2: check_files_modified returned $rc, want $1"; }
    grep -q 'not executable' "$work/check.out" && { cat "$work/check.out"; fail "$2: kdumpctl says a file is not executable"; }
    [[ $1 != 1 ]] || grep -q "$conf" "$work/check.out" || { cat "$work/check.out"; fail "$2: kdump.conf is not among the changes"; }
    echo "kdumpctl_rebuild: $2: check_files_modified rc=$rc"
  }

  grep -q '^extra_bins /usr/bin/grep '"$bin"'$' "$conf" || { cat "$conf"; fail "our binary did not join the user's extra_bins line"; }
  [[ $(grep -c '^extra_bins' "$conf") == 1 && $(grep -c '^dracut_args' "$conf") == 1 ]] || { cat "$conf"; fail "an option is written twice"; }
  touch -d "@$((now - 300))" "$work/initramfs-test.img"   # built before generate ran
  kcheck 1 "after generate (image older)"
  settle
  kcheck 0 "image newer than every input"

  # generate with nothing changed: the same bytes and the same mtime.
  before=$(stat -c '%Y.%y' "$conf")
  cp "$conf" "$work/kdump.conf.before"
  generate || { cat "$work/generate.out"; fail "generate (no change) failed"; }
  grep -q 'up to date' "$work/generate.out" || { cat "$work/generate.out"; fail "generate (no change) did not say up to date"; }
  cmp -s "$conf" "$work/kdump.conf.before" || fail "generate with no change rewrote kdump.conf"
  [[ $(stat -c '%Y.%y' "$conf") == "$before" ]] || fail "generate with no change moved kdump.conf's mtime"
  kcheck 0 "generate again, nothing changed"

  change() {  # WHAT COMMAND...
    local what=$1
    shift
    settle
    "$@" || fail "$what: cannot make the change"
    kcheck 0 "$what, before generate (kdumpctl alone cannot see it)"
    generate || { cat "$work/generate.out"; fail "$what: generate failed"; }
    grep -q 'inputs digest' "$work/generate.out" || { cat "$work/generate.out"; fail "$what: generate did not report the digest change"; }
    kcheck 1 "$what, after generate"
  }
  edit_config() { printf '# edited\n' >> /etc/kdump-failover.conf; }
  replace_plugin() {  # a rebuilt plugin: other bytes, same name
    objcopy --strip-debug "$plugins/kdf-transport-ssh.so" "$work/ssh.so" && cp "$work/ssh.so" "$plugins/kdf-transport-ssh.so" &&
      ! cmp -s "$work/ssh.so" "$work/stage$plugins/kdf-transport-ssh.so"
  }
  new_key() { printf 'not a real key 2\n' > "$work/keys/id_test"; }
  new_known_host() { printf '[127.0.0.1]:2222 ssh-ed25519 AAAAsecond\n' >> "$work/keys/known_hosts_test"; }
  upgrade_binary() {  # a package keeps the build's mtime, older than the image
    objcopy --strip-debug "$bin" "$work/kdf.new" && cp "$work/kdf.new" "$bin" && touch -d "@$((now - 1000))" "$bin"
  }
  change "our config edited" edit_config
  change "a plugin replaced" replace_plugin
  change "the ssh identity replaced" new_key
  change "known_hosts extended" new_known_host
  change "the binary upgraded" upgrade_binary

  # Removal: the user's file as it was, byte for byte, and kdumpctl takes it.
  "$bin" generate --remove --kdump-conf "$conf" > "$work/remove.out" 2>&1 || { cat "$work/remove.out"; fail "generate --remove failed"; }
  cmp "$conf" "$work/kdump.conf.original" || { diff "$work/kdump.conf.original" "$conf"; fail "--remove did not restore kdump.conf"; }
  kcheck 1 "after generate --remove"
  "$bin" generate --remove --kdump-conf "$conf" > "$work/remove.out" 2>&1 || { cat "$work/remove.out"; fail "second --remove failed"; }
  grep -q 'nothing to remove' "$work/remove.out" || { cat "$work/remove.out"; fail "second --remove said something else"; }
  cmp -s "$conf" "$work/kdump.conf.original" || fail "second --remove changed kdump.conf"
  exit 0
) || exit 1
echo "kdumpctl_rebuild: OK"
