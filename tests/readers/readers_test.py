#!/usr/bin/python3
"""readers_test.py - our dumps open in drgn and crash and show what the raw vmcore shows.

  readers_test.py baseline --vmcore V --vmlinux K --work DIR
      What drgn and crash read from the raw vmcore: DIR/raw.drgn, DIR/raw.crash.
  readers_test.py check FORMAT --cli KDF --vmcore V --vmlinux K --work DIR [--levels 1,31]
      For each level: write the dump as FORMAT says (below), run drgn and crash on it, and fail
      on any fact that differs from the baseline in DIR. The dump is deleted when it passes.
  readers_test.py dump FILE --vmlinux K --work DIR [--baseline DIR]
      Reads one existing dump (the QEMU end-to-end test's): facts, compared when a baseline is given.

FORMAT: zlib, lzo, zstd (`collect -c/-l/-z`), lz4 (`collect --lz4`, then `convert` to zlib: no
reader knows the lz4 extension), flat (`collect -F -c`, then `reassemble`), elf (`collect -E`).
The readers run as users run them (drgn_facts.py, crash_facts.py); facts a reader cannot produce
on the raw vmcore either (drgn 0.0.22 cannot unwind 6.12's ORC tables) must fail the same way, and
a reader that cannot open the raw vmcore at all (crash 8.0.2 predates 6.12's kernel layout) must not
open the dump either.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"  # Debian's, where python3-drgn is installed

RECIPES = {
    "zlib": [["collect", "-c", "-d", "{level}", "{vmcore}", "{out}"]],
    "lzo": [["collect", "-l", "-d", "{level}", "{vmcore}", "{out}"]],
    "zstd": [["collect", "-z", "-d", "{level}", "{vmcore}", "{out}"]],
    "lz4": [["collect", "--lz4", "-d", "{level}", "{vmcore}", "{out}.lz4"],
            ["convert", "{out}.lz4", "{out}", "--compress", "zlib"]],
    "flat": [["collect", "-F", "-c", "-d", "{level}", "{vmcore}", ">{out}.flat"],
             ["reassemble", "{out}.flat", "{out}"]],
    "elf": [["collect", "-E", "-d", "{level}", "{vmcore}", "{out}"]],
}


def facts(vmlinux, dump, workdir):
    """Both readers on one dump, side by side: {'drgn': text, 'crash': text} or raises."""
    def drgn():
        return subprocess.run([PYTHON, os.path.join(HERE, "drgn_facts.py"), vmlinux, dump],
                              capture_output=True, text=True, errors="replace", timeout=600)

    def crash():
        return subprocess.run([PYTHON, os.path.join(HERE, "crash_facts.py"), vmlinux, dump,
                               os.path.join(workdir, "crash")],
                              capture_output=True, text=True, errors="replace", timeout=900)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = {"drgn": pool.submit(drgn), "crash": pool.submit(crash)}
        out = {}
        for reader, future in runs.items():
            r = future.result()
            if r.returncode != 0:
                out[reader] = "FAILED " + (r.stderr.strip().splitlines() or ["(no message)"])[-1] + "\n"
            else:
                out[reader] = r.stdout
        return out


def compare(label, got, want):
    """Lines of difference, empty when the dump shows what the raw vmcore shows."""
    problems = []
    for reader in ("drgn", "crash"):
        g, w = got[reader].splitlines(), want[reader].splitlines()
        if g == w:
            continue
        if want[reader].startswith("FAILED") and got[reader].startswith("FAILED"):
            # The reader cannot read this kernel at all (crash 8.0.2 and 6.12's module layout): a
            # dump cannot show more, and where it stops is the reader's business.
            print(f"{label}: {reader} cannot read this kernel from the raw vmcore either")
            continue
        problems.append(f"{label}: {reader} reads it differently from the raw vmcore:")
        problems += [f"    raw : {line}" for line in w if line not in g]
        problems += [f"    dump: {line}" for line in g if line not in w]
    return problems


def run_recipe(cli, fmt, level, vmcore, out):
    for step in RECIPES[fmt]:
        args = [a.format(level=level, vmcore=vmcore, out=out) for a in step]
        stdout = None
        if args[-1].startswith(">"):
            stdout = open(args.pop()[1:], "wb")
        try:
            r = subprocess.run([cli] + args + ["--message-level", "0"] * (args[0] == "collect"),
                               stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
        finally:
            if stdout:
                stdout.close()
        if r.returncode != 0:
            sys.exit(f"{fmt} level {level}: kdump-failover {' '.join(args)} failed ({r.returncode}): "
                     + r.stderr.decode(errors="replace").strip())


def load_baseline(work):
    base = {}
    for reader in ("drgn", "crash"):
        path = os.path.join(work, "raw." + reader)
        if not os.path.exists(path):
            sys.exit(f"no baseline {path}: run `readers_test.py baseline` first (the CTest fixture does)")
        with open(path) as f:
            base[reader] = f.read()
    return base


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["baseline", "check", "dump"])
    ap.add_argument("arg", nargs="?")
    ap.add_argument("--cli")
    ap.add_argument("--vmcore")
    ap.add_argument("--vmlinux", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--baseline")
    ap.add_argument("--levels", default="1,31")
    a = ap.parse_args()
    if not os.path.exists(a.vmlinux):
        sys.exit(f"{a.vmlinux} is missing: tools/install-deps.sh fetches it (tests/readers/prepare-vmlinux.sh)")
    os.makedirs(a.work, exist_ok=True)

    if a.mode == "baseline":
        got = facts(a.vmlinux, a.vmcore, os.path.join(a.work, "raw-crash"))
        for reader, text in got.items():
            with open(os.path.join(a.work, "raw." + reader), "w") as f:
                f.write(text)
            print(f"--- {reader} on the raw vmcore {a.vmcore}\n{text}", end="")
        return 0

    if a.mode == "dump":
        got = facts(a.vmlinux, a.arg, os.path.join(a.work, "dump-crash"))
        for reader, text in got.items():
            print(f"--- {reader} on {a.arg}\n{text}", end="")
        if a.baseline:
            problems = compare(a.arg, got, load_baseline(a.baseline))
            print("\n".join(problems))
            return 1 if problems else 0
        return 1 if any(t.startswith("FAILED") for t in got.values()) else 0

    fmt = a.arg
    if fmt not in RECIPES:
        sys.exit(f"unknown format '{fmt}' (one of {', '.join(RECIPES)})")
    want = load_baseline(a.work)
    problems = []
    for level in a.levels.split(","):
        label = f"{fmt} level {level}"
        out = os.path.join(a.work, f"dump-{fmt}-{level}")
        for stale in (out, out + ".lz4", out + ".flat"):
            if os.path.exists(stale):
                os.remove(stale)
        run_recipe(a.cli, fmt, level, a.vmcore, out)
        got = facts(a.vmlinux, out, os.path.join(a.work, f"crash-{fmt}-{level}"))
        for reader, text in got.items():
            print(f"--- {reader} on {label}\n{text}", end="")
        mine = compare(label, got, want)
        problems += mine
        if not mine:
            for done in (out, out + ".lz4", out + ".flat"):
                if os.path.exists(done):
                    os.remove(done)
    if problems:
        print("\n".join(problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
