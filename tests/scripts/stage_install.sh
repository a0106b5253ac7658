#!/usr/bin/env bash
# stage_install.sh BUILD_DIR STAGE_DIR [--strip] - the installed layout, as a package lays it out:
# `cmake --install` into STAGE_DIR (DESTDIR), which is emptied first. Installed plugins are 0644,
# unlike the build tree's, and dracut treats such files differently, so the dracut module is
# tested from here. --strip: as the packages install it (the size a crash kernel unpacks).
# Prints three lines: the binary, the plugin directory, the dracut module directory.
set -euo pipefail
build=$1 stage=$2
strip=()
[[ ${3-} == --strip ]] && strip=(--strip)
rm -rf "$stage"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
DESTDIR=$stage cmake --install "$build" "${strip[@]}" > "$log" 2>&1 ||
    { cat "$log" >&2; echo "stage_install: cmake --install failed" >&2; exit 1; }
bin=$(find "$stage" -path '*/sbin/kdump-failover' -type f | head -n 1)
plugins=$(find "$stage" -name kdf-transport-local.so -printf '%h\n' | head -n 1)
module=$(find "$stage" -type d -path '*/dracut/modules.d/99kdump-failover' | head -n 1)
[[ -x $bin && -d $plugins && -d $module ]] ||
    { echo "stage_install: the install lacks the binary, the plugins or the dracut module" >&2; exit 1; }
printf '%s\n' "$bin" "$plugins" "$module"
