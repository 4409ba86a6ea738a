"""IMAP SEARCH (every RFC 9051 §6.4.4 key kind), ESEARCH (RFC 4731) with SAVE and "$" (RFC 5182),
SORT and THREAD (RFC 5256), MODSEQ search (RFC 7162 §3.1.5).

One mailbox, filled once per module, searched read-only (EXAMINE) by every test:

    seq uid  subject          from              to          sent (Date:)   internal date  flags
    1   1    apple pie        Zed <zed@b.test>  x@a.test    01-Jan-2024    01-Feb-2024    \\Seen
    2   2    Re: apple pie    amy@c.test        y@a.test    02-Jan-2024    02-Feb-2024    \\Flagged  (X-Tag: blue, In-Reply-To 1)
    3   3    banana           bob@d.test        x@a.test    03-Jan-2024    03-Feb-2024    -          (2 KB body)
    4   4    cherry           cy@e.test         z@a.test    04-Jan-2024    04-Feb-2024    \\Deleted \\Answered $Work  (UTF-8 body "café")
    5   6    Re: banana       dan@f.test        x@a.test    05-Jan-2024    05-Feb-2024    \\Seen \\Draft  (References 3)

(UID 5 was expunged, so UIDs and sequence numbers differ from message 5 on.)
"""

from __future__ import annotations

import pytest

from imap_support import sessions  # noqa: F401 (fixture)
from imap_support import BOB, Literal, connect, deliver, unique


def msg(subject, sender, to, day, body="text\r\n", extra=""):
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {day} Jan 2024 10:00:00 +0000\r\n"
            f"Message-ID: <s{subject.replace(' ', '').replace(':', '')}@test>\r\n{extra}\r\n{body}").encode()


MESSAGES = [
    (msg("apple pie", "Zed <zed@b.test>", "x@a.test", "01", "I like apples\r\n"), "\\Seen", "01-Feb-2024 12:00:00 +0000"),
    (msg("Re: apple pie", "amy@c.test", "y@a.test", "02", "me too\r\n",
         "X-Tag: blue\r\nIn-Reply-To: <sapplepie@test>\r\nReferences: <sapplepie@test>\r\n"),
     "\\Flagged", "02-Feb-2024 12:00:00 +0000"),
    (msg("banana", "bob@d.test", "x@a.test", "03", "long body " * 200 + "\r\n"), "", "03-Feb-2024 12:00:00 +0000"),
    (msg("cherry", "cy@e.test", "z@a.test", "04", "caf\u00e9 cr\u00e8me\r\n",
         "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"),
     "\\Deleted \\Answered $Work", "04-Feb-2024 12:00:00 +0000"),
    (b"From: x@x.test\r\nSubject: expunged\r\n\r\ngone\r\n", "\\Deleted", "04-Feb-2024 13:00:00 +0000"),
    (msg("Re: banana", "dan@f.test", "x@a.test", "05", "yes\r\n",
         "In-Reply-To: <sbanana@test>\r\nReferences: <sbanana@test>\r\n"), "\\Seen \\Draft", "05-Feb-2024 12:00:00 +0000"),
]


@pytest.fixture(scope="module")
def search_box(_module_server):
    box = unique("search")
    c = connect(_module_server)
    c.ok(f"CREATE {box}")
    for data, flags, date in MESSAGES:
        c.append(box, data, flags, date)
    c.select(box)
    c.ok("UID EXPUNGE 5")
    c.close()
    return box


@pytest.fixture
def c(shared_server, sessions, search_box):
    client = sessions.get()
    client.ok(f"EXAMINE {search_box}")
    return client


def search(c, criteria: str, uid: bool = False) -> list[int]:
    r = c.ok(("UID SEARCH " if uid else "SEARCH ") + criteria)
    assert len(r.untagged) == 1 and (r.untagged[0] == b"* SEARCH" or r.untagged[0].startswith(b"* SEARCH ")), r
    return [int(n) for n in r.untagged[0].split()[2:]]


@pytest.mark.parametrize("criteria, expected", [
    ("ALL", [1, 2, 3, 4, 5]),
    ("SEEN", [1, 5]), ("UNSEEN", [2, 3, 4]),
    ("FLAGGED", [2]), ("UNFLAGGED", [1, 3, 4, 5]),
    ("DELETED", [4]), ("UNDELETED", [1, 2, 3, 5]),
    ("ANSWERED", [4]), ("UNANSWERED", [1, 2, 3, 5]),
    ("DRAFT", [5]), ("UNDRAFT", [1, 2, 3, 4]),
    ("KEYWORD $Work", [4]), ("KEYWORD $work", [4]), ("UNKEYWORD $Work", [1, 2, 3, 5]), ("KEYWORD nothere", []),
    ("OR SEEN FLAGGED", [1, 2, 5]),
    ("NOT SEEN", [2, 3, 4]),
    ("NOT OR SEEN FLAGGED", [3, 4]),
    ("OR (SEEN DRAFT) DELETED", [4, 5]),
    ("SEEN NOT DRAFT", [1]),
    ("(OR FLAGGED ANSWERED) UNDELETED", [2]),
    ("SUBJECT apple", [1, 2]), ("SUBJECT APPLE", [1, 2]), ("SUBJECT \"Re: b\"", [5]),
    ("FROM zed", [1]), ("FROM \"Zed <\"", [1]), ("FROM b.test", [1]),
    ("TO x@a.test", [1, 3, 5]), ("TO a.test", [1, 2, 3, 4, 5]),
    ("CC anyone", []), ("BCC anyone", []),
    ("HEADER X-Tag blue", [2]), ("HEADER x-tag \"\"", [2]), ("HEADER Message-ID sbanana", [3]),
    ("HEADER References sbanana", [5]),
    ("BODY apples", [1]), ("BODY APPLES", [1]), ("BODY apple", [1]), ("BODY zed", []),
    ("TEXT zed", [1]), ("TEXT apples", [1]), ("TEXT banana", [3, 5]),
    ("SINCE 02-Feb-2024", [2, 3, 4, 5]), ("BEFORE 02-Feb-2024", [1]), ("ON 03-Feb-2024", [3]),
    ("SENTSINCE 03-Jan-2024", [3, 4, 5]), ("SENTBEFORE 02-Jan-2024", [1]), ("SENTON 2-Jan-2024", [2]),
    ("LARGER 1000", [3]), ("SMALLER 300", [1, 2, 4, 5]),
    ("1,3:4", [1, 3, 4]), ("2:*", [2, 3, 4, 5]), ("*", [5]), ("*:4", [4, 5]),
    ("UID 1:3", [1, 2, 3]), ("UID 5", []), ("UID 6", [5]), ("UID 4:*", [4, 5]), ("UID *", [5]),
    ("UID 100:*", [5]),
    ("NEW", []), ("OLD", [1, 2, 3, 4, 5]), ("RECENT", []),
])
def test_search_keys(c, criteria, expected):
    assert search(c, criteria) == expected


def test_uid_search_returns_uids(c):
    assert search(c, "ALL", uid=True) == [1, 2, 3, 4, 6]
    assert search(c, "SEEN", uid=True) == [1, 6]
    assert search(c, "5", uid=True) == [6]


def test_search_charset(c):
    # 8-bit text must come as a literal; RFC 9051 §6.4.4: CHARSET UTF-8 is always supported.
    r = c.ok("SEARCH CHARSET UTF-8 BODY ", Literal("café".encode()))
    assert r.lines("SEARCH") == [b"* SEARCH 4"]
    # Over the decoded text, in any case, ASCII or not (search.h).
    r = c.ok("SEARCH CHARSET UTF-8 TEXT ", Literal("CAFé CRè".encode()))
    assert r.lines("SEARCH") == [b"* SEARCH 4"]
    r = c.ok("SEARCH CHARSET UTF-8 TEXT ", Literal("CAFÉ CRÈME".encode()))
    assert r.lines("SEARCH") == [b"* SEARCH 4"]
    r = c.ok("SEARCH CHARSET ISO-8859-1 BODY ", Literal("café".encode("latin-1")))
    assert r.lines("SEARCH") == [b"* SEARCH 4"]
    r = c.command("SEARCH CHARSET X-NO-SUCH-CHARSET ALL")
    assert r.status == "NO" and r.code.startswith("BADCHARSET")


def test_search_unicode_caseless(shared_server, sessions):
    # Delivered by SMTP (to bob@, whose INBOX no other test here uses): an RFC 2047 subject
    # "Grüße aus Köln — ΣΊΣΥΦΟΣ" (UTF-8, B), a From in ISO-8859-1 (Q), and a quoted-printable
    # UTF-8 body "Die Straße ist nass. / ПРИВЕТ из İstanbul, σίσυφος." with a soft line break
    # inside a Greek letter.
    message_id = f"{unique('unicode')}@test"
    deliver(shared_server, BOB, (
        "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.test>\r\n"
        f"To: {BOB}\r\n"
        "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4g4oCUIM6jzorOo86lzqbOn86j?=\r\n"
        "Date: Mon, 01 Jan 2024 10:00:00 +0000\r\n"
        f"Message-ID: <{message_id}>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Die Stra=C3=9Fe ist nass.\r\n"
        "=D0=9F=D0=A0=D0=98=D0=92=D0=95=D0=A2 =D0=B8=D0=B7 =C4=B0stanbul, =CF=83=CE=\r\n"
        "=AF=CF=83=CF=85=CF=86=CE=BF=CF=82.\r\n").encode())
    c = sessions.get(BOB)
    c.select("INBOX")
    r = c.ok(f"UID SEARCH HEADER Message-ID {message_id}")
    (uid,) = r.lines("SEARCH")[0].split()[2:]

    def uid_search(key: str, text: str, charset: str = "UTF-8") -> list[bytes]:
        r = c.ok(f"UID SEARCH CHARSET {charset} {key} ", Literal(text.encode(charset)))
        return r.lines("SEARCH")[0].split()[2:]

    for key, text in [
        ("SUBJECT", "KÖLN"),          # Latin letters outside ASCII
        ("SUBJECT", "grüsse"),        # ß is ss
        ("SUBJECT", "σίσυφος"),       # medial and final sigma alike
        ("FROM", "JÜRGEN MÜLLER"),    # decoded from ISO-8859-1
        ("BODY", "STRASSE IST"),
        ("BODY", "привет ИЗ"),
        ("BODY", "ΣΊΣΥΦΟΣ."),         # across the soft line break
        ("BODY", "İSTANBUL"),
        ("TEXT", "subject: GRÜSSE"),
        ("TEXT", "straße"),
    ]:
        assert uid_search(key, text) == [uid], (key, text)
    # The key in ISO-8859-1 is converted, then folded.
    assert uid_search("FROM", "MÜLLER", "ISO-8859-1") == [uid]
    # Case, not accents: "koln" is not "köln". Default folding, not Turkish: I is i, İ is i + a
    # combining dot, so "istanbul" does not find "İstanbul".
    assert uid_search("SUBJECT", "koln") == []
    assert uid_search("BODY", "istanbul") == []


def test_search_errors(c):
    for criteria in ("BOGUS", "SINCE 32-Jan-2024", "LARGER x", "OR SEEN", "(SEEN", "UID 0", "0", "1:x", ""):
        assert c.command(f"SEARCH {criteria}").status == "BAD", criteria
    # A message number past the end is an invalid set in SEARCH too (RFC 9051 §6.4.4 uses
    # sequence-set with the same rules as FETCH)... or just matches nothing: both are seen in
    # the wild. What matters: no crash, a tagged answer.
    assert c.command("SEARCH 99").status in ("OK", "BAD")


def test_esearch(c):
    r = c.ok("SEARCH RETURN (MIN MAX COUNT) UNSEEN")
    assert r.untagged == [f'* ESEARCH (TAG "{r.tag}") MIN 2 MAX 4 COUNT 3'.encode()]
    r = c.ok("SEARCH RETURN (ALL) NOT DELETED")
    assert r.untagged == [f'* ESEARCH (TAG "{r.tag}") ALL 1:3,5'.encode()]
    # RETURN () is ALL (RFC 4731 §3.1).
    r = c.ok("SEARCH RETURN () 1:3")
    assert r.untagged == [f'* ESEARCH (TAG "{r.tag}") ALL 1:3'.encode()]
    r = c.ok("UID SEARCH RETURN (COUNT ALL) ALL")
    assert r.untagged == [f'* ESEARCH (TAG "{r.tag}") UID COUNT 5 ALL 1:4,6'.encode()]
    # Nothing found: MIN, MAX and ALL are left out, COUNT is 0.
    r = c.ok("SEARCH RETURN (MIN MAX ALL COUNT) KEYWORD nothere")
    assert r.untagged == [f'* ESEARCH (TAG "{r.tag}") COUNT 0'.encode()]


def test_searchres_save_and_dollar(c):
    # RFC 5182: SAVE alone sends no ESEARCH; "$" then stands for the saved UIDs, in every command
    # that takes a set.
    r = c.ok("UID SEARCH RETURN (SAVE) SUBJECT apple")
    assert r.untagged == []
    assert c.ok("FETCH $ UID").untagged == [b"* 1 FETCH (UID 1)", b"* 2 FETCH (UID 2)"]
    assert c.ok("UID FETCH $ FLAGS").untagged == [b"* 1 FETCH (UID 1 FLAGS (\\Seen))", b"* 2 FETCH (UID 2 FLAGS (\\Flagged))"]
    assert search(c, "$") == [1, 2]
    assert search(c, "NOT $") == [3, 4, 5]
    assert search(c, "OR $ 5") == [1, 2, 5]
    # SAVE with MIN: only the minimum is saved (RFC 5182 §2.4).
    r = c.ok("SEARCH RETURN (SAVE MIN) SUBJECT banana")
    assert r.untagged == [f'* ESEARCH (TAG "{r.tag}") MIN 3'.encode()]
    assert search(c, "$") == [3]
    # A search that finds nothing saves the empty set.
    c.ok("SEARCH RETURN (SAVE) KEYWORD nothere")
    assert search(c, "$") == []
    assert c.ok("FETCH $ UID").untagged == []


def test_dollar_survives_expunge_of_saved_messages(shared_server, sessions):
    c = sessions.get()
    box = unique("dollar")
    c.ok(f"CREATE {box}")
    for i in range(4):
        c.append(box, msg(f"d{i}", "a@b.test", "c@d.test", "01"))
    c.select(box)
    c.ok("SEARCH RETURN (SAVE) 2:3")
    c.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
    c.ok("EXPUNGE")
    # The saved UIDs were 2 and 3; UID 2 is gone, UID 3 is now message 2.
    assert c.ok("FETCH $ UID").untagged == [b"* 2 FETCH (UID 3)"]
    assert c.ok("UID STORE $ +FLAGS (\\Flagged)").untagged == [b"* 2 FETCH (UID 3 FLAGS (\\Flagged))"]


def test_modseq_search(shared_server, sessions):
    c = sessions.get()
    box = unique("msearch")
    c.ok(f"CREATE {box}")
    for i in range(3):
        c.append(box, msg(f"m{i}", "a@b.test", "c@d.test", "01"))
    c.select(box)
    c.ok("STORE 2 +FLAGS (\\Seen)")
    got = {seq: int(v["MODSEQ"][0]) for seq, v in c.ok("FETCH 1:* MODSEQ").fetches().items()}
    r = c.ok(f"SEARCH MODSEQ {got[3] + 1}")
    # RFC 7162 §3.1.5: the highest MODSEQ of the matches follows the numbers.
    assert r.untagged == [f"* SEARCH 2 (MODSEQ {got[2]})".encode()]
    r = c.ok(f"SEARCH MODSEQ {got[2] + 1}")
    assert r.untagged == [b"* SEARCH"]


def test_sort(c):
    def sort(criteria: str, uid: bool = False) -> list[int]:
        r = c.ok(("UID SORT " if uid else "SORT ") + f"({criteria}) UTF-8 ALL")
        assert len(r.untagged) == 1 and r.untagged[0].startswith(b"* SORT")
        return [int(n) for n in r.untagged[0].split()[2:]]

    # RFC 5256 §3: base subjects ("Re:" removed): apple pie, apple pie, banana, cherry, banana.
    assert sort("SUBJECT") == [1, 2, 3, 5, 4]
    assert sort("REVERSE SUBJECT") == [4, 3, 5, 1, 2] or sort("REVERSE SUBJECT") == [4, 5, 3, 2, 1]
    assert sort("DATE") == [1, 2, 3, 4, 5]
    assert sort("REVERSE DATE") == [5, 4, 3, 2, 1]
    assert sort("ARRIVAL") == [1, 2, 3, 4, 5]
    # FROM: the mailbox of the first From address: amy, bob, cy, dan, zed.
    assert sort("FROM") == [2, 3, 4, 5, 1]
    # TO: x, y, x, z, x; ties by sequence number.
    assert sort("TO") == [1, 3, 5, 2, 4]
    assert sort("SIZE")[-1] == 3
    assert sort("CC ARRIVAL") == [1, 2, 3, 4, 5]
    assert sort("SUBJECT REVERSE DATE") == [2, 1, 5, 3, 4]
    assert sort("FROM", uid=True) == [2, 3, 4, 6, 1]
    r = c.ok("SORT (DATE) UTF-8 UNSEEN")
    assert r.untagged == [b"* SORT 2 3 4"]
    assert c.command("SORT (BOGUS) UTF-8 ALL").status == "BAD"
    assert c.command("SORT () UTF-8 ALL").status == "BAD"


def test_thread(c):
    r = c.ok("THREAD ORDEREDSUBJECT UTF-8 ALL")
    # RFC 5256 §4: threads by base subject, ordered by their first message's date.
    assert r.untagged == [b"* THREAD (1 2)(3 5)(4)"]
    r = c.ok("THREAD REFERENCES UTF-8 ALL")
    assert r.untagged == [b"* THREAD (1 2)(3 5)(4)"]
    r = c.ok("UID THREAD REFERENCES UTF-8 ALL")
    assert r.untagged == [b"* THREAD (1 2)(3 6)(4)"]
    r = c.ok("THREAD REFERENCES UTF-8 NOT SUBJECT apple")
    assert r.untagged == [b"* THREAD (3 5)(4)"]
    assert c.command("THREAD BOGUS UTF-8 ALL").status == "BAD"
