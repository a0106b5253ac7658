#!/bin/busybox sh
# shellcheck shell=dash
# /sbin/kexec of the arm64 guest: the real kexec-tools binary (/sbin/kexec.real) behind the
# kallsyms workaround for kernels whose /proc/kallsyms lists no `_text`.
#
# kexec-tools' kexec_load path builds the crash kernel's ELF core header itself and, on arm64,
# places the kernel image and the linear map from `_text`. Debian's arm64 kernels are built without
# CONFIG_KALLSYMS_ALL, so the list starts at `_stext`; kexec-tools then writes a kernel-image
# segment with a garbage address and size, and /proc/vmcore cannot be read in the crash kernel.
# These kernels have no kexec_file_load either (CONFIG_KEXEC_FILE is not set), so `kexec -s` is no
# way out. The workaround: while kexec runs, a copy of /proc/kallsyms with a `_text` line is
# bind-mounted over it. _text = _stext - OFFSET, OFFSET being where .text starts in the kernel Image
# (its PE header's .text VirtualAddress, written by the host to /etc/kdf-arm64/image-text-offset).
set -eu
real=/sbin/kexec.real
offset=$(cat /etc/kdf-arm64/image-text-offset 2> /dev/null || true)
if [ -z "$offset" ] || grep -q ' [Tt] _text$' /proc/kallsyms; then
    exec "$real" "$@"
fi
stext=$(grep -m1 ' [Tt] _stext$' /proc/kallsyms | cut -d' ' -f1)
case $stext in
    0000000000000000 | "") echo "kexec-text: no readable _stext in /proc/kallsyms (not root?): kexec runs as is" >&2; exec "$real" "$@" ;;
esac
# 64-bit unsigned subtraction on a 64-bit signed shell: done in two 32-bit halves.
high=$((0x$(echo "$stext" | cut -c1-8)))
low=$((0x$(echo "$stext" | cut -c9-16) - offset))
while [ "$low" -lt 0 ]; do
    low=$((low + 4294967296))
    high=$((high - 1))
done
text=$(printf '%08x%08x' "$high" "$low")
copy=/run/kdf-arm64-kallsyms
{
    echo "$text T _text"
    cat /proc/kallsyms
} > "$copy"
mount --bind "$copy" /proc/kallsyms
echo "kexec-text: /proc/kallsyms has no _text; kexec sees _text = $text (_stext $stext - $offset)" >&2
rc=0
"$real" "$@" || rc=$?
umount /proc/kallsyms
rm -f "$copy"
exit "$rc"
