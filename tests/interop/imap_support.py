"""Helpers for the IMAP integration tests (test_imap_*.py): a raw IMAP client that reads every
response byte for byte (literals included), a parser for response values (FETCH items,
ENVELOPE, BODYSTRUCTURE, STATUS lists ...), imaplib connections, SMTP delivery, and servers with
[imap] settings.

The raw client is for what imaplib hides or will not do: exact response lines and codes,
pipelining, literals the server must refuse before they are sent, broken input. imaplib is used
where a real client library is the point (login, select, append, fetch as a client would).
"""

from __future__ import annotations

import base64
import imaplib
import itertools
import re
import shutil
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import (DOMAIN, HOSTNAME, IO_TIMEOUT, PASSWORD, RawSmtp, Server, client_tls_context,
                      make_config_dir, make_data_dir, remove_later)

ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"

_names = itertools.count(1)


def unique(prefix: str = "box") -> str:
    """A mailbox name (or other token) no other test of the run uses."""
    return f"{prefix}{next(_names)}"


# --------------------------------------------------------------------------------------------
# Servers with [imap] settings


def imap_server(template: Path | None, imap: dict | None = None, smtp: dict | None = None,
                start: bool = True) -> Server:
    """A server on a private copy of `template` (None: an empty data folder) with `imap` settings
    in its [imap] section. The caller must cleanup() it (the `imap_factory` fixture does)."""
    data_dir, conf_dir = make_data_dir(), make_config_dir()
    try:
        if template is not None:
            shutil.copytree(template, data_dir, symlinks=True, dirs_exist_ok=True)
        s = Server(data_dir, conf_dir, smtp=smtp, imap=imap)
        if start:
            s.start()
        return s
    except BaseException:
        remove_later(data_dir, conf_dir)
        raise


@pytest.fixture
def imap_factory(redoubt_bin, request):
    """Factory: imap_factory(imap={...}, smtp={...}, populated=True, start=True) -> Server."""
    made: list[Server] = []

    def factory(imap: dict | None = None, smtp: dict | None = None, populated: bool = True,
                start: bool = True) -> Server:
        template = request.getfixturevalue("populated_template") if populated else None
        s = imap_server(template, imap=imap, smtp=smtp, start=start)
        made.append(s)
        return s

    yield factory
    for s in made:
        s.stop(timeout=5)
        s.cleanup()


def imap_port(server: Server) -> int:
    return server.ports["imap"][0]


def imaps_port(server: Server) -> int:
    return server.ports["imaps"][0]


# --------------------------------------------------------------------------------------------
# Response values: RFC 9051 §4 data formats as Python values


class Atom(str):
    """An atom (or number, flag, section name) as text; strings and literals are bytes."""


def _skip_spaces(data: bytes, i: int) -> int:
    while i < len(data) and data[i] == 0x20:
        i += 1
    return i


def parse_values(data: bytes, i: int = 0, end_char: int | None = None):
    """Parses IMAP values from data[i:] until `end_char` (a closing paren) or the end. Atoms
    become Atom (str), quoted strings and literals bytes, NIL None, parenthesised lists lists.
    An atom with brackets ("BODY[HEADER.FIELDS (From)]<0>") is read up to its closing bracket.
    Returns (values, next index)."""
    out = []
    while True:
        i = _skip_spaces(data, i)
        if i >= len(data):
            if end_char is not None:
                raise ValueError(f"unterminated list in {data!r}")
            return out, i
        c = data[i]
        if end_char is not None and c == end_char:
            return out, i + 1
        if c == ord("("):
            inner, i = parse_values(data, i + 1, ord(")"))
            out.append(inner)
        elif c == ord('"'):
            j = i + 1
            buf = bytearray()
            while data[j] != ord('"'):
                if data[j] == ord("\\"):
                    j += 1
                buf.append(data[j])
                j += 1
            out.append(bytes(buf))
            i = j + 1
        elif c == ord("{") or (c == ord("~") and data[i + 1:i + 2] == b"{"):
            m = re.compile(rb"~?\{(\d+)\+?\}\r\n").match(data, i)
            if not m:
                raise ValueError(f"bad literal at {data[i:i + 20]!r}")
            n = int(m.group(1))
            out.append(data[m.end():m.end() + n])
            i = m.end() + n
        else:
            j = i
            depth = 0
            while j < len(data):
                ch = data[j]
                if ch == ord("["):
                    depth += 1
                elif ch == ord("]"):
                    depth -= 1
                elif depth == 0 and ch in b" ()":
                    break
                j += 1
            token = data[i:j].decode("utf-8")
            out.append(None if token.upper() == "NIL" else Atom(token))
            if j == i:
                raise ValueError(f"unexpected {data[i:i + 1]!r} at {i} in {data!r}")
            i = j


def parse(data: bytes) -> list:
    return parse_values(data)[0]


# --------------------------------------------------------------------------------------------
# Raw client


@dataclass
class Literal:
    """A literal argument: "{n}" (waits for "+"), "{n+}" (nonsync) or "~{n}" (literal8)."""
    data: bytes
    nonsync: bool = False
    binary: bool = False

    def header(self) -> bytes:
        return (b"~" if self.binary else b"") + b"{%d%s}\r\n" % (len(self.data), b"+" if self.nonsync else b"")


@dataclass
class Response:
    tag: str
    status: str  # OK, NO, BAD (or BYE if the server closed with an untagged BYE)
    code: str | None  # the response code without brackets, e.g. "APPENDUID 1 2"
    text: str  # the human-readable text after the code
    tagged: bytes
    untagged: list[bytes] = field(default_factory=list)
    continuations: int = 0  # "+" lines received during the command

    def lines(self, keyword: str) -> list[bytes]:
        """Untagged responses "* KEYWORD ..." or "* n KEYWORD ..." (keyword case-insensitive)."""
        kw = keyword.upper().encode()
        out = []
        for line in self.untagged:
            words = line.split(b" ", 3)
            if len(words) > 1 and words[1].upper() == kw:
                out.append(line)
            elif len(words) > 2 and words[1].isdigit() and words[2].upper().rstrip(b"\r\n") == kw:
                out.append(line)
        return out

    def fetches(self) -> dict[int, dict]:
        """{seq: {ITEM: value}} of the untagged FETCH responses (items in upper case; a second
        FETCH for the same message is merged in)."""
        out: dict[int, dict] = {}
        for line in self.lines("FETCH"):
            values = parse(line)
            seq = int(values[1])
            items = values[3]
            assert len(items) % 2 == 0, f"odd FETCH item list: {line!r}"
            d = out.setdefault(seq, {})
            for k, v in zip(items[0::2], items[1::2]):
                d[str(k).upper()] = v
        return out

    def fetch_order(self) -> list[int]:
        return [int(parse(line)[1]) for line in self.lines("FETCH")]

    def __repr__(self) -> str:
        body = b"\n".join(self.untagged + [self.tagged])
        return body.decode("utf-8", "replace")


STATUS_RE = re.compile(rb"^(\S+) (OK|NO|BAD|BYE|PREAUTH)(?: \[([^\]]*)\])? ?(.*)$", re.S)


class ImapConnectionClosed(ConnectionError):
    pass


class RawImap:
    def __init__(self, port: int, tls: bool = False, host: str = "127.0.0.1", timeout: float = IO_TIMEOUT,
                 read_greeting: bool = True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            self.sock = client_tls_context().wrap_socket(self.sock, server_hostname=HOSTNAME)
        self.timeout = timeout
        self.buffer = b""
        self.tags = itertools.count(1)
        self.bad_count = 0  # tagged BADs so far: the server ends a session after 20
        self.enabled_more = False  # an ENABLE was sent (Sessions does not hand it out again)
        self.greeting = self.read_response_line() if read_greeting else None

    # -- I/O -----------------------------------------------------------------------------------

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RawImap":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ImapConnectionClosed(f"connection closed; unread: {self.buffer[:200]!r}")
        self.buffer += chunk

    def _line(self) -> bytes:
        while True:
            n = self.buffer.find(b"\r\n")
            if n >= 0:
                line, self.buffer = self.buffer[:n], self.buffer[n + 2:]
                return line
            self._fill()

    def _exactly(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_response_line(self) -> bytes:
        """One response, literals inlined ("... {3}\\r\\nabc ...")."""
        line = self._line()
        while True:
            m = re.search(rb"~?\{(\d+)\}$", line)
            if not m:
                return line
            line += b"\r\n" + self._exactly(int(m.group(1)))
            line += self._line()

    def pending(self, wait: float = 0.3) -> bytes:
        """Whatever arrives within `wait` seconds."""
        self.sock.settimeout(wait)
        try:
            while True:
                self._fill()
        except (socket.timeout, TimeoutError, ssl.SSLError, ImapConnectionClosed):
            pass
        finally:
            self.sock.settimeout(self.timeout)
        data, self.buffer = self.buffer, b""
        return data

    def is_closed(self, wait: float = IO_TIMEOUT) -> bool:
        """True when the server closes the connection (after any unread data) within `wait`."""
        self.sock.settimeout(wait)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buffer += chunk
        except (socket.timeout, TimeoutError):
            return False
        except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
            return True
        finally:
            self.sock.settimeout(self.timeout)

    # -- commands ------------------------------------------------------------------------------

    def next_tag(self) -> str:
        return f"T{next(self.tags)}"

    def read_until_tagged(self, tag: str, resp: Response | None = None) -> Response:
        untagged = [] if resp is None else resp.untagged
        continuations = 0 if resp is None else resp.continuations
        while True:
            line = self.read_response_line()
            if line.startswith(b"+"):
                continuations += 1
                untagged.append(line)
                continue
            if line.startswith(tag.encode() + b" "):
                m = STATUS_RE.match(line)
                assert m, f"malformed tagged response {line!r}"
                if m.group(2) == b"BAD":
                    self.bad_count += 1
                return Response(tag, m.group(2).decode(), m.group(3).decode() if m.group(3) is not None else None,
                                m.group(4).decode("utf-8", "replace"), line, untagged, continuations)
            assert line.startswith(b"* "), f"unexpected response line {line!r} (waiting for {tag})"
            untagged.append(line)

    def command(self, *parts: str | bytes | Literal, tag: str | None = None) -> Response:
        """Sends "<tag> <parts...>" CRLF and returns the tagged response with the untagged ones
        before it. Synchronising literals wait for the server's "+"; if the server answers the
        command instead, that answer is returned (and the literal is not sent)."""
        tag = tag or self.next_tag()
        if parts and isinstance(parts[0], str) and parts[0][:6].upper() == "ENABLE":
            self.enabled_more = True  # the session's behaviour changed for good
        out = tag.encode() + b" "
        untagged: list[bytes] = []
        continuations = 0
        for part in parts:
            if isinstance(part, str):
                part = part.encode()
            if isinstance(part, Literal):
                out += part.header()
                if part.nonsync:
                    out += part.data
                    continue
                self.send(out)
                out = b""
                while True:
                    line = self.read_response_line()
                    if line.startswith(b"+"):
                        continuations += 1
                        untagged.append(line)
                        break
                    if line.startswith(tag.encode() + b" "):
                        m = STATUS_RE.match(line)
                        return Response(tag, m.group(2).decode(), m.group(3).decode() if m.group(3) else None,
                                        m.group(4).decode("utf-8", "replace"), line, untagged, continuations)
                    untagged.append(line)
                out = part.data
            else:
                out += part
        self.send(out + b"\r\n")
        return self.read_until_tagged(tag, Response(tag, "", None, "", b"", untagged, continuations))

    def ok(self, *parts, **kw) -> Response:
        r = self.command(*parts, **kw)
        assert r.status == "OK", f"{parts!r} -> {r!r}"
        return r

    def login(self, user: str = ALICE, password: str = PASSWORD) -> Response:
        return self.ok(f"LOGIN {quote(user)} {quote(password)}")

    def select(self, mailbox: str, *extra: str) -> Response:
        return self.ok(f"SELECT {quote(mailbox)}" + "".join(" " + e for e in extra))

    def append(self, mailbox: str, message: bytes, flags: str | None = None, date: str | None = None) -> Response:
        parts = f"APPEND {quote(mailbox)}"
        if flags is not None:
            parts += f" ({flags})"
        if date is not None:
            parts += f' "{date}"'
        return self.ok(parts + " ", Literal(message))

    def append_uid(self, mailbox: str, message: bytes, flags: str | None = None, date: str | None = None) -> int:
        r = self.append(mailbox, message, flags, date)
        m = re.fullmatch(r"APPENDUID (\d+) (\d+)", r.code or "")
        assert m, r
        return int(m.group(2))

    def logout(self) -> None:
        try:
            self.command("LOGOUT")
        except (OSError, ImapConnectionClosed):
            pass
        self.close()


def timed(fn):
    """fn()'s result and how long it took, in seconds."""
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


def in_parallel(*fns):
    """The results of fns, each run on its own thread at the same time (each given 30 s)."""
    results = [None] * len(fns)

    def run(i, fn):
        results[i] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(server: Server, user: str | None = ALICE, tls: bool = False, implicit: bool = False) -> RawImap:
    """A raw client on the server's IMAP (or, with `implicit`, IMAPS) port, logged in as `user`
    unless it is None."""
    c = RawImap(imaps_port(server) if implicit else imap_port(server), tls=implicit)
    if user is not None:
        c.login(user)
    return c


class Sessions:
    """Logged-in raw sessions kept for a whole module, so that tests which only need "a session
    of alice@" do not each pay for a login (Argon2: ~0.4 s of CPU). get() hands out the cached
    session for a key with no mailbox selected, after checking it still works; a session that
    has had many BAD answers (the server closes after 20) or died is replaced."""

    IDLE_BOX = "pool-idle"

    def __init__(self, server: Server):
        self.server = server
        self.cached: dict[tuple, RawImap] = {}

    def get(self, user: str = ALICE, enable: str | None = None) -> RawImap:
        key = (user, enable)
        c = self.cached.get(key)
        if c is not None:
            try:
                if c.bad_count >= 10 or c.enabled_more:
                    raise ImapConnectionClosed("not reusable")
                # Leave whatever mailbox the last test selected, without a BAD if none is.
                r = c.command(f"SELECT {self.IDLE_BOX}")
                if r.status == "NO":
                    c.ok(f"CREATE {self.IDLE_BOX}")
                    c.ok(f"SELECT {self.IDLE_BOX}")
                c.ok("UNSELECT")
                return c
            except (OSError, AssertionError, ImapConnectionClosed):
                c.close()
        c = connect(self.server, user)
        if enable:
            c.ok(f"ENABLE {enable}")
            c.enabled_more = False
        self.cached[key] = c
        return c

    def close(self) -> None:
        for c in self.cached.values():
            c.close()
        self.cached.clear()


@pytest.fixture(scope="module")
def sessions(_module_server):
    pool = Sessions(_module_server)
    yield pool
    pool.close()


def imaplib_login(server: Server, user: str = ALICE) -> imaplib.IMAP4:
    m = imaplib.IMAP4("127.0.0.1", imap_port(server), timeout=IO_TIMEOUT)
    m.login(user, PASSWORD)
    return m


def close_imaplib(m: imaplib.IMAP4) -> None:
    """Closes an imaplib connection whatever state it is in (logout() closes it already)."""
    try:
        m.shutdown()
    except OSError:
        pass


def plain_ir(user: str, password: str = PASSWORD, authzid: str = "") -> str:
    return base64.b64encode(f"{authzid}\0{user}\0{password}".encode()).decode()


# --------------------------------------------------------------------------------------------
# Messages


def message(subject: str = "hello", body: str = "Hello there.\r\n", sender: str = "carol@other.test",
            to: str = ALICE, date: str = "Mon, 01 Jan 2024 10:00:00 +0000", extra: str = "") -> bytes:
    text = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n"
            f"Message-ID: <{unique('m')}@other.test>\r\n{extra}\r\n{body}")
    return text.encode()


def deliver(server: Server, rcpt: str, body: bytes, sender: str = "carol@other.test") -> float:
    """Delivers `body` by SMTP; returns time.monotonic() at the moment the 250 arrived."""
    with RawSmtp(server.host, server.port) as smtp:
        smtp.ehlo()
        reply = smtp.transaction(sender, [rcpt], body)
        at = time.monotonic()
        assert reply.code == 250, reply
        smtp.cmd("QUIT")
    return at
