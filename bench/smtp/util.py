#!/usr/bin/env python3
"""Small measuring helpers for bench/smtp/run.sh (Python 3 standard library only).

  util.py fsync-rate DIR SECONDS      appends 4 KiB + fsync in a loop; prints fsyncs per second
  util.py wait-count DIR N TIMEOUT    waits until DIR holds >= N entries; prints the epoch time
                                      it saw them (exit 1 with the count on timeout)
  util.py store-us LOGFILE            summarises Redoubt's store_us=... log field (microseconds)
  util.py cpu-ticks PID               utime+stime of PID in seconds
  util.py tree-cpu PID                the same for PID and all its live descendants, plus the
                                      children it has reaped (cutime+cstime): Postfix's master
"""
import os
import re
import sys
import time


def fsync_rate(directory: str, seconds: float) -> None:
    path = os.path.join(directory, f"fsync-probe.{os.getpid()}")
    block = b"x" * 4096
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        count = 0
        start = time.monotonic()
        deadline = start + seconds
        while time.monotonic() < deadline:
            os.write(fd, block)
            os.fsync(fd)
            count += 1
        elapsed = time.monotonic() - start
    finally:
        os.close(fd)
        os.unlink(path)
    print(f"{count / elapsed:.0f}")


def count_entries(directory: str) -> int:
    try:
        with os.scandir(directory) as it:
            return sum(1 for _ in it)
    except FileNotFoundError:
        return 0


def wait_count(directory: str, wanted: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    count = 0
    while time.monotonic() < deadline:
        count = count_entries(directory)
        if count >= wanted:
            print(f"{time.time():.3f}")
            return 0
        time.sleep(0.1)
    print(f"timeout: {count} of {wanted} in {directory}", file=sys.stderr)
    return 1


def store_us(logfile: str) -> None:
    pattern = re.compile(r"store_us=(\d+)")
    values = []
    with open(logfile, errors="replace") as f:
        for line in f:
            m = pattern.search(line)
            if m:
                values.append(int(m.group(1)))
    if not values:
        print("store_us: no samples (log level must be info)")
        return
    values.sort()

    def pct(p: float) -> int:
        return values[min(len(values) - 1, int(p / 100 * len(values)))]

    mean = sum(values) / len(values)
    print(f"store_us: n={len(values)} mean={mean:.0f} p50={pct(50)} p90={pct(90)} p99={pct(99)} max={values[-1]}")


def cpu_seconds(pid: str) -> None:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime field 14, stime field 15 (1-based, proc(5)).
    ticks = int(fields[11]) + int(fields[12])
    print(f"{ticks / os.sysconf('SC_CLK_TCK'):.2f}")


def stat_fields(pid) -> list:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def tree_cpu(root: str) -> None:
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                children.setdefault(int(stat_fields(entry)[1]), []).append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                pass
    ticks = 0
    todo = [int(root)]
    while todo:
        pid = todo.pop()
        try:
            fields = stat_fields(pid)
        except (FileNotFoundError, ProcessLookupError):
            continue
        ticks += int(fields[11]) + int(fields[12])
        if pid == int(root):
            ticks += int(fields[13]) + int(fields[14])  # cutime, cstime: children already reaped
        todo.extend(children.get(pid, []))
    print(f"{ticks / os.sysconf('SC_CLK_TCK'):.2f}")


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    command, args = sys.argv[1], sys.argv[2:]
    if command == "fsync-rate" and len(args) == 2:
        fsync_rate(args[0], float(args[1]))
    elif command == "wait-count" and len(args) == 3:
        return wait_count(args[0], int(args[1]), float(args[2]))
    elif command == "store-us" and len(args) == 1:
        store_us(args[0])
    elif command == "cpu-ticks" and len(args) == 1:
        cpu_seconds(args[0])
    elif command == "tree-cpu" and len(args) == 1:
        tree_cpu(args[0])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
