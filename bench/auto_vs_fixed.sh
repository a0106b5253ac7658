#!/usr/bin/env bash
# compress = auto against fixed codecs over a shaped link: `kdump-failover dump` of a real vmcore to
# an ssh target (sshd, SFTP) in a network namespace of our own, across a veth pair with tbf on the
# dump's side (tests/scripts/lib/ssh_link_netns.sh; everything torn down at exit). Each codec is
# timed RUNS times in turn (interleaved, so a change in the machine's load hits them all alike) and
# the medians are printed with auto's lead over each fixed codec.
# Not a test: numbers vary with the machine; read them.
#   bench/auto_vs_fixed.sh [BUILD_DIR] [VMCORE] [RATE] [LEVEL] [RUNS] [CODECS]
#   (defaults: build, BUILD_DIR/fixtures/vmcore-6.1-a, 1gbit, 1, 3, "lzo zstd auto")
# Needs root (namespaces, tc), iproute2, openssh-server, the ssh plugin built.
set -euo pipefail
build=$(realpath "${1:-build}")
vmcore=${2:-$build/fixtures/vmcore-6.1-a}
rate=${3:-1gbit}
level=${4:-1}
runs=${5:-3}
codecs=${6:-lzo zstd auto}
here=$(cd "$(dirname "$0")" && pwd)
cli=$build/bin/kdump-failover
[[ -r $vmcore ]] || { echo "no vmcore at $vmcore (zstd -d ../shared/fixtures/vmcore-6.1-a.zst)" >&2; exit 1; }
# shellcheck source=tests/scripts/lib/ssh_link_netns.sh
source "$here/../tests/scripts/lib/ssh_link_netns.sh"

work=$(mktemp -d /var/tmp/kdf-bench-auto-XXXXXX)
cleanup() {
    link_teardown
    rm -rf "$work"
}
trap cleanup EXIT
# tbf needs a burst of at least rate/HZ; 4 MB suits every rate up to 10 Gbit/s.
link_setup "kdfautob$$" "$work" "$rate" 4mb
mkdir "$work/remote"

# One timed dump with `compress = $1`; prints seconds. The dump is removed afterwards.
one_dump() {
    cat > "$work/conf" << CONF
[dump]
level = $level
compress = $1
dmesg = no

[chain]
targets = server

[target server]
type = ssh
host = $LINK_HOST
identity = $work/client_key
known_hosts = $work/known_hosts
path = $work/remote
CONF
    local start end
    start=$(date +%s.%N)
    link_run "$cli" dump --config "$work/conf" --vmcore "$vmcore" --no-fence-notices > "$work/out" 2> "$work/log" ||
        { cat "$work/log" >&2; return 1; }
    end=$(date +%s.%N)
    grep 'codec ' "$work/log" | tail -n 1 | sed 's/^/    last note: /' >&2 || true
    rm -rf "${work:?}/remote/"*
    awk -v a="$end" -v b="$start" 'BEGIN { printf "%.3f\n", a - b }' 
}

declare -A times
for ((r = 1; r <= runs; r++)); do
    for c in $codecs; do
        t=$(one_dump "$c")
        echo "run $r $c: $t s" >&2
        times[$c]+="$t "
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "link $rate (tbf), level $level, $(basename "$vmcore"), medians of $runs, $(nproc) CPUs"
printf '%-6s %8s\n' codec seconds
declare -A med
for c in $codecs; do
    med[$c]=$(echo "${times[$c]}" | median)
    printf '%-6s %8.2f\n' "$c" "${med[$c]}"
done
if [[ -n ${med[auto]:-} ]]; then
    for c in $codecs; do
        [[ $c == auto ]] && continue
        printf 'auto lands it %.2fx sooner than %s\n' "$(awk -v a="${med[$c]}" -v b="${med[auto]}" 'BEGIN { print a / b }')" "$c"
    done
fi
