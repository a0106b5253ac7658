#!/usr/bin/env bash
# Cross-builds the arm64 (aarch64) .deb packages on an x86_64 Debian 12 machine with Debian's
# multiarch toolchain, and checks them: build-arm64/kdump-failover_<version>_arm64.deb (and -dev).
#   tools/build-arm64-deb.sh [--no-install] [-jN]
# Installs (unless --no-install) the arm64 foreign architecture, crossbuild-essential-arm64 and the
# :arm64 -dev packages of the libraries we link. These are not in tools/install-deps.sh: the test
# suite does not cross-build. Needs root (or sudo) for that step only.
# The check after cpack: every ELF file in the package is an AArch64 one, and Depends names
# arm64 library packages as dpkg-shlibdeps found them.
set -euo pipefail
cd "$(dirname "$0")/.."
install=1
jobs=-j2
for a in "$@"; do
  case "$a" in
    --no-install) install=0 ;;
    -j*) jobs=$a ;;
    *) echo "usage: tools/build-arm64-deb.sh [--no-install] [-jN]" >&2; exit 2 ;;
  esac
done
build="build-arm64"

# The library packages our CMake files ask pkg-config for, in their arm64 flavour. Boost is
# header-only here (Boost.DLL), so the host's libboost-dev headers serve the cross build too.
cross_packages=(
  crossbuild-essential-arm64 cmake ninja-build pkg-config dpkg-dev file libboost-dev
  libstdc++6:arm64  # the cross toolchain brings its own copy; dpkg-shlibdeps needs the package
  zlib1g-dev:arm64 libdeflate-dev:arm64 liblzo2-dev:arm64 liblz4-dev:arm64 libzstd-dev:arm64
  liblzma-dev:arm64 libssh-dev:arm64 libnfs-dev:arm64 libiscsi-dev:arm64
  libcurl4-openssl-dev:arm64 libssl-dev:arm64
)
if ((install)); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
  fi
  missing=()
  for p in "${cross_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "build-arm64-deb: installing ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# -O2 without -g: the package is stripped anyway, and debug info is most of the compile time.
cmake -S . -B "$build" -G Ninja --toolchain "$PWD/packaging/cross/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DCMAKE_INSTALL_PREFIX=/usr \
  -DKDF_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" "$jobs"
(cd "$build" && cpack -G DEB >/dev/null)

# The check: architecture field, ELF machine of every binary and plugin, arm64 Depends.
status=0
for deb in "$build"/*_arm64.deb; do
  [ -e "$deb" ] || { echo "build-arm64-deb: no *_arm64.deb in $build" >&2; exit 1; }
  arch=$(dpkg-deb -f "$deb" Architecture)
  [ "$arch" = arm64 ] || { echo "build-arm64-deb: $deb: Architecture is $arch, not arm64" >&2; status=1; }
  tmp=$(mktemp -d)
  dpkg-deb -x "$deb" "$tmp"
  while IFS= read -r -d '' f; do
    kind=$(file -b "$f")
    case "$kind" in
      ELF*ARM\ aarch64*) ;;
      ELF*) echo "build-arm64-deb: $deb: ${f#"$tmp"} is not an AArch64 ELF file: $kind" >&2; status=1 ;;
    esac
  done < <(find "$tmp" -type f -print0)
  rm -rf "$tmp"
  echo "$deb: $(dpkg-deb -f "$deb" Package) $(dpkg-deb -f "$deb" Version) $arch"
  depends=$(dpkg-deb -f "$deb" Depends)
  [ -z "$depends" ] || echo "  Depends: $depends"
done
exit "$status"
