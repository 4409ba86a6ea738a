#!/usr/bin/env python3
"""Memory per idle SMTP connection (Python 3 standard library only).

Measures the memory of a server, opens COUNT connections to it (each reads the 220 greeting, sends
EHLO, reads the whole reply, then stays idle), waits SETTLE seconds, measures again and prints
the difference per connection. Then closes them all.

  idle_connections.py --port PORT --pid PID [--count 1000]
      one process (Redoubt): VmRSS before/after, and the difference / COUNT
  idle_connections.py --port PORT --tree PID [--count 50]
      a process tree (Postfix: master and the smtpd it forks per session): the sum of Pss over
      the master and all its descendants, before/after (Pss shares pages between processes fairly)

Output: key=value lines (before_kib, after_kib, per_connection_kib, connections).
"""
import argparse
import os
import resource
import socket
import sys
import time


def status_kib(pid: int, key: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/{pid}/status")


def pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def descendants(root: int) -> list:
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [root], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def measure(args) -> int:
    if args.pid:
        return status_kib(args.pid, "VmRSS")
    return sum(pss_kib(pid) for pid in descendants(args.tree))


def read_reply(sock: socket.socket, buffer: bytearray, deadline: float) -> str:
    """Reads one whole (possibly multi-line) SMTP reply; returns its last line."""
    while True:
        while b"\r\n" in buffer:
            end = buffer.index(b"\r\n")
            line = bytes(buffer[:end]).decode("ascii", "replace")
            del buffer[: end + 2]
            if len(line) >= 4 and line[3] == " ":
                return line
            if len(line) == 3:
                return line
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no complete SMTP reply")
        sock.settimeout(remaining)
        data = sock.recv(4096)
        if not data:
            raise ConnectionError("server closed the connection")
        buffer += data


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--pid", type=int, help="measure VmRSS of this one process")
    who.add_argument("--tree", type=int, help="measure the Pss sum of this process and its descendants")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds to wait before measuring")
    parser.add_argument("--timeout", type=float, default=120.0, help="overall time limit, seconds")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.count + 64
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(wanted, soft), hard), hard))

    deadline = time.monotonic() + args.timeout
    time.sleep(args.settle)
    before = measure(args)
    sockets = []
    try:
        for i in range(args.count):
            sock = socket.create_connection((args.host, args.port), timeout=max(1.0, deadline - time.monotonic()))
            sockets.append(sock)
            buffer = bytearray()
            greeting = read_reply(sock, buffer, deadline)
            if not greeting.startswith("220"):
                raise RuntimeError(f"connection {i}: greeting {greeting!r}")
            sock.sendall(b"EHLO idle.bench.test\r\n")
            reply = read_reply(sock, buffer, deadline)
            if not reply.startswith("250"):
                raise RuntimeError(f"connection {i}: EHLO reply {reply!r}")
        time.sleep(args.settle)
        after = measure(args)
    finally:
        for sock in sockets:
            try:
                sock.sendall(b"QUIT\r\n")
            except OSError:
                pass
            sock.close()
    per = (after - before) / args.count
    print(f"connections={args.count}")
    print(f"before_kib={before}")
    print(f"after_kib={after}")
    print(f"per_connection_kib={per:.1f}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, RuntimeError, TimeoutError) as e:
        print(f"idle_connections: {e}", file=sys.stderr)
        sys.exit(1)
