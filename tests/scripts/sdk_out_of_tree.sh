#!/usr/bin/env bash
# Builds sdk/examples as a third party would — against the *installed* SDK, in a separate CMake
# project — then has kdump-failover load the result and dump through it.
#   sdk_out_of_tree.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
work=$(mktemp -d /tmp/kdf-sdk-XXXXXX)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" --component sdk >/dev/null
test -f "$work/prefix/include/kdf/sdk.h"
# Only the installed copy may be used: configure against the prefix, from a copy of the example.
cp -r "$src/sdk/examples" "$work/example-src"
cmake -S "$work/example-src" -B "$work/example-build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/example-build" >/dev/null
plugin="$work/example-build/kdf-transport-skeleton.so"
test -f "$plugin"
if grep -q "$src/sdk/include" "$work/example-build/build.ninja"; then
  echo "FAIL: the example was built against the source tree, not the installed SDK" >&2
  exit 1
fi

export KDF_PLUGIN_PATH="$work/example-build"
listing=$("$build/bin/kdump-failover" plugins)
echo "$listing" | grep -q "^skeleton 1.0.0  $plugin" || { echo "FAIL: skeleton not listed:"; echo "$listing"; exit 1; } >&2

"$build/bin/kdf-mkvmcore" --size 4M --seed 5 "$work/vmcore"
mkdir "$work/out"
cat > "$work/kdf.conf" <<CONF
[chain]
targets = example

[target example]
type = skeleton
dir = $work/out
CONF
"$build/bin/kdump-failover" check --config "$work/kdf.conf" >/dev/null
"$build/bin/kdump-failover" dump --config "$work/kdf.conf" --vmcore "$work/vmcore"
# A stream transport gets makedumpfile's flattened format: rebuild it, then compare every page.
"$build/bin/kdump-failover" reassemble "$work"/out/*/vmcore.flat "$work/rebuilt"
"$build/bin/kdf-compare-pages" "$work/vmcore" "$work/rebuilt"

# The capability conformance suite, run on the example as a third party runs it on their plugin.
mkdir "$work/conformance"
sed "s|^dir = .*|dir = $work/conformance|" "$work/kdf.conf" > "$work/conformance.conf"
"$build/bin/kdf-conformance" --plugin "$plugin" --config "$work/conformance.conf" --target example \
  --dir "$work/conformance" --break "rm -rf '$work/conformance/'\"\$KDF_CONFORMANCE_DUMP\"" --repair true \
  >"$work/conformance.log" 2>&1 || { cat "$work/conformance.log"; echo "FAIL: the example fails the conformance suite"; exit 1; } >&2
echo "sdk_out_of_tree: skeleton plugin built against the installed SDK, loaded, held a complete dump and passed the conformance suite"
