#!/usr/bin/env bash
# An initramfs built by dracut (--no-kernel) with our 99kdump-failover module for a chain whose
# targets are s3: it must carry the s3 plugin, libcurl and the TLS libraries it links, the
# credentials file (0600) and the CA file, and the chain must work from inside it. As root, the
# unpacked image runs the chain in a chroot against a real Ceph RADOS Gateway on loopback
# (tests/s3/rgw_lab.sh): the https target (nothing listens there) is refused, the http one takes
# the dump, and s3cmd finds it in the bucket.
#   dracut_s3.sh BUILD_DIR
# Needs dracut-core, dracut-network, ceph-mon, ceph-osd, radosgw, s3cmd, openssl.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "dracut_s3: FAIL: $*" >&2; exit 1; }
command -v dracut > /dev/null || fail "dracut is not installed (tools/install-deps.sh)"
work=$(mktemp -d /tmp/kdf-dracut-s3-XXXXXX)
export LAB=$work/lab
cleanup() {
  bash "$src/tests/s3/rgw_lab.sh" stop > /dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The installed layout, as a package has it: binary in sbin, plugins 0644 beside it in lib.
stage=$work/stage
bin=$stage/usr/sbin/kdump-failover
plugins=$stage/usr/lib/kdump-failover/plugins
mkdir -p "${bin%/*}" "$plugins"
install -m 0755 "$build/bin/kdump-failover" "$bin"
for p in s3 local; do install -m 0644 "$build/lib/kdump-failover/plugins/kdf-transport-$p.so" "$plugins/"; done
cp -a /usr/lib/dracut "$work/base"
cp -a "$build/packaging/dracut/99kdump-failover" "$work/base/modules.d/"

bash "$src/tests/s3/rgw_lab.sh" start > /dev/null
# shellcheck disable=SC1091
. "$LAB/env"
hostport=${S3_ENDPOINT#http://}
printf '[default]\naccess_key = %s\nsecret_key = %s\nhost_base = %s\nhost_bucket = %s\nuse_https = False\n' \
  "$S3_ACCESS_KEY" "$S3_SECRET_KEY" "$hostport" "$hostport" > "$work/s3cfg"
s3cmd -c "$work/s3cfg" mb s3://initramfs > /dev/null

mkdir -p "$work/keys" "$work/tmp" "$work/conf.d"
printf 'access_key = %s\nsecret_key = %s\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" > "$work/keys/s3-credentials"
chmod 0600 "$work/keys/s3-credentials"
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=kdf-test-ca -days 2 -keyout "$work/keys/ca.key" \
  -out "$work/keys/ca.pem" > /dev/null 2>&1 || fail "openssl cannot make a test CA"
cat > "$work/chain.conf" <<CONF
[chain]
targets = tls plain

[target tls]
type = s3
endpoint = https://127.0.0.1:1
bucket = initramfs
credentials_file = $work/keys/s3-credentials
ca_file = $work/keys/ca.pem
connect_timeout = 5s

[target plain]
type = s3
endpoint = $S3_ENDPOINT
bucket = initramfs
prefix = from-initramfs
credentials_file = $work/keys/s3-credentials
part_size = 5M
CONF

KDUMP_FAILOVER_BIN=$bin KDUMP_FAILOVER_CONFIG=$work/chain.conf dracutbasedir=$work/base \
  dracut --force --no-kernel --no-hostonly --no-hostonly-cmdline --modules "base kdump-failover" \
  --no-early-microcode --no-compress --tmpdir "$work/tmp" --conf /dev/null --confdir "$work/conf.d" \
  "$work/s3.img" 6.1.0-kdf-test > "$work/s3.img.log" 2>&1 || { cat "$work/s3.img.log"; fail "dracut failed"; }
lsinitrd "$work/s3.img" > "$work/s3.list"
grep -q 'kdump-failover' "$work/s3.list" || fail "module kdump-failover not in the image"
mkdir "$work/x"
(cd "$work/x" && /usr/lib/dracut/skipcpio "$work/s3.img" | cpio -idm --quiet 2> /dev/null) ||
  (cd "$work/x" && lsinitrd --unpack "$work/s3.img" > /dev/null)
x=$work/x
[[ -f $x$plugins/kdf-transport-s3.so ]] || fail "the s3 plugin is not in the image"
[[ -e $x$plugins/kdf-transport-local.so ]] && fail "the local plugin is in the image although the chain does not use it"
# ldd-complete: libcurl, its TLS libraries and everything else the plugin resolves to here.
deps=$(ldd "$plugins/kdf-transport-s3.so")
grep -q 'libcurl' <<< "$deps" || fail "the s3 plugin does not link libcurl?"
while read -r lib; do
  [[ -e $x$lib ]] && continue
  find "$x" -name "${lib##*/}" | grep -q . || fail "the s3 plugin needs $lib, which is not in the image"
done < <(awk '/=> \// { print $3 } /^\t\// { print $1 }' <<< "$deps")
[[ -f $x$work/keys/s3-credentials ]] || fail "the credentials file is not in the image"
[[ $(stat -c %a "$x$work/keys/s3-credentials") == 600 ]] || fail "the credentials file is not 0600 in the image"
cmp -s "$work/keys/ca.pem" "$x$work/keys/ca.pem" || fail "the CA file is not in the image"
[[ -e $x$work/keys/ca.key ]] && fail "the CA's private key got into the image"
grep -q 'Including module: network' "$work/s3.img.log" || fail "the network module was not pulled in for the s3 targets"

if [[ $(id -u) != 0 ]] || ! command -v chroot > /dev/null; then
  echo "dracut_s3: not root: the chroot run of the chain is skipped"
  exit 0
fi
"$build/bin/kdf-mkvmcore" --kernel --size 32M --seed 21 "$x/vmcore.test"
set +e
# shellcheck disable=SC2016
chroot "$x" /bin/sh -c '. /etc/kdump-failover/initramfs.env; export KDF_PLUGIN_PATH; exec "$KDF_BIN" dump --config /etc/kdump-failover.conf --vmcore /vmcore.test' > "$work/chroot.out" 2>&1
rc=$?
set -e
cat "$work/chroot.out"
[[ $rc == 11 ]] || fail "the chain in the image exited $rc (want 11: the second target holds the dump)"
grep -q "target 'tls' \[connect\]: s3: " "$work/chroot.out" || fail "the https target did not fail at connect in the image"
keys=$(s3cmd -c "$work/s3cfg" ls -r s3://initramfs/from-initramfs/)
grep -q '/vmcore.flat$' <<< "$keys" || fail "no vmcore.flat in the bucket: $keys"
grep -q '/vmcore-dmesg.txt$' <<< "$keys" || fail "no vmcore-dmesg.txt in the bucket: $keys"
echo "dracut_s3: ok"
