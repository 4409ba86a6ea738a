"""IMAP bad input: unknown commands, malformed tags and arguments, broken literals, literals over
APPENDLIMIT (refused before they are sent), invalid sequence sets, deep nesting, over-long lines,
commands in the wrong state, too many errors. Always a tagged (or untagged) BAD/NO, or BYE for
what cannot be recovered, never a crash: `shared_server` fails a test during which it died."""

from __future__ import annotations

import pytest

from conftest import PASSWORD
from imap_support import sessions  # noqa: F401 (fixture)
from imap_support import ALICE, Literal, RawImap, connect, imap_port, imap_server, message, quote, unique


@pytest.fixture
def anon(shared_server):
    c = RawImap(imap_port(shared_server))
    yield c
    c.close()


@pytest.fixture
def selected(shared_server, sessions):
    c = sessions.get()
    box = unique("bad")
    c.ok(f"CREATE {box}")
    for i in range(3):
        c.append(box, message(f"b{i}"))
    c.select(box)
    return c


def exchange(c: RawImap, raw: bytes, wait: float = 0.3) -> bytes:
    c.send(raw)
    return c.pending(wait)


@pytest.mark.parametrize("raw, answer", [
    (b"\r\n", b"* BAD missing or invalid tag\r\n"),
    (b"A1\r\n", b"* BAD missing or invalid tag\r\n"),
    (b"+ NOOP\r\n", b"* BAD missing or invalid tag\r\n"),
    (b"A2 \r\n", b"A2 BAD expected an atom\r\n"),
    (b"A3 FROBNICATE\r\n", b"A3 BAD unknown command\r\n"),
    (b"A4 NOOP extra\r\n", b"A4 BAD unexpected characters at the end of the command\r\n"),
    (b"A5 NO\nOP\r\n", b"A5 BAD unknown command\r\n"),  # a bare LF is not a line end
    (b"A6 NOOP\x00\r\n", b"A6 BAD unexpected characters at the end of the command\r\n"),
    (b"A7 LOGIN {1x}\r\n", b"A7 BAD invalid literal\r\n"),
    (b"A8 LOGIN \xff\xfe x\r\n", b"A8 BAD expected a string\r\n"),
])
def test_malformed_commands(anon, raw, answer):
    assert exchange(anon, raw) == answer
    # The session goes on.
    assert anon.command("NOOP").status == "OK"


def test_commands_in_the_wrong_state(shared_server, anon):
    for command in ("SELECT INBOX", "CREATE x", "LIST \"\" *", "FETCH 1 FLAGS", "ENABLE IMAP4rev2", "IDLE",
                    "APPEND INBOX {1+}\r\nx", "GETQUOTAROOT INBOX"):
        assert anon.command(command).tagged.endswith(b"BAD Log in first"), command
    c = connect(shared_server)
    try:
        for command in ("FETCH 1 FLAGS", "STORE 1 +FLAGS (\\Seen)", "SEARCH ALL", "EXPUNGE", "UID EXPUNGE 1",
                        "CLOSE", "UNSELECT", "COPY 1 INBOX", "MOVE 1 INBOX", "SORT (DATE) UTF-8 ALL",
                        "THREAD REFERENCES UTF-8 ALL", "CHECK"):
            assert c.command(command).tagged.endswith(b"BAD Select a mailbox first"), command
        c.select("INBOX")
        for command in (f"LOGIN {quote(ALICE)} {quote(PASSWORD)}", "AUTHENTICATE PLAIN", "STARTTLS"):
            assert c.command(command).tagged.endswith(b"BAD Not allowed after login"), command
        assert c.command("NOOP").status == "OK"
    finally:
        c.close()


def test_broken_literals(selected):
    c = selected
    # More octets after the literal than the command allows: BAD for that command only.
    c.send(b"L1 APPEND INBOX {10}\r\n")
    assert c.read_response_line() == b"+ Ready for literal data"
    assert exchange(c, b"0123456789garbage\r\n") == b"L1 BAD unexpected characters at the end of the command\r\n"
    # A literal where none may be (the SELECT name is an astring: a literal is fine, extra is not).
    c.send(b"L2 SELECT {5}\r\n")
    assert c.read_response_line() == b"+ Ready for literal data"
    assert exchange(c, b"INBOX trailing\r\n") == b'L2 BAD expected "("\r\n'  # SELECT parameters
    # A literal that swallows the CRLF and the next command's start: the command ends only at the
    # CRLF after the literal's octets (RFC 9051 §4.3), so both lines form one bad command.
    c.send(b"L3 SELECT {7}\r\n")
    assert c.read_response_line() == b"+ Ready for literal data"
    assert exchange(c, b"INBOX\r\nL4 NOOP\r\n") == b"L3 BAD unexpected characters at the end of the command\r\n"
    # Nothing of that stored a message; the session still works.
    assert c.command("NOOP").tagged.endswith(b"OK NOOP completed")


@pytest.mark.parametrize("sequence_set", ["0", "1,,2", "1:", ":2", "x", "4294967296", "1:4294967296", "-1", "1.5", "$$"])
def test_invalid_sequence_sets(selected, sequence_set):
    r = selected.command(f"FETCH {sequence_set} FLAGS")
    assert r.status == "BAD" and r.untagged == [], r
    r = selected.command(f"UID STORE {sequence_set} +FLAGS (\\Seen)")
    assert r.status == "BAD" and r.untagged == [], r


def test_sequence_numbers_past_the_end(selected):
    r = selected.command("FETCH 4 FLAGS")
    assert (r.status, r.text) == ("BAD", "Invalid message sequence number")
    r = selected.command("FETCH 1:4 FLAGS")
    assert r.status == "BAD" and r.untagged == []
    assert selected.command("STORE 2:9 +FLAGS (\\Seen)").status == "BAD"
    assert selected.command("COPY 9 INBOX").status == "BAD"
    # With UIDs, those that do not exist are simply not there (RFC 9051 §6.4.9).
    r = selected.ok("UID FETCH 1:4294967295 UID")
    assert r.untagged == [b"* 1 FETCH (UID 1)", b"* 2 FETCH (UID 2)", b"* 3 FETCH (UID 3)"]
    assert selected.ok("FETCH 1:3 FLAGS").untagged == [b"* 1 FETCH (FLAGS ())", b"* 2 FETCH (FLAGS ())",
                                                      b"* 3 FETCH (FLAGS ())"]


@pytest.mark.parametrize("depth", [100, 10000])
def test_deep_parentheses(selected, depth):
    r = selected.command("SEARCH " + "(" * depth + "ALL" + ")" * depth)
    assert r.status in ("OK", "BAD"), r
    if r.status == "OK":
        assert r.untagged == [b"* SEARCH 1 2 3"]
    r = selected.command("FETCH 1 " + "(" * depth + "FLAGS" + ")" * depth)
    assert r.status == "BAD"
    r = selected.command("SEARCH " + "NOT " * depth + "ALL")
    assert r.status in ("OK", "BAD"), r
    assert selected.command("NOOP").status == "OK"


@pytest.mark.parametrize("logged_in", [False, True])
def test_100kb_line_gets_bye(shared_server, logged_in):
    c = connect(shared_server) if logged_in else RawImap(imap_port(shared_server))
    try:
        c.send(b"A1 NOOP " + b"x" * 100_000 + b"\r\n")
        assert c.read_response_line() == b"* BYE [TOOBIG] Command line too long"
        assert c.is_closed(5)
    finally:
        c.close()


def test_too_many_errors_end_the_session(anon):
    for i in range(19):
        assert anon.command(f"FROB{i}").status == "BAD"
    anon.send(b"LAST FROB\r\n")
    assert anon.read_response_line() == b"LAST BAD unknown command"
    assert anon.read_response_line() == b"* BYE Too many invalid commands"
    assert anon.is_closed(5)


def test_big_literal_before_login_is_refused(anon):
    # Before login nothing needs more than a password: 64 KiB at most, refused before sending.
    assert exchange(anon, b"A1 LOGIN {100000}\r\n") == b"A1 NO [TOOBIG] Literal too large\r\n"
    assert anon.command("NOOP").status == "OK"
    # A non-synchronising one cannot be refused without reading it (RFC 7888 §4): BYE.
    anon.send(b"A2 LOGIN {100000+}\r\n")
    assert anon.read_response_line() == b"* BYE [TOOBIG] Command too large"
    assert anon.is_closed(5)


def test_big_literal_outside_append_is_refused(shared_server):
    # After login only APPEND messages may be large (they go to disk as they arrive); any other
    # command is held in memory, so a literal that would take it past 1 MiB is refused.
    c = connect(shared_server)
    try:
        c.ok("EXAMINE INBOX")
        assert exchange(c, b"A1 SEARCH TEXT {2000000}\r\n") == b"A1 NO [TOOBIG] Literal too large\r\n"
        assert c.command("NOOP").status == "OK"
        r = c.command("SEARCH TEXT ", Literal(b"x" * 100_000))
        assert r.status == "OK", r  # Large, but within the bound.
        c.send(b"A3 SEARCH TEXT {2000000+}\r\n")
        assert c.read_response_line() == b"* BYE [TOOBIG] Command too large"
        assert c.is_closed(5)
    finally:
        c.close()


# --------------------------------------------------------------------------------------------
# A small APPENDLIMIT (imap.max_append)


@pytest.fixture(scope="module")
def small_limit(populated_template):
    s = imap_server(populated_template, imap={"max_append": 4096})
    yield s
    s.stop(timeout=5)
    s.cleanup()


def test_appendlimit_is_advertised(small_limit):
    c = connect(small_limit)
    try:
        assert b"APPENDLIMIT=4096" in c.ok("CAPABILITY").untagged[0].split()
        assert c.ok("STATUS INBOX (APPENDLIMIT)").untagged == [b"* STATUS INBOX (APPENDLIMIT 4096)"]
    finally:
        c.close()


def test_literal_over_appendlimit_never_gets_a_continuation(small_limit):
    c = connect(small_limit)
    try:
        c.send(b"A1 APPEND INBOX {4097}\r\n")
        # RFC 7889 §4 / RFC 9051 §7.1: NO [TOOBIG] instead of "+": the client never sends it.
        assert c.read_response_line() == b"A1 NO [TOOBIG] Literal too large"
        assert c.pending(0.3) == b""
        # The command was dropped: what follows is a new command.
        assert c.command("NOOP").tagged.endswith(b"OK NOOP completed")
        # MULTIAPPEND: a later literal over the limit drops the whole command.
        r = c.command("APPEND INBOX ", Literal(b"Subject: a\r\n\r\na\r\n"), " ", Literal(b"x" * 5000))
        assert (r.status, r.code) == ("NO", "TOOBIG") and r.continuations == 1
        # At the limit: accepted and stored.
        data = b"Subject: at limit\r\n\r\n" + b"y" * (4096 - 21 - 2) + b"\r\n"
        assert len(data) == 4096
        uid = c.append_uid("INBOX", data)
        c.select("INBOX")
        assert c.ok(f"UID FETCH {uid} BODY.PEEK[]").fetches()[1]["BODY[]"] == data
        assert c.ok("STATUS INBOX (MESSAGES)").untagged == [b"* STATUS INBOX (MESSAGES 1)"]
    finally:
        c.close()


def test_nonsync_literal_over_appendlimit_ends_the_session(small_limit):
    c = connect(small_limit)
    try:
        c.send(b"A1 APPEND INBOX {5000+}\r\n" + b"z" * 100)
        # RFC 7888 §4: the server cannot refuse it without reading it all: BYE [TOOBIG].
        assert c.read_response_line() == b"* BYE [TOOBIG] Command too large"
        assert c.is_closed(5)
    finally:
        c.close()
