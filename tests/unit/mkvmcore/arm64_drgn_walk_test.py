#!/usr/bin/python3
"""kdf-mkvmcore --arch arm64 page tables, walked by an independent reader: drgn.

drgn opens the generated vmcore as a kernel core (VMCOREINFO only, no vmlinux) and translates
addresses outside every PT_LOAD itself, through swapper_pg_dir, with its own aarch64 page-table
walker. For each layout the vmemmap addresses the generator lists (--checks) must read the same
bytes as their listed physical addresses, and the unmapped and corrupt ones must fault. The LPA2
layouts (4K/16K pages with 52 bits) are left out: Debian's drgn 0.0.22 does not decode LPA2
descriptors (the unit tests in tests/unit/arch cover them with our own translator).

usage: arm64_drgn_walk_test.py KDF_MKVMCORE
"""
import subprocess
import sys
import tempfile

import drgn

LAYOUTS = [
    "--page-size 4K --va-bits 39 --size 64M --seed 11",
    "--page-size 4K --va-bits 48 --size 64M --seed 12 --kaslr",
    "--page-size 16K --va-bits 47 --size 96M --seed 13",
    "--page-size 16K --va-bits 48 --size 96M --seed 14 --holes 2",
    "--page-size 64K --va-bits 42 --size 640M --seed 15",
    "--page-size 64K --va-bits 48 --size 640M --seed 16",
    "--page-size 64K --va-bits 52 --size 640M --seed 17",
]
SPARSE = "free=90,pcp=1,cache=1,user=1,kernel=1,zero=1,slab=1,offline=1"


def check_layout(mkvmcore, args, tmp):
    core, checks = f"{tmp}/vmcore", f"{tmp}/checks"
    subprocess.run([mkvmcore, "--arch", "arm64", *args.split(), "--classes", SPARSE, "--checks", checks, core],
                   check=True)
    prog = drgn.Program()
    prog.set_core_dump(core)
    failures, walked = [], 0
    for line in open(checks):
        name, vaddr, expect = line.split()
        vaddr = int(vaddr, 16)
        if expect.startswith("0x"):
            if not name.startswith("vmemmap"):
                continue  # inside a PT_LOAD: drgn would read it without walking
            start, paddr = vaddr & ~63, int(expect, 16) & ~63
            try:
                virt = prog.read(start, 64)
            except drgn.FaultError as e:
                failures.append(f"{name} {vaddr:#x}: {e}")
                continue
            phys = prog.read(paddr, 64, True)
            if virt != phys or not any(phys):
                failures.append(f"{name} {vaddr:#x}: drgn read other bytes than physical {paddr:#x}")
            walked += 1
        else:
            try:
                prog.read(vaddr, 8)
                failures.append(f"{name} {vaddr:#x}: drgn read it, expected {expect}")
            except drgn.FaultError:
                walked += 1
    if walked < 5:
        failures.append(f"only {walked} addresses walked")
    return failures


def main():
    mkvmcore = sys.argv[1]
    bad = 0
    for args in LAYOUTS:
        with tempfile.TemporaryDirectory(prefix="kdf-arm64-drgn-") as tmp:
            failures = check_layout(mkvmcore, args, tmp)
        print(("FAIL " if failures else "ok   ") + args)
        for f in failures:
            print("     " + f)
        bad += bool(failures)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
