"""IMAP FETCH: every data item on a multipart message, byte for byte (RFC 9051 §6.4.5, §7.5.2,
RFC 3516 BINARY, RFC 7162 MODSEQ), the implicit \\Seen, UID FETCH, sequence sets, and imaplib."""

from __future__ import annotations

import email.utils
import re

import pytest

from imap_support import sessions  # noqa: F401 (fixture)
from imap_support import close_imaplib, connect, imaplib_login, message, unique

MULTIPART = (
    b"From: \"Alice Example\" <alice@example.test>\r\n"
    b"To: Bob <bob@example.test>, carol@other.test\r\n"
    b"Cc: team: dave@other.test, erin@other.test;\r\n"
    b"Subject: =?utf-8?q?Caf=C3=A9?= report\r\n"
    b"Date: Tue, 02 Jan 2024 03:04:05 +0100\r\n"
    b"Message-ID: <mp1@example.test>\r\n"
    b"In-Reply-To: <parent@example.test>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    b"\r\n"
    b"preamble\r\n"
    b"--outer\r\n"
    b"Content-Type: multipart/alternative; boundary=inner\r\n"
    b"\r\n"
    b"--inner\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Caf=C3=A9 au lait\r\n"
    b"second line\r\n"
    b"--inner\r\n"
    b"Content-Type: text/html; charset=us-ascii\r\n"
    b"\r\n"
    b"<p>Cafe</p>\r\n"
    b"--inner--\r\n"
    b"--outer\r\n"
    b"Content-Type: application/octet-stream; name=\"data.bin\"\r\n"
    b"Content-Disposition: attachment; filename=\"data.bin\"\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"Content-ID: <att1@example.test>\r\n"
    b"Content-Description: some bytes\r\n"
    b"\r\n"
    b"AAECAwQFBgcICQ==\r\n"
    b"--outer\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"From: inner@other.test\r\n"
    b"Subject: inner message\r\n"
    b"\r\n"
    b"inner body\r\n"
    b"--outer--\r\n"
    b"epilogue\r\n"
)
HEADER_END = MULTIPART.index(b"\r\n\r\n") + 4
HEADER, TEXT = MULTIPART[:HEADER_END], MULTIPART[HEADER_END:]

ENVELOPE = [
    b"Tue, 02 Jan 2024 03:04:05 +0100",
    b"=?utf-8?q?Caf=C3=A9?= report",
    [[b"Alice Example", None, b"alice", b"example.test"]],  # from
    [[b"Alice Example", None, b"alice", b"example.test"]],  # sender defaults to from
    [[b"Alice Example", None, b"alice", b"example.test"]],  # reply-to defaults to from
    [[b"Bob", None, b"bob", b"example.test"], [None, None, b"carol", b"other.test"]],
    # RFC 9051 §7.5.2: a group is a start marker (mailbox = group name, host NIL) and an end
    # marker (all NIL).
    [[None, None, b"team", None], [None, None, b"dave", b"other.test"], [None, None, b"erin", b"other.test"],
     [None, None, None, None]],
    None,  # bcc
    b"<parent@example.test>",
    b"<mp1@example.test>",
]
INNER_ENVELOPE = [None, b"inner message", [[None, None, b"inner", b"other.test"]],
                  [[None, None, b"inner", b"other.test"]], [[None, None, b"inner", b"other.test"]],
                  None, None, None, None, None]
PLAIN = [b"text", b"plain", [b"charset", b"utf-8"], None, None, b"quoted-printable", "30", "2"]
HTML = [b"text", b"html", [b"charset", b"us-ascii"], None, None, b"7bit", "11", "1"]
ATTACHMENT = [b"application", b"octet-stream", [b"name", b"data.bin"], b"<att1@example.test>", b"some bytes",
              b"base64", "16"]
INNER_TEXT = [b"text", b"plain", [b"charset", b"us-ascii"], None, None, b"7bit", "10", "1"]
RFC822 = [b"message", b"rfc822", None, None, None, b"7bit", "60", INNER_ENVELOPE]
EXT_NONE = [None, None, None, None]  # body-ext-1part: md5 dsp lang loc


def strip_numbers(value):
    """Numbers come back as atoms (str); compare them as text."""
    if isinstance(value, list):
        return [strip_numbers(v) for v in value]
    return str(value) if isinstance(value, str) else value


BODYSTRUCTURE = [
    [PLAIN + EXT_NONE, HTML + EXT_NONE, b"alternative", [b"boundary", b"inner"], None, None, None],
    ATTACHMENT + [None, [b"attachment", [b"filename", b"data.bin"]], None, None],
    RFC822 + [INNER_TEXT + EXT_NONE, "4"] + EXT_NONE,
    b"mixed", [b"boundary", b"outer"], None, None, None,
]
BODY = [
    [PLAIN, HTML, b"alternative"],
    ATTACHMENT,
    RFC822 + [INNER_TEXT, "4"],
    b"mixed",
]


@pytest.fixture(scope="module")
def fetch_box(_module_server):
    """A mailbox holding MULTIPART (UID 1, \\Seen $Forwarded, internal date fixed) and a plain
    message (UID 2, unseen)."""
    box = unique("fetch")
    c = connect(_module_server)
    c.ok(f"CREATE {box}")
    c.append(box, MULTIPART, "\\Seen $Forwarded", "02-Jan-2024 03:04:05 +0100")
    c.append(box, message("plain one", body="just text\r\n"))
    c.close()
    return box


@pytest.fixture
def c(shared_server, sessions, fetch_box):
    client = sessions.get()
    client.ok(f"EXAMINE {fetch_box}")
    return client


def fetch1(c, items: str, seq: str = "1") -> dict:
    r = c.ok(f"FETCH {seq} {items}")
    got = r.fetches()
    assert list(got) == [int(seq)], r
    return got[int(seq)]


def test_metadata_items(c):
    got = fetch1(c, "(FLAGS INTERNALDATE RFC822.SIZE UID MODSEQ)")
    assert got["FLAGS"] == ["\\Seen", "$Forwarded"]
    assert got["RFC822.SIZE"] == str(len(MULTIPART))
    assert got["UID"] == "1"
    assert len(got["MODSEQ"]) == 1 and int(got["MODSEQ"][0]) > 0
    # The date given to APPEND, as the same instant (RFC 9051 date-time, day space-padded).
    date = got["INTERNALDATE"].decode()
    assert re.fullmatch(r"[ \d]\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}", date), date
    parsed = email.utils.parsedate_to_datetime(date.strip().replace("-", " ", 2))
    assert parsed == email.utils.parsedate_to_datetime("Tue, 02 Jan 2024 03:04:05 +0100")


def test_envelope(c):
    assert strip_numbers(fetch1(c, "ENVELOPE")["ENVELOPE"]) == ENVELOPE


def test_bodystructure_of_multipart(c):
    assert strip_numbers(fetch1(c, "BODYSTRUCTURE")["BODYSTRUCTURE"]) == BODYSTRUCTURE


def test_body_of_multipart(c):
    assert strip_numbers(fetch1(c, "BODY")["BODY"]) == BODY


def test_bodystructure_of_simple_message(c):
    got = strip_numbers(fetch1(c, "BODYSTRUCTURE", "2")["BODYSTRUCTURE"])
    size = len(b"just text\r\n")
    assert got == [b"text", b"plain", [b"charset", b"us-ascii"], None, None, b"7bit", str(size), "1"] + EXT_NONE


def test_macros(c):
    fast = fetch1(c, "FAST")
    assert list(fast) == ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]
    assert list(fetch1(c, "ALL")) == ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"]
    full = fetch1(c, "FULL")
    assert list(full) == ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"]
    assert strip_numbers(full["BODY"]) == BODY


@pytest.mark.parametrize("item, expected", [
    ("BODY.PEEK[]", MULTIPART),
    ("BODY.PEEK[HEADER]", HEADER),
    ("BODY.PEEK[TEXT]", TEXT),
    ("BODY.PEEK[1]", MULTIPART[MULTIPART.index(b"--inner\r\n"):MULTIPART.index(b"--inner--\r\n") + len(b"--inner--")]),
    ("BODY.PEEK[1.1]", b"Caf=C3=A9 au lait\r\nsecond line"),
    ("BODY.PEEK[1.1.MIME]", b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"),
    ("BODY.PEEK[1.2]", b"<p>Cafe</p>"),
    ("BODY.PEEK[2]", b"AAECAwQFBgcICQ=="),
    ("BODY.PEEK[2.MIME]", MULTIPART[MULTIPART.index(b"Content-Type: application"):MULTIPART.index(b"AAEC")]),
    ("BODY.PEEK[3]", b"From: inner@other.test\r\nSubject: inner message\r\n\r\ninner body"),
    ("BODY.PEEK[3.HEADER]", b"From: inner@other.test\r\nSubject: inner message\r\n\r\n"),
    ("BODY.PEEK[3.TEXT]", b"inner body"),
    ("BODY.PEEK[3.1]", b"inner body"),
    ("BODY.PEEK[3.HEADER.FIELDS (subject)]", b"Subject: inner message\r\n\r\n"),
    ("BODY.PEEK[HEADER.FIELDS (Subject FROM X-None)]",
     b"From: \"Alice Example\" <alice@example.test>\r\nSubject: =?utf-8?q?Caf=C3=A9?= report\r\n\r\n"),
    ("BODY.PEEK[HEADER.FIELDS.NOT (From To Cc Subject Date Message-ID In-Reply-To)]",
     b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"),
    ("RFC822.HEADER", HEADER),
])
def test_body_sections(c, item, expected):
    got = fetch1(c, item)
    name = item.replace(".PEEK", "").upper()
    assert list(got) == [name]
    assert got[name] == expected


def test_section_names_are_echoed_as_requested(c):
    r = c.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject FROM)] BODY.PEEK[1.1.MIME])")
    assert r.untagged[0].startswith(b"* 1 FETCH (BODY[HEADER.FIELDS (Subject FROM)] {")
    assert b" BODY[1.1.MIME] {" in r.untagged[0]


def test_partial_fetch(c):
    got = fetch1(c, "(BODY.PEEK[]<0.10> BODY.PEEK[TEXT]<2.5> BODY.PEEK[]<100000.10> BINARY.PEEK[2]<1.3> BODY.PEEK[1.1]<25.100>)")
    # RFC 9051 §7.5.2: the response names the origin only.
    assert got == {
        "BODY[]<0>": MULTIPART[:10],
        "BODY[TEXT]<2>": TEXT[2:7],
        "BODY[]<100000>": b"",  # past the end: an empty string
        "BINARY[2]<1>": b"\x01\x02\x03",
        "BODY[1.1]<25>": b"second line"[6:],
    }


def test_binary_and_binary_size(c):
    r = c.ok("FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2] BINARY.PEEK[1.1] BINARY.SIZE[1.1] BINARY.PEEK[1.2])")
    line = r.untagged[0]
    # RFC 3516 §4.2: decoded content with NUL goes as literal8.
    assert b"BINARY[2] ~{10}\r\n\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09" in line
    got = r.fetches()[1]
    assert got["BINARY[2]"] == bytes(range(10))
    assert got["BINARY.SIZE[2]"] == "10"
    assert got["BINARY[1.1]"] == "Café au lait\r\nsecond line".encode()
    assert got["BINARY.SIZE[1.1]"] == str(len("Café au lait\r\nsecond line".encode()))
    assert got["BINARY[1.2]"] == b"<p>Cafe</p>"


def test_binary_unknown_transfer_encoding(shared_server, sessions):
    c = sessions.get()
    box = unique("cte")
    c.ok(f"CREATE {box}")
    c.append(box, b"Subject: x\r\nContent-Transfer-Encoding: x-unknown\r\n\r\nbody\r\n")
    c.select(box)
    r = c.command("FETCH 1 BINARY.PEEK[1]")
    # RFC 3516 §4.3.
    assert (r.status, r.code) == ("NO", "UNKNOWN-CTE")
    assert fetch1(c, "BODY.PEEK[1]") == {"BODY[1]": b"body\r\n"}


def test_big_message_streams_byte_exact(sessions):
    """A 3 MB message: more than the server's 256 KiB output threshold and socket buffers."""
    c = sessions.get()
    box = unique("big")
    c.ok(f"CREATE {box}")
    data = b"Subject: big\r\n\r\n" + b"".join(b"%07d " % i + b"0123456789" * 9 + b"\r\n" for i in range(30000))
    c.append(box, data)
    c.append(box, message("after the big one"))
    c.ok(f"EXAMINE {box}")
    got = c.ok("FETCH 1:2 (RFC822.SIZE BODY.PEEK[] BODY.PEEK[]<2000000.50>)").fetches()
    assert got[1]["RFC822.SIZE"] == str(len(data))
    assert got[1]["BODY[]"] == data
    assert got[1]["BODY[]<2000000>"] == data[2000000:2000050]
    assert got[2]["BODY[]"].startswith(b"From: ")


def test_nonexistent_sections_are_empty(c):
    got = fetch1(c, "(BODY.PEEK[9] BODY.PEEK[1.9] BODY.PEEK[2.HEADER])")
    assert got == {"BODY[9]": b"", "BODY[1.9]": b"", "BODY[2.HEADER]": b""}


def test_rfc822_items_and_implicit_seen(shared_server, sessions):
    c = sessions.get()
    box = unique("seen")
    c.ok(f"CREATE {box}")
    data = message("to be read")
    for _ in range(3):
        c.append(box, data)
    c.select(box)
    # BODY.PEEK never sets \Seen.
    assert fetch1(c, "(BODY.PEEK[] FLAGS)") == {"BODY[]": data, "FLAGS": []}
    # BODY[] sets it, and the response says so (RFC 9051 §6.4.5).
    assert fetch1(c, "BODY[TEXT]") == {"BODY[TEXT]": data[data.index(b"\r\n\r\n") + 4:], "FLAGS": ["\\Seen"]}
    assert fetch1(c, "RFC822", "2") == {"RFC822": data, "FLAGS": ["\\Seen"]}
    assert fetch1(c, "RFC822.TEXT", "3") == {"RFC822.TEXT": data[data.index(b"\r\n\r\n") + 4:], "FLAGS": ["\\Seen"]}
    # Already seen: no FLAGS added.
    assert fetch1(c, "BODY[HEADER]") == {"BODY[HEADER]": data[:data.index(b"\r\n\r\n") + 4]}
    r = c.ok("FETCH 1:3 FLAGS")
    assert r.untagged == [b"* 1 FETCH (FLAGS (\\Seen))", b"* 2 FETCH (FLAGS (\\Seen))", b"* 3 FETCH (FLAGS (\\Seen))"]


def test_uid_fetch_and_sequence_sets(shared_server, sessions):
    c = sessions.get()
    box = unique("sets")
    c.ok(f"CREATE {box}")
    for i in range(6):
        c.append(box, message(f"n{i}"))
    c.select(box)
    c.ok("STORE 2,4 +FLAGS.SILENT (\\Deleted)")
    c.ok("EXPUNGE")  # UIDs now 1 3 5 6 at sequence numbers 1..4
    assert c.ok("FETCH 2:* UID").untagged == [b"* 2 FETCH (UID 3)", b"* 3 FETCH (UID 5)", b"* 4 FETCH (UID 6)"]
    assert c.ok("FETCH * UID").untagged == [b"* 4 FETCH (UID 6)"]
    assert c.ok("FETCH 3,1 UID").untagged == [b"* 1 FETCH (UID 1)", b"* 3 FETCH (UID 5)"]
    # UID FETCH: UID in every response (RFC 9051 §6.4.9); UIDs that do not exist are skipped.
    assert c.ok("UID FETCH 2:5 FLAGS").untagged == [b"* 2 FETCH (UID 3 FLAGS ())", b"* 3 FETCH (UID 5 FLAGS ())"]
    assert c.ok("UID FETCH 4 FLAGS").untagged == []
    # "*" in a UID set is the highest UID, so 100:* includes it (RFC 9051 §6.4.9).
    assert c.ok("UID FETCH 100:* UID").untagged == [b"* 4 FETCH (UID 6)"]
    r = c.command("FETCH 5 UID")
    assert r.status == "BAD"


def test_imaplib_fetch(shared_server, fetch_box):
    m = imaplib_login(shared_server)
    try:
        assert m.select(fetch_box, readonly=True)[0] == "OK"
        typ, data = m.fetch("1", "(UID RFC822.SIZE BODY.PEEK[])")
        assert typ == "OK"
        assert data[0][0] == f"1 (UID 1 RFC822.SIZE {len(MULTIPART)} BODY[] {{{len(MULTIPART)}}}".encode()
        assert data[0][1] == MULTIPART
        typ, data = m.uid("FETCH", "1", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        assert data[0][1] == b"Message-ID: <mp1@example.test>\r\n\r\n"
    finally:
        m.logout()
        close_imaplib(m)
