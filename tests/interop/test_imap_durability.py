"""IMAP durability: a tagged OK means on disk. SIGKILL right after the OK of APPEND (sequential,
concurrent and MULTIAPPEND), STORE, EXPUNGE and MOVE loses none of it; SIGKILL in the middle of an
APPEND literal (or of a MULTIAPPEND, or while it is being stored) stores nothing, or all of a
MULTIAPPEND, and leaves no temporary file (DIR/blobs/tmp); a client gone in the middle of a
literal leaves no temporary file either."""

from __future__ import annotations

import signal
import threading
import time

from imap_support import ALICE, BOB, Literal, connect, unique


def body(n: int) -> bytes:
    # Sizes from a few hundred bytes to ~300 KB; dots, bare-looking lines, 8-bit octets.
    filler = (f"line {n} ".encode() + b"abcdefghij\xc3\xa9" * 7 + b"\r\n") * (n * 53 % 400)
    if n % 7 == 3:
        filler += (b"Z" * 990 + b"\r\n") * 300
    return (f"Message-ID: <imap-durable-{n}@remote.test>\r\nSubject: durable {n}\r\n\r\n".encode()
            + b".leading dot\r\n" + filler + f"end of {n}\r\n".encode())


def killed(server) -> None:
    assert server.wait(10) == -signal.SIGKILL


def fetched_bodies(server, user: str, box: str) -> dict[int, bytes]:
    c = connect(server, user)
    try:
        c.ok(f"EXAMINE {box}")
        got = c.ok("UID FETCH 1:* BODY.PEEK[]").fetches()
        return {int(v["UID"]): v["BODY[]"] for v in got.values()}
    finally:
        c.close()


def test_sigkill_after_append_ok_loses_nothing(server):
    c = connect(server)
    box = unique("dur")
    c.ok(f"CREATE {box}")
    accepted = {}
    for n in range(12):
        data = body(n)
        accepted[c.append_uid(box, data, "\\Seen" if n % 2 else None)] = data
    # MULTIAPPEND last: its OK covers three messages.
    multi = [body(100 + i) for i in range(3)]
    c.send(f"M1 APPEND {box} {{{len(multi[0])}+}}\r\n".encode() + multi[0]
           + f" {{{len(multi[1])}+}}\r\n".encode() + multi[1] + f" {{{len(multi[2])}+}}\r\n".encode() + multi[2] + b"\r\n")
    r = c.read_until_tagged("M1")
    # Kill at once: no LOGOUT, no grace period.
    server.signal(signal.SIGKILL)
    assert r.status == "OK", r
    first, last = (int(x) for x in r.code.split()[2].split(":"))
    accepted.update(dict(zip(range(first, last + 1), multi)))
    c.close()
    killed(server)

    server.start()
    got = fetched_bodies(server, ALICE, box)
    assert sorted(got) == sorted(accepted)
    for uid, data in accepted.items():
        assert got[uid] == data, f"UID {uid} differs after restart"
        assert server.mail_cat(ALICE, uid, box) == data
    # Flags given with APPEND survived too, and UIDs keep ascending.
    c = connect(server)
    try:
        c.select(box)
        flags = {int(v["UID"]): v["FLAGS"] for v in c.ok("FETCH 1:* (UID FLAGS)").fetches().values()}
        assert [uid for uid, f in flags.items() if "\\Seen" in f] == sorted(list(accepted)[1:12:2])
        assert c.append_uid(box, b"Subject: after\r\n\r\nafter\r\n") > max(accepted)
    finally:
        c.close()


def test_sigkill_after_concurrent_appends_loses_nothing(server):
    box = unique("par")
    setup = connect(server)
    setup.ok(f"CREATE {box}")
    setup.close()
    accepted: dict[int, bytes] = {}
    lock = threading.Lock()
    errors = []

    def client(k: int) -> None:
        try:
            c = connect(server, BOB if k % 2 else ALICE)
            target = box if k % 2 == 0 else "INBOX"
            for j in range(5):
                data = body(200 + 5 * k + j)
                uid = c.append_uid(target, data)
                with lock:
                    accepted[(k % 2, uid)] = data
                    if len(accepted) == 20:
                        server.signal(signal.SIGKILL)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"client {k}: {e!r}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(accepted) == 20, (errors, len(accepted))
    killed(server)

    server.start()
    got_alice = fetched_bodies(server, ALICE, box)
    got_bob = fetched_bodies(server, BOB, "INBOX")
    assert {uid: data for (who, uid), data in accepted.items() if who == 0} == got_alice
    assert {uid: data for (who, uid), data in accepted.items() if who == 1} == got_bob


def test_sigkill_after_store_expunge_move_ok(server):
    c = connect(server)
    box, dst = unique("chg"), unique("chgdst")
    c.ok(f"CREATE {box}")
    c.ok(f"CREATE {dst}")
    for n in range(5):
        c.append(box, body(300 + n))
    c.select(box)
    c.ok("STORE 1 +FLAGS (\\Flagged $Kept)")
    c.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
    c.ok("EXPUNGE")
    c.ok("UID MOVE 5 " + dst)
    c.send(b"L1 UID STORE 4 +FLAGS (\\Answered)\r\n")
    assert c.read_until_tagged("L1").status == "OK"
    server.signal(signal.SIGKILL)
    c.close()
    killed(server)

    server.start()
    c = connect(server)
    try:
        c.ok(f"EXAMINE {box}")
        got = {int(v["UID"]): v["FLAGS"] for v in c.ok("FETCH 1:* (UID FLAGS)").fetches().values()}
        assert got == {1: ["\\Flagged", "$Kept"], 3: [], 4: ["\\Answered"]}
        c.ok(f"EXAMINE {dst}")
        assert c.ok("FETCH 1:* BODY.PEEK[]").fetches()[1]["BODY[]"] == body(304)
    finally:
        c.close()


def test_sigkill_mid_append_literal_stores_nothing(server):
    c = connect(server)
    box = unique("torn")
    c.ok(f"CREATE {box}")
    kept = body(400)
    kept_uid = c.append_uid(box, kept)
    torn = b"Subject: torn\r\n\r\n" + (b"t" * 500 + b"\r\n") * 4000  # 2 MB
    c.send(f"A1 APPEND {box} {{{len(torn)}}}\r\n".encode())
    assert c.read_response_line() == b"+ Ready for literal data"
    c.send(torn[: len(torn) // 2])
    # The half has left the client; give the server a moment to take it in, then kill.
    assert c.pending(0.3) == b""
    server.signal(signal.SIGKILL)
    c.close()
    killed(server)

    server.start()
    temp_dir = server.data_dir / "blobs" / "tmp"
    leftovers = sorted(p.name for p in temp_dir.iterdir()) if temp_dir.exists() else []
    assert leftovers == [], f"crash leftovers in {temp_dir}: {leftovers}"
    assert fetched_bodies(server, ALICE, box) == {kept_uid: kept}
    # The mailbox works and the next UID is new.
    c = connect(server)
    try:
        uid = c.append_uid(box, torn)
        assert uid > kept_uid
        assert fetched_bodies(server, ALICE, box) == {kept_uid: kept, uid: torn}
    finally:
        c.close()


def test_client_gone_mid_literal_stores_nothing(server):
    c = connect(server)
    box = unique("gone")
    c.ok(f"CREATE {box}")
    c.send(f"A1 APPEND {box} {{100000}}\r\n".encode())
    assert c.read_response_line() == b"+ Ready for literal data"
    c.send(b"x" * 50000)
    c.close()
    c = connect(server)
    try:
        assert c.ok(f"STATUS {box} (MESSAGES)").untagged == [f"* STATUS {box} (MESSAGES 0)".encode()]
        # Another literal in another session is fine meanwhile.
        r = c.command(f"APPEND {box} ", Literal(body(500)))
        assert r.status == "OK"
    finally:
        c.close()


def temp_files(server) -> list[str]:
    temp_dir = server.data_dir / "blobs" / "tmp"
    return sorted(p.name for p in temp_dir.iterdir()) if temp_dir.exists() else []


def big_body(name: str, size: int) -> bytes:
    head = f"Subject: {name}\r\n\r\n".encode()
    lines = b"".join(b"%08d %s\r\n" % (i, b"q" * 88) for i in range(size // 100 + 1))
    return head + lines[: size - len(head)]


def test_sigkill_mid_multiappend_stores_nothing(server):
    c = connect(server)
    box = unique("tornmulti")
    c.ok(f"CREATE {box}")
    kept = body(410)
    kept_uid = c.append_uid(box, kept)
    first, second = big_body("first", 1_000_000), big_body("second", 2_000_000)
    c.send(f"A1 APPEND {box} {{{len(first)}+}}\r\n".encode() + first + f" {{{len(second)}}}\r\n".encode())
    assert c.read_response_line() == b"+ Ready for literal data"
    c.send(second[: len(second) // 2])
    assert c.pending(0.3) == b""
    # The second message is on its way to disk as it arrives, not held in memory.
    assert len(temp_files(server)) == 1
    server.signal(signal.SIGKILL)
    c.close()
    killed(server)

    server.start()
    assert temp_files(server) == []
    assert fetched_bodies(server, ALICE, box) == {kept_uid: kept}
    c = connect(server)
    try:
        r = c.command(f"APPEND {box} ", Literal(first, nonsync=True), " ", Literal(second))
        assert (r.status, r.code.split()[2]) == ("OK", f"{kept_uid + 1}:{kept_uid + 2}"), r
        assert fetched_bodies(server, ALICE, box) == {kept_uid: kept, kept_uid + 1: first, kept_uid + 2: second}
    finally:
        c.close()


def test_sigkill_while_multiappend_is_stored_keeps_all_or_nothing(server):
    # RFC 3502 §6.3.11: all of the messages, or none. Another session IDLEs on the mailbox and
    # the server is killed the moment it announces the first new message: if that were committed
    # alone, the others would be lost with the rest of the command.
    box = unique("atomic")
    watcher = connect(server)
    watcher.ok(f"CREATE {box}")
    watcher.select(box)
    watcher.send(b"I1 IDLE\r\n")
    assert watcher.read_response_line() == b"+ idling"
    msgs = [body(430), big_body("atomic-2", 20_000_000), big_body("atomic-3", 20_000_000)]
    c = connect(server)
    c.send(f"A1 APPEND {box} ".encode() + b" ".join(f"{{{len(m)}+}}\r\n".encode() + m for m in msgs) + b"\r\n")
    line = watcher.read_response_line()
    server.signal(signal.SIGKILL)
    assert line.endswith(b" EXISTS"), line
    c.close()
    watcher.close()
    killed(server)

    server.start()
    got = fetched_bodies(server, ALICE, box)
    assert sorted(got) == [1, 2, 3], f"UIDs {sorted(got)} of 1:3 survived"
    assert all(got[uid] == data for uid, data in zip((1, 2, 3), msgs))
    assert temp_files(server) == []


def test_client_gone_mid_streamed_literal_leaves_no_temp_file(server):
    c = connect(server)
    box = unique("gonebig")
    c.ok(f"CREATE {box}")
    c.send(f"A1 APPEND {box} {{4000000}}\r\n".encode())
    assert c.read_response_line() == b"+ Ready for literal data"
    c.send(b"x" * 2_000_000)
    assert c.pending(0.3) == b""
    assert len(temp_files(server)) == 1  # Streamed to disk as it came.
    c.close()
    deadline = time.monotonic() + 5
    while temp_files(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert temp_files(server) == []
    c = connect(server)
    try:
        assert c.ok(f"STATUS {box} (MESSAGES)").untagged == [f"* STATUS {box} (MESSAGES 0)".encode()]
    finally:
        c.close()
