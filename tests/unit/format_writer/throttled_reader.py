#!/usr/bin/python3
"""throttled_reader.py OUT FAST_MB RATE_MB - a slow sink for a stream on stdin.

Copies stdin to OUT: the first FAST_MB megabytes as fast as they come, the rest at RATE_MB
megabytes per second. The writer on the other end of the pipe blocks as it would on a link of that
rate, which is what `compress = auto` measures.
"""
import sys
import time


def main():
    out_path, fast, rate = sys.argv[1], float(sys.argv[2]) * 1e6, float(sys.argv[3]) * 1e6
    src = sys.stdin.buffer
    done = 0
    slow_since = None
    slow_done = 0
    with open(out_path, "wb") as out:
        while True:
            chunk = src.read(65536 if done < fast else 16384)
            if not chunk:
                return 0
            out.write(chunk)
            done += len(chunk)
            if done <= fast:
                continue
            if slow_since is None:
                slow_since = time.monotonic()
            slow_done += len(chunk)
            ahead = slow_done / rate - (time.monotonic() - slow_since)
            if ahead > 0:
                time.sleep(ahead)


if __name__ == "__main__":
    sys.exit(main())
