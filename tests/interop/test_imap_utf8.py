"""IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855) sessions against IMAP4rev1 ones: mailbox names
in UTF-8 for the former and modified UTF-7 (RFC 3501 §5.1.3) for the latter, the same mailboxes
either way; what ENABLE IMAP4rev2 changes in SELECT and SEARCH responses."""

from __future__ import annotations

import pytest

from imap_support import sessions  # noqa: F401 (fixture)
from imap_support import Literal, message, parse, quote, unique

# (UTF-8 name, its modified UTF-7 form)
NAMES = [
    ("été", "&AOk-t&AOk-"),
    ("日本語", "&ZeVnLIqe-"),
    ("a&b", "a&-b"),
    ("Ünïcødé ß", "&ANw-n&AO8-c&APg-d&AOk- &AN8-"),
    ("emoji 😀", "emoji &2D3eAA-"),
]


@pytest.fixture
def rev1(shared_server, sessions):
    return sessions.get()


@pytest.fixture(params=["UTF8=ACCEPT", "IMAP4rev2"])
def utf8(shared_server, sessions, request):
    return sessions.get(enable=request.param)


def as_bytes(value) -> bytes:
    """A name as sent: an atom (str) or a quoted string or literal (bytes)."""
    return value if isinstance(value, bytes) else str(value).encode()


def listed_names(r) -> list[bytes]:
    return [as_bytes(parse(line)[4]) for line in r.lines("LIST")]


@pytest.mark.parametrize("name, mutf7", NAMES)
def test_utf8_name_created_by_utf8_client(rev1, utf8, name, mutf7):
    top = unique("u8c")
    utf8.ok(f"CREATE {quote(top + '/' + name)}")
    # The UTF-8 session gets the name back in UTF-8 (a quoted string may carry it, RFC 6855 §3).
    r = utf8.ok(f'LIST "" {quote(top + "/*")}')
    assert listed_names(r) == [f"{top}/{name}".encode()]
    # The IMAP4rev1 session sees modified UTF-7 and can use that name.
    r = rev1.ok(f'LIST "" "{top}/*"')
    assert listed_names(r) == [f"{top}/{mutf7}".encode()]
    rev1.append(f"{top}/{mutf7}", message("reached by mUTF-7"))
    r = utf8.ok(f"STATUS {quote(top + '/' + name)} (MESSAGES)")
    values = parse(r.untagged[0])
    assert (as_bytes(values[2]), values[3]) == (f"{top}/{name}".encode(), ["MESSAGES", "1"])


@pytest.mark.parametrize("name, mutf7", NAMES)
def test_mutf7_name_created_by_rev1_client(rev1, utf8, name, mutf7):
    top = unique("u7c")
    rev1.ok(f"CREATE {quote(top + '/' + mutf7)}")
    assert listed_names(rev1.ok(f'LIST "" "{top}/*"')) == [f"{top}/{mutf7}".encode()]
    assert listed_names(utf8.ok(f'LIST "" "{top}/*"')) == [f"{top}/{name}".encode()]
    utf8.ok(f"SELECT {quote(top + '/' + name)}")
    # A UTF-8 session means the name as sent: "&AOk-" is not decoded there.
    if "&" in mutf7:
        r = utf8.command(f"SELECT {quote(top + '/' + mutf7)}")
        assert (r.status, r.code) == ("NO", "NONEXISTENT")


def test_rev1_client_cannot_send_8bit_names(rev1):
    # 8-bit octets are not allowed in a quoted string before UTF8=ACCEPT (RFC 3501 §9 CHAR);
    # as a literal they are not valid modified UTF-7.
    assert rev1.command('CREATE "caf\u00e9"').status == "BAD"
    assert rev1.command("CREATE ", Literal("café".encode())).status == "BAD"
    # Broken modified UTF-7: unterminated, or printable ASCII in base64 (RFC 3501 §5.1.3).
    for bad in ("&AOk", "a&b", "&AGEAYgBj-"):
        assert rev1.command(f"CREATE {quote(bad)}").status == "BAD", bad
    # "&-" is "&".
    box = unique("amp") + "&-x"
    rev1.ok(f"CREATE {quote(box)}")
    assert listed_names(rev1.ok(f'LIST "" {quote(box)}')) == [box.encode()]


def test_utf8_client_pattern_matching(utf8):
    top = unique("u8p")
    utf8.ok(f"CREATE {quote(top + '/été')}")
    utf8.ok(f"CREATE {quote(top + '/ete')}")
    assert listed_names(utf8.ok(f'LIST "" {quote(top + "/é*")}')) == [f"{top}/été".encode()]
    assert sorted(listed_names(utf8.ok(f'LIST "" {quote(top + "/%t%")}'))) == sorted(
        [f"{top}/été".encode(), f"{top}/ete".encode()])


def test_imap4rev2_select_and_search(shared_server, sessions):
    c = sessions.get()
    c.ok("ENABLE IMAP4rev2")
    box = unique("rev2")
    c.ok(f"CREATE {box}/child")
    for flags in ("\\Seen", "", ""):
        c.append(box, message("rev2"), flags)
    r = c.select(box)
    # RFC 9051 §6.3.2: no RECENT, no UNSEEN code; a LIST response with accurate attributes.
    assert not any(b"RECENT" in line or b"[UNSEEN" in line for line in r.untagged)
    assert f'* LIST (\\HasChildren) "/" {box}'.encode() in r.untagged
    r = c.select("Sent")
    assert b'* LIST (\\HasNoChildren \\Sent) "/" Sent' in r.untagged
    c.select(box)
    # RFC 9051 §6.4.4: SEARCH answers with ESEARCH.
    r = c.ok("SEARCH UNSEEN")
    assert r.untagged == [f'* ESEARCH (TAG "{r.tag}") ALL 2:3'.encode()]
    r = c.ok("UID SEARCH SEEN")
    assert r.untagged == [f'* ESEARCH (TAG "{r.tag}") UID ALL 1'.encode()]
    r = c.ok("SEARCH DELETED")
    assert r.untagged == [f'* ESEARCH (TAG "{r.tag}")'.encode()]


def test_rev1_select_keeps_rev1_responses(rev1):
    box = unique("rev1")
    rev1.ok(f"CREATE {box}")
    rev1.append(box, message("rev1"))
    r = rev1.select(box)
    assert b"* 0 RECENT" in r.untagged and b"* OK [UNSEEN 1] First unseen" in r.untagged
    assert not r.lines("LIST")
    assert rev1.ok("SEARCH ALL").untagged == [b"* SEARCH 1"]


def test_utf8_append_and_headers(utf8):
    box = unique("u8a")
    utf8.ok(f"CREATE {box}")
    data = "From: Jöran <jöran@exämple.test>\r\nSubject: grüße\r\n\r\nHallo\r\n".encode()
    # RFC 6855 §4: APPEND ... UTF8 (literal8).
    r = utf8.command(f"APPEND {box} UTF8 (", Literal(data, binary=True), ")")
    assert r.status == "OK" and r.code.startswith("APPENDUID")
    utf8.select(box)
    got = utf8.ok("FETCH 1 (BODY.PEEK[] ENVELOPE)").fetches()[1]
    assert got["BODY[]"] == data
    assert got["ENVELOPE"][1] == "grüße".encode()
    assert got["ENVELOPE"][2] == [[b"J\xc3\xb6ran", None, "jöran".encode(), "exämple.test".encode()]]
