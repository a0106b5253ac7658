#!/usr/bin/env bash
# Builds real initramfs images with dracut (--no-kernel) from a private dracutbasedir holding the
# configured 99kdump-failover module of this build tree, and checks what they hold:
#   image 1: chain = ssh + local (mount_point) + local; network, so dracut's network module and, on
#            a machine with systemd, our systemd unit; image 2: chain = local only, no systemd:
#            the pre-mount hook.
#   - the binary, the plugins the chain names and NOT the other built plugins;
#   - ldd-complete: every library the binary and the plugins need is inside;
#   - the config (as /etc/kdump-failover.conf), the ssh identity and known_hosts (mode 0600);
#   - the network command line, the mounts file, the hook or the unit;
#   - as root: the unpacked image runs the chain in a chroot (ssh refused, then the local
#     targets), which proves the libraries and the plugin lookup work inside the image;
#   - never worse than kdump alone: an invalid config or a missing plugin builds the image without
#     the chain, a missing key file without that file, each with a loud warning naming the file.
#   dracut_module.sh BUILD_DIR
# Needs dracut-core and dracut-network (tools/install-deps.sh): missing, the test fails.
set -euo pipefail
build=$(cd "$1" && pwd)
fail() { echo "dracut_module: FAIL: $*" >&2; exit 1; }
if ! command -v dracut > /dev/null || ! command -v lsinitrd > /dev/null; then
  fail "dracut is not installed (apt-get install dracut-core dracut-network: tools/install-deps.sh)"
fi
[[ -d /usr/lib/dracut/modules.d/40network ]] ||
  fail "dracut's network module is missing (apt-get install dracut-network: tools/install-deps.sh)"

work=$(mktemp -d /tmp/kdf-dracut-XXXXXX)
trap 'rm -rf "$work"' EXIT
# The installed layout (installed plugins are 0644, and dracut treats such files differently).
{ read -r bin; read -r plugins; read -r module; } < <("$(dirname "$0")/stage_install.sh" "$build" "$work/stage") ||
  fail "cannot stage the install"
[[ -n ${module-} ]] || fail "cannot stage the install"
for p in local ssh; do [[ -f $plugins/kdf-transport-$p.so ]] || fail "kdf-transport-$p is not installed"; done
cp -a /usr/lib/dracut "$work/base"
cp -a "$module" "$work/base/modules.d/"
mkdir -p "$work/tmp" "$work/conf.d" "$work/keys" "$work/crash"
printf 'not a real key\n' > "$work/keys/id_test"
printf '[127.0.0.1]:1 ssh-ed25519 AAAA\n' > "$work/keys/known_hosts_test"
chmod 0644 "$work/keys/id_test"   # the image must make it 0600 anyway

# A mount point that exists here, for the local target with mount_point.
shm_mp=/dev/shm
grep -q " $shm_mp " /proc/self/mountinfo || shm_mp=/
cat > "$work/chain.conf" <<CONF
[chain]
targets = remote shm disk

[target remote]
type = ssh
host = 127.0.0.1
port = 1
path = /srv/dumps
identity = $work/keys/id_test
known_hosts = $work/keys/known_hosts_test
connect_timeout = 5s

[target shm]
type = local
path = $shm_mp
mount_point = $shm_mp

[target disk]
type = local
path = /var/crash-kdf-test
CONF
cat > "$work/local.conf" <<CONF
[chain]
targets = disk

[target disk]
type = local
path = /var/crash-kdf-test
CONF
printf '[chain]\ntargets = nowhere\n' > "$work/bad.conf"

build_image() {  # CONFIG IMAGE MODULES [DRACUT OPTIONS...]
  KDUMP_FAILOVER_BIN=$bin KDUMP_FAILOVER_CONFIG=$1 dracutbasedir=$work/base \
    dracut --force --no-kernel --no-hostonly --no-hostonly-cmdline --modules "$3" --no-early-microcode \
    --tmpdir "$work/tmp" --conf /dev/null --confdir "$work/conf.d" "${@:4}" "$2" 6.1.0-kdf-test > "$2.log" 2>&1
}

# --- image 1: ssh + local targets --------------------------------------------------------------
build_image "$work/chain.conf" "$work/chain.img" "base kdump-failover" || { cat "$work/chain.img.log"; fail "dracut failed"; }
lsinitrd "$work/chain.img" > "$work/chain.list"
mkdir "$work/x"
(cd "$work/x" && /usr/lib/dracut/skipcpio "$work/chain.img" | gzip -dc | cpio -idm --quiet 2> /dev/null) ||
  (cd "$work/x" && lsinitrd --unpack "$work/chain.img" > /dev/null)
x=$work/x
grep -q 'kdump-failover' "$work/chain.list" || fail "module kdump-failover not in the image"
[[ -x $x$bin ]] || fail "binary $bin not in the image"
for p in ssh local; do [[ -f $x$plugins/kdf-transport-$p.so ]] || fail "plugin $p not in the image"; done
for other in "$plugins"/kdf-transport-*.so; do
  name=${other##*/kdf-transport-}; name=${name%.so}
  [[ $name == ssh || $name == local ]] && continue
  [[ -e $x$other ]] && fail "plugin $name is in the image although the chain does not use it"
done
# ldd-complete: every library the binary and the plugins resolve to here is in the image
# (by its path, or its name under the image's library directories: merged /usr may move it).
for f in "$bin" "$plugins/kdf-transport-ssh.so" "$plugins/kdf-transport-local.so"; do
  while read -r lib; do
    [[ -e $x$lib ]] && continue
    find "$x" -name "${lib##*/}" | grep -q . || fail "$f needs $lib, which is not in the image"
  done < <(ldd "$f" | awk '/=> \// { print $3 } /^\t\// { print $1 }')
done
cmp -s "$work/chain.conf" "$x/etc/kdump-failover.conf" || fail "the image's /etc/kdump-failover.conf is not the config"
for k in id_test known_hosts_test; do
  [[ -f $x$work/keys/$k ]] || fail "ssh file $k not in the image"
  [[ $(stat -c %a "$x$work/keys/$k") == 600 ]] || fail "ssh file $k is not 0600 in the image"
done
grep -q "^KDF_PLUGIN_PATH=.*$plugins" "$x/etc/kdump-failover/initramfs.env" || fail "initramfs.env lacks the plugin path"
if [[ $shm_mp != / ]]; then
  grep -q $'\t'"$shm_mp"$'\t' "$x/etc/kdump-failover/mounts" || fail "mounts lacks $shm_mp"
fi
grep -q 'Including module: network' "$work/chain.img.log" || fail "the network module was not pulled in for the ssh target"
[[ -x $x/usr/bin/kdump-failover-capture ]] || fail "capture script missing"
if grep -q 'Including module: systemd ' "$work/chain.img.log"; then
  [[ -L $x/usr/lib/systemd/system/initrd.target.wants/kdump-failover-capture.service ]] ||
    fail "systemd image without kdump-failover-capture.service wanted by initrd.target"
  [[ ! -e $x/usr/lib/dracut/hooks/pre-mount/01-kdump-failover-hook.sh ]] || fail "systemd image also has the pre-mount hook (the chain would run twice)"
else
  [[ -f $x/usr/lib/dracut/hooks/pre-mount/01-kdump-failover-hook.sh ]] || fail "pre-mount hook missing"
fi
# The commands the capture script runs without a `command -v` guard are in the image (a missing
# `tail` once broke the final action in the QEMU run: the dump was saved, kdump.conf was not read),
# and it uses none of the usual ones that dracut's base module does not install.
for c in mount umount mkdir sync sleep sed grep; do
  found=0
  for d in usr/bin bin usr/sbin sbin; do [[ -x $x/$d/$c ]] && found=1; done
  ((found)) || fail "the capture script runs '$c', which is not in the image"
done
if grep -v '^[[:space:]]*#' "$x/usr/bin/kdump-failover-capture" | grep -Eq '(^|[|;(]|\$\()[[:space:]]*(tail|head|awk|cut|tr|wc|sort)[[:space:]]'; then
  fail "the capture script runs a command the image may lack (tail/head/awk/cut/tr/wc/sort)"
fi

if [[ $(id -u) == 0 ]] && command -v chroot > /dev/null; then
  # The chain inside the image: ssh is refused (port 1), shm fails (not mounted in the chroot) or
  # holds it, disk holds it otherwise. Exit 11 or 12: a later target saved the dump.
  shared=$(sed -n 's/^KDF_SHARED_DIR:PATH=//p' "$build/CMakeCache.txt")
  xz -dc "$shared/fixtures/dump/synthetic.elf.xz" > "$x/vmcore.test" 2> /dev/null ||
    fail "cannot read the synthetic vmcore fixture"
  mkdir -p "$x/var/crash-kdf-test"
  set +e
  # shellcheck disable=SC2016
  chroot "$x" /bin/sh -c '. /etc/kdump-failover/initramfs.env; export KDF_PLUGIN_PATH; exec "$KDF_BIN" dump --config /etc/kdump-failover.conf --vmcore /vmcore.test' > "$work/chroot.out" 2>&1
  rc=$?
  set -e
  cat "$work/chroot.out"
  [[ $rc == 11 || $rc == 12 ]] || fail "the chain in the image exited $rc (want 11 or 12)"
  grep -q "target 'remote'" "$work/chroot.out" || fail "the ssh target was not tried in the image"
  ls "$x"/var/crash-kdf-test/*/vmcore > /dev/null 2>&1 || [[ $rc == 11 ]] || fail "no vmcore in the image's /var/crash-kdf-test"
else
  echo "dracut_module: not root: the chroot run of the chain is skipped"
fi

# --- image 2: local only, no systemd: the pre-mount hook, no network --------------------------
build_image "$work/local.conf" "$work/local.img" "base kdump-failover" || { cat "$work/local.img.log"; fail "dracut failed (local)"; }
lsinitrd "$work/local.img" > "$work/local.list"
grep -q 'Including module: network' "$work/local.img.log" && fail "network pulled in for a local-only chain"
grep -q 'kdf-transport-ssh.so' "$work/local.list" && fail "ssh plugin in a local-only image"
grep -q 'kdf-transport-local.so' "$work/local.list" || fail "local plugin missing (local image)"
if ! grep -q 'Including module: systemd ' "$work/local.img.log"; then
  grep -q 'hooks/pre-mount/01-kdump-failover-hook.sh' "$work/local.list" || fail "pre-mount hook missing (local image)"
fi

# --- never worse than kdump alone: a broken config, a missing plugin, a missing key -------------
# The image still builds (mkdumprd must keep kdump's own dump), with one loud line naming the file.
# The chain is left out whole when it cannot load; a missing key only loses its own file.
never_worse_start=$SECONDS
printf '[chain]\ntargets = a\n\n[target a]\ntype = no-such-transport\n' > "$work/noplugin.conf"
sed "s|^identity = .*|identity = $work/keys/id_missing|" "$work/chain.conf" > "$work/nokey.conf"
for case in bad noplugin nokey; do
  # Uncompressed: compressing is most of dracut's time here, and these images are only listed.
  build_image "$work/$case.conf" "$work/$case.img" "base kdump-failover" --no-compress ||
    { cat "$work/$case.img.log"; fail "$case: dracut failed; kdump's own image would be lost"; }
  lsinitrd "$work/$case.img" > "$work/$case.list"
  # The base module's content is there: the image is a working initramfs, only the chain differs.
  grep -Eq ' (usr/)?bin/(ba)?sh$' "$work/$case.list" || fail "$case: the image lacks a shell: not a normal image"
  grep -Eq ' init( -> .*)?$' "$work/$case.list" || fail "$case: the image lacks /init: not a normal image"
done
for case in bad noplugin; do
  grep -q "$work/$case.conf cannot be used (errors above); this kdump initramfs is built WITHOUT the failover chain" \
    "$work/$case.img.log" || { cat "$work/$case.img.log"; fail "$case: no loud warning naming the config"; }
  grep -q "kdump-failover-capture\|${bin#/}\$\|etc/kdump-failover.conf" "$work/$case.list" &&
    fail "$case: pieces of the chain are in the image although it cannot load"
done
grep -q "no-such-transport" "$work/noplugin.img.log" || fail "noplugin: the log does not name the missing plugin"
grep -q "identity $work/keys/id_missing does not exist yet" "$work/nokey.img.log" ||
  { cat "$work/nokey.img.log"; fail "nokey: no warning naming the missing identity file"; }
grep -q " ${bin#/}\$" "$work/nokey.list" || fail "nokey: the chain was left out for one missing key"
grep -q "known_hosts_test" "$work/nokey.list" || fail "nokey: the other ssh file was left out"
grep -h 'WITHOUT the failover chain\|does not exist yet' "$work"/{bad,noplugin,nokey}.img.log
echo "dracut_module: broken config, missing plugin, missing key: 3 images in $((SECONDS - never_worse_start)) s"
echo "dracut_module: OK ($(du -h "$work/chain.img" | cut -f1) with ssh+local, $(du -h "$work/local.img" | cut -f1) local only)"
