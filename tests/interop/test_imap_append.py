"""IMAP APPEND and MULTIAPPEND: what is stored (byte for byte, flags, internal date), APPENDUID,
literal forms, TRYCREATE, all-or-nothing MULTIAPPEND, APPENDLIMIT (RFC 9051 §6.3.12, RFC 4315,
RFC 3502, RFC 7888, RFC 3516 §4.4, RFC 7889)."""

from __future__ import annotations

import email.utils
import imaplib
import re
import time

from imap_support import sessions  # noqa: F401 (fixture)
from imap_support import ALICE, Literal, close_imaplib, imaplib_login, message, parse, quote, unique


def status(c, box: str, items: str = "MESSAGES") -> dict[str, int]:
    values = parse(c.ok(f"STATUS {quote(box)} ({items})").untagged[0])[3]
    return {str(k): int(v) for k, v in zip(values[0::2], values[1::2])}


def test_append_stores_bytes_flags_and_date(shared_server, sessions):
    c = sessions.get()
    box = unique("app")
    c.ok(f"CREATE {box}")
    uidvalidity = status(c, box, "UIDVALIDITY")["UIDVALIDITY"]
    data = message("appended", body="line one\r\n\r\n.line with dot\r\n\x7f trailing  \r\n")
    r = c.command(f'APPEND {box} (\\Seen \\Flagged $Work) "17-Jul-1996 02:44:25 -0700" ', Literal(data))
    assert r.tagged == f"T4 OK [APPENDUID {uidvalidity} 1] APPEND completed".encode()
    assert r.continuations == 1 and r.untagged == [b"+ Ready for literal data"]
    c.select(box)
    got = c.ok("FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])").fetches()[1]
    assert got["FLAGS"] == ["\\Seen", "\\Flagged", "$Work"]
    assert got["RFC822.SIZE"] == str(len(data))
    assert got["BODY[]"] == data
    date = got["INTERNALDATE"].decode().strip().replace("-", " ", 2)
    assert email.utils.parsedate_to_datetime(date) == email.utils.parsedate_to_datetime(
        "Wed, 17 Jul 1996 02:44:25 -0700")
    # What the store holds, read by the admin CLI: exactly the literal, no trace fields.
    assert shared_server.mail_cat(ALICE, 1, box) == data


def test_append_without_date_uses_now(shared_server, sessions):
    c = sessions.get()
    box = unique("now")
    c.ok(f"CREATE {box}")
    c.append(box, message("now"))
    c.select(box)
    got = c.ok("FETCH 1 (FLAGS INTERNALDATE)").fetches()[1]
    assert got["FLAGS"] == []
    date = email.utils.parsedate_to_datetime(got["INTERNALDATE"].decode().strip().replace("-", " ", 2))
    assert abs(date.timestamp() - time.time()) < 120


def test_append_literal_forms(shared_server, sessions):
    c = sessions.get()
    box = unique("forms")
    c.ok(f"CREATE {box}")
    plus = message("literal plus")
    r = c.command(f"APPEND {box} ", Literal(plus, nonsync=True))
    assert r.status == "OK" and r.continuations == 0
    # RFC 3516 §4.4: literal8 may carry NUL; the message is stored as sent.
    binary = b"Subject: binary\r\n\r\nnul \x00 here\r\n"
    r = c.command(f"APPEND {box} ", Literal(binary, binary=True))
    assert r.status == "OK"
    c.select(box)
    got = c.ok("FETCH 1:2 (BINARY.PEEK[] RFC822.SIZE)").fetches()
    assert got[1] == {"BINARY[]": plus, "RFC822.SIZE": str(len(plus))}
    assert got[2] == {"BINARY[]": binary, "RFC822.SIZE": str(len(binary))}
    # NUL in a plain literal is not allowed (RFC 9051 §4.3: CHAR8 excludes NUL).
    r = c.command(f"APPEND {box} ", Literal(binary))
    assert r.status == "BAD"
    assert status(c, box)["MESSAGES"] == 2


def test_append_to_missing_mailbox_says_trycreate(shared_server, sessions):
    c = sessions.get()
    r = c.command(f"APPEND {unique('missing')} ", Literal(message("lost")))
    assert (r.status, r.code) == ("NO", "TRYCREATE")


def test_append_refusals_store_nothing(shared_server, sessions):
    c = sessions.get()
    box = unique("refuse")
    c.ok(f"CREATE {box}")
    r = c.command(f"APPEND {box} ", Literal(b""))
    assert r.status == "NO"
    r = c.command(f"APPEND {box} (\\Recent) ", Literal(message("recent")))
    assert r.status == "BAD"
    r = c.command(f'APPEND {box} () "31-Feb-2024 00:00:00 +0000" ', Literal(message("bad date")))
    assert r.status == "BAD"
    assert status(c, box)["MESSAGES"] == 0


def test_append_to_selected_mailbox_announces_exists(shared_server, sessions):
    c = sessions.get()
    box = unique("sel")
    c.ok(f"CREATE {box}")
    c.append(box, message("first"))
    c.select(box)
    r = c.append(box, message("second"))
    # RFC 9051 §6.3.12: the server SHOULD notify the client via EXISTS.
    assert r.untagged == [b"+ Ready for literal data", b"* 2 EXISTS"]
    assert c.ok("FETCH 2 UID").untagged == [b"* 2 FETCH (UID 2)"]


def test_multiappend(shared_server, sessions):
    c = sessions.get()
    box = unique("multi")
    c.ok(f"CREATE {box}")
    c.append(box, message("zero"))
    uidvalidity = status(c, box, "UIDVALIDITY")["UIDVALIDITY"]
    msgs = [message(f"multi {i}") for i in range(3)]
    r = c.command(f"APPEND {box} (\\Seen) ", Literal(msgs[0]), ' () "01-Jan-2020 00:00:00 +0000" ', Literal(msgs[1]),
                  " ", Literal(msgs[2]))
    assert r.continuations == 3
    # RFC 4315 §3 / RFC 3502: one APPENDUID with the UIDs of all the messages, in order.
    assert (r.status, r.code) == ("OK", f"APPENDUID {uidvalidity} 2:4")
    c.select(box)
    got = c.ok("FETCH 2:4 (FLAGS BODY.PEEK[])").fetches()
    assert [got[i]["BODY[]"] for i in (2, 3, 4)] == msgs
    assert [got[i]["FLAGS"] for i in (2, 3, 4)] == [["\\Seen"], [], []]


def test_multiappend_is_all_or_nothing(shared_server, sessions):
    c = sessions.get()
    box = unique("atomic")
    c.ok(f"CREATE {box}")
    # A bad flag on the second message: BAD, and the first is not stored either
    # (RFC 3502 §6.3.11: "If the server returns an error ... none of the messages").
    r = c.command(f"APPEND {box} ", Literal(message("one")), " (\\Bogus) ", Literal(message("two")))
    assert r.status == "BAD"
    # The second literal announced over APPENDLIMIT: refused before it is sent; nothing stored.
    r = c.command(f"APPEND {box} ", Literal(message("three")), " ", Literal(b"x" * 67108865))
    assert (r.status, r.code) == ("NO", "TOOBIG")
    assert r.continuations == 1
    assert status(c, box)["MESSAGES"] == 0
    assert c.command("NOOP").status == "OK"


def test_literal_over_appendlimit_is_refused_before_it_is_sent(shared_server, sessions):
    c = sessions.get()
    caps = c.ok("CAPABILITY").untagged[0].split()
    assert b"APPENDLIMIT=67108864" in caps
    c.send(f"A1 APPEND INBOX {{{67108864 + 1}}}\r\n")
    # RFC 7889 / RFC 9051 §7.5: a tagged NO [TOOBIG] instead of "+"; the client never sends it.
    line = c.read_response_line()
    assert line == b"A1 NO [TOOBIG] Literal too large"
    assert c.pending(0.3) == b""
    assert c.command("NOOP").tagged.endswith(b"OK NOOP completed")
    # At the limit, "+" comes (the literal is then abandoned by sending nothing: the test
    # does not push 64 MiB through).
    c.send(f"A2 APPEND INBOX {{{67108864}}}\r\n")
    assert c.read_response_line() == b"+ Ready for literal data"


def test_imaplib_append(shared_server):
    m = imaplib_login(shared_server)
    try:
        box = unique("lib")
        assert m.create(box)[0] == "OK"
        data = message("via imaplib")
        date = imaplib.Time2Internaldate(time.time())
        typ, resp = m.append(box, "(\\Draft)", date, data)
        assert typ == "OK" and re.match(rb"\[APPENDUID \d+ 1\] APPEND completed", resp[0])
        m.select(box)
        typ, resp = m.fetch("1", "(FLAGS BODY.PEEK[])")
        assert resp[0][0] == f"1 (FLAGS (\\Draft) BODY[] {{{len(data)}}}".encode()
        assert resp[0][1] == data
        m.logout()
    finally:
        close_imaplib(m)
