"""Runs a command and ends it if it stalls: if the command and everything it started use less
than a second of processor time in three minutes (WATCHED_WINDOW seconds), or are still running
after WATCHED_LIMIT seconds (20 minutes; a whole run of the suite takes under 7), they are
stopped, their threads' stacks are printed (when gdb is installed), and the exit status is 124.

`scripts/test-at-instants` runs the suite under it, so that a stall (a deadlock in the tests,
the portal or libfaketime) shows its stacks and is tried again rather than holding CI for hours.

Usage: python3 scripts/watched.py COMMAND [ARGUMENT ...]
"""
import os
import shutil
import signal
import subprocess
import sys
import time

WINDOW = int(os.environ.get("WATCHED_WINDOW", "180"))
LIMIT = int(os.environ.get("WATCHED_LIMIT", "1200"))
QUIET_CPU = 1.0


def tree(root):
    """The process and all its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            # Its own time and that of the children it has reaped: a child's time stays counted
            # when it ends, so the sum only grows.
            total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def main():
    process = subprocess.Popen(sys.argv[1:], start_new_session=True)
    started = time.monotonic()
    samples = []
    while process.poll() is None:
        time.sleep(10)
        samples.append((time.monotonic(), cpu_seconds(tree(process.pid))))
        samples = [s for s in samples if s[0] >= samples[-1][0] - WINDOW]
        idle = samples[-1][0] - samples[0][0] >= WINDOW - 10 and samples[-1][1] - samples[0][1] < QUIET_CPU
        overdue = samples[-1][0] - started >= LIMIT
        if idle or overdue:
            why = f"no progress in {WINDOW} s" if idle else f"still running after {LIMIT} s"
            print(f"watched.py: {why}; stopping {' '.join(sys.argv[1:])}", flush=True)
            if shutil.which("gdb"):
                for pid in tree(process.pid):
                    subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt 8"],
                                   stdout=sys.stdout, stderr=subprocess.DEVNULL, timeout=60, check=False)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            sys.exit(124)
    sys.exit(process.returncode)


if __name__ == "__main__":
    main()
