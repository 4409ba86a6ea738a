"""Shared fixtures for the SMTP foundation interop suite.

Every test drives the real `redoubt` binary: `serve` in a fresh data folder on 127.0.0.1 port 0,
the admin CLI to set up domains/accounts/aliases, and `redoubt mail list|cat` to read what was
stored. Nothing here opens the SQLite file or the blob folder to check delivery.

Run:  /usr/bin/python3 -m pytest tests/interop
Binary: $REDOUBT_BIN, default <repo>/build/release/redoubt.
"""

from __future__ import annotations

import email.utils
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("REDOUBT_BIN", REPO / "build" / "release" / "redoubt"))

HOSTNAME = "mx.test"
DOMAIN = "example.test"
PASSWORD = "correct horse battery staple"

START_TIMEOUT = 15.0  # seconds for `serve` to write run/ports
STOP_TIMEOUT = 15.0  # seconds for a graceful exit after SIGTERM
IO_TIMEOUT = 10.0  # seconds for any single socket read
CLI_TIMEOUT = 30.0  # seconds for one admin command


# --------------------------------------------------------------------------------------------
# Configuration files


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def config_text(smtp: dict | None = None, server: dict | None = None, log_level: str = "info",
                imap: dict | None = None) -> str:
    server_keys = {"hostname": HOSTNAME, **(server or {})}
    smtp_keys = {"listen": ["127.0.0.1:0"], **(smtp or {})}
    # Port 0 everywhere: tests run side by side, and never on the documented default ports.
    imap_keys = {"listen": ["127.0.0.1:0"], "listen_tls": ["127.0.0.1:0"], **(imap or {})}
    lines = ["[server]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in server_keys.items()]
    lines += ["", "[smtp]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in smtp_keys.items()]
    lines += ["", "[imap]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in imap_keys.items()]
    lines += ["", "[log]", f"level = {toml_value(log_level)}", ""]
    return "\n".join(lines)


def make_data_dir() -> Path:
    # Directly under /tmp: when run as root the server switches to the `redoubt` user, which must
    # be able to reach the folder (pytest's tmp_path sits below 0700 root-only parents).
    return Path(tempfile.mkdtemp(prefix="redoubt-data-", dir="/tmp"))


def make_config_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="redoubt-conf-", dir="/tmp"))


# Removing a data folder means removing its 256 blob fan-out folders, which is slow on some file
# systems (several ms per rmdir). Removal runs in the background; the session waits for it at the end.
_removals: list[subprocess.Popen] = []


def remove_later(*paths: Path) -> None:
    _removals[:] = [p for p in _removals if p.poll() is None]
    _removals.append(subprocess.Popen(["rm", "-rf", "--", *map(str, paths)],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL))


def wait_for_removals() -> None:
    for p in _removals:
        try:
            p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            p.kill()
    _removals.clear()


def pytest_sessionfinish(session, exitstatus):
    wait_for_removals()


def require_binary() -> Path:
    if not BIN.is_file() or not os.access(BIN, os.X_OK):
        pytest.fail(f"redoubt binary not found at {BIN} (build it or set REDOUBT_BIN)", pytrace=False)
    return BIN


# --------------------------------------------------------------------------------------------
# The server under test


@dataclass
class StoredMessage:
    mailbox: str
    uid: int
    modseq: int
    size: int


class Server:
    """One `redoubt serve` process on a data folder, plus the admin CLI bound to the same folder."""

    def __init__(self, data_dir: Path, conf_dir: Path, smtp: dict | None = None, server: dict | None = None,
                 imap: dict | None = None):
        self.bin = require_binary()
        self.data_dir = data_dir
        self.conf_dir = conf_dir
        self.config_path = conf_dir / "redoubt.toml"
        self.config_path.write_text(config_text(smtp, server, imap=imap))
        self.proc: subprocess.Popen | None = None
        self.log_path = conf_dir / "serve-0.log"
        self.runs = 0
        self.host = "127.0.0.1"
        self.port = 0

    # -- process control ---------------------------------------------------------------------

    def start(self) -> "Server":
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        ports = self.data_dir / "run" / "ports"
        # A restart on the same folder must not read the previous run's ports file.
        ports.unlink(missing_ok=True)
        self.log_path = self.conf_dir / f"serve-{self.runs}.log"
        self.runs += 1
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [str(self.bin), "serve", "--config", str(self.config_path), "--data", str(self.data_dir)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if ports.exists():
                text = ports.read_text()
                match = re.search(r"^smtp (\S+):(\d+)$", text, re.M)
                if match:
                    self.host, self.port = match.group(1), int(match.group(2))
                    # Every listener by protocol: {"smtp": [port, ...], "imap": [...], "imaps": [...]}.
                    self.ports = {}
                    for protocol, port in re.findall(r"^(\w+) \S+:(\d+)$", text, re.M):
                        self.ports.setdefault(protocol, []).append(int(port))
                    return self
            if self.proc.poll() is not None:
                raise AssertionError(f"redoubt serve exited with {self.proc.returncode}:\n{self.log()}")
            time.sleep(0.02)
        self.kill()
        raise AssertionError(f"redoubt serve wrote no run/ports within {START_TIMEOUT}s:\n{self.log()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, number: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(number)

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """SIGTERM, wait, SIGKILL if it does not go. Returns the exit code (None if killed)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- admin CLI ---------------------------------------------------------------------------

    def cli(self, *args: str, stdin: bytes | str | None = None, check: bool = False) -> subprocess.CompletedProcess:
        if isinstance(stdin, str):
            stdin = stdin.encode()
        result = subprocess.run(
            [str(self.bin), *args, "--data", str(self.data_dir), "--config", str(self.config_path)],
            input=stdin if stdin is not None else b"",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=CLI_TIMEOUT,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"redoubt {' '.join(args)} exited {result.returncode}: "
                f"{result.stderr.decode(errors='replace').strip()}"
            )
        return result

    def add_domain(self, name: str = DOMAIN) -> None:
        self.cli("domain", "add", name, check=True)

    def add_account(self, address: str, password: str = PASSWORD) -> None:
        self.cli("account", "add", address, stdin=password + "\n", check=True)

    def add_alias(self, address: str, *targets: str) -> None:
        self.cli("alias", "add", address, *targets, check=True)

    # -- reading the store through the CLI ---------------------------------------------------

    def mail_list(self, address: str) -> list[StoredMessage]:
        result = self.cli("mail", "list", address, check=True)
        out = []
        for line in result.stdout.decode().splitlines():
            if not line.strip():
                continue
            fields = line.split()
            assert len(fields) == 4, f"unexpected `mail list` line: {line!r}"
            out.append(StoredMessage(fields[0], int(fields[1]), int(fields[2]), int(fields[3])))
        return out

    def mail_cat(self, address: str, uid: int, mailbox: str | None = None) -> bytes:
        args = ["mail", "cat", address, str(uid)]
        if mailbox is not None:
            args += ["--mailbox", mailbox]
        return self.cli(*args, check=True).stdout

    def messages(self, address: str, mailbox: str = "INBOX") -> list[bytes]:
        """Raw stored messages of one mailbox, in UID order."""
        listed = sorted((m for m in self.mail_list(address) if m.mailbox == mailbox), key=lambda m: m.uid)
        return [self.mail_cat(address, m.uid, mailbox) for m in listed]

    def bodies(self, address: str, mailbox: str = "INBOX") -> list[bytes]:
        """The stored messages with the server's trace headers removed."""
        return [parse_stored(raw).original for raw in self.messages(address, mailbox)]

    def only_message(self, address: str) -> "Stored":
        messages = self.messages(address)
        assert len(messages) == 1, f"{address}: expected exactly one message in INBOX, found {len(messages)}"
        return parse_stored(messages[0])

    def cleanup(self) -> None:
        self.kill()
        remove_later(self.data_dir, self.conf_dir)


# --------------------------------------------------------------------------------------------
# Stored messages: Return-Path and Received on top, then the bytes the client sent


RECEIVED_RE = re.compile(
    r"^Received: from (?P<helo>\S+) \(\[(?P<ip>[^\]]+)\]\)"
    r" by (?P<by>\S+) \(Redoubt\) with (?P<protocol>[A-Z0-9]+)"
    r"(?: \((?P<tls>[^)]*)\))?"
    r" id (?P<id>[^\s;]+)"
    r"(?: for <(?P<for>[^>]*)>)?"
    r"; (?P<date>.+)$"
)


@dataclass
class Stored:
    return_path: bytes  # the Return-Path field value, e.g. b"<a@b>"
    received: str  # the Received field, unfolded
    received_fields: dict
    original: bytes  # everything after the two trace fields, byte for byte


def parse_stored(raw: bytes) -> Stored:
    assert raw.startswith(b"Return-Path: "), f"stored message does not start with Return-Path: {raw[:80]!r}"
    end = raw.index(b"\r\n")
    return_path = raw[len(b"Return-Path: "):end]
    rest = raw[end + 2:]
    assert rest.startswith(b"Received: "), f"second field is not Received: {rest[:80]!r}"
    # The Received field runs until a line that does not start with WSP (RFC 5322 folding).
    pos = 0
    while True:
        eol = rest.index(b"\r\n", pos)
        pos = eol + 2
        if rest[pos:pos + 1] not in (b" ", b"\t"):
            break
    received_raw = rest[:pos - 2]
    unfolded = re.sub(r"\r\n[ \t]+", " ", received_raw.decode("utf-8"))
    match = RECEIVED_RE.match(unfolded)
    assert match, f"Received field does not have the documented shape: {unfolded!r}"
    return Stored(return_path, unfolded, match.groupdict(), rest[pos:])


def assert_recent_date(text: str) -> None:
    parsed = email.utils.parsedate_to_datetime(text)
    assert parsed is not None and parsed.tzinfo is not None, f"not an RFC 5322 date: {text!r}"
    assert abs(parsed.timestamp() - time.time()) < 300, f"Received date far from now: {text!r}"


# --------------------------------------------------------------------------------------------
# A raw SMTP client, for what smtplib will not do (pipelining, malformed input, BDAT, injection)


class Reply:
    def __init__(self, lines: list[bytes]):
        self.lines = lines
        self.code = int(lines[0][:3])

    @property
    def text(self) -> str:
        """All lines after the code, joined by newlines."""
        return "\n".join(line[4:].decode("utf-8", "replace") for line in self.lines)

    @property
    def enhanced(self) -> str:
        first = self.lines[-1][4:].decode("utf-8", "replace")
        match = re.match(r"(\d\.\d{1,3}\.\d{1,3})\b", first)
        return match.group(1) if match else ""

    def __repr__(self) -> str:
        return " | ".join(line.decode("utf-8", "replace") for line in self.lines)


class RawSmtp:
    def __init__(self, host: str, port: int, timeout: float = IO_TIMEOUT, read_greeting: bool = True):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.timeout = timeout
        self.buffer = b""
        self.greeting = self.reply() if read_greeting else None

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self) -> "RawSmtp":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if not self._fill():
                raise ConnectionError(f"connection closed; unread: {self.buffer!r}")
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def reply(self) -> Reply:
        lines = []
        while True:
            line = self.line()
            assert re.match(rb"^\d{3}[ -]", line), f"malformed reply line {line!r}"
            lines.append(line)
            if line[3:4] == b" ":
                return Reply(lines)

    def cmd(self, line: str | bytes) -> Reply:
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")
        return self.reply()

    def ehlo(self, name: str = "client.test") -> Reply:
        reply = self.cmd(f"EHLO {name}")
        assert reply.code == 250, reply
        return reply

    def pending(self, wait: float = 0.5) -> bytes:
        """Whatever arrives within `wait` seconds (b"" if nothing)."""
        self.sock.settimeout(wait)
        try:
            while True:
                if not self._fill():
                    break
        except (socket.timeout, TimeoutError, ssl.SSLError):
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
        except (ConnectionResetError, BrokenPipeError):
            return True
        except ssl.SSLError:
            return True
        finally:
            self.sock.settimeout(self.timeout)

    def starttls(self) -> None:
        self.sock = client_tls_context().wrap_socket(self.sock, server_hostname=HOSTNAME)
        self.sock.settimeout(self.timeout)

    def transaction(self, sender: str, recipients: list[str], body: bytes) -> Reply:
        """MAIL, RCPT..., DATA with `body` sent as is (already dot-stuffed, ending in CRLF)."""
        r = self.cmd(f"MAIL FROM:<{sender}>")
        assert r.code == 250, r
        for rcpt in recipients:
            r = self.cmd(f"RCPT TO:<{rcpt}>")
            assert r.code == 250, r
        r = self.cmd("DATA")
        assert r.code == 354, r
        self.send(body + b".\r\n")
        return self.reply()


def client_tls_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the server made itself a self-signed certificate
    return context


def stored_id(reply: Reply) -> str:
    match = re.search(r"stored as (\S+)", reply.text)
    assert reply.code == 250 and match, f"expected '250 2.0.0 Ok: stored as <id>', got {reply!r}"
    return match.group(1)


def swaks(server: Server, *args: str, stdin: bytes | None = None, timeout: float = 30.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["swaks", "--server", f"{server.host}:{server.port}", "--timeout", "10", *args],
        input=stdin if stdin is not None else b"",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=timeout,
    )


# --------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def redoubt_bin() -> Path:
    return require_binary()


@pytest.fixture(scope="session")
def populated_template(redoubt_bin):
    """A data folder, made once per run: domain example.test and accounts alice@ and bob@ (added
    with the admin CLI), and the server's own files (started and stopped once). Tests get a private
    copy of it, because hashing a password costs about a second per account; each test still runs
    its own server on its own copy."""
    s = Server(make_data_dir(), make_config_dir())
    try:
        s.add_domain(DOMAIN)
        s.add_account(f"alice@{DOMAIN}")
        s.add_account(f"bob@{DOMAIN}")
        s.start()
        assert s.stop() == 0, s.log()
        (s.data_dir / "run" / "ports").unlink(missing_ok=True)
    except BaseException:
        s.cleanup()
        raise
    yield s.data_dir
    s.cleanup()
    wait_for_removals()  # the last fixture torn down: do not leave `rm` running after pytest exits


def new_server(smtp: dict | None = None, server: dict | None = None, template: Path | None = None) -> Server:
    data_dir, conf_dir = make_data_dir(), make_config_dir()
    try:
        if template is not None:
            shutil.copytree(template, data_dir, symlinks=True, dirs_exist_ok=True)
        return Server(data_dir, conf_dir, smtp, server)
    except BaseException:
        remove_later(data_dir, conf_dir)
        raise


@pytest.fixture
def make_server(redoubt_bin, request):
    """Factory: make_server(smtp={...}, server={...}, start=True, populated=False) -> Server.

    Each server gets a fresh data folder; with populated=True that folder starts as a copy of
    `populated_template` (example.test with alice@ and bob@). Every server made here is stopped
    (SIGTERM, then SIGKILL) and its folders removed afterwards.
    """
    made: list[Server] = []

    def factory(smtp: dict | None = None, server: dict | None = None, start: bool = True,
                populated: bool = False) -> Server:
        template = request.getfixturevalue("populated_template") if populated else None
        s = new_server(smtp, server, template)
        made.append(s)
        if start:
            s.start()
        return s

    yield factory
    for s in made:
        s.stop(timeout=5)
        s.cleanup()


@pytest.fixture(scope="module")
def _module_server(redoubt_bin, populated_template):
    s = new_server(template=populated_template)
    try:
        s.start()
    except BaseException:
        s.cleanup()
        raise
    yield s
    s.stop(timeout=5)
    s.cleanup()


@pytest.fixture
def shared_server(_module_server) -> Server:
    """A running server (example.test, alice@, bob@) shared by the tests of one module, for tests
    that only look at replies and store nothing. A test during which it dies fails at teardown;
    the next test gets it restarted."""
    s = _module_server
    if not s.running():
        s.start()
    yield s
    assert s.running(), f"the server died during this test (exit {s.proc.returncode}):\n{s.log()[-3000:]}"


@pytest.fixture
def server(make_server) -> Server:
    """A running server with domain example.test and accounts alice@ and bob@."""
    return make_server(populated=True)


@pytest.fixture
def raw(shared_server):
    """A connected raw client on `shared_server`, greeting read."""
    client = RawSmtp(shared_server.host, shared_server.port)
    yield client
    client.close()
