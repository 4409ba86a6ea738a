#!/usr/bin/env python3
"""IMAP load generator for bench/imap/run.sh (Python 3 standard library only: asyncio, raw sockets).

Four subcommands, against one server on one host:port, users named by --user-format
(default user{i}@bench.test, i = 1..N) with the password --password-format (default pw{i}):

  imap_load.py fill --port P --users N --messages DIR [--count 200]
      APPENDs the first COUNT files of DIR (sorted; CRLF message files) to each user's INBOX, in
      MULTIAPPEND batches, then checks with STATUS that INBOX holds exactly COUNT messages.

  imap_load.py load --port P --users N --duration 60 [--procs 1] [--seed 1] [--json FILE]
      One connection per user, all logged in and SELECTed before the clock starts; then for
      DURATION seconds every connection runs, back to back (closed loop, no think time), a random
      mix of commands (weights in MIX below), and the per-command operations/s and latency
      percentiles are printed. --procs splits the connections over that many processes (each its
      own event loop) and the generator's own CPU use is reported, so one can see it is not the
      bottleneck.

  imap_load.py threads --pid PID [--seconds 10]
      Samples where the threads of PID are (running, or in which system call) and prints the
      average number of threads in each: where a server waits rather than computes.

  imap_load.py idle --port P --users N --sessions S [--tree PID] [--login-concurrency 4]
      Opens S sessions (session k logs in as user k % N + 1), each LOGIN, SELECT INBOX, IDLE (waits for the "+"),
      and keeps them all open; measures the memory of the server's process tree (RSS and Pss sums
      of PID and all its descendants) before and after, and prints it per session. Stops opening
      early (and says so) at --timeout or if the machine's MemAvailable falls below --mem-floor-mib.

Every tagged NO/BAD, unexpected BYE or broken connection is counted as an error and the first
few are printed; a run with errors exits 1. Output: human-readable lines; --json FILE also writes
the results as JSON (run.sh reads those).
"""
import argparse
import asyncio
import json
import multiprocessing
import os
import random
import resource
import socket
import sys
import time

# --- The workload -------------------------------------------------------------------------------
# name: (weight, what it does). APPEND and EXPUNGE alternate on each connection: an EXPUNGE removes
# the message that connection last appended (UID STORE +FLAGS.SILENT (\Deleted), then UID EXPUNGE:
# two commands, counted as STORE_DELETED and EXPUNGE), so the mailboxes keep their size.
MIX = {
    "SELECT": (5, "SELECT INBOX"),
    "FETCH_FLAGS": (10, "FETCH 1:* (FLAGS UID)"),
    "FETCH_HEADER": (20, "UID FETCH <random> BODY.PEEK[HEADER]"),
    "FETCH_BODY": (20, "UID FETCH <random> BODY.PEEK[]"),
    "STORE": (15, "UID STORE <random> +FLAGS (\\Flagged) or -FLAGS (\\Flagged)"),
    "APPEND_OR_EXPUNGE": (10, "APPEND INBOX {~3 KB}, or UID STORE/UID EXPUNGE of the last appended"),
    "IDLE": (10, "IDLE, wait for '+', DONE"),
    "NOOP": (10, "NOOP"),
}
# Names reported (one per IMAP command sent).
COMMANDS = ["SELECT", "FETCH_FLAGS", "FETCH_HEADER", "FETCH_BODY", "STORE", "APPEND", "STORE_DELETED",
            "EXPUNGE", "IDLE", "NOOP"]


class ImapError(Exception):
    pass


class Conn(asyncio.Protocol):
    """One IMAP connection. Responses are scanned in place, line by line, skipping literals; a
    command's answer is complete at its tagged line."""

    def __init__(self):
        self.transport = None
        self.buf = bytearray()
        self.pos = 0                 # scanned up to here (start of an unscanned line)
        self.waiter = None           # future resolved when `want` is seen
        self.want = None             # ("tag", b"A1 ") | ("plus",) | ("greeting",)
        self.closed = False
        self.tag_n = 0
        self.literal_plus = False
        self.discard = False         # idle sessions: drop whatever arrives
        self.bytes_in = 0

    # asyncio.Protocol
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.bytes_in += len(data)
        if self.discard:
            return
        self.buf += data
        if self.waiter is not None:
            self._scan()

    def connection_lost(self, exc):
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ImapError("connection closed by the server" + (f": {exc}" if exc else "")))

    # Scanning
    def _scan(self):
        buf = self.buf
        pos = self.pos
        want = self.want
        if want[0] == "tag" and buf.find(b"}\r\n", pos) < 0:
            # Fast path: no literal in what is buffered, so every CRLF starts a line and the
            # tagged line can be searched for directly (FETCH 1:* answers are hundreds of lines).
            tag = want[1]
            start = pos if buf.startswith(tag, pos) else buf.find(b"\r\n" + tag, pos)
            if start >= 0:
                if start != pos:
                    start += 2
                eol = buf.find(b"\r\n", start)
                if eol >= 0:
                    if buf.startswith(b"* BYE", pos) or buf.find(b"\r\n* BYE", pos, start) >= 0:
                        self.pos = eol + 2
                        self._fail(ImapError("BYE before the tagged answer"))
                        return
                    self.pos = eol + 2
                    self._done(bytes(buf[start:eol]))
                    return
            if not (buf.startswith(b"* BYE", pos) or buf.find(b"\r\n* BYE", pos) >= 0):
                return  # wait for more (pos stays at the first unscanned line)
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                break
            # A line that ends with {n} or {n+} is followed by n bytes of literal, then the rest of
            # the same response line.
            end = eol
            line_start = pos
            while buf[end - 1:end] == b"}":
                brace = buf.rfind(b"{", line_start, end)
                if brace < 0:
                    break
                try:
                    n = int(buf[brace + 1:end - 1].rstrip(b"+"))
                except ValueError:
                    break
                nxt = end + 2 + n
                end2 = buf.find(b"\r\n", nxt)
                if end2 < 0:
                    self.pos = pos
                    return  # the literal or the rest of its line is not here yet
                line_start = nxt
                end = end2
            kind = want[0]
            if kind == "tag":
                if buf.startswith(want[1], pos):
                    self.pos = end + 2
                    self._done(bytes(buf[pos:end]))
                    return
                if buf.startswith(b"* BYE", pos):
                    self.pos = end + 2
                    self._fail(ImapError("BYE: " + buf[pos:end].decode("utf-8", "replace")))
                    return
            elif kind == "plus":
                if buf.startswith(b"+", pos):
                    self.pos = end + 2
                    self._done(bytes(buf[pos:end]))
                    return
                if buf.startswith(want[1], pos):  # the command ended without a continuation
                    self.pos = end + 2
                    self._fail(ImapError("no continuation: " + buf[pos:end].decode("utf-8", "replace")))
                    return
            else:  # greeting
                self.pos = end + 2
                self._done(bytes(buf[pos:end]))
                return
            pos = end + 2
        self.pos = pos

    def _done(self, line):
        waiter, self.waiter = self.waiter, None
        if not waiter.done():
            waiter.set_result(line)

    def _fail(self, exc):
        waiter, self.waiter = self.waiter, None
        if not waiter.done():
            waiter.set_exception(exc)

    def _arm(self, want):
        self.want = want
        fut = self.waiter = asyncio.get_running_loop().create_future()
        if self.closed:
            self.waiter = None
            fut.set_exception(ImapError("connection closed"))
        elif self.pos < len(self.buf):
            self._scan()
        return fut

    def consume(self):
        """Drops what has been read (call between commands)."""
        if self.pos:
            del self.buf[:self.pos]
            self.pos = 0

    def response(self):
        """The bytes of the last command's whole answer (until consume())."""
        return bytes(self.buf[:self.pos])

    # Commands
    def next_tag(self):
        self.tag_n += 1
        return b"A%d" % self.tag_n

    async def greeting(self):
        line = await self._arm(("greeting",))
        if not line.startswith(b"* OK"):
            raise ImapError("greeting: " + line.decode("utf-8", "replace"))
        self.literal_plus = b"LITERAL+" in line.upper()
        self.consume()

    async def command(self, text, literal=None, check=True):
        """Sends `tag text` (with `literal` as its last argument if given) and waits for the
        tagged answer; returns the tagged line (the whole answer is in response())."""
        self.consume()
        tag = self.next_tag()
        if literal is None:
            self.transport.write(tag + b" " + text + b"\r\n")
        elif self.literal_plus:
            self.transport.write(b"%s %s {%d+}\r\n" % (tag, text, len(literal)))
            self.transport.write(literal)
            self.transport.write(b"\r\n")
        else:
            self.transport.write(b"%s %s {%d}\r\n" % (tag, text, len(literal)))
            await self._arm(("plus", tag + b" "))
            self.transport.write(literal)
            self.transport.write(b"\r\n")
        line = await self._arm(("tag", tag + b" "))
        if check and not line.startswith(tag + b" OK"):
            raise ImapError(f"{text[:60].decode('utf-8', 'replace')}: {line.decode('utf-8', 'replace')}")
        return line

    async def idle_enter(self):
        self.consume()
        tag = self.next_tag()
        self.transport.write(tag + b" IDLE\r\n")
        await self._arm(("plus", tag + b" "))
        return tag

    async def idle_done(self, tag):
        self.consume()
        self.transport.write(b"DONE\r\n")
        line = await self._arm(("tag", tag + b" "))
        if not line.startswith(tag + b" OK"):
            raise ImapError("IDLE: " + line.decode("utf-8", "replace"))
        return line

    async def logout(self):
        """LOGOUT: the server says BYE, then OK, then closes; any of that is fine."""
        try:
            await self.command(b"LOGOUT", check=False)
        except ImapError:
            pass

    async def login(self, user, password):
        await self.command(b"LOGIN " + quote(user) + b" " + quote(password))
        # Capabilities may change after login (LITERAL+ is always there on both servers).
        if b"LITERAL+" in self.response().upper():
            self.literal_plus = True

    def close(self):
        if self.transport is not None:
            self.transport.abort()


def quote(s: str) -> bytes:
    return b'"' + s.encode().replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


async def connect(host, port, timeout=30.0) -> Conn:
    loop = asyncio.get_running_loop()
    _, conn = await asyncio.wait_for(loop.create_connection(Conn, host, port), timeout)
    sock = conn.transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    await asyncio.wait_for(conn.greeting(), timeout)
    return conn


def user_name(args, i):
    return args.user_format.format(i=i)


def user_password(args, i):
    return args.password_format.format(i=i)


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


# --- fill ---------------------------------------------------------------------------------------

def read_messages(directory, count):
    names = sorted(os.listdir(directory))
    if len(names) < count:
        raise SystemExit(f"fill: {directory} holds {len(names)} messages, {count} wanted")
    out = []
    for name in names[:count]:
        with open(os.path.join(directory, name), "rb") as f:
            out.append(f.read())
    return out


async def fill_user(args, i, messages, sem):
    async with sem:
        conn = await connect(args.host, args.port)
        try:
            await conn.login(user_name(args, i), user_password(args, i))
            batch = max(1, args.batch)
            for start in range(0, len(messages), batch):
                chunk = messages[start:start + batch]
                # MULTIAPPEND (RFC 3502): "APPEND INBOX {n+}\r\n<msg> {n+}\r\n<msg>\r\n".
                conn.consume()
                tag = conn.next_tag()
                parts = [tag + b" APPEND INBOX"]
                for m in chunk:
                    parts.append(b" {%d+}\r\n" % len(m))
                    parts.append(m)
                parts.append(b"\r\n")
                conn.transport.write(b"".join(parts))
                line = await conn._arm(("tag", tag + b" "))
                if not line.startswith(tag + b" OK"):
                    raise ImapError(f"user {i}: APPEND: {line.decode('utf-8', 'replace')}")
            conn.consume()
            await conn.command(b"STATUS INBOX (MESSAGES)")
            resp = conn.response().decode("utf-8", "replace")
            n = int(resp.split("MESSAGES", 1)[1].split(")", 1)[0])
            if n != len(messages):
                raise ImapError(f"user {i}: INBOX holds {n} messages after the fill, expected {len(messages)}")
            await conn.logout()
        finally:
            conn.close()


async def fill_main(args):
    messages = read_messages(args.messages, args.count)
    sem = asyncio.Semaphore(args.concurrency)
    t0 = time.monotonic()
    await asyncio.gather(*(fill_user(args, i, messages, sem) for i in range(1, args.users + 1)))
    elapsed = time.monotonic() - t0
    total = args.users * len(messages)
    size = sum(len(m) for m in messages)
    print(f"fill: {args.users} users x {len(messages)} messages ({size / len(messages) / 1024:.1f} KiB average) "
          f"= {total} APPENDed in {elapsed:.1f} s ({total / elapsed:.0f} msg/s)")
    return 0


# --- load ---------------------------------------------------------------------------------------

def make_append_message(rng, n):
    """A few-KB plain-text message, different each time."""
    words = ("mail server imap benchmark mailbox message folder flag header body latency client "
             "throughput session store fetch append expunge idle select noop random words").split()
    lines = []
    size = 0
    target = rng.randint(2000, 4000)
    while size < target:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(8, 14)))
        lines.append(line)
        size += len(line) + 2
    body = "\r\n".join(lines)
    head = (f"From: Load Generator <load@bench.test>\r\n"
            f"To: someone@bench.test\r\n"
            f"Subject: appended message {n}\r\n"
            f"Date: Mon, 1 Jan 2024 12:00:00 +0000\r\n"
            f"Message-ID: <append-{n}-{rng.getrandbits(48):x}@bench.test>\r\n"
            f"MIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=us-ascii\r\n\r\n")
    return (head + body + "\r\n").encode()


class Stats:
    def __init__(self):
        self.lat = {c: [] for c in COMMANDS}
        self.errors = []
        self.error_count = 0
        self.body_bytes = 0

    def error(self, text):
        self.error_count += 1
        if len(self.errors) < 10:
            self.errors.append(text)


async def client(args, i, rng, stats, ready, start_evt, deadline_box):
    conn = await connect(args.host, args.port)
    try:
        await conn.login(user_name(args, i), user_password(args, i))
        await conn.command(b"SELECT INBOX")
        await conn.command(b"UID SEARCH ALL")
        resp = conn.response()
        uids = []
        for line in resp.split(b"\r\n"):
            if line.startswith(b"* SEARCH"):
                uids.extend(int(x) for x in line[8:].split())
        if not uids:
            raise ImapError(f"user {i}: INBOX is empty")
        # Only the messages of the fill are fetched and flagged; appended ones come and go.
        uids = uids[:args.base_messages] if args.base_messages else uids
    except Exception as e:
        conn.close()
        raise ImapError(f"user {i}: setup: {e}") from e
    # APPEND bodies are made before the clock starts (generating text is slow in Python).
    to_append = [make_append_message(rng, n) for n in range(1, 17)]
    ready()
    await start_evt.wait()
    deadline = deadline_box[0]
    names, weights = zip(*((k, v[0]) for k, v in MIX.items()))
    pending_expunge = None
    flagged = set()
    appended_n = 0
    lat = stats.lat
    perf = time.perf_counter
    try:
        while True:
            op = rng.choices(names, weights)[0]
            t0 = perf()
            if t0 >= deadline:
                break
            if op == "SELECT":
                await conn.command(b"SELECT INBOX")
                lat["SELECT"].append(perf() - t0)
            elif op == "FETCH_FLAGS":
                await conn.command(b"FETCH 1:* (FLAGS UID)")
                lat["FETCH_FLAGS"].append(perf() - t0)
            elif op == "FETCH_HEADER":
                uid = rng.choice(uids)
                await conn.command(b"UID FETCH %d BODY.PEEK[HEADER]" % uid)
                lat["FETCH_HEADER"].append(perf() - t0)
                if b"{" not in conn.response():
                    stats.error(f"user {i}: UID FETCH {uid} BODY.PEEK[HEADER]: no literal in the answer")
            elif op == "FETCH_BODY":
                uid = rng.choice(uids)
                await conn.command(b"UID FETCH %d BODY.PEEK[]" % uid)
                lat["FETCH_BODY"].append(perf() - t0)
                resp = conn.response()
                if b"{" not in resp:
                    stats.error(f"user {i}: UID FETCH {uid} BODY.PEEK[]: no literal in the answer")
                stats.body_bytes += len(resp)
            elif op == "STORE":
                uid = rng.choice(uids)
                if uid in flagged:
                    await conn.command(b"UID STORE %d -FLAGS (\\Flagged)" % uid)
                    flagged.discard(uid)
                else:
                    await conn.command(b"UID STORE %d +FLAGS (\\Flagged)" % uid)
                    flagged.add(uid)
                lat["STORE"].append(perf() - t0)
            elif op == "APPEND_OR_EXPUNGE":
                if pending_expunge is None:
                    appended_n += 1
                    message = to_append[appended_n % len(to_append)]
                    line = await conn.command(b"APPEND INBOX", literal=message)
                    lat["APPEND"].append(perf() - t0)
                    # UIDPLUS: "A12 OK [APPENDUID <validity> <uid>] ..."
                    try:
                        pending_expunge = int(line.split(b"[APPENDUID ", 1)[1].split(b"]", 1)[0].split()[1])
                    except (IndexError, ValueError):
                        stats.error(f"user {i}: APPEND answer without APPENDUID: {line!r}")
                else:
                    await conn.command(b"UID STORE %d +FLAGS.SILENT (\\Deleted)" % pending_expunge)
                    t1 = perf()
                    lat["STORE_DELETED"].append(t1 - t0)
                    await conn.command(b"UID EXPUNGE %d" % pending_expunge)
                    lat["EXPUNGE"].append(perf() - t1)
                    if b" EXPUNGE" not in conn.response() and b"VANISHED" not in conn.response():
                        stats.error(f"user {i}: UID EXPUNGE {pending_expunge}: no EXPUNGE response")
                    pending_expunge = None
            elif op == "IDLE":
                tag = await conn.idle_enter()
                await conn.idle_done(tag)
                lat["IDLE"].append(perf() - t0)
            else:
                await conn.command(b"NOOP")
                lat["NOOP"].append(perf() - t0)
        # Leave the mailbox as it was filled (not timed).
        if pending_expunge is not None:
            await conn.command(b"UID STORE %d +FLAGS.SILENT (\\Deleted)" % pending_expunge)
            await conn.command(b"UID EXPUNGE %d" % pending_expunge)
        await conn.logout()
    except Exception as e:  # noqa: BLE001 - every failure is reported, none aborts the others
        stats.error(f"user {i}: {type(e).__name__}: {e}")
    finally:
        conn.close()


async def load_worker_async(args, users, seed, to_parent, from_parent):
    stats = Stats()
    start_evt = asyncio.Event()
    deadline_box = [0.0]
    loop = asyncio.get_running_loop()
    left = [len(users)]
    all_ready = loop.create_future()

    def ready():
        left[0] -= 1
        if left[0] == 0 and not all_ready.done():
            all_ready.set_result(None)

    sem = asyncio.Semaphore(args.login_concurrency)
    ready_set = set()

    def make_ready(i):
        def f():
            ready_set.add(i)
            ready()
        return f

    async def one_paced(i):
        async with sem:
            task = asyncio.ensure_future(client(args, i, random.Random(seed * 100003 + i), stats, make_ready(i),
                                                start_evt, deadline_box))
            while not task.done() and i not in ready_set:
                await asyncio.sleep(0.005)
        try:
            await task
        except Exception as e:  # noqa: BLE001 - connect errors included
            stats.error(f"user {i}: setup: {type(e).__name__}: {e}")
            ready_set.add(i)
            ready()

    tasks = [asyncio.ensure_future(one_paced(i)) for i in users]
    await all_ready
    if stats.error_count:
        to_parent.send(("setup-failed", stats.errors))
    else:
        to_parent.send(("ready", None))
    # Wait for the parent's go (a common start time for all processes).
    start_at, duration = await loop.run_in_executor(None, from_parent.recv)
    if start_at is None:
        for t in tasks:
            t.cancel()
        return
    await asyncio.sleep(max(0.0, start_at - time.time()))
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    deadline_box[0] = t0 + duration
    start_evt.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    t1 = time.perf_counter()
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    to_parent.send(("done", {"lat": stats.lat, "errors": stats.errors, "error_count": stats.error_count,
                             "cpu": cpu, "wall": t1 - t0, "body_bytes": stats.body_bytes}))


def load_worker(args, users, seed, to_parent, from_parent):
    try:
        asyncio.run(load_worker_async(args, users, seed, to_parent, from_parent))
    except Exception as e:  # noqa: BLE001
        try:
            to_parent.send(("setup-failed", [f"{type(e).__name__}: {e}"]))
        except OSError:
            pass


def load_main(args):
    raise_nofile(args.users + 64)
    procs = max(1, min(args.procs, args.users))
    users = list(range(1, args.users + 1))
    groups = [users[k::procs] for k in range(procs)]
    ctx = multiprocessing.get_context("fork")
    children = []
    for k, group in enumerate(groups):
        parent_end, child_end = ctx.Pipe()
        p = ctx.Process(target=load_worker, args=(args, group, args.seed + k, child_end, child_end), daemon=True)
        p.start()
        children.append((p, parent_end))
    t_login = time.monotonic()
    failed = []
    for p, pipe in children:
        if not pipe.poll(args.setup_timeout):
            failed.append("a worker did not log in its users in time")
            continue
        kind, payload = pipe.recv()
        if kind != "ready":
            failed.extend(payload)
    login_s = time.monotonic() - t_login
    if failed:
        for p, pipe in children:
            try:
                pipe.send((None, None))
            except OSError:
                pass
            p.join(5)
            if p.is_alive():
                p.kill()
        print("load: setup failed:", *failed[:10], sep="\n  ", file=sys.stderr)
        return 1
    start_at = time.time() + 0.5
    for p, pipe in children:
        pipe.send((start_at, args.duration))
    if args.started_file:
        # Tells a profiler the measured window starts now (logins, Argon2 on Redoubt, are over).
        time.sleep(max(0.0, start_at - time.time()))
        with open(args.started_file, "w") as f:
            f.write(f"{start_at:.3f}\n")
    results = []
    for p, pipe in children:
        if not pipe.poll(args.duration + args.setup_timeout):
            print("load: a worker did not finish in time", file=sys.stderr)
            p.kill()
            return 1
        kind, payload = pipe.recv()
        results.append(payload)
        p.join(10)
    lat = {c: [] for c in COMMANDS}
    errors, error_count, cpu, body = [], 0, 0.0, 0
    wall = max(r["wall"] for r in results)
    for r in results:
        for c in COMMANDS:
            lat[c].extend(r["lat"][c])
        errors.extend(r["errors"])
        error_count += r["error_count"]
        cpu += r["cpu"]
        body += r["body_bytes"]
    total = sum(len(v) for v in lat.values())
    out = {"label": args.label, "users": args.users, "duration_s": round(wall, 2), "procs": procs,
           "login_s": round(login_s, 2), "total_ops": total, "total_ops_per_s": round(total / wall, 1),
           "generator_cpu_s": round(cpu, 2), "generator_cores": round(cpu / wall, 3),
           "generator_us_per_op": round(cpu / total * 1e6, 1) if total else None,
           "fetch_body_mb_per_s": round(body / wall / 1e6, 2),
           "errors": error_count, "first_errors": errors[:10], "commands": {}}
    label = f" [{args.label}]" if args.label else ""
    print(f"load{label}: {args.users} connections, {wall:.1f} s, {procs} generator process(es); "
          f"logins + SELECT took {login_s:.1f} s before the clock started")
    print(f"  {'command':<14} {'ops':>8} {'ops/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for c in COMMANDS:
        v = sorted(lat[c])
        p50, p99 = percentile(v, 50) * 1e3, percentile(v, 99) * 1e3
        mx = v[-1] * 1e3 if v else float("nan")
        out["commands"][c] = {"ops": len(v), "ops_per_s": round(len(v) / wall, 1), "p50_ms": round(p50, 3),
                              "p99_ms": round(p99, 3), "max_ms": round(mx, 3)}
        print(f"  {c:<14} {len(v):>8} {len(v) / wall:>9.1f} {p50:>8.2f} {p99:>8.2f} {mx:>8.1f}")
    allv = sorted(x for c in COMMANDS for x in lat[c])
    out["all_p50_ms"] = round(percentile(allv, 50) * 1e3, 3)
    out["all_p99_ms"] = round(percentile(allv, 99) * 1e3, 3)
    print(f"  {'TOTAL':<14} {total:>8} {total / wall:>9.1f} {out['all_p50_ms']:>8.2f} {out['all_p99_ms']:>8.2f}")
    print(f"  generator CPU: {cpu:.1f} s = {cpu / wall:.2f} cores ({procs} process(es), "
          f"{out['generator_us_per_op']} us/op); FETCH BODY answers {out['fetch_body_mb_per_s']} MB/s")
    if error_count:
        print(f"  ERRORS: {error_count}", *errors[:10], sep="\n    ")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return 1 if error_count else 0


# --- idle ---------------------------------------------------------------------------------------

def raise_nofile(wanted):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def proc_children():
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    return children


def tree(root):
    children = proc_children()
    found, todo = [root], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def proc_name(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def memory(root):
    """(rss_kib, pss_kib, processes, {name: count}) over root and all its descendants."""
    rss = pss = n = 0
    names = {}
    for pid in tree(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
                        break
        except OSError:
            continue
        n += 1
        name = proc_name(pid)
        names[name] = names.get(name, 0) + 1
    return rss, pss, n, names


def kernel_kib():
    """PageTables + KernelStack of the whole machine (kernel memory that processes cost beyond
    their RSS; machine-wide, so other activity adds noise)."""
    total = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(("PageTables:", "KernelStack:")):
                total += int(line.split()[1])
    return total


def mem_available_mib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    return 1 << 30


async def idle_main_async(args):
    loop = asyncio.get_running_loop()
    limit = raise_nofile(args.sessions + 256)
    if limit < args.sessions + 64:
        raise SystemExit(f"idle: RLIMIT_NOFILE is {limit}, too low for {args.sessions} sessions")
    await asyncio.sleep(args.settle)
    before = memory(args.tree) if args.tree else None
    kernel_before = kernel_kib()
    t0 = time.monotonic()
    deadline = t0 + args.timeout
    conns = []
    errors = []
    stop = [None]
    sem = asyncio.Semaphore(args.login_concurrency)
    login_times = []
    next_report = [t0 + 30]

    async def open_one(k):
        i = k % args.users + 1
        async with sem:
            if stop[0] is not None:
                return
            now = time.monotonic()
            if now > deadline:
                stop[0] = stop[0] or f"--timeout {args.timeout:.0f} s reached"
                return
            if k % 50 == 0 and mem_available_mib() < args.mem_floor_mib:
                stop[0] = stop[0] or f"MemAvailable under {args.mem_floor_mib} MiB"
                return
            conn = None
            try:
                t = time.monotonic()
                conn = await connect(args.host, args.port, timeout=max(1.0, deadline - now))
                await asyncio.wait_for(conn.login(user_name(args, i), user_password(args, i)),
                                       max(1.0, deadline - time.monotonic()))
                login_times.append(time.monotonic() - t)
                await conn.command(b"SELECT INBOX")
                await conn.idle_enter()
                conn.discard = True
                conn.consume()
                conns.append(conn)
            except Exception as e:  # noqa: BLE001
                if conn is not None:
                    conn.close()
                errors.append(f"session {k} (user {i}): {type(e).__name__}: {e}")
                if len(errors) >= 20:
                    stop[0] = stop[0] or "too many errors"
            if time.monotonic() > next_report[0]:
                next_report[0] += 30
                print(f"idle: {len(conns)} sessions open after {time.monotonic() - t0:.0f} s", file=sys.stderr,
                      flush=True)

    # Creating all tasks at once is fine: each waits on the semaphore before it does anything.
    await asyncio.gather(*(open_one(k) for k in range(args.sessions)))
    open_s = time.monotonic() - t0
    await asyncio.sleep(args.settle)
    alive = [c for c in conns if not c.closed]
    after = memory(args.tree) if args.tree else None
    kernel_after = kernel_kib()
    n = len(alive)
    login_times.sort()
    print(f"idle: {n} of {args.sessions} sessions open in IDLE after {open_s:.1f} s "
          f"({n / open_s:.1f}/s, {args.login_concurrency} logins at a time; LOGIN p50 "
          f"{percentile(login_times, 50) * 1e3:.0f} ms p99 {percentile(login_times, 99) * 1e3:.0f} ms)")
    if stop[0]:
        print(f"idle: stopped opening early: {stop[0]}")
    if len(conns) != n:
        print(f"idle: {len(conns) - n} sessions were closed by the server before the measure")
    result = {"requested": args.sessions, "sessions": n, "open_s": round(open_s, 1), "stopped": stop[0],
              "errors": len(errors), "first_errors": errors[:5],
              "login_p50_ms": round(percentile(login_times, 50) * 1e3, 1),
              "kernel_kib_delta": kernel_after - kernel_before,
              "kernel_per_session_kib": round((kernel_after - kernel_before) / n, 1) if n else None}
    if before and after:
        d_rss, d_pss = after[0] - before[0], after[1] - before[1]
        result.update({"before_rss_kib": before[0], "before_pss_kib": before[1], "before_procs": before[2],
                       "after_rss_kib": after[0], "after_pss_kib": after[1], "after_procs": after[2],
                       "rss_per_session_kib": round(d_rss / n, 1) if n else None,
                       "pss_per_session_kib": round(d_pss / n, 1) if n else None,
                       "after_process_names": after[3]})
        print(f"idle: server processes {before[2]} -> {after[2]} ({', '.join(f'{k} {v}' for k, v in sorted(after[3].items()))})")
        print(f"idle: RSS sum {before[0] / 1024:.1f} -> {after[0] / 1024:.1f} MiB = "
              f"{result['rss_per_session_kib']} KiB per session; Pss sum {before[1] / 1024:.1f} -> "
              f"{after[1] / 1024:.1f} MiB = {result['pss_per_session_kib']} KiB per session")
    print(f"idle: machine PageTables + KernelStack {kernel_before / 1024:.1f} -> {kernel_after / 1024:.1f} MiB = "
          f"{result['kernel_per_session_kib']} KiB per session (machine-wide, not in RSS/Pss)")
    if errors:
        print(f"idle: {len(errors)} errors:", *errors[:5], sep="\n  ")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    # Close: DONE + LOGOUT is polite but 10,000 of them only cost time; aborting is what a crashed
    # client does and both servers must cope with it.
    for c in conns:
        c.close()
    await asyncio.sleep(0.5)
    return 1 if errors and not n else 0


# --- threads: where a process's threads are, sampled --------------------------------------------

SYSCALLS = {0: "read", 1: "write", 3: "close", 5: "fstat", 7: "poll", 8: "lseek", 9: "mmap", 11: "munmap",
            16: "ioctl", 17: "pread64", 18: "pwrite64", 19: "readv", 20: "writev", 35: "nanosleep",
            44: "sendto", 45: "recvfrom", 46: "sendmsg", 47: "recvmsg", 72: "fcntl", 74: "fsync",
            75: "fdatasync", 76: "truncate", 77: "ftruncate", 82: "rename", 87: "unlink", 202: "futex",
            230: "clock_nanosleep", 232: "epoll_wait", 257: "openat", 262: "newfstatat", 263: "unlinkat",
            277: "sync_file_range", 281: "epoll_pwait", 285: "fallocate", 426: "io_uring_enter",
            441: "epoll_pwait2"}


def threads_main(args):
    """Samples every thread of --pid every --interval s for --seconds s: its state (R running or
    runnable, S sleeping, D disk wait) and, when not running, the system call it is in. Prints the
    average number of threads in each (state, call): an off-CPU picture perf record does not give."""
    counts = {}
    samples = 0
    deadline = time.monotonic() + args.seconds
    task_dir = f"/proc/{args.pid}/task"
    while time.monotonic() < deadline:
        try:
            tids = os.listdir(task_dir)
        except OSError:
            break
        for tid in tids:
            try:
                with open(f"{task_dir}/{tid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                call = ""
                if state != "R":
                    with open(f"{task_dir}/{tid}/syscall") as f:
                        first = f.read().split()[0]
                    call = SYSCALLS.get(int(first), f"syscall {first}") if first.lstrip("-").isdigit() else first
            except (OSError, IndexError, ValueError):
                continue
            key = f"{state} {call}".strip()
            counts[key] = counts.get(key, 0) + 1
        samples += 1
        time.sleep(args.interval)
    print(f"threads of pid {args.pid}: {samples} samples over {args.seconds:.0f} s; average threads in each state:")
    for key, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {n / max(1, samples):6.2f}  {key}")
    return 0


# --- main ---------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--host", default="127.0.0.1")
    common.add_argument("--port", type=int, required=True)
    common.add_argument("--users", type=int, default=50)
    common.add_argument("--user-format", default="user{i}@bench.test")
    common.add_argument("--password-format", default="pw{i}")
    common.add_argument("--json", help="also write the results as JSON to this file")
    p = sub.add_parser("fill", parents=[common])
    p.add_argument("--messages", required=True, help="directory of message files (CRLF)")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--batch", type=int, default=20, help="messages per MULTIAPPEND")
    p.add_argument("--concurrency", type=int, default=8)
    p = sub.add_parser("load", parents=[common])
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--procs", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--label", default="")
    p.add_argument("--base-messages", type=int, default=0,
                   help="fetch/flag only the first this many UIDs (0: all found at start)")
    p.add_argument("--login-concurrency", type=int, default=4)
    p.add_argument("--setup-timeout", type=float, default=600.0)
    p.add_argument("--started-file", help="write this file when the measured window starts")
    p = sub.add_parser("idle", parents=[common])
    p.add_argument("--sessions", type=int, default=10000)
    p.add_argument("--tree", type=int, help="server pid: measure it and all its descendants")
    p.add_argument("--login-concurrency", type=int, default=4)
    p.add_argument("--timeout", type=float, default=900.0, help="stop opening sessions after this many seconds")
    p.add_argument("--settle", type=float, default=3.0)
    p.add_argument("--mem-floor-mib", type=int, default=4096)
    p = sub.add_parser("threads", help="sample where a process's threads are (state, system call)")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--interval", type=float, default=0.01)
    args = parser.parse_args()
    if args.cmd == "threads":
        return threads_main(args)
    if args.cmd == "fill":
        return asyncio.run(fill_main(args))
    if args.cmd == "load":
        return load_main(args)
    return asyncio.run(idle_main_async(args))


if __name__ == "__main__":
    sys.exit(main())
