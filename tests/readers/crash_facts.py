#!/usr/bin/python3
"""crash_facts.py VMLINUX DUMP WORKDIR - what crash reads from a dump, one `key: value` line each.

Runs crash as a kernel engineer does, `crash -s VMLINUX DUMP`, once, with `sys`, `bt`, `ps`,
`log` and `kmem -i` fed on its input (each redirected to its own file in WORKDIR), and prints the
release, node name, version, task count, panic message, the panicking task and its first frames,
the number of tasks `ps` lists, the number of log lines and the last one, and the memory totals.
A fact crash did not print is `key: MISSING`. crash not starting is fatal: exit status 1.
"""
import os
import re
import subprocess
import sys

BACKTRACE_FRAMES = 6
COMMANDS = {"sys": "sys", "bt": "bt", "ps": "ps", "log": "log", "kmem": "kmem -i"}


def read(workdir, name):
    try:
        with open(os.path.join(workdir, name + ".out"), errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def field(text, key):
    m = re.search(r"^\s*" + re.escape(key) + r": (.*)$", text, re.M)
    return m.group(1).strip() if m else "MISSING"


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: crash_facts.py VMLINUX DUMP WORKDIR")
    vmlinux, dump, workdir = sys.argv[1:]
    os.makedirs(workdir, exist_ok=True)
    script = os.path.join(workdir, "commands")
    with open(script, "w") as f:
        for name, command in COMMANDS.items():
            f.write(f"{command} > {os.path.join(workdir, name + '.out')}\n")
        f.write("quit\n")
    run = subprocess.run(["crash", "-s", vmlinux, dump, "-i", script], stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                         timeout=600)
    with open(os.path.join(workdir, "session.out"), "w") as f:
        f.write(run.stdout)
    system = read(workdir, "sys")
    if not system:
        # Said without the paths, so the same failure on the raw vmcore and on a dump compares equal.
        said = [line.replace(dump, "DUMP").replace(vmlinux, "VMLINUX").strip()
                for line in run.stdout.splitlines() if line.startswith("crash: ")]
        sys.exit(f"crash: no output from `sys` (exit {run.returncode}): " + " | ".join(said[:3]))

    for key in ("RELEASE", "NODENAME", "VERSION", "TASKS", "PANIC"):
        print(f"sys {key.lower()}: {field(system, key)}")

    bt = read(workdir, "bt")
    task = re.search(r"^PID: (\d+)\s+TASK: \S+\s+CPU: \d+\s+COMMAND: (\S+)", bt, re.M)
    print(f"bt task: {task.group(1) + ' ' + task.group(2) if task else 'MISSING'}")
    frames = re.findall(r"^\s*#\d+ \[[0-9a-f]+\] (\S+) at ", bt, re.M)
    print(f"bt frames: {' '.join(frames[:BACKTRACE_FRAMES]) or 'MISSING'}")

    ps_rows = [line for line in read(workdir, "ps").splitlines() if re.match(r"^[> ]\s*\d+\s+\d+\s+\d+\s", line)]
    print(f"ps tasks: {len(ps_rows)}")

    log = [line for line in read(workdir, "log").splitlines() if line.strip()]
    print(f"log lines: {len(log)}")
    last = re.sub(r"^\[\s*[0-9.]+\]\s*", "", log[-1]).strip() if log else "MISSING"
    print(f"log last: {last}")

    kmem = read(workdir, "kmem")
    for key in ("TOTAL MEM", "FREE"):
        m = re.search(r"^\s*" + key + r"\s+(\d+)\s", kmem, re.M)
        print(f"kmem {key.lower()} pages: {m.group(1) if m else 'MISSING'}")


if __name__ == "__main__":
    main()
