"""IMAP sessions: greeting, CAPABILITY, ID, ENABLE, NOOP, LOGOUT, timeouts and connection limits
(RFC 9051 §6.1, §7.1, RFC 2971, RFC 5161)."""

from __future__ import annotations

import imaplib
import re
import time

from conftest import IO_TIMEOUT, PASSWORD
from imap_support import imap_factory  # noqa: F401 (fixture)
from imap_support import ALICE, RawImap, close_imaplib, connect, imap_port, quote

PRE_LOGIN = ["IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE", "STARTTLS", "AUTH=PLAIN"]
# Everything issue 4 lists that the server implements (COMPRESS=DEFLATE and SCRAM: see
# test_imap_auth.py's xfail tests).
AFTER_LOGIN = {
    "IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE", "IDLE", "NAMESPACE", "UIDPLUS", "MOVE",
    "UNSELECT", "CHILDREN", "LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE", "CONDSTORE",
    "QRESYNC", "ESEARCH", "SEARCHRES", "SORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "BINARY", "QUOTA",
    "QUOTA=RES-STORAGE", "STATUS=SIZE", "MULTIAPPEND", "UTF8=ACCEPT", "APPENDLIMIT=67108864",
}


# Issue 4 asks for these too; they are being added (SCRAM-SHA-256, COMPRESS=DEFLATE), so the
# lists below may or may not hold them.
COMING = {"AUTH=SCRAM-SHA-256", "AUTH=SCRAM-SHA-256-PLUS", "COMPRESS=DEFLATE"}


def caps_of(text: bytes | str) -> list[str]:
    if isinstance(text, bytes):
        text = text.decode()
    return text.split()


def assert_caps(listed: list[str], expected: list[str] | set[str]) -> None:
    """`listed` is `expected` (in order, for a list), give or take the COMING capabilities."""
    rest = [c for c in listed if c not in COMING]
    if isinstance(expected, list):
        assert rest == expected, listed
    else:
        assert set(rest) == expected and len(rest) == len(expected), listed


def test_greeting_lists_pre_login_capabilities(shared_server):
    with RawImap(imap_port(shared_server)) as c:
        m = re.fullmatch(rb"\* OK \[CAPABILITY ([^\]]*)\] Redoubt ready", c.greeting)
        assert m, c.greeting
        assert_caps(caps_of(m.group(1)), PRE_LOGIN)
        r = c.ok("CAPABILITY")
        assert r.untagged == [b"* CAPABILITY " + m.group(1)]
        assert r.tagged == b"T1 OK CAPABILITY completed"


def test_capabilities_after_login_match_the_login_response_code(shared_server):
    with RawImap(imap_port(shared_server)) as c:
        login = c.login()
        assert login.code.startswith("CAPABILITY ")
        in_code = caps_of(login.code[len("CAPABILITY "):])
        r = c.ok("CAPABILITY")
        assert len(r.untagged) == 1 and r.untagged[0].startswith(b"* CAPABILITY ")
        listed = caps_of(r.untagged[0][len(b"* CAPABILITY "):])
        assert_caps(listed, AFTER_LOGIN)
        assert "STARTTLS" not in listed and not any(c.startswith("AUTH=") for c in listed)
        # RFC 9051 §6.2.2/§7.1: the code in the tagged OK is the capability list; a client that
        # caches it (Thunderbird, imaplib) must learn the same things as from CAPABILITY.
        assert set(in_code) == set(listed)


def test_noop_and_logout(shared_server):
    c = RawImap(imap_port(shared_server))
    try:
        assert c.command("NOOP").tagged == b"T1 OK NOOP completed"
        r = c.command("LOGOUT")
        assert r.untagged == [b"* BYE Logging out"]
        assert r.tagged == b"T2 OK LOGOUT completed"
        assert c.is_closed(5)
        assert c.buffer == b""
    finally:
        c.close()


def test_logout_when_selected(shared_server):
    c = connect(shared_server)
    try:
        c.select("INBOX")
        r = c.command("LOGOUT")
        assert r.untagged == [b"* BYE Logging out"] and r.status == "OK"
        assert c.is_closed(5)
    finally:
        c.close()


def test_id_before_and_after_login(shared_server):
    with RawImap(imap_port(shared_server)) as c:
        r = c.ok('ID ("name" "pytest" "version" "1.0")')
        assert r.untagged == [b'* ID ("name" "Redoubt")']
        c.login()
        r = c.ok("ID NIL")
        assert r.untagged == [b'* ID ("name" "Redoubt")']
        assert r.tagged.endswith(b"OK ID completed")


def test_enable(shared_server):
    with RawImap(imap_port(shared_server)) as c:
        # RFC 5161 §3.1: ENABLE is valid only once authenticated.
        assert c.command("ENABLE CONDSTORE").status == "BAD"
        c.login()
        r = c.ok("ENABLE CONDSTORE")
        assert r.untagged == [b"* ENABLED CONDSTORE"]
        # Already enabled, or unknown: not listed again (RFC 5161 §3.1).
        r = c.ok("ENABLE CONDSTORE X-UNKNOWN")
        assert r.untagged == [b"* ENABLED"]
        # QRESYNC implies CONDSTORE (RFC 7162 §3.2.3), which is on already: only QRESYNC is new.
        r = c.ok("ENABLE qresync")
        assert r.untagged == [b"* ENABLED QRESYNC"]


def test_imaplib_session(shared_server):
    m = imaplib.IMAP4("127.0.0.1", imap_port(shared_server), timeout=IO_TIMEOUT)
    try:
        assert "IMAP4REV1" in m.capabilities and "STARTTLS" in m.capabilities
        typ, data = m.login(ALICE, PASSWORD)
        assert typ == "OK" and data[0].endswith(b"] Logged in")
        assert m.noop()[0] == "OK"
        typ, data = m.select("INBOX", readonly=True)
        assert typ == "OK"
        assert m.logout()[0] == "BYE"
    finally:
        close_imaplib(m)


def test_login_timeout_autologout(imap_factory):
    server = imap_factory(imap={"login_timeout": 1})
    with RawImap(imap_port(server)) as c:
        started = time.monotonic()
        assert c.read_response_line() == b"* BYE Autologout; idle for too long"
        assert c.is_closed(5)
        assert 0.8 < time.monotonic() - started < 5


def test_connection_limit_per_address(imap_factory):
    server = imap_factory(imap={"max_connections_per_ip": 2})
    first, second = RawImap(imap_port(server)), RawImap(imap_port(server))
    try:
        with RawImap(imap_port(server), read_greeting=False) as third:
            assert third.read_response_line() == b"* BYE [UNAVAILABLE] Too many connections, try again later"
            assert third.is_closed(5)
        # The first two still work, and a slot frees up when one leaves.
        assert first.command("NOOP").status == "OK"
        second.logout()
        deadline = time.monotonic() + 5
        while True:
            with RawImap(imap_port(server), read_greeting=False) as again:
                line = again.read_response_line()
                if line.startswith(b"* OK") or time.monotonic() > deadline:
                    break
            time.sleep(0.05)
        assert line.startswith(b"* OK [CAPABILITY"), line
    finally:
        first.close()
        second.close()


def test_sigterm_says_bye_to_every_session(imap_factory):
    import signal

    server = imap_factory()
    anonymous = RawImap(imap_port(server))
    authenticated = connect(server)
    idling = connect(server)
    try:
        idling.select("INBOX")
        idling.send("I1 IDLE\r\n")
        assert idling.read_response_line() == b"+ idling"
        server.signal(signal.SIGTERM)
        # RFC 9051 §7.1.5: BYE before the server closes, whatever state the session is in.
        for c in (anonymous, authenticated, idling):
            assert c.read_response_line() == b"* BYE Server shutting down"
            assert c.is_closed(5)
        assert server.wait(15) == 0
    finally:
        for c in (anonymous, authenticated, idling):
            c.close()


def test_login_with_literals_and_quoted_specials(shared_server):
    """LOGIN takes astrings: atom, quoted string or literal (RFC 9051 §6.2.3)."""
    from imap_support import Literal

    with RawImap(imap_port(shared_server)) as c:
        r = c.command("LOGIN ", Literal(ALICE.encode()), " ", Literal(PASSWORD.encode()))
        assert r.status == "OK" and r.continuations == 2
    with RawImap(imap_port(shared_server)) as c:
        r = c.command(f"LOGIN {quote(ALICE)} ", Literal(PASSWORD.encode(), nonsync=True))
        assert r.status == "OK" and r.continuations == 0
