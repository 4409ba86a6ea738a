"""`redoubt store gc`: message bodies no message uses are removed, referenced ones stay, the
expunge log is pruned and QRESYNC clients from before the pruning still learn every vanished UID
(RFC 7162 §3.2.5.2, §3.2.6), and deliveries and APPENDs running meanwhile never lose a body."""

from __future__ import annotations

import hashlib
import re
import threading

from imap_support import imap_factory  # noqa: F401 (fixture)
from imap_support import ALICE, connect, deliver, message, unique


def blob_names(server) -> set[str]:
    return {p.name for p in (server.data_dir / "blobs").glob("??/*") if p.is_file()}


def blob_of(server, uid: int, mailbox: str = "INBOX") -> str:
    return hashlib.sha256(server.mail_cat(ALICE, uid, mailbox)).hexdigest()


def gc(server, *args: str) -> dict[str, int]:
    out = server.cli("store", "gc", *args, check=True).stdout.decode()
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", out)}


def code_value(r, name: str) -> int:
    m = re.search(rf"\[{name} (\d+)\]", repr(r))
    assert m, f"no {name} in {r!r}"
    return int(m.group(1))


def test_gc_removes_only_unreferenced_bodies(imap_factory):
    s = imap_factory()
    deliver(s, ALICE, message("goes"))
    deliver(s, ALICE, message("stays"))
    gone, kept = blob_of(s, 1), blob_of(s, 2)
    assert {gone, kept} <= blob_names(s)

    # Referenced bodies stay whatever the grace period.
    assert gc(s, "--grace", "0")["blobs_removed"] == 0
    c = connect(s)
    try:
        c.select("INBOX")
        c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)")
        c.ok("EXPUNGE")
    finally:
        c.close()
    # Within the grace period (default one hour) an unused body is kept.
    assert gc(s)["blobs_removed"] == 0
    assert gone in blob_names(s)

    report = gc(s, "--grace", "0")
    assert report["blobs_removed"] == 1 and report["bytes_freed"] > 0
    assert gone not in blob_names(s)
    assert kept in blob_names(s)
    assert b"Subject: stays" in s.mail_cat(ALICE, 2)


def test_qresync_select_below_the_pruned_horizon(imap_factory):
    s = imap_factory()
    c = connect(s)
    try:
        box = unique("pruned")
        c.ok(f"CREATE {box}")
        for i in range(4):
            c.append(box, message(f"p{i}"))
        c.ok("ENABLE QRESYNC")
        r = c.select(box)
        uidvalidity, known = code_value(r, "UIDVALIDITY"), code_value(r, "HIGHESTMODSEQ")
        c.ok("UID STORE 1,3 +FLAGS.SILENT (\\Deleted)")
        c.ok("EXPUNGE")
        c.ok("UNSELECT")

        # Before pruning: the log lists exactly the expunged UIDs.
        r = c.select(box, f"(QRESYNC ({uidvalidity} {known}))")
        assert r.lines("VANISHED") == [b"* VANISHED (EARLIER) 1,3"]
        c.ok("UNSELECT")

        assert gc(s, "--expunge-retention", "0")["expunges_pruned"] >= 2
        # The log no longer reaches back to `known`: every UID below UIDNEXT that does not exist.
        r = c.select(box, f"(QRESYNC ({uidvalidity} {known}))")
        assert r.lines("VANISHED") == [b"* VANISHED (EARLIER) 1,3"]
        # known-uids limits it to what the client says it has.
        r = c.select(box, f"(QRESYNC ({uidvalidity} {known} 2:3))")
        assert r.lines("VANISHED") == [b"* VANISHED (EARLIER) 3"]
        # UID FETCH ... (CHANGEDSINCE VANISHED) likewise, limited to the set.
        r = c.ok(f"UID FETCH 1:2 FLAGS (CHANGEDSINCE {known} VANISHED)")
        assert r.lines("VANISHED") == [b"* VANISHED (EARLIER) 1"]
        # From the current HIGHESTMODSEQ on, nothing is missing and nothing is reported.
        highest = code_value(c.select(box), "HIGHESTMODSEQ")
        r = c.select(box, f"(QRESYNC ({uidvalidity} {highest}))")
        assert not r.lines("VANISHED")
    finally:
        c.close()


def test_selected_session_catches_up_across_the_pruned_log(imap_factory):
    """A session whose view predates pruned expunges still learns of them at its next command:
    it compares its UIDs with the mailbox's instead of trusting the log."""
    s = imap_factory()
    a, b = connect(s), connect(s)
    try:
        box = unique("catchup")
        a.ok(f"CREATE {box}")
        for i in range(3):
            a.append(box, message(f"c{i}"))
        a.select(box)
        b.select(box)
        b.ok("UID STORE 2 +FLAGS.SILENT (\\Deleted)")
        b.ok("EXPUNGE")
        assert gc(s, "--expunge-retention", "0")["expunges_pruned"] >= 1
        assert b"* 2 EXPUNGE" in a.ok("NOOP").untagged
        assert [int(v["UID"]) for _, v in sorted(a.ok("FETCH 1:* UID").fetches().items())] == [1, 3]
    finally:
        a.close()
        b.close()


def test_gc_concurrent_with_deliveries_and_appends_loses_nothing(imap_factory):
    """Collections in a loop (another process, a short grace period) while bodies arrive by SMTP
    and, over and over with the same content, by APPEND, and are expunged again: every message
    that was acknowledged keeps its body."""
    s = imap_factory()
    stop = threading.Event()
    failures: list[str] = []

    def collect():
        while not stop.is_set():
            result = s.cli("store", "gc", "--grace", "2")
            if result.returncode != 0:
                failures.append(result.stderr.decode(errors="replace"))

    collector = threading.Thread(target=collect)
    collector.start()
    c = connect(s)
    try:
        box = unique("churn")
        c.ok(f"CREATE {box}")
        # Fixed Message-IDs: each of the three bodies is stored once and re-used.
        bodies = [message(f"same{i}").replace(b"Message-ID: <", b"Message-ID: <fixed%d" % i) for i in range(3)]
        for i in range(60):
            deliver(s, ALICE, message(f"smtp{i}"))
            c.append(box, bodies[i % 3])
            if i % 2 == 0:
                c.select(box)
                c.ok("STORE 1:* +FLAGS.SILENT (\\Deleted)")
                c.ok("EXPUNGE")
                c.ok("UNSELECT")
    finally:
        stop.set()
        collector.join()
        c.close()
    assert not failures, failures
    listed = s.mail_list(ALICE)
    assert sum(1 for m in listed if m.mailbox == "INBOX") == 60
    for m in listed:
        body = s.mail_cat(ALICE, m.uid, m.mailbox)
        assert len(body) == m.size, (m, len(body))
