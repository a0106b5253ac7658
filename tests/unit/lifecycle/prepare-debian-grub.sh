#!/usr/bin/env bash
# Debian's own GRUB and kdump-tools files for the setup/uninstall round trips (lifecycle tests),
# taken from Debian 12's packages once (apt-get download, unpacked, never installed) and cached:
#   CACHE/etc/default/grub                    grub2-common's template (what its postinst installs)
#   CACHE/usr/sbin/grub-mkconfig              grub-common's, which sources /etc/default/grub.d/*.cfg
#   CACHE/etc/default/grub.d/kdump-tools.cfg  kdump-tools' crashkernel= drop-in
#   CACHE/etc/default/grub.d/init-select.cfg  grub-common's own drop-in
#   CACHE/etc/default/kdump-tools             kdump-tools' defaults (its postinst installs this file)
#   CACHE/usr/sbin/kdump-config               kdump-tools' command (what says kdump-tools is installed)
#
#   prepare-debian-grub.sh CACHE
set -euo pipefail
cache=${1:?usage: prepare-debian-grub.sh CACHE}
[[ -s $cache/.unpacked ]] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download grub2-common grub-common kdump-tools > /dev/null 2>&1 ||
  { echo "prepare-debian-grub: apt-get download grub2-common grub-common kdump-tools failed (apt-get update first?)" >&2; exit 1; }
for deb in ./*.deb; do dpkg-deb -x "$deb" x; done
mkdir -p "$cache/etc/default/grub.d" "$cache/usr/sbin"
install -m 0644 x/usr/share/grub/default/grub "$cache/etc/default/grub"
install -m 0755 x/usr/sbin/grub-mkconfig "$cache/usr/sbin/grub-mkconfig"
install -m 0644 x/etc/default/grub.d/kdump-tools.cfg "$cache/etc/default/grub.d/kdump-tools.cfg"
install -m 0644 x/etc/default/grub.d/init-select.cfg "$cache/etc/default/grub.d/init-select.cfg"
install -m 0644 x/usr/share/kdump-tools/kdump-tools.conf "$cache/etc/default/kdump-tools"
install -m 0755 x/usr/sbin/kdump-config "$cache/usr/sbin/kdump-config"
dpkg-deb -f grub2-common_*.deb Version > "$cache/.unpacked"
