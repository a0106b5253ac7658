#!/usr/bin/env bash
# kdf-conformance as a third party runs it: a plugin file, a config file with the target's section,
# the directory the dumps land in and commands that break and repair the target; here the local
# plugin on a temp dir, broken by removing the dump's directory. Bad usage is one clear line.
#   conformance_cli.sh KDF_CONFORMANCE PLUGIN_FILE
set -euo pipefail
bin=$1 plugin=$2
work=$(mktemp -d /tmp/kdf-conformance-cli-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "conformance_cli: FAIL: $*" >&2; exit 1; }

mkdir "$work/dumps"
cat > "$work/kdf.conf" <<CONF
[chain]
targets = disk

[target disk]
type = local
path = $work/dumps
reserve = 1M
CONF

out=$("$bin" --plugin "$plugin" --config "$work/kdf.conf" --target disk --dir "$work/dumps" \
  --break "rm -rf '$work/dumps/'\"\$KDF_CONFORMANCE_DUMP\"" --repair true 2>&1) || fail "the suite failed: $out"
grep -q '^\[  PASSED  \] 8 tests' <<<"$out" || fail "expected 8 passed cases (all but the withheld-positional one): $out"
grep -q 'CallsOnABrokenTargetFailWithinTheirDeadlines/cli (' <<<"$out" || fail "the broken-target case did not run"

if out=$("$bin" --plugin "$plugin" --config "$work/kdf.conf" --target nosuch --dir "$work/dumps" 2>&1); then
  fail "an unknown target passed"
fi
[[ $out == "kdf-conformance: $work/kdf.conf has no [target nosuch]" ]] || fail "unclear error for an unknown target: $out"
if out=$("$bin" --plugin "$plugin" 2>&1); then fail "missing options passed"; fi
grep -q '^kdf-conformance: --plugin, --config and --target are required$' <<<"$out" || fail "unclear usage error: $out"
echo "conformance_cli: ok"
