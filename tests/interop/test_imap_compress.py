"""IMAP COMPRESS=DEFLATE (RFC 4978): after the tagged OK of COMPRESS DEFLATE both directions are
raw DEFLATE streams (Python's zlib with wbits=-15, as RFC 4978 §4 says), above TLS when the
connection has it. The client here compresses each command with a sync flush and inflates what
arrives, and checks the IMAP conversation through it: APPEND with a synchronising literal,
SELECT, FETCH of a large body, IDLE woken by an SMTP delivery, LOGOUT."""

from __future__ import annotations

import re
import zlib

import pytest

from conftest import IO_TIMEOUT
from imap_support import (ALICE, ImapConnectionClosed, Literal, RawImap, deliver, imap_factory,  # noqa: F401
                          imap_port, imaps_port, message)

READ_CHUNK = 16 * 1024  # The server inflates (and reads) this much at a time.


class CompressedImap(RawImap):
    """RawImap that turns DEFLATE on in both directions once COMPRESS DEFLATE succeeded, and counts
    bytes on the wire and after inflation."""

    def __init__(self, *args, **kwargs):
        self.deflater = None
        self.inflater = None
        self.wire_in = 0
        self.plain_in = 0
        super().__init__(*args, **kwargs)

    def compress(self) -> None:
        r = self.command("COMPRESS DEFLATE")
        assert (r.status, r.text) == ("OK", "DEFLATE active"), r
        # The server compresses from the byte after the OK's CRLF and sends nothing before we
        # speak again: nothing may be buffered yet.
        assert self.buffer == b""
        self.deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        self.inflater = zlib.decompressobj(-15)

    def send(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        if self.deflater is not None:
            data = self.deflater.compress(data) + self.deflater.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> None:
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ImapConnectionClosed(f"connection closed; unread: {self.buffer[:200]!r}")
        if self.inflater is not None:
            self.wire_in += len(chunk)
            chunk = self.inflater.decompress(chunk)
            self.plain_in += len(chunk)
        self.buffer += chunk


def open_client(server, tls: bool) -> CompressedImap:
    port = imaps_port(server) if tls else imap_port(server)
    return CompressedImap(port, tls=tls)


def caps(text: str | bytes) -> list[str]:
    if isinstance(text, bytes):
        text = text.decode()
    return text.split()


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "imaps"])
def test_conversation_over_deflate(imap_factory, tls):
    server = imap_factory()
    c = open_client(server, tls)
    try:
        assert "COMPRESS=DEFLATE" not in c.greeting.decode()  # Offered once logged in only.
        login = c.login()
        assert "COMPRESS=DEFLATE" in caps(login.code)
        c.compress()

        r = c.ok("CAPABILITY")
        assert "COMPRESS=DEFLATE" in caps(r.untagged[0])
        # RFC 4978 §3: a second COMPRESS is refused, over the compressed stream.
        again = c.command("COMPRESS DEFLATE")
        assert (again.status, again.code) == ("NO", "COMPRESSIONACTIVE"), again

        # A synchronising literal: the "+" comes back compressed, the octets go compressed.
        small = message("small one")
        c.ok("APPEND INBOX (\\Flagged) ", Literal(small))
        big = message("big one", body="".join(f"line {i} of a long message body\r\n" for i in range(20000)))
        assert len(big) > 500_000
        c.ok("APPEND INBOX ", Literal(big))

        r = c.select("INBOX")
        assert b"* 2 EXISTS" in r.untagged
        wire_before, plain_before = c.wire_in, c.plain_in
        r = c.ok("FETCH 1:2 (FLAGS BODY.PEEK[])")
        fetched = r.fetches()
        assert fetched[1]["BODY[]"] == small and "\\Flagged" in fetched[1]["FLAGS"]
        assert fetched[2]["BODY[]"] == big
        # Compressed on the wire, not merely passed through.
        assert c.wire_in - wire_before < (c.plain_in - plain_before) / 5

        # IDLE: the server's EXISTS for a delivery reaches the client at once, compressed.
        c.send("I1 IDLE\r\n")
        assert c.read_response_line() == b"+ idling"
        deliver(server, ALICE, message("during idle"))
        assert c.read_response_line() == b"* 3 EXISTS"
        c.send("DONE\r\n")
        assert c.read_response_line() == b"I1 OK IDLE terminated"

        r = c.ok("UID FETCH 3 (BODY.PEEK[HEADER.FIELDS (Subject)])")
        assert b"Subject: during idle" in repr(r).encode()
        r = c.command("LOGOUT")
        assert r.status == "OK" and r.untagged == [b"* BYE Logging out"]
        assert c.is_closed()
    finally:
        c.close()


def test_idle_sees_input_already_inflated(imap_factory):
    """APPEND, IDLE and DONE sent in one compressed write: the server inflates 16 KiB per read, so
    DONE is still inside its inflater when IDLE starts waiting. The wait must see it (no socket
    readiness will ever come for it) instead of sleeping until the idle timeout."""
    server = imap_factory()
    c = open_client(server, tls=False)
    try:
        c.login()
        c.compress()
        tail = b"\r\nI1 IDLE\r\n"
        for size in range(6 * READ_CHUNK, 7 * READ_CHUNK):
            head = b"T9 APPEND INBOX {%d+}\r\n" % size
            if (len(head) + size + len(tail)) % READ_CHUNK == 0:
                break
        body = message("pipelined", body="x" * 10)
        literal = body + b"y" * (size - len(body))
        c.send(head + literal + tail + b"DONE\r\n")
        c.sock.settimeout(2 * IO_TIMEOUT)  # Far below the 30 min idle timeout: a stuck IDLE fails here.
        lines = [c.read_response_line() for _ in range(3)]
        assert re.fullmatch(rb"T9 OK \[APPENDUID \d+ \d+\] APPEND completed", lines[0]), lines
        assert lines[1:] == [b"+ idling", b"I1 OK IDLE terminated"]
    finally:
        c.close()


def test_refusals(imap_factory):
    server = imap_factory()
    c = CompressedImap(imap_port(server))
    try:
        # RFC 4978 §3: authenticated and selected states only.
        r = c.command("COMPRESS DEFLATE")
        assert r.status == "BAD", r
        c.login()
        r = c.command("COMPRESS LZW")
        assert r.status == "BAD", r
        # The client must wait for the result before sending more: what it pipelined cannot be
        # told compressed from plain, so COMPRESS is refused and the rest read as plain.
        c.send("C1 COMPRESS DEFLATE\r\nC2 NOOP\r\n")
        r = c.read_until_tagged("C1")
        assert r.status == "BAD", r
        assert c.read_until_tagged("C2").status == "OK"
        # Still plain: and compression can still start.
        c.compress()
        assert c.ok("NOOP").tagged.endswith(b"OK NOOP completed")
    finally:
        c.close()


def test_corrupt_stream_closes_the_session(imap_factory):
    server = imap_factory()
    c = CompressedImap(imap_port(server))
    try:
        c.login()
        c.compress()
        c.send_raw(b"\xff\xff\xff\xff this is not deflate\r\n")
        assert c.is_closed()
    finally:
        c.close()
    assert "reason=compress-error" in server.log()
    assert server.running()


def vm_hwm_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"^VmHWM:\s+(\d+) kB", f.read(), re.M).group(1))


def test_decompression_bomb_is_refused_without_inflating_it(imap_factory):
    """~1 MiB on the wire that inflates to a 1 GiB command line: the server inflates it 16 KiB at a
    time into its command framer, which refuses the line past 64 KiB; the rest is never inflated."""
    server = imap_factory()
    c = CompressedImap(imap_port(server))
    try:
        c.login()
        c.compress()
        before = vm_hwm_kib(server.pid)
        z = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
        head = z.compress(b"T1 NOOP ") + z.compress(b"a" * (1 << 20)) + z.flush(zlib.Z_SYNC_FLUSH)
        # After the first MiB the window is all "a": this piece inflates to another MiB each time.
        piece = z.compress(b"a" * (1 << 20)) + z.flush(zlib.Z_SYNC_FLUSH)
        bomb = head + piece * 1023
        assert len(bomb) < 2 << 20
        c.deflater = None  # Sent as made above, continuing the stream's first block.
        try:
            c.send_raw(bomb)
            line = c.read_response_line()
            assert line.startswith(b"* BYE [TOOBIG]"), line
        except (ConnectionResetError, BrokenPipeError, ImapConnectionClosed):
            pass  # Closed while we still sent: the BYE may be lost to the reset.
        assert c.is_closed()
    finally:
        c.close()
    assert "reason=too-large" in server.log()
    assert server.running()
    grew = vm_hwm_kib(server.pid) - before
    assert grew < 32 * 1024, f"peak RSS grew by {grew} KiB"
