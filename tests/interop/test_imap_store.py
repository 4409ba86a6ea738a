"""IMAP STORE / UID STORE (with .SILENT and CONDSTORE UNCHANGEDSINCE), COPY / MOVE with COPYUID,
EXPUNGE / UID EXPUNGE, CLOSE and UNSELECT (RFC 9051 §6.4, RFC 4315, RFC 6851, RFC 7162 §3.1.3)."""

from __future__ import annotations

import pytest

from imap_support import sessions  # noqa: F401 (fixture)
from imap_support import close_imaplib, connect, imaplib_login, message, parse, quote, unique


@pytest.fixture
def c(shared_server, sessions):
    return sessions.get()


def filled(c, count: int, prefix: str = "msg") -> str:
    """A new mailbox with `count` messages (subjects prefix0..), selected."""
    box = unique(prefix)
    c.ok(f"CREATE {box}")
    for i in range(count):
        c.append(box, message(f"{prefix}{i}"))
    c.select(box)
    return box


def uidvalidity(c, box: str) -> int:
    values = parse(c.ok(f"STATUS {quote(box)} (UIDVALIDITY)").untagged[0])[3]
    return int(values[1])


def modseqs(c) -> dict[int, int]:
    return {seq: int(v["MODSEQ"][0]) for seq, v in c.ok("FETCH 1:* MODSEQ").fetches().items()}


def subjects(c, box: str) -> list[bytes]:
    """The Subject of every message of `box` in sequence order (EXAMINEs it)."""
    if b"* 0 EXISTS" in c.ok(f"EXAMINE {quote(box)}").untagged:
        return []
    got = c.ok("FETCH 1:* BODY.PEEK[HEADER.FIELDS (SUBJECT)]").fetches()
    return [v["BODY[HEADER.FIELDS (SUBJECT)]"][len(b"Subject: "):-4] for _, v in sorted(got.items())]


# --------------------------------------------------------------------------------------------
# STORE


def test_store_add_remove_replace(c):
    filled(c, 3)
    # A keyword new to the mailbox is announced first (RFC 9051 §7.3.5), then the flags.
    assert c.ok("STORE 1 +FLAGS (\\Flagged $Work)").untagged == [
        b"* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Work)",
        b"* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Work \\*)] Flags permitted",
        b"* 1 FETCH (FLAGS (\\Flagged $Work))"]
    assert c.ok("STORE 1:2 +FLAGS (\\Seen)").untagged == [
        b"* 1 FETCH (FLAGS (\\Seen \\Flagged $Work))", b"* 2 FETCH (FLAGS (\\Seen))"]
    assert c.ok("STORE 1 -FLAGS ($Work \\Flagged)").untagged == [b"* 1 FETCH (FLAGS (\\Seen))"]
    assert c.ok("STORE 3 FLAGS (\\Answered \\Draft)").untagged == [b"* 3 FETCH (FLAGS (\\Answered \\Draft))"]
    assert c.ok("STORE 3 FLAGS ()").untagged == [b"* 3 FETCH (FLAGS ())"]
    # Keywords are case-insensitive atoms; the first spelling is kept.
    c.ok("STORE 2 +FLAGS (MyTag)")
    assert c.ok("STORE 2 +FLAGS (mytag)").untagged == [b"* 2 FETCH (FLAGS (\\Seen MyTag))"]
    # A new keyword becomes one of the mailbox's FLAGS.
    r = c.ok("SELECT INBOX")
    assert r.untagged[0].startswith(b"* FLAGS (")


def test_store_reports_every_message_of_the_set(c):
    """RFC 9051 §6.4.6: "The new value of the flags is returned as if a FETCH of those flags was
    done", for messages that already had the flags too."""
    filled(c, 3)
    c.ok("STORE 2 +FLAGS (\\Seen)")
    r = c.ok("STORE 1:3 +FLAGS (\\Seen)")
    assert r.untagged == [b"* 1 FETCH (FLAGS (\\Seen))", b"* 2 FETCH (FLAGS (\\Seen))", b"* 3 FETCH (FLAGS (\\Seen))"]
    r = c.ok("STORE 3,1 -FLAGS (\\Draft)")
    assert r.untagged == [b"* 1 FETCH (FLAGS (\\Seen))", b"* 3 FETCH (FLAGS (\\Seen))"]
    r = c.ok("UID STORE 2 FLAGS (\\Seen)")
    assert r.untagged == [b"* 2 FETCH (UID 2 FLAGS (\\Seen))"]


def test_store_silent_and_uid_store(c):
    filled(c, 3)
    r = c.ok("STORE 1:3 +FLAGS.SILENT (\\Deleted)")
    assert r.untagged == []
    assert c.ok("FETCH 1:3 FLAGS").untagged == [b"* 1 FETCH (FLAGS (\\Deleted))", b"* 2 FETCH (FLAGS (\\Deleted))",
                                               b"* 3 FETCH (FLAGS (\\Deleted))"]
    # UID STORE: the UID is in every FETCH response (RFC 9051 §6.4.9); UIDs that do not exist
    # are ignored.
    r = c.ok("UID STORE 2:99 -FLAGS (\\Deleted)")
    assert r.untagged == [b"* 2 FETCH (UID 2 FLAGS ())", b"* 3 FETCH (UID 3 FLAGS ())"]
    assert c.ok("UID STORE 2 FLAGS.SILENT (\\Seen)").untagged == []


def test_store_errors(c):
    filled(c, 1)
    assert c.command("STORE 2 +FLAGS (\\Seen)").status == "BAD"
    assert c.command("STORE 1 +FLAGS (\\Recent)").status == "BAD"
    assert c.command("STORE 1 +FLAGS (\\Unknown)").status == "BAD"
    assert c.command("STORE 1 +FLAGS (\\Seen").status == "BAD"
    assert c.command("STORE 1 XFLAGS (\\Seen)").status == "BAD"
    assert c.ok("FETCH 1 FLAGS").untagged == [b"* 1 FETCH (FLAGS ())"]


def test_store_unchangedsince(c):
    filled(c, 3)
    before = modseqs(c)
    assert before[1] < before[2] < before[3]
    c.ok("STORE 2 +FLAGS (\\Seen)")
    after = modseqs(c)
    assert after[2] > before[3] and after[1] == before[1] and after[3] == before[3]
    # RFC 7162 §3.1.3: the store happens only where MODSEQ <= UNCHANGEDSINCE; the others are
    # listed in [MODIFIED] (sequence numbers for STORE, UIDs for UID STORE), and the new MODSEQ
    # of the changed ones is reported.
    r = c.command(f"STORE 1:3 (UNCHANGEDSINCE {before[3]}) +FLAGS (\\Flagged)")
    assert (r.status, r.code) == ("OK", "MODIFIED 2")
    new = max(after.values()) + 1
    assert r.untagged == [f"* 1 FETCH (FLAGS (\\Flagged) MODSEQ ({new}))".encode(),
                          f"* 3 FETCH (FLAGS (\\Flagged) MODSEQ ({new}))".encode()]
    assert c.ok("FETCH 2 FLAGS").untagged[0].startswith(b"* 2 FETCH (FLAGS (\\Seen)")
    # .SILENT: no FLAGS, but the MODSEQ is still reported; UID STORE lists UIDs.
    r = c.command(f"UID STORE 1:3 (UNCHANGEDSINCE {after[2]}) +FLAGS.SILENT (\\Answered)")
    assert (r.status, r.code) == ("OK", "MODIFIED 1,3")
    assert r.untagged == [f"* 2 FETCH (UID 2 MODSEQ ({new + 1}))".encode()]
    # UNCHANGEDSINCE 0 always fails (RFC 7162 §3.1.3).
    r = c.command("STORE 1 (UNCHANGEDSINCE 0) +FLAGS (\\Draft)")
    assert (r.status, r.code, r.untagged) == ("OK", "MODIFIED 1", [])
    # Everything passes: a plain OK.
    highest = max(modseqs(c).values())
    r = c.command(f"STORE 1:3 (UNCHANGEDSINCE {highest}) -FLAGS (\\Flagged)")
    assert (r.status, r.code) == ("OK", None) and r.fetch_order() == [1, 2, 3]


# --------------------------------------------------------------------------------------------
# COPY and MOVE


def test_copy_with_copyuid(c):
    src = filled(c, 4, "csrc")
    dst = unique("cdst")
    c.ok(f"CREATE {dst}")
    c.append(dst, message("already there"))
    c.ok("STORE 2 +FLAGS (\\Flagged $Keep)")
    r = c.ok(f"COPY 2:3 {dst}")
    # RFC 4315 §3: COPYUID <uidvalidity of the destination> <source UIDs> <destination UIDs>.
    assert (r.code, r.untagged) == (f"COPYUID {uidvalidity(c, dst)} 2:3 2:3", [])
    r = c.ok(f"UID COPY 4,1 {dst}")
    assert r.code == f"COPYUID {uidvalidity(c, dst)} 1,4 4:5"
    # Copies keep the bytes and the flags; the source is untouched.
    c.ok(f"EXAMINE {dst}")
    got = c.ok("FETCH 2:5 (FLAGS BODY.PEEK[])").fetches()
    c.ok(f"EXAMINE {src}")
    original = c.ok("FETCH 1:4 (FLAGS BODY.PEEK[])").fetches()
    assert [got[i]["BODY[]"] for i in (2, 3, 4, 5)] == [original[i]["BODY[]"] for i in (2, 3, 1, 4)]
    assert got[2]["FLAGS"] == ["\\Flagged", "$Keep"] and got[3]["FLAGS"] == []
    assert len(original) == 4


def test_copy_errors(c):
    filled(c, 2)
    r = c.command(f"COPY 1 {unique('nowhere')}")
    assert (r.status, r.code) == ("NO", "TRYCREATE")
    assert c.command("COPY 3 INBOX").status == "BAD"
    # UIDs that name no message: OK, nothing copied, no COPYUID (RFC 9051 §6.4.9).
    r = c.command("UID COPY 50:60 INBOX")
    assert (r.status, r.code) == ("OK", None)


def test_move(c):
    src = filled(c, 5, "msrc")
    dst = unique("mdst")
    c.ok(f"CREATE {dst}")
    r = c.ok(f"MOVE 2,4 {dst}")
    # RFC 6851 §4.3: COPYUID in an untagged OK before the EXPUNGEs; each EXPUNGE number valid
    # when sent (4 first, then 2; or 2 then 3).
    assert r.untagged[0] == f"* OK [COPYUID {uidvalidity(c, dst)} 2,4 1:2] Moved".encode()
    expunges = r.untagged[1:]
    assert expunges in ([b"* 4 EXPUNGE", b"* 2 EXPUNGE"], [b"* 2 EXPUNGE", b"* 3 EXPUNGE"])
    assert r.code is None
    assert c.ok("FETCH 1:* UID").untagged == [b"* 1 FETCH (UID 1)", b"* 2 FETCH (UID 3)", b"* 3 FETCH (UID 5)"]
    r = c.ok(f"UID MOVE 5 {dst}")
    assert r.untagged == [f"* OK [COPYUID {uidvalidity(c, dst)} 5 3] Moved".encode(), b"* 3 EXPUNGE"]
    assert subjects(c, dst) == [b"msrc1", b"msrc3", b"msrc4"]
    assert subjects(c, src) == [b"msrc0", b"msrc2"]


def test_move_read_only_and_qresync(c):
    src = filled(c, 2, "mq")
    dst = unique("mqdst")
    c.ok(f"CREATE {dst}")
    c.ok(f"EXAMINE {src}")
    r = c.command(f"MOVE 1 {dst}")
    assert (r.status, r.code) == ("NO", "READ-ONLY")
    c.ok("ENABLE QRESYNC")
    c.select(src)
    r = c.ok(f"MOVE 1 {dst}")
    # QRESYNC clients get VANISHED instead of EXPUNGE (RFC 7162 §3.2.10).
    assert r.untagged == [f"* OK [COPYUID {uidvalidity(c, dst)} 1 1] Moved".encode(), b"* VANISHED 1"]


# --------------------------------------------------------------------------------------------
# EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT


def test_expunge_sequence_numbers(c):
    box = filled(c, 6, "exp")
    c.ok("STORE 2,3,5 +FLAGS.SILENT (\\Deleted)")
    r = c.ok("EXPUNGE")
    # Each number is valid when it is sent (RFC 9051 §7.5.1): removing 2, 3 and 5 of 6 is
    # "5, 3, 2" from the top or "2, 2, 3" from the bottom.
    assert r.untagged in ([b"* 5 EXPUNGE", b"* 3 EXPUNGE", b"* 2 EXPUNGE"],
                          [b"* 2 EXPUNGE", b"* 2 EXPUNGE", b"* 3 EXPUNGE"])
    assert c.ok("FETCH 1:* UID").untagged == [b"* 1 FETCH (UID 1)", b"* 2 FETCH (UID 4)", b"* 3 FETCH (UID 6)"]
    assert c.ok("EXPUNGE").untagged == []
    assert subjects(c, box) == [b"exp0", b"exp3", b"exp5"]


def test_uid_expunge_only_named_uids(c):
    filled(c, 4, "uexp")
    c.ok("STORE 1:4 +FLAGS.SILENT (\\Deleted)")
    r = c.ok("UID EXPUNGE 2:3")
    assert r.untagged in ([b"* 3 EXPUNGE", b"* 2 EXPUNGE"], [b"* 2 EXPUNGE", b"* 2 EXPUNGE"])
    assert c.ok("FETCH 1:* (UID FLAGS)").untagged == [b"* 1 FETCH (UID 1 FLAGS (\\Deleted))",
                                                      b"* 2 FETCH (UID 4 FLAGS (\\Deleted))"]
    assert c.command("UID EXPUNGE x").status == "BAD"


def test_expunge_read_only(c):
    box = filled(c, 1, "roexp")
    c.ok("STORE 1 +FLAGS (\\Deleted)")
    c.ok(f"EXAMINE {box}")
    assert c.command("EXPUNGE").code == "READ-ONLY"
    # CLOSE on a read-only mailbox expunges nothing (RFC 9051 §6.4.1).
    c.ok("CLOSE")
    c.ok(f"EXAMINE {box}")
    assert c.ok("FETCH 1 FLAGS").untagged == [b"* 1 FETCH (FLAGS (\\Deleted))"]


def test_close_expunges_silently_unselect_does_not(c):
    box = filled(c, 3, "close")
    c.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
    r = c.ok("UNSELECT")
    assert r.untagged == []
    assert c.command("FETCH 1 FLAGS").status == "BAD"
    c.select(box)
    assert b"* 3 EXISTS" in c.ok(f"SELECT {box}").untagged
    r = c.ok("CLOSE")
    assert r.untagged == [] and r.tagged.endswith(b"OK CLOSE completed")
    assert c.command("FETCH 1 FLAGS").status == "BAD"
    assert subjects(c, box) == [b"close0", b"close2"]


def test_imaplib_store_copy_expunge(shared_server):
    m = imaplib_login(shared_server)
    c = connect(shared_server)
    try:
        box, dst = unique("lib"), unique("libdst")
        c.ok(f"CREATE {box}")
        c.ok(f"CREATE {dst}")
        for i in range(3):
            c.append(box, message(f"lib{i}"))
        m.select(box)
        typ, data = m.store("1:2", "+FLAGS", "(\\Deleted)")
        assert typ == "OK" and data == [b"1 (FLAGS (\\Deleted))", b"2 (FLAGS (\\Deleted))"]
        typ, data = m.copy("1", dst)
        assert typ == "OK" and data[0].startswith(b"[COPYUID ")
        typ, data = m.expunge()
        assert typ == "OK" and data in ([b"2", b"1"], [b"1", b"1"])
        typ, data = m.uid("MOVE", "3", dst)
        assert typ == "OK"
        assert m.select(box)[1] == [b"0"]
        assert m.select(dst)[1] == [b"2"]
        m.close()
        m.logout()
    finally:
        close_imaplib(m)
        c.close()
