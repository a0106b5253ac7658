#!/usr/bin/python3
"""header_vs_makedumpfile.py CLI VMCORE WORKDIR [ELF_LEVELS] - our dump headers against makedumpfile's.

For each case below, writes the same vmcore with Debian's makedumpfile and with `kdump-failover
collect` (same options) and compares:
  kdump-compressed: block 0 (disk_dump_header: signature, version, the crashed kernel's utsname,
    the crash time, status, sizes, nr_cpus) and the sub-header blocks (kdump_sub_header, the ELF
    notes with VMCOREINFO), every byte; then the 1st bitmap (the pages present), every byte.
  ELF (-E): the ELF header except e_phoff..e_shoff and e_phnum (our table reserves slots and the
    kernel image's pages are stored once, so only the layout moves), the PT_NOTE's bytes, and the
    PT_LOADs: the same (virtual, physical, memory size, file size) ranges, the kernel-image mapping
    included, with the same bytes page for page, except one kind that must differ: a run of fewer
    than 256 filtered pages inside a PT_LOAD is stored by makedumpfile with its old contents (the
    page data the level asked to drop) and by us as zeros, so such a page is zero in ours.
ELF_LEVELS (default 1,31) are the -E -d levels compared. Level 31 is left out for a kernel where
Debian's makedumpfile 1.7.2 selects pages wrongly (6.12: it finds no folio orders on 6.3+ and no
slab pages on 6.10+): an ELF dump's PT_LOAD cuts follow the page selection, which the filter tests
pin against upstream makedumpfile's.
Nothing is masked: makedumpfile's header timestamp is VMCOREINFO's CRASHTIME, not the time of the
copy, so it is reproducible. A difference prints its offset, field and both values.
"""
import os
import struct
import subprocess
import sys

# Not -z: Debian's makedumpfile 1.7.2 is built without zstd (it stores the pages raw, status 0).
CASES = [
    ("kdump", ["-c", "-d", "1"]),
    ("kdump", ["-c", "-d", "31"]),
    ("kdump", ["-l", "-d", "31"]),
]

PAGE = 4096

HEADER_FIELDS = [  # (offset, size, name) of disk_dump_header on x86_64
    (0, 8, "signature"), (8, 4, "header_version"), (12, 65, "utsname.sysname"), (77, 65, "utsname.nodename"),
    (142, 65, "utsname.release"), (207, 65, "utsname.version"), (272, 65, "utsname.machine"),
    (337, 65, "utsname.domainname"), (402, 6, "padding"), (408, 8, "timestamp.tv_sec"),
    (416, 8, "timestamp.tv_usec"), (424, 4, "status"), (428, 4, "block_size"), (432, 4, "sub_hdr_size"),
    (436, 4, "bitmap_blocks"), (440, 4, "max_mapnr"), (444, 4, "total_ram_blocks"), (448, 4, "device_blocks"),
    (452, 4, "written_blocks"), (456, 4, "current_cpu"), (460, 4, "nr_cpus"),
]
SUB_FIELDS = [  # kdump_sub_header, from block 1
    (0, 8, "phys_base"), (8, 4, "dump_level"), (12, 4, "split"), (16, 8, "start_pfn"), (24, 8, "end_pfn"),
    (32, 8, "offset_vmcoreinfo"), (40, 8, "size_vmcoreinfo"), (48, 8, "offset_note"), (56, 8, "size_note"),
    (64, 8, "offset_eraseinfo"), (72, 8, "size_eraseinfo"), (80, 8, "start_pfn_64"), (88, 8, "end_pfn_64"),
    (96, 8, "max_mapnr_64"),
]


def name_of(fields, base, offset):
    for at, size, name in fields:
        if base + at <= offset < base + at + size:
            return name
    return None


def diff_bytes(what, ours, theirs, base=0, fields=(), fields_base=0):
    """One line per differing field (or byte run), none when equal."""
    if ours == theirs:
        return []
    lines, seen = [], set()
    for i in range(max(len(ours), len(theirs))):
        a = ours[i:i + 1]
        b = theirs[i:i + 1]
        if a == b:
            continue
        name = name_of(fields, fields_base, base + i) or f"byte {base + i}"
        if name in seen:
            continue
        seen.add(name)
        lines.append(f"{what}: {name} at offset {base + i}: ours {ours[i:i + 16].hex()} makedumpfile {theirs[i:i + 16].hex()}")
        if len(lines) >= 20:
            break
    return lines or [f"{what}: sizes differ: ours {len(ours)}, makedumpfile {len(theirs)}"]


def compare_kdump(ours_path, theirs_path):
    with open(ours_path, "rb") as o, open(theirs_path, "rb") as t:
        ours, theirs = o.read(4096), t.read(4096)
        problems = diff_bytes("block 0", ours, theirs, 0, HEADER_FIELDS, 0)
        block = struct.unpack_from("<i", theirs, 428)[0]
        sub_blocks = struct.unpack_from("<i", theirs, 432)[0]
        bitmap_blocks = struct.unpack_from("<I", theirs, 436)[0]
        o.seek(block), t.seek(block)
        problems += diff_bytes("sub-header blocks", o.read(block * sub_blocks), t.read(block * sub_blocks), block,
                               SUB_FIELDS, block)
        start = block * (1 + sub_blocks)
        half = block * bitmap_blocks // 2
        o.seek(start), t.seek(start)
        problems += diff_bytes("1st bitmap", o.read(half), t.read(half), start)
    return problems


def elf_view(path):
    """(header fields, note bytes, {(vaddr, paddr, memsz, filesz): file offset}) of an ELF dump."""
    with open(path, "rb") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phentsize, phnum = struct.unpack_from("<HH", eh, 54)
        f.seek(phoff)
        phdrs = [struct.unpack("<IIQQQQQQ", f.read(phentsize)) for _ in range(phnum)]
        note = b""
        loads = {}
        for p_type, _flags, off, vaddr, paddr, filesz, memsz, _align in phdrs:
            f.seek(off)
            if p_type == 4:
                note = f.read(filesz)
            elif p_type == 1:
                loads[(vaddr, paddr, memsz, filesz)] = off
        fixed = eh[:24] + eh[48:54] + eh[58:64]  # ident, type/machine/version, flags/ehsize/phentsize, sh*
        return fixed, note, loads


def differing_pages(ours, theirs, our_offset, their_offset, size):
    """(pages zero in ours only, pages that differ otherwise) over `size` bytes of two files."""
    zeroed = other = 0
    ours.seek(our_offset), theirs.seek(their_offset)
    for _ in range(0, size, PAGE):
        a, b = ours.read(PAGE), theirs.read(PAGE)
        if a != b:
            if a.count(0) == len(a):
                zeroed += 1
            else:
                other += 1
    return zeroed, other


def compare_elf(ours_path, theirs_path):
    o, t = elf_view(ours_path), elf_view(theirs_path)
    problems = diff_bytes("ELF header", o[0], t[0])
    problems += diff_bytes("PT_NOTE bytes", o[1], t[1])
    zeroed_total = 0
    with open(ours_path, "rb") as ours, open(theirs_path, "rb") as theirs:
        for key in sorted(set(o[2]) | set(t[2])):
            fmt = "vaddr %#x paddr %#x memsz %#x filesz %#x" % key
            if key not in t[2]:
                problems.append(f"PT_LOAD {fmt}: only in ours")
            elif key not in o[2]:
                problems.append(f"PT_LOAD {fmt}: only in makedumpfile's")
            else:
                zeroed, other = differing_pages(ours, theirs, o[2][key], t[2][key], key[3])
                zeroed_total += zeroed
                if other:
                    problems.append(f"PT_LOAD {fmt}: {other} pages differ")
            if len(problems) > 40:
                break
    print(f"  ({len(o[2])} PT_LOADs; {zeroed_total} filtered pages in short runs are zeros in ours, "
          "old contents in makedumpfile's)")
    return problems


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: header_vs_makedumpfile.py CLI VMCORE WORKDIR [ELF_LEVELS]")
    cli, vmcore, work = sys.argv[1:4]
    elf_levels = (sys.argv[4] if len(sys.argv) == 5 else "1,31").split(",")
    os.makedirs(work, exist_ok=True)
    failed = False
    for fmt, options in CASES + [("elf", ["-E", "-d", level]) for level in elf_levels]:
        label = " ".join(options)
        ours = os.path.join(work, "ours" + "".join(options))
        theirs = os.path.join(work, "makedumpfile" + "".join(options))
        for path in (ours, theirs):
            if os.path.exists(path):
                os.remove(path)
        for cmd in (["makedumpfile", *options, vmcore, theirs],
                    [cli, "collect", "--message-level", "0", *options, vmcore, ours]):
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            if r.returncode != 0:
                sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}")
        problems = compare_elf(ours, theirs) if fmt == "elf" else compare_kdump(ours, theirs)
        print(f"{label}: {'same as makedumpfile' if not problems else 'DIFFERS'}")
        for line in problems:
            print(f"  {line}")
        failed = failed or bool(problems)
        if not problems:
            os.remove(ours)
            os.remove(theirs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
