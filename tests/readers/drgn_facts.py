#!/usr/bin/python3
"""drgn_facts.py VMLINUX DUMP - what drgn reads from a dump, one `key: value` line each.

Runs drgn as a kernel engineer does: set_core_dump on the file, load_debug_info with the crashed
kernel's vmlinux, no other attribute set. Prints the release, the number of tasks, the printk
records (count and the last one), the memory totals and the panicking task's backtrace. A fact
drgn cannot produce is printed as `key: ERROR <message>` so the caller can compare it with what
drgn says about the raw vmcore (drgn 0.0.22 cannot unwind 6.12's ORC tables, dump or no dump).
Opening the dump or loading the vmlinux failing is fatal: exit status 1, the message on stderr.
"""
import sys

import drgn
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.printk import get_printk_records

BACKTRACE_FRAMES = 6


def fact(name, compute):
    try:
        value = compute()
    except Exception as e:  # noqa: BLE001 - any reader failure is a fact to compare
        value = "ERROR " + str(e).splitlines()[0]
    print(f"{name}: {value}", flush=True)


def backtrace(prog):
    trace = prog.crashed_thread().stack_trace()
    return " ".join(frame.name or hex(frame.pc) for frame in list(trace)[:BACKTRACE_FRAMES])


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: drgn_facts.py VMLINUX DUMP")
    vmlinux, dump = sys.argv[1:]
    prog = drgn.Program()
    try:
        prog.set_core_dump(dump)
        prog.load_debug_info([vmlinux])
    except drgn.MissingDebugInfoError as e:
        sys.exit(f"drgn: missing debug info: {e}")
    except Exception as e:  # noqa: BLE001
        sys.exit(f"drgn: cannot open the dump: {str(e).replace(dump, 'DUMP')}")
    records = []
    fact("release", lambda: prog["init_uts_ns"].name.release.string_().decode())
    fact("tasks", lambda: sum(1 for _ in for_each_task(prog)))
    fact("printk records", lambda: len(records.extend(get_printk_records(prog)) or records))
    fact("printk last", lambda: records[-1].text.decode(errors="replace").strip())
    fact("totalram pages", lambda: prog["_totalram_pages"].counter.value_())
    fact("free pages", lambda: prog["vm_zone_stat"][prog["NR_FREE_PAGES"]].counter.value_())
    fact("panic task", lambda: prog.crashed_thread().tid)
    fact("backtrace", lambda: backtrace(prog))


if __name__ == "__main__":
    main()
