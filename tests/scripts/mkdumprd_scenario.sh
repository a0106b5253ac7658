#!/usr/bin/env bash
# kdump-utils' own mkdumprd builds kdump-failover's module into a RHEL-style kdump initramfs, and
# that image saves a real crash in QEMU. Three steps sharing one build (state in BUILD/mkdumprd-scenario):
#
#   mkdumprd_scenario.sh build BUILD KDUMP_UTILS_SRC
#     kdump.conf: the kdump target is a local ext4 disk (UUID=), extra_modules virtio_blk virtio_net;
#     the chain: nfs (10.0.2.2, a port nothing listens on) then ssh (10.0.2.2, the port the qemu step's
#     sshd will listen on), key and known_hosts under /etc/kdump-failover. `kdump-failover generate`
#     edits kdump.conf, mkdumprd builds (tests/e2e/guest/mkdumprd-image.sh) inside a network
#     namespace where 10.0.2.2 routes through enp1s0: a veth with the guest NIC's MAC
#     (52:54:00:12:34:56) and a NetworkManager keyfile (written by nmcli) that says DHCP.
#   mkdumprd_scenario.sh contents BUILD
#     lsinitrd: our binary, plugins and their libraries, config, keys (0600), the unit; kdumpbase's
#     kdump.sh and unit; the route's NIC driver (veth) and virtio_net; NetworkManager as the
#     network back end; the network arguments our module derived (ifname= pin, ip=enp1s0:dhcp).
#   mkdumprd_scenario.sh qemu BUILD
#     sshd on 127.0.0.1 (the guest's 10.0.2.2); the e2e guest (Debian's kernel) loads the image with
#     kexec -p and kdumpctl's crash command line, crashes; in the crash kernel the udev rule from
#     ifname= names the virtio NIC enp1s0, NetworkManager gets DHCP on it, our unit runs the chain
#     (nfs refused, ssh holds the dump) before kdump-capture.service, and powers off. The dump is read
#     back with makedumpfile. The crash is started as `kdumpctl test` starts it (kdump_test_id=), and
#     kdump's duties after the chain's dump are checked: post.d and kdump_post with status 0, the
#     test status "success" on kdump's own disk (mounted from the image's fstab with kdumpbase's
#     library), final_action, in kdump.sh's order. Prints an E2E: line. crashkernel=192M, as the other e2e cases (less than
#     kdump-utils' x86_64 default, 256M for 2-64 GiB); KDF_CRASHKERNEL=SIZE tries another.
set -euo pipefail
step=$1
build=$(cd "$2" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
state=$build/mkdumprd-scenario
fail() { echo "mkdumprd_scenario $step: FAIL: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
kernel() { "$src/tests/e2e/guest/prepare-kernel.sh" /var/cache/kdump-failover/e2e-kernel; }
readonly guest_mac=52:54:00:12:34:56 host_from_guest=10.0.2.2 test_id=1764940000-777

build_step() {
    local ku=$1 kroot kver
    [[ -d $ku ]] || fail "kdump-utils source $ku missing"
    { read -r kroot; read -r kver; } < <(kernel) || fail "no e2e kernel (tools/install-deps.sh caches it)"
    rm -rf "$state"
    mkdir -p "$state/etc/kdump-failover" "$state/sshd" "$state/dumps"
    ssh-keygen -q -t ed25519 -N '' -f "$state/sshd/hostkey"
    ssh-keygen -q -t ed25519 -N '' -f "$state/etc/kdump-failover/id_ed25519"
    cp "$state/etc/kdump-failover/id_ed25519.pub" "$state/sshd/authorized_keys"
    free_port > "$state/ssh-port"
    free_port > "$state/nfs-port"
    local ssh_port nfs_port
    ssh_port=$(cat "$state/ssh-port") nfs_port=$(cat "$state/nfs-port")
    echo "[$host_from_guest]:$ssh_port $(cut -d' ' -f1,2 "$state/sshd/hostkey.pub")" > "$state/etc/kdump-failover/known_hosts"
    # kdump's post.d: run by our unit after the chain's dump, with status 0, as kdump.sh would.
    mkdir -p "$state/etc/kdump/post.d"
    # shellcheck disable=SC2016 # $1: the hook's own argument
    printf '#!/bin/sh\necho "KDF-TEST: post.d ran with status $1"\n' > "$state/etc/kdump/post.d/10-kdf-test"
    chmod 0755 "$state/etc/kdump/post.d/10-kdf-test"
    mkdir -p "$state/etc/NetworkManager/system-connections"
    nmcli --offline connection add type ethernet con-name uplink ifname enp1s0 ipv4.method auto \
        > "$state/etc/NetworkManager/system-connections/uplink.nmconnection"
    chmod 600 "$state/etc/NetworkManager/system-connections/uplink.nmconnection"
    cat > "$state/kdump-failover.conf" << EOF
[dump]
level = 31
compress = zlib

[chain]
targets = nas backup

[target nas]
type = nfs
url = nfs://$host_from_guest/export?nfsport=$nfs_port&mountport=$nfs_port
connect_timeout = 10s

[target backup]
type = ssh
host = $host_from_guest
port = $ssh_port
identity = /etc/kdump-failover/id_ed25519
known_hosts = /etc/kdump-failover/known_hosts
path = $state/dumps
connect_timeout = 30s
EOF
    cat > "$state/kdump.conf.in" << 'EOF'
ext4 UUID=@UUID@
path /var/crash
core_collector makedumpfile -l --message-level 7 -d 31
extra_modules virtio_blk virtio_net
final_action poweroff
EOF
    ns=kdf-mkdumprd-$$
    trap 'ip netns del "$ns" 2> /dev/null || true' EXIT
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" link add enp1s0 address "$guest_mac" type veth peer name kdfpeer0
    ip -n "$ns" addr add 10.0.2.15/24 dev enp1s0
    ip -n "$ns" link set enp1s0 up
    ip -n "$ns" link set kdfpeer0 up
    ip -n "$ns" route add default via "$host_from_guest"
    "$src/tests/e2e/guest/mkdumprd-image.sh" --build "$build" --kroot "$kroot" --kver "$kver" --work "$state/image" \
        --kdump-utils "$ku" --kdump-conf "$state/kdump.conf.in" --config "$state/kdump-failover.conf" \
        --etc "$state/etc" --netns "$ns" --cmdline "console=ttyS0" || fail "mkdumprd-image.sh"
    grep -q '^dracut_args --add kdump-failover' "$state/image/kdump.conf" ||
        fail "generate wrote no dracut_args line: $(cat "$state/image/kdump.conf")"
    touch "$state/built"
}

contents_step() {
    local img=$state/image/kdump.img list=$state/image/lsinitrd.txt f bin plugins
    [[ -f $state/built ]] || fail "the build step did not finish"
    # Where the install put them (the configured prefix), as the image must hold them.
    bin=$(find "$state/image/stage" -path '*/sbin/kdump-failover' -type f | head -n 1)
    plugins=$(find "$state/image/stage" -name kdf-transport-ssh.so -printf '%h\n' | head -n 1)
    bin=${bin#"$state/image/stage/"} plugins=${plugins#"$state/image/stage/"}
    has() { grep -Eq " ($1)( ->.*)?$" "$list"; }
    check() { has "$1" || fail "the image lacks $2 ($1)"; echo "ok  $2"; }
    check "$bin" "our binary"
    check "$plugins/kdf-transport-ssh\.so" "the ssh plugin"
    check "$plugins/kdf-transport-nfs\.so" "the nfs plugin"
    check 'usr/lib/x86_64-linux-gnu/libssh\.so[.0-9]*' "libssh (the ssh plugin's library)"
    check 'usr/lib/x86_64-linux-gnu/libnfs\.so[.0-9]*' "libnfs (the nfs plugin's library)"
    check 'etc/kdump-failover\.conf' "the config"
    check 'etc/kdump-failover/id_ed25519' "the ssh identity"
    check 'etc/kdump-failover/known_hosts' "known_hosts"
    grep -E ' etc/kdump-failover/id_ed25519$' "$list" | grep -q '^-rw-------' || fail "the identity is not 0600 in the image"
    check 'usr/lib/systemd/system/kdump-failover-capture\.service' "our unit"
    check 'usr/lib/systemd/system/initrd\.target\.wants/kdump-failover-capture\.service' "our unit enabled"
    check 'usr/bin/kdump\.sh' "kdumpbase's kdump.sh"
    check 'usr/lib/systemd/system/kdump-capture\.service' "kdumpbase's unit"
    check "usr/lib/modules/[^ ]*/kernel/drivers/net/veth\.ko[.a-z]*" "the route's NIC driver (veth)"
    check "usr/lib/modules/[^ ]*/virtio_net\.ko[.a-z]*" "the guest NIC's driver (extra_modules)"
    check 'usr/sbin/NetworkManager' "NetworkManager (the network back end)"
    sed -n '/^dracut modules:/,/^=/p' "$list" | grep -qx 'network-manager' || fail "dracut's network-manager module is not in the image"
    lsinitrd -f usr/lib/dracut/build-parameter.txt "$img" > "$state/build-parameter.txt"
    for f in "--hostonly-mode 'strict'" "--hostonly-nics ''" "--add 'kdump-failover'"; do
        grep -qF -- "$f" "$state/build-parameter.txt" || fail "mkdumprd did not pass $f: $(cat "$state/build-parameter.txt")"
    done
    echo "ok  mkdumprd's arguments: strict host-only, no NICs, --add kdump-failover"
    lsinitrd -f etc/cmdline.d/95kdump-failover.conf "$img" > "$state/our-cmdline.txt"
    for f in rd.neednet=1 "ifname=enp1s0:$guest_mac" ip=enp1s0:dhcp; do
        grep -qw -- "$f" "$state/our-cmdline.txt" || fail "our network arguments lack $f: $(cat "$state/our-cmdline.txt")"
    done
    echo "ok  network arguments: $(cat "$state/our-cmdline.txt")"
    # kdump's own target is local, so a chain NIC without link or DHCP must not hold dracut's
    # initqueue (rd.neednet=1 makes it wait for enp1s0) until its emergency shell: the give-up job
    # is in the image, and run from the image against dracut's own hook names it drops the waits
    # for the chain's interface and NetworkManager, and nothing else.
    local hooks='(usr/lib|var/lib|lib)/dracut/hooks/initqueue'
    check "$hooks/settled/99-kdump-failover-net-giveup\.sh" "the network give-up job (initqueue/settled)"
    check "$hooks/timeout/99-kdump-failover-net-giveup\.sh" "the network give-up job (initqueue/timeout)"
    [[ $(lsinitrd -f etc/kdump-failover/net-ifaces "$img") == enp1s0 ]] ||
        fail "net-ifaces should list enp1s0: $(lsinitrd -f etc/kdump-failover/net-ifaces "$img")"
    local giveup=$state/giveup hook
    # dracut hard-links the two copies; cpio stores the bytes with the last link only.
    hook=$(grep -Eo "$hooks/timeout/99-kdump-failover-net-giveup\.sh" "$list" | head -n 1)
    rm -rf "$giveup" && mkdir -p "$giveup/initqueue/finished" "$giveup/initqueue/settled" "$giveup/initqueue/timeout"
    lsinitrd -f "$hook" "$img" > "$giveup/job.sh"
    grep -q kdf_net_giveup "$giveup/job.sh" || fail "the give-up job in the image is empty"
    lsinitrd -f etc/kdump-failover/net-ifaces "$img" > "$giveup/net-ifaces"
    seed_waits() {
        echo '[ -f /tmp/net.enp1s0.did-setup ]' > "$giveup/initqueue/finished/wait-enp1s0.sh"
        echo '[ -f /tmp/nm.done ]' > "$giveup/initqueue/finished/nm.sh"
        echo '[ -e /dev/disk/by-uuid/kdump-own ] || exit 1' > "$giveup/initqueue/finished/devexists-kdump.sh"
    }
    run_job() { # JOB_PATH KDF_NET_WAIT
        # shellcheck disable=SC2016 # expanded by the inner sh
        hookdir=$giveup KDF_NET_IFACES=$giveup/net-ifaces KDF_NET_WAIT=$2 job=$1 sh -c '. "$1"' _ "$giveup/job.sh" > /dev/null 2>&1
    }
    waits() { (cd "$giveup/initqueue/finished" && echo *); }
    seed_waits
    run_job "$giveup/initqueue/settled/99-kdump-failover-net-giveup.sh" 100000000
    [[ $(waits) == "devexists-kdump.sh nm.sh wait-enp1s0.sh" ]] || fail "the settled job dropped waits too early: $(waits)"
    run_job "$giveup/initqueue/settled/99-kdump-failover-net-giveup.sh" 0
    [[ $(waits) == "devexists-kdump.sh" ]] || fail "the settled job after its wait left: $(waits)"
    seed_waits
    run_job "$giveup/initqueue/timeout/99-kdump-failover-net-giveup.sh" 100000000
    [[ $(waits) == "devexists-kdump.sh" ]] || fail "the timeout job left: $(waits)"
    echo "ok  a chain NIC that never comes up does not hold dracut's initqueue (waits dropped after the bound)"
    echo "mkdumprd_scenario contents: all checks passed"
}

qemu_step() {
    local kroot kver port rc=0 t0 wall console vmcore
    pid=""
    [[ -f $state/built ]] || fail "the build step did not finish"
    { read -r kroot; read -r kver; } < <(kernel) || fail "no e2e kernel"
    port=$(cat "$state/ssh-port")
    rm -rf "$state/dumps" "$state/guest"
    mkdir -p "$state/dumps" /run/sshd
    cat > "$state/sshd/sshd_config" << EOF
Port $port
ListenAddress 127.0.0.1
HostKey $state/sshd/hostkey
PidFile $state/sshd/sshd.pid
AuthorizedKeysFile $state/sshd/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
    /usr/sbin/sshd -D -e -f "$state/sshd/sshd_config" > "$state/sshd/sshd.log" 2>&1 &
    pid=$!
    trap '[[ -n $pid ]] && kill "$pid" 2> /dev/null; wait 2> /dev/null || true' EXIT
    for _ in $(seq 50); do
        (: > "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break
        sleep 0.2
    done
    (: > "/dev/tcp/127.0.0.1/$port") 2> /dev/null || fail "sshd does not listen: $(cat "$state/sshd/sshd.log")"

    "$src/tests/e2e/guest/make-initrds.sh" --crash-initrd "$state/image/kdump.img" --kroot "$kroot" --kver "$kver" \
        --work "$state/guest" > "$state/guest.log" 2>&1 || { cat "$state/guest.log" >&2; fail "make-initrds.sh"; }
    cp "$state/image/dump.img" "$state/guest/disk.img"
    t0=$SECONDS
    "$src/tests/e2e/guest/run-guest.sh" --work "$state/guest" --kernel "$kroot/boot/vmlinuz-$kver" \
        --disk "$state/guest/disk.img" --net --mem 1024 --crashkernel "${KDF_CRASHKERNEL:-192M}" --timeout 900 \
        --crash-args "$(cat "$state/image/cmdline.txt") kdump_test_id=$test_id" || rc=$?
    wall=$((SECONDS - t0))
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    pid=''
    console=$state/guest/console.txt
    tail() { command tail -n 60 "$console" >&2; }
    ((rc == 0)) || { tail; fail "QEMU exited with $rc after $wall s"; }
    grep -q 'kdump-failover: the chain saved the dump' "$console" || { tail; fail "the chain did not save the dump"; }
    grep -q "target 'nas' failed; trying the next target, 'backup'" "$console" || { tail; fail "no failover from nas to backup"; }
    local saved capture
    saved=$(grep -n 'kdump-failover: the chain saved the dump' "$console" | head -n 1 | cut -d: -f1)
    capture=$(grep -n 'Starting.*kdump-capture.service' "$console" | head -n 1 | cut -d: -f1 || true)
    [[ -z $capture || $capture -gt $saved ]] || { tail; fail "kdump-capture.service started before the chain was done"; }
    # kdump's duties after the chain's dump, in kdump.sh's order: post.d and kdump_post (our
    # wrapper, which has nothing more to do) with status 0, the `kdumpctl test` status (the crash
    # kernel got kdump_test_id= as kdumpctl test gives it) on kdump's own disk, the final action.
    local postd post status final got
    line() { grep -n -m1 -F -- "$1" "$console" | cut -d: -f1; }
    postd=$(line "KDF-TEST: post.d ran with status 0")
    post=$(line "/kdump-post ran with dump status 0 (exit 0)")
    status=$(line "kdump-failover: kdumpctl test status recorded in /kdumproot")
    final=$(line "kdump-failover: performing final action: poweroff")
    [[ -n $postd && -n $post && -n $status && -n $final ]] ||
        { tail; fail "kdump's duties missing (post.d=$postd kdump_post=$post status=$status final=$final)"; }
    ((saved < postd && postd < post && post < status && status < final)) ||
        { tail; fail "not kdump.sh's order: saved $saved, post.d $postd, kdump_post $post, status $status, final $final"; }
    got=$(debugfs -R "cat /var/crash/kdump-test-$test_id/vmcore-creation.status" "$state/guest/disk.img" 2> /dev/null)
    [[ $got == "success kdump_test_id=$test_id" ]] || fail "kdump's disk holds '$got' as the kdumpctl test status"
    vmcore=$(find "$state/dumps" -type f -name 'vmcore*' ! -name '*dmesg*' ! -name '*.incomplete' | head -n 1)
    [[ -n $vmcore ]] || fail "no vmcore on the ssh target: $(find "$state/dumps")"
    rm -f "$state/dmesg.txt"
    makedumpfile --dump-dmesg "$vmcore" "$state/dmesg.txt" > "$state/makedumpfile.log" 2>&1 ||
        fail "makedumpfile cannot read $vmcore: $(cat "$state/makedumpfile.log")"
    grep -q 'sysrq: Trigger a crash' "$state/dmesg.txt" || fail "the dump's kernel log lacks the crash"
    local chain_s peak attempt up mem
    chain_s=$(grep -o 'kdump-failover: chain over in [0-9.]* s' "$console" | grep -o '[0-9.]*' | command tail -n 1)
    peak=$(grep -o 'peak memory: chain process [0-9.]* MiB' "$console" | grep -o '[0-9.]*' | command tail -n 1)
    attempt=$(grep -o 'largest attempt [0-9.]* MiB' "$console" | grep -o '[0-9.]*' | command tail -n 1)
    up=$(grep -n 'kdump-failover: ' "$console" | head -n 1 | grep -o '^[0-9]*')
    mem=$(awk -v from="$up" 'NR < from && /Memory: [0-9]+K\/[0-9]+K available/ { m = $0 } END { sub(/.*Memory: /, "", m); sub(/ .*/, "", m); print m }' "$console")
    echo "E2E: mkdumprd-built image (kdump-utils 1.0.44 on Debian's dracut): QEMU run ${wall} s, chain ${chain_s:-?} s" \
        "(nfs refused, ssh saved), peak memory ${peak:-?} MiB (chain process VmHWM), ${attempt:-?} MiB (largest attempt)," \
        "crashkernel=${KDF_CRASHKERNEL:-192M}: ${mem:-?} available at boot," \
        "dump $(stat -c %s "$vmcore") bytes, kdump-capture.service $([[ -z $capture ]] && echo 'never started' || echo 'after the chain');" \
        "post.d, kdump_post, kdumpctl test status and final_action after the chain's dump"
}

case $step in
    build) build_step "${3:?kdump-utils source}" ;;
    contents) contents_step ;;
    qemu) qemu_step ;;
    *) fail "unknown step" ;;
esac
