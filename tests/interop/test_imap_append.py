"""IMAP APPEND and MULTIAPPEND: what is stored (byte for byte, flags, internal date), APPENDUID,
literal forms, TRYCREATE, all-or-nothing MULTIAPPEND, APPENDLIMIT (RFC 9051 §6.3.12, RFC 4315,
RFC 3502, RFC 7888, RFC 3516 §4.4, RFC 7889). Large messages are streamed to disk as they arrive:
the server's memory stays far below their size."""

from __future__ import annotations

import email.utils
import imaplib
import re
import time
from pathlib import Path

from imap_support import sessions  # noqa: F401 (fixture)
from imap_support import ALICE, Literal, close_imaplib, connect, imaplib_login, message, parse, quote, unique


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


# --------------------------------------------------------------------------------------------
# Large messages: streamed from the socket to the blob store, never held in memory


def rss_anon_kib(pid: int) -> int:
    """The process's resident anonymous memory (heap, stacks; not the page cache or mappings of
    files), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1])
    raise AssertionError(f"no RssAnon in /proc/{pid}/status")


def big_message(name: str, size: int, binary: bool = False) -> bytes:
    """A message of exactly `size` octets whose lines all differ (so no two regions of a copy
    could share pages), with NUL octets if `binary`."""
    head = f"Subject: {name}\r\nMessage-ID: <{name}@big.test>\r\n\r\n".encode()
    filler = b"\x00" if binary else b"."
    lines = b"".join(b"%010d %s %s\r\n" % (i, name.encode(), filler * 60) for i in range(size // 80 + 1))
    return head + lines[: size - len(head)]


# Well above everything a streamed message may keep in memory (about 256 KiB in the blob writer,
# plus read buffers), well below the half a buffering server would hold when it is sampled.
RSS_GROWTH_LIMIT_KIB = 4096


def check_rss_growth(server, growth_kib: int, what: str) -> None:
    # AddressSanitizer keeps freed memory resident (its quarantine), so there RssAnon grows with
    # every buffer allocated and freed, and says nothing about what the server holds.
    if "libasan" in Path(f"/proc/{server.pid}/maps").read_text():
        return
    assert growth_kib < RSS_GROWTH_LIMIT_KIB, f"{what}: RssAnon grew by {growth_kib} KiB mid-literal"


def send_sampling_memory(c, server, data: bytes) -> int:
    """Sends `data` in two halves with a pause between; returns how much the server's RssAnon
    grew (KiB) while it held the first half."""
    before = rss_anon_kib(server.pid)
    half = len(data) // 2
    c.send(data[:half])
    assert c.pending(0.3) == b""  # The half has left the client; the server has taken it in.
    during = rss_anon_kib(server.pid)
    c.send(data[half:])
    return during - before


def test_large_append_is_streamed_not_buffered(server):
    c = connect(server)
    box = unique("big")
    c.ok(f"CREATE {box}")
    stored = {}
    for tag, nonsync in (("S1", False), ("S2", True)):  # A synchronising literal, then LITERAL+.
        data = big_message(f"big-{tag}", 30 * 1024 * 1024)
        c.send(f"{tag} APPEND {box} {{{len(data)}{'+' if nonsync else ''}}}\r\n".encode())
        if not nonsync:
            assert c.read_response_line() == b"+ Ready for literal data"
        growth = send_sampling_memory(c, server, data)
        c.send(b"\r\n")
        r = c.read_until_tagged(tag)
        assert r.status == "OK", r
        print(f"{tag}: RssAnon grew by {growth} KiB while 15 MiB of a 30 MiB APPEND were in")
        check_rss_growth(server, growth, tag)
        stored[int(r.code.split()[2])] = data
    for uid, data in stored.items():
        assert server.mail_cat(ALICE, uid, box) == data
    c.select(box)
    sizes = c.ok("FETCH 1:2 RFC822.SIZE").fetches()
    assert [int(sizes[i]["RFC822.SIZE"]) for i in (1, 2)] == [30 * 1024 * 1024] * 2
    c.logout()


def test_multiappend_of_large_messages(server):
    c = connect(server)
    box = unique("bigmulti")
    c.ok(f"CREATE {box}")
    c.append(box, message("first"))
    msgs = [big_message("multi-a", 6 * 1024 * 1024), message("small between"),
            big_message("multi-b", 12 * 1024 * 1024 + 7, binary=True), big_message("multi-c", 3 * 1024 * 1024)]
    # A synchronising literal, a small LITERAL+ one, a literal8 with NULs, and a last one.
    c.send(f"M1 APPEND {box} (\\Seen) {{{len(msgs[0])}}}\r\n".encode())
    assert c.read_response_line() == b"+ Ready for literal data"
    c.send(msgs[0] + f" {{{len(msgs[1])}+}}\r\n".encode() + msgs[1] + f' () "01-Jan-2020 00:00:00 +0000" ~{{{len(msgs[2])}+}}\r\n'.encode())
    growth = send_sampling_memory(c, server, msgs[2])
    c.send(f" {{{len(msgs[3])}}}\r\n".encode())
    assert c.read_response_line() == b"+ Ready for literal data"
    c.send(msgs[3] + b"\r\n")
    r = c.read_until_tagged("M1")
    assert (r.status, r.code.split()[2]) == ("OK", "2:5"), r
    check_rss_growth(server, growth, "MULTIAPPEND")
    for uid, data in zip(range(2, 6), msgs):
        assert server.mail_cat(ALICE, uid, box) == data
    c.select(box)
    got = c.ok("FETCH 2:5 (FLAGS RFC822.SIZE)").fetches()
    assert [got[i]["FLAGS"] for i in range(2, 6)] == [["\\Seen"], [], [], []]
    assert [int(got[i]["RFC822.SIZE"]) for i in range(2, 6)] == [len(m) for m in msgs]
    # The summary computed from the stored body answers ENVELOPE.
    assert c.ok("FETCH 2 ENVELOPE").untagged[0].startswith(b'* 2 FETCH (ENVELOPE (NIL "multi-a"')
    c.logout()


def test_large_append_errors_store_nothing(server):
    c = connect(server)
    box = unique("bigbad")
    c.ok(f"CREATE {box}")
    big = big_message("bad", 2 * 1024 * 1024)
    temp_dir = server.data_dir / "blobs" / "tmp"
    # Bad syntax after the literal: BAD, and the message streamed to disk is discarded.
    c.send(f"B1 APPEND {box} {{{len(big)}+}}\r\n".encode() + big + b" trailing\r\n")
    assert c.read_until_tagged("B1").status == "BAD"
    # NUL in a plain literal (RFC 9051 §4.3), found while it streamed.
    with_nul = big_message("nul", 1024 * 1024, binary=True)
    c.send(f"B2 APPEND {box} {{{len(with_nul)}+}}\r\n".encode() + with_nul + b"\r\n")
    assert c.read_until_tagged("B2").status == "BAD"
    # A bad flag on the third message of a MULTIAPPEND, after two large ones: BAD, none stored.
    r = c.command(f"APPEND {box} ", Literal(big), " ", Literal(big_message("two", 1024 * 1024), nonsync=True),
                  " (\\Bogus) ", Literal(message("three")))
    assert r.status == "BAD"
    # A missing mailbox is found only after the literal: TRYCREATE.
    r = c.command(f"APPEND {unique('missing')} ", Literal(big, nonsync=True))
    assert (r.status, r.code) == ("NO", "TRYCREATE")
    assert status(c, box)["MESSAGES"] == 0
    assert sorted(temp_dir.iterdir()) == []
    # The session is still in step with the client.
    assert c.append_uid(box, big) == 1
    assert server.mail_cat(ALICE, 1, box) == big
    c.logout()
