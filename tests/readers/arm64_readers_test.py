#!/usr/bin/python3
"""arm64_readers_test.py - our dumps of a real arm64 vmcore, written and read back on this x86_64 host.

  arm64_readers_test.py --cli KDF --facts KDUMPFILE_FACTS --vmcore V --vmlinux K --reference R --work DIR

V is the shared fixture vmcore-6.1-arm64-f (Debian's 6.1.0-57-arm64 under qemu-system-aarch64), K that
kernel's debug vmlinux, R the fixtures' reference directory. One dump per format at level 31 (the
one makedumpfile's reference figures name), then:
  kdump-compressed (`collect -c`): the header, sub-header, notes and both bitmaps are the bytes
    upstream makedumpfile 1.7.9 (built for aarch64 vmcores) wrote for `-c -d 31` of this vmcore
    (utsname machine "aarch64", phys_base = PHYS_OFFSET, ...); a difference names the field.
  flattened (`collect -F -c`, then `reassemble`): the same bytes as the kdump-compressed file.
  ELF (`collect -E`): EM_AARCH64, the raw vmcore's notes, every linear-map PT_LOAD that 1.7.9
    wrote, and the kernel image mapped over the same physical range (1.7.9 starts it 16 filtered
    pages earlier with their old contents; ours maps those pages without file bytes).
  Readers, all on this x86_64 host: libkdumpfile (drgn's library) sees aarch64, the release, the
  sub-header's phys_base, translates init_uts_ns, and reads every page of the dump as the raw
  vmcore has it (the kdump file holds exactly the reference 2nd bitmap's pages); drgn with the
  arm64 vmlinux shows the same facts on each dump as on the raw vmcore; `verify` finds nothing
  to warn about; `dmesg` prints the raw vmcore's log (the reference text without 1.7.9's caller
  id column), and names the architecture it cannot read in a header that says riscv64; `convert`
  to zstd keeps all of it.
"""
import argparse
import hashlib
import os
import re
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"  # Debian's, where python3-drgn is installed
LEVEL = "31"
FIXTURE = "vmcore-6.1-arm64-f"

# What makedumpfile 1.7.9 (aarch64 target) wrote for `-c -d 31` of the fixture: the sha1 of blocks
# 0..30 (disk_dump_header, 2 sub-header blocks with the notes, 28 bitmap blocks), and the header
# fields, to name the one that differs.
MDF_HEAD_BLOCKS = 31
MDF_HEAD_SHA1 = "193e2b555895ff234eaecdf302c6ef56e4f9b533"
MDF_FIELDS = {
    "signature": b"KDUMP   ", "header_version": 6,
    "sysname": b"Linux", "nodename": b"(none)", "release": b"6.1.0-57-arm64",
    "version": b"#1 SMP Debian 6.1.192-3 (2026-11-26)", "machine": b"aarch64", "domainname": b"(none)",
    "tv_sec": 1796462378, "tv_usec": 0, "status": 1, "block_size": 4096, "sub_hdr_size": 2,
    "bitmap_blocks": 28, "max_mapnr": 458752, "nr_cpus": 2,
    "phys_base": 0x40000000, "dump_level": 31, "split": 0, "offset_vmcoreinfo": 0x13b8,
    "size_vmcoreinfo": 0xd9c, "offset_note": 0x1068, "size_note": 0x10ec, "max_mapnr_64": 0x70000,
}
# 1.7.9's `-E -d 31` linear-map PT_LOADs (vaddr, paddr, memsz, filesz), and its kernel-image range.
MDF_LINEAR_LOADS = {
    (0xffff000000000000, 0x40000000, 0x210000, 0x0), (0xffff000000210000, 0x40210000, 0x1ca0000, 0x1649000),
    (0xffff000001eb0000, 0x41eb0000, 0x550000, 0x35b000), (0xffff000002400000, 0x42400000, 0x1358000, 0x11f0000),
    (0xffff000003758000, 0x43758000, 0x3218000, 0x48000), (0xffff000006970000, 0x46970000, 0x19c0000, 0xc3000),
    (0xffff000008330000, 0x48330000, 0x4d0000, 0xf3000), (0xffff000008800000, 0x48800000, 0x1dd9000, 0x7fe000),
    (0xffff00000a5d9000, 0x4a5d9000, 0x207000, 0x7000), (0xffff00000a7e0000, 0x4a7e0000, 0x2822000, 0x11000),
    (0xffff00000d002000, 0x4d002000, 0x9795000, 0x6000), (0xffff000016797000, 0x56797000, 0x48ed000, 0xab000),
    (0xffff00001b084000, 0x5b084000, 0x17c000, 0x17c000), (0xffff00002b200000, 0x6b200000, 0x4000000, 0x0),
    (0xffff00002f200000, 0x6f200000, 0xe00000, 0xe00000),
}
MDF_IMAGE = (0xffffcb0603a00000, 0x40200000, 0x2010000)  # vaddr, paddr, bytes
EM_AARCH64 = 183
LINEAR_END = 0xffff800000000000  # VA_BITS 48: the linear map is the lower half of the kernel space
MDF_ZERO_PAGES = 1824  # zero pages at level 31: in the 2nd bitmap, may be left out of an ELF dump

problems = []


def problem(text):
    problems.append(text)
    print("PROBLEM: " + text, flush=True)


def run(args, stdout=None):
    r = subprocess.run(args, stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if r.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({r.returncode}): {r.stderr.decode(errors='replace').strip()}")
    return r.stdout.decode(errors="replace") if stdout is None else ""


def header_fields(block0, sub):
    f = {"signature": block0[:8], "header_version": struct.unpack_from("<i", block0, 8)[0]}
    for i, name in enumerate(["sysname", "nodename", "release", "version", "machine", "domainname"]):
        f[name] = block0[12 + 65 * i:12 + 65 * (i + 1)].split(b"\0")[0]
    f["tv_sec"], f["tv_usec"] = struct.unpack_from("<qq", block0, 408)
    (f["status"], f["block_size"], f["sub_hdr_size"], f["bitmap_blocks"], f["max_mapnr"]) = \
        struct.unpack_from("<IiiII", block0, 424)
    f["nr_cpus"] = struct.unpack_from("<i", block0, 460)[0]
    (f["phys_base"], f["dump_level"], f["split"], _, _, f["offset_vmcoreinfo"], f["size_vmcoreinfo"],
     f["offset_note"], f["size_note"], _, _, _, _, f["max_mapnr_64"]) = struct.unpack_from("<QiiQQQQQQQQQQQ", sub)
    return f


def check_kdump_header(path):
    with open(path, "rb") as f:
        head = f.read(MDF_HEAD_BLOCKS * 4096)
    if hashlib.sha1(head).hexdigest() == MDF_HEAD_SHA1:
        print("kdump: header, notes and bitmaps are makedumpfile 1.7.9's, byte for byte")
        return
    fields = header_fields(head[:4096], head[4096:4096 + 104])
    named = [k for k, v in MDF_FIELDS.items() if fields.get(k) != v]
    for k in named:
        problem(f"kdump header {k}: ours {fields.get(k)!r}, makedumpfile 1.7.9 {MDF_FIELDS[k]!r}")
    if not named:
        problem("kdump header blocks 0-30 differ from makedumpfile 1.7.9's outside the named fields "
                "(notes or bitmaps)")


def elf_loads(path):
    with open(path, "rb") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        f.seek(phoff)
        phdrs = [struct.unpack("<IIQQQQQQ", f.read(56)) for _ in range(phnum)]
        notes = b""
        for p_type, _, off, _, _, filesz, _, _ in phdrs:
            if p_type == 4:
                f.seek(off)
                notes += f.read(filesz)
    loads = {(v, p, m, fs) for t, _, _, v, p, fs, m, _ in phdrs if t == 1}
    return eh, notes, loads


def check_elf(path, vmcore):
    eh, notes, loads = elf_loads(path)
    machine, = struct.unpack_from("<H", eh, 18)
    if eh[4] != 2 or eh[5] != 1 or machine != EM_AARCH64:
        problem(f"ELF: class {eh[4]}, data {eh[5]}, e_machine {machine}; want ELF64, little-endian, EM_AARCH64")
    if notes != elf_loads(vmcore)[1]:
        problem("ELF: the PT_NOTE bytes are not the raw vmcore's")
    linear = {x for x in loads if x[0] < LINEAR_END}
    for x in sorted(MDF_LINEAR_LOADS - linear):
        problem("ELF: makedumpfile 1.7.9's PT_LOAD vaddr %#x paddr %#x memsz %#x filesz %#x is missing" % x)
    for x in sorted(linear - MDF_LINEAR_LOADS):
        problem("ELF: PT_LOAD vaddr %#x paddr %#x memsz %#x filesz %#x is not makedumpfile 1.7.9's" % x)
    image = sorted(x for x in loads if x[0] >= LINEAR_END)
    v0, p0, size = MDF_IMAGE
    at = p0
    for v, p, m, _ in image:
        if p != at or v - p != v0 - p0:
            problem("ELF: kernel-image PT_LOAD vaddr %#x paddr %#x does not continue the image mapping at %#x" % (v, p, at))
        at = p + m
    if at != p0 + size:
        problem("ELF: the kernel-image PT_LOADs end at %#x, makedumpfile's at %#x" % (at, p0 + size))
    print(f"ELF: {len(loads)} PT_LOADs checked ({len(image)} for the kernel image)")


def bitmap_bits(path):
    with open(path, "rb") as f:
        data = f.read()
    return {i * 8 + b for i, byte in enumerate(data) if byte for b in range(8) if byte >> b & 1}


def check_kdumpfile(facts, name, dump, vmcore, bitmap2, work):
    pages = os.path.join(work, name + ".pages")
    out = run([facts, dump, vmcore, pages])
    print(f"--- libkdumpfile on the {name} dump\n{out}", end="")
    want = {"arch": "aarch64", "uts release": "6.1.0-57-arm64", "uts machine": "aarch64",
            "init_uts_ns release": "6.1.0-57-arm64", "phys_base": "0x40000000",
            "pages differing": "0", "pages not in the raw vmcore": "0"}
    if name == "elf":
        want["phys_base"] = None  # an ELF file has no sub-header
    got = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    for key, value in want.items():
        if value is not None and got.get(key) != value:
            problem(f"libkdumpfile on the {name} dump: {key} is {got.get(key)!r}, want {value!r}")
    with open(pages, "rb") as f:
        verdicts = f.read()
    os.remove(pages)
    held = {pfn for pfn, v in enumerate(verdicts) if v}
    if name == "elf":
        # Zero pages may be left out; short filtered runs inside a PT_LOAD are stored as zeros.
        missing = bitmap2 - held
        zeroed_kept = {pfn for pfn in bitmap2 if verdicts[pfn] == 2}
        if len(missing) > MDF_ZERO_PAGES or zeroed_kept:
            problem(f"libkdumpfile on the elf dump: {len(missing)} pages of the reference 2nd bitmap are missing "
                    f"(at most the {MDF_ZERO_PAGES} zero pages may be), {len(zeroed_kept)} read as zeros")
    elif held != bitmap2:
        problem(f"libkdumpfile on the {name} dump: {len(held - bitmap2)} pages outside the reference 2nd bitmap, "
                f"{len(bitmap2 - held)} of its pages missing")


def drgn_facts(vmlinux, dump):
    r = subprocess.run([PYTHON, os.path.join(HERE, "drgn_facts.py"), vmlinux, dump],
                       capture_output=True, text=True, errors="replace", timeout=600)
    if r.returncode != 0:
        return "FAILED " + (r.stderr.strip().splitlines() or ["(no message)"])[-1] + "\n"
    return r.stdout


def without_caller_id(text):
    return re.sub(r"^(\[ *\d+\.\d+\]) \[ *[TC]\d+\]", r"\1", text, flags=re.M)


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--cli", "--facts", "--vmcore", "--vmlinux", "--reference", "--work"):
        ap.add_argument(opt, required=True)
    a = ap.parse_args()
    if not os.path.exists(a.vmlinux):
        sys.exit(f"{a.vmlinux} is missing: tools/install-deps.sh fetches it (tests/readers/prepare-vmlinux.sh)")
    os.makedirs(a.work, exist_ok=True)
    dumps = {name: os.path.join(a.work, f"{FIXTURE}.d{LEVEL}.{name}") for name in ("kdump", "flat", "elf", "zstd")}
    for path in list(dumps.values()) + [dumps["flat"] + ".stream"]:
        if os.path.exists(path):
            os.remove(path)
    quiet = ["--message-level", "0"]
    run([a.cli, "collect", "-c", "-d", LEVEL, *quiet, a.vmcore, dumps["kdump"]])
    with open(dumps["flat"] + ".stream", "wb") as stream:
        run([a.cli, "collect", "-F", "-c", "-d", LEVEL, *quiet, a.vmcore], stdout=stream)
    run([a.cli, "reassemble", dumps["flat"] + ".stream", dumps["flat"]])
    os.remove(dumps["flat"] + ".stream")
    run([a.cli, "collect", "-E", "-d", LEVEL, *quiet, a.vmcore, dumps["elf"]])
    run([a.cli, "convert", dumps["kdump"], dumps["zstd"], "--compress", "zstd"])

    check_kdump_header(dumps["kdump"])
    with open(dumps["kdump"], "rb") as k, open(dumps["flat"], "rb") as f:
        if k.read() != f.read():
            problem("the reassembled flattened dump is not byte for byte the kdump-compressed one")
    check_elf(dumps["elf"], a.vmcore)

    bitmap2 = bitmap_bits(os.path.join(a.reference, f"{FIXTURE}.d{LEVEL}.bitmap2"))
    for name in ("kdump", "elf", "zstd"):
        check_kdumpfile(a.facts, name, dumps[name], a.vmcore, bitmap2, a.work)

    raw_facts = drgn_facts(a.vmlinux, a.vmcore)
    print(f"--- drgn on the raw vmcore\n{raw_facts}", end="")
    if raw_facts.startswith("FAILED"):
        problem("drgn cannot read the raw arm64 vmcore: " + raw_facts)
    for name in ("kdump", "elf"):
        got = drgn_facts(a.vmlinux, dumps[name])
        if got != raw_facts:
            problem(f"drgn reads the {name} dump differently from the raw vmcore:\n" +
                    "".join(f"    raw : {line}\n" for line in raw_facts.splitlines() if line not in got.splitlines()) +
                    "".join(f"    dump: {line}\n" for line in got.splitlines() if line not in raw_facts.splitlines()))
        else:
            print(f"drgn: the {name} dump shows what the raw vmcore shows")

    for name in ("kdump", "elf", "zstd"):
        out = subprocess.run([a.cli, "verify", dumps[name]], capture_output=True, text=True, timeout=600)
        if out.returncode != 0 or "OK: no problem found" not in out.stdout or "warning:" in out.stdout:
            problem(f"verify {name} (exit {out.returncode}):\n{out.stdout}{out.stderr}")

    with open(os.path.join(a.reference, f"{FIXTURE}.dmesg-1.7.9.txt")) as f:
        reference_log = without_caller_id(f.read())
    raw_log = run([a.cli, "dmesg", a.vmcore])
    if raw_log != reference_log:
        problem("dmesg of the raw vmcore is not makedumpfile 1.7.9's text (caller ids aside)")
    for name in ("kdump", "elf", "zstd"):
        if run([a.cli, "dmesg", dumps[name]]) != raw_log:
            problem(f"dmesg of the {name} dump differs from the raw vmcore's")

    # A header naming an architecture without a translator: one line naming it, a non-zero exit.
    other = dumps["kdump"] + ".riscv64"
    with open(dumps["kdump"], "rb") as f:
        data = bytearray(f.read())
    data[12 + 4 * 65:12 + 5 * 65] = b"riscv64".ljust(65, b"\0")
    with open(other, "wb") as f:
        f.write(data)
    r = subprocess.run([a.cli, "dmesg", other], capture_output=True, text=True, timeout=600)
    os.remove(other)
    if r.returncode == 0 or "riscv64" not in r.stderr or len(r.stderr.strip().splitlines()) != 1:
        problem(f"dmesg of a kdump dump whose header says riscv64: exit {r.returncode}, stderr {r.stderr!r}")

    if problems:
        print(f"FAILED: {len(problems)} problems")
        return 1
    for path in dumps.values():
        os.remove(path)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
