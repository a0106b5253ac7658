#!/usr/bin/env bash
# Installs what kdump-failover needs to build and test on Debian 12, from Debian's packages only.
# Idempotent: a package already installed is left alone. Needs root (or sudo) and apt.
#   tools/install-deps.sh             packages, then the test fixtures (kernels, debug vmlinux files,
#                                     a Debian root image: several GB and minutes, cached)
#   tools/install-deps.sh --packages  packages only (what building and the demo need)
# Env (tools/run-tests.sh sets them for the fixtures it makes in the background):
#   KDF_SUDO_NONINTERACTIVE=1  sudo never asks for a password (sudo -n): it fails at once with a
#                              message instead of waiting on a terminal nobody watches
#   KDF_APT_UPDATED_MARK=FILE  FILE exists once a run sharing it has run apt-get update, which
#                              the other runs then skip
#   KDF_QEMU_TIMEOUT           seconds for the Debian image's priming boot (default 900)
set -euo pipefail
packages_only=0
[[ ${1:-} == --packages ]] && packages_only=1

packages=(
  g++ cmake ninja-build pkg-config make   # toolchain
  libboost-dev                            # Boost.DLL (header-only with BOOST_DLL_USE_STD_FS)
  libgtest-dev libgmock-dev               # the test suite
  clang-14 libclang-rt-14-dev python3     # tests/fuzz: libFuzzer targets (tools/fuzz.sh) and their seed maker
  zstd xz-utils binutils                  # shared fixtures are zstd/xz; readelf checks generated vmcores
  util-linux                              # mount (tmpfs for real ENOSPC), losetup, fsfreeze (a device that stops answering)
  makedumpfile libkdumpfile-dev           # independent dump readers the format tests check our output with
  python3-drgn crash                      # the debuggers users open dumps with (tests/readers)
  zlib1g-dev libdeflate-dev liblzo2-dev liblz4-dev libzstd-dev  # page codecs (core/compress)
  liblzma-dev                             # xz-compressed crash initramfs images (core/lifecycle: status, estimate)
  time                                    # GNU time: peak RSS in bench/
  libssh-dev openssh-server openssh-client  # ssh plugin (libssh) and the real sshd its tests start
  libnfs-dev libnfs-utils nfs-ganesha nfs-ganesha-vfs rpcbind  # nfs plugin (libnfs), ganesha for its tests, nfs-cp for bench/
  libiscsi-dev libiscsi-bin tgt e2fsprogs fdisk  # iscsi plugin (libiscsi), tgtd for its tests; mkfs.ext4, mkswap, sfdisk make the signatures raw targets refuse
  xfsprogs squashfs-tools genisoimage     # mkfs.xfs, mksquashfs, genisoimage: more real signatures raw targets refuse (sdk tests)
  fence-agents                            # fence_kdump: the real listener our notices are tested against
  dpkg-dev rpm                            # CPack: .deb (dpkg-shlibdeps) and .rpm (rpmbuild) packages
  dracut-core dracut-network shellcheck   # initramfs module test (dracut-core, unlike dracut, leaves initramfs-tools alone)
  qemu-system-x86 busybox-static kexec-tools cpio kmod  # tests/e2e: a real crash of Debian's kernel in QEMU
  lvm2 cryptsetup-bin e2fsprogs dash     # local backups on LVM/LUKS (dracut_storage), ext4 backup disk (e2e), the capture script under dash
  network-manager dbus ethtool iproute2 e2fsprogs  # kdump-utils' mkdumprd (tests mkdumprd_*): NM in the image, nmcli keyfiles
  libcurl4-openssl-dev libssl-dev       # s3 plugin: HTTP(S) through libcurl, SigV4 signing on OpenSSL
  ceph-mon ceph-osd radosgw ceph-common uuid-runtime curl s3cmd openssl  # s3 tests: a real Ceph RADOS Gateway (openssl: its test CA); s3cmd reads back and benches
  python3-yaml python3-jsonschema         # tests/fleet: the rendered Skyhook/MachineConfig/Butane files parsed and checked
  mmdebstrap                              # tests/e2e/debian: a real Debian 12 root (with e2fsprogs: mkfs.ext4 -d, debugfs)
  iproute2 python3 bc                     # the link lab (ip netns, veth, tc tbf) and its test's socket timing; bench/ arithmetic
)

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo)
  if [[ ${KDF_SUDO_NONINTERACTIVE:-0} == 1 ]]; then
    SUDO+=(-n)
    "${SUDO[@]}" true 2> /dev/null ||
      { echo "install-deps: sudo needs a password and cannot ask for it here: run it as root or after sudo -v" >&2; exit 1; }
  fi
fi

# apt-get update at most once per run (and once for runs sharing KDF_APT_UPDATED_MARK).
updated=0
[[ -n ${KDF_APT_UPDATED_MARK:-} && -e ${KDF_APT_UPDATED_MARK:-} ]] && updated=1
apt_update_once() {
  ((updated)) && return 0
  "${SUDO[@]}" apt-get update -qq
  updated=1
  if [[ -n ${KDF_APT_UPDATED_MARK:-} ]]; then : > "$KDF_APT_UPDATED_MARK"; fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  apt_update_once
  # kexec-tools asks whether to load a kexec kernel at reboot: no (this machine is not a guest).
  echo "kexec-tools kexec-tools/load_kexec boolean false" | "${SUDO[@]}" debconf-set-selections
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

((packages_only)) && exit 0

# Debian's own kernel for the QEMU end-to-end test (tests/e2e), fetched like the packages above
# (apt-get download of the package linux-image-amd64 depends on) and unpacked once, never installed:
# the build and the tests download nothing themselves.
e2e_cache=${KDF_E2E_KERNEL_CACHE:-/var/cache/kdump-failover/e2e-kernel}
if ! ls "$e2e_cache"/*/.unpacked > /dev/null 2>&1; then
  apt_update_once
  "${SUDO[@]}" "$(dirname "$0")/../tests/e2e/guest/prepare-kernel.sh" "$e2e_cache" > /dev/null
fi

# Debian's GRUB and kdump-tools files (grub2-common's /etc/default/grub, grub-common's
# grub-mkconfig and drop-in, kdump-tools' drop-in and defaults) for the setup/uninstall round trips
# of tests/unit/lifecycle: apt-get download, unpacked once, never installed.
grub_cache=${KDF_DEBIAN_GRUB_CACHE:-/var/cache/kdump-failover/debian-grub}
if [ ! -s "$grub_cache/.unpacked" ]; then
  apt_update_once
  "${SUDO[@]}" "$(dirname "$0")/../tests/unit/lifecycle/prepare-debian-grub.sh" "$grub_cache"
fi

# The crashed kernels' own debug vmlinux files for drgn and crash (tests/readers and tests/e2e):
# the shared fixtures' kernels and the e2e guest's, from Debian's -dbg packages (apt-get download,
# only the vmlinux kept, about 860 MB to fetch per kernel once), cached outside the tree. The arm64
# fixture's comes from Debian's arm64 package lists, which prepare-vmlinux.sh keeps apart from the
# machine's (about 800 MB; dpkg's architectures stay as they are).
vmlinux_cache=${KDF_VMLINUX_CACHE:-/var/cache/kdump-failover/vmlinux}
releases=(6.1.0-56-amd64 6.12.117+deb12-amd64 6.1.0-57-arm64)
releases+=("$("${SUDO[@]}" "$(dirname "$0")/../tests/e2e/guest/prepare-kernel.sh" "$e2e_cache" | sed -n 2p)")
for release in "${releases[@]}"; do
  if [ ! -s "$vmlinux_cache/vmlinux-$release" ]; then apt_update_once; fi
done
"${SUDO[@]}" "$(dirname "$0")/../tests/readers/prepare-vmlinux.sh" "$vmlinux_cache" "${releases[@]}" > /dev/null

# A real Debian 12 system for the kdump-tools end-to-end test (tests/e2e/debian): mmdebstrap from
# Debian's archive with its kernel, systemd and kdump-tools, then booted once under QEMU so that
# kdump-tools has built its crash initrd, as on a user's machine after its first boot. About 4
# minutes to build and 2 to prime, once; cached until the recipe changes. The boot's time limit is
# passed on by env: sudo does not keep the caller's environment.
"${SUDO[@]}" env "KDF_QEMU_TIMEOUT=${KDF_QEMU_TIMEOUT:-900}" \
  "$(dirname "$0")/../tests/e2e/debian/make-root.sh" "${KDF_DEBIAN_ROOT_CACHE:-/var/cache/kdump-failover/debian-root}" > /dev/null
