#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, made from the real fixtures and the tests' own configs.

    make_seeds.py SOURCE_DIR SHARED_DIR SEED_KERNELS_BIN OUT_DIR

Writes OUT_DIR/<target>/ for every target. Nothing is downloaded and nothing is copied into the
repository: the inputs are small slices (headers, notes, a few pages, label sectors) of the shared
fixtures, cut here each time. The real vmcores are hundreds of MiB, so each is rebuilt as a small
but well-formed ELF vmcore: its own ELF header, notes and first PT_LOADs, each cut to one page.
"""
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys

PAGE = 4096


def write(out_dir, target, name, data):
    path = os.path.join(out_dir, target)
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, name), "wb") as f:
        f.write(data)


def zstd_head(path, size):
    """The first `size` bytes of a .zst file, without decompressing the rest."""
    proc = subprocess.Popen(["zstd", "-dcq", path], stdout=subprocess.PIPE)
    data = proc.stdout.read(size)
    proc.kill()
    proc.wait()
    return data


def mini_vmcore(head, loads_kept=4):
    """(small ELF vmcore, [PT_NOTE bytes]) from the head of a real one: its header and notes, and
    its first PT_LOADs cut to one page each, their data taken from the head (zeros where the head
    does not reach)."""
    if head[:4] != b"\x7fELF" or head[4] != 2:
        raise ValueError("not an ELF64 vmcore")
    ehdr = bytearray(head[:64])
    phoff, = struct.unpack_from("<Q", ehdr, 32)
    phentsize, phnum = struct.unpack_from("<HH", ehdr, 54)
    phdrs = [struct.unpack_from("<IIQQQQQQ", head, phoff + i * phentsize) for i in range(phnum)]
    notes = [p for p in phdrs if p[0] == 4]
    loads = [p for p in phdrs if p[0] == 1][:loads_kept]
    kept = notes + loads
    table = 64
    data_at = table + len(kept) * 56
    body = bytearray()
    out_phdrs = []
    note_bytes = []
    for p in notes:
        blob = head[p[2]:p[2] + p[5]]
        note_bytes.append(blob)
        out_phdrs.append((p[0], p[1], data_at + len(body), p[3], p[4], len(blob), len(blob), p[7]))
        body += blob
    body += bytes(-(data_at + len(body)) % PAGE)
    for p in loads:
        page = head[p[2]:p[2] + PAGE].ljust(PAGE, b"\0")
        out_phdrs.append((p[0], p[1], data_at + len(body), p[3], p[4], PAGE, PAGE, p[7]))
        body += page
    struct.pack_into("<Q", ehdr, 32, table)
    struct.pack_into("<HH", ehdr, 54, 56, len(out_phdrs))
    struct.pack_into("<Q", ehdr, 40, 0)  # no section headers
    struct.pack_into("<HHH", ehdr, 58, 0, 0, 0)
    out = bytes(ehdr) + b"".join(struct.pack("<IIQQQQQQ", *p) for p in out_phdrs) + bytes(body)
    return out, note_bytes


def c_string_literals(source):
    """Adjacent C string literals joined (the way the tests write multi-line configs)."""
    for run in re.finditer(r'(?:"(?:[^"\\\n]|\\.)*"\s*)+', source):
        parts = re.findall(r'"((?:[^"\\\n]|\\.)*)"', run.group(0))
        text = "".join(parts)
        try:
            yield text.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1", "replace")
        except UnicodeDecodeError:
            continue


def main():
    source, shared, seed_kernels, out = sys.argv[1:5]
    fixtures = os.path.join(shared, "fixtures")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)

    # Real vmcores: mini copies (ELF reader, kernel log) and their note segments (note parsers).
    for name in sorted(os.listdir(fixtures)):
        if not (name.startswith("vmcore-") and name.endswith(".zst")):
            continue
        core, notes = mini_vmcore(zstd_head(os.path.join(fixtures, name), 1 << 20))
        stem = name[:-4]
        write(out, "elf_vmcore", stem, core)
        write(out, "kernel_log", stem, core)
        for i, blob in enumerate(notes):
            write(out, "notes_vmcoreinfo", "%s-note%d" % (stem, i), blob)

    # Dump files our writers and makedumpfile made from a synthetic kernel.
    dumps = os.path.join(fixtures, "dump")
    for name in sorted(os.listdir(dumps)):
        path = os.path.join(dumps, name)
        if name.endswith(".xz"):
            data, name = lzma.open(path).read(), name[:-3]
        elif name.endswith((".kdump", ".flat", ".elf")):
            data = open(path, "rb").read()
        else:
            continue
        if name.endswith(".flat"):
            write(out, "flattened", name, data)
        elif name.endswith(".kdump"):
            write(out, "kdump_reader", name, data)
        else:
            write(out, "elf_vmcore", name, data)
            write(out, "kdump_reader", name, data)
            write(out, "kernel_log", name, data)

    # Synthetic kernels with a kernel log in both layouts, from the unit tests' layout writers.
    kernels = os.path.join(out, "kernel_log")
    os.makedirs(os.path.join(out, "raw_header"), exist_ok=True)
    subprocess.run([seed_kernels, kernels, os.path.join(out, "raw_header")], check=True)

    # LVM: the vgcfgbackup text and the image's label and first metadata copy (first 64 KiB).
    lvm = os.path.join(fixtures, "lvm")
    write(out, "lvm_metadata", "vgkdump.vgcfg", open(os.path.join(lvm, "vgkdump.vgcfg"), "rb").read())
    with lzma.open(os.path.join(lvm, "lvm-2lv.img.xz")) as image:
        write(out, "lvm_metadata", "lvm-2lv-head.img", image.read(64 * 1024))

    # Configs: the packaged example and every config text the config tests write (both forms).
    write(out, "config", "example.conf", open(os.path.join(source, "packaging", "kdump-failover.conf.example"), "rb").read())
    tests = os.path.join(source, "tests", "unit", "config")
    count = 0
    for name in sorted(os.listdir(tests)):
        if not name.endswith(".cpp"):
            continue
        for text in c_string_literals(open(os.path.join(tests, name), encoding="utf-8").read()):
            if b"[chain]" in text or b"[target" in text or b"_mount=" in text:
                count += 1
                write(out, "config", "%s-%03d.conf" % (name[:-4], count), text)

    for target in sorted(os.listdir(out)):
        print("%s: %d seeds" % (target, len(os.listdir(os.path.join(out, target)))))


if __name__ == "__main__":
    main()
