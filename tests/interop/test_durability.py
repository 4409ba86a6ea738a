"""Durability: `250 ... stored` means on disk. SIGKILL right after the last 250 loses nothing;
SIGKILL in the middle of DATA leaves neither a message nor a temporary file behind.

The store's SQLite file is the store's business: everything is checked through the CLI, except
the blob temp folder the issue names (DIR/blobs/tmp), which must be empty after a restart."""

import signal
import time

import pytest

from conftest import DOMAIN, RawSmtp, parse_stored, stored_id

ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"


def message(n: int) -> bytes:
    # Different sizes, some with dot-stuffed lines, one bigger than the server's 64 KiB buffer.
    filler = (f"line {n} ".encode() + b"abcdefghij" * 7 + b"\r\n") * (n * 37 % 200)
    if n == 7:
        filler += (b"B" * 900 + b"\r\n") * 120
    return (f"Message-ID: <durable-{n}@remote.test>\r\nSubject: durable {n}\r\n\r\n".encode()
            + b".leading dot\r\n" + filler + f"end of {n}\r\n".encode())


def wait_for_temp_file(server, timeout: float = 5.0) -> None:
    """Precondition for the crash tests: the partial body has reached blobs/tmp, so the test
    really checks that the store cleans a crash leftover (and is not passing vacuously)."""
    temp_dir = server.data_dir / "blobs" / "tmp"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if temp_dir.exists() and any(temp_dir.iterdir()):
            return
        time.sleep(0.05)
    pytest.fail(f"precondition: no partial body appeared in {temp_dir}; send more before the kill")


def stuffed(body: bytes) -> bytes:
    return b"\r\n".join(b"." + line if line.startswith(b".") else line for line in body.split(b"\r\n"))


def test_sigkill_after_last_250_loses_nothing(server):
    accepted = {}  # stored id -> body
    n = 0
    for connection in range(4):
        with RawSmtp(server.host, server.port) as c:
            c.ehlo(f"client{connection}.test")
            for _ in range(5):
                body = message(n)
                recipients = [ALICE] if n % 3 else [ALICE, BOB]
                reply = c.transaction(f"sender{n}@remote.test", recipients, stuffed(body))
                accepted[stored_id(reply)] = (body, recipients)
                n += 1
            if connection == 3:
                # Kill at once: no QUIT, no grace period.
                server.signal(signal.SIGKILL)
    assert server.wait(10) == -signal.SIGKILL
    assert len(accepted) == 20

    server.start()
    got_alice = {parse_stored(m).received_fields["id"]: parse_stored(m) for m in server.messages(ALICE)}
    got_bob = {parse_stored(m).received_fields["id"]: parse_stored(m) for m in server.messages(BOB)}
    want_alice = {i: b for i, (b, r) in accepted.items() if ALICE in r}
    want_bob = {i: b for i, (b, r) in accepted.items() if BOB in r}
    assert sorted(got_alice) == sorted(want_alice), "alice's stored ids differ from the accepted ones"
    assert sorted(got_bob) == sorted(want_bob), "bob's stored ids differ from the accepted ones"
    for message_id, body in want_alice.items():
        assert got_alice[message_id].original == body, f"{message_id}: body differs after restart"
    for message_id, body in want_bob.items():
        assert got_bob[message_id].original == body, f"{message_id}: body differs after restart"
    uids = [m.uid for m in server.mail_list(ALICE)]
    assert len(set(uids)) == 20 and all(m.mailbox == "INBOX" for m in server.mail_list(ALICE))

    # And the restarted server keeps accepting mail with the next UID.
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("after@remote.test", [ALICE], b"Subject: after\r\n\r\nafter\r\n"))
    new_uids = [m.uid for m in server.mail_list(ALICE) if m.uid not in uids]
    assert len(new_uids) == 1 and new_uids[0] > max(uids), "UIDs must keep ascending after a crash"


def test_sigkill_after_concurrent_deliveries_loses_nothing(server):
    """Four clients at once (so commits can be grouped); SIGKILL as soon as the 20th 250 arrives."""
    import threading

    accepted = {}
    lock = threading.Lock()
    errors = []

    def client(k: int) -> None:
        try:
            with RawSmtp(server.host, server.port) as c:
                c.ehlo(f"parallel{k}.test")
                for j in range(5):
                    body = message(100 + 5 * k + j)
                    message_id = stored_id(c.transaction(f"p{k}@remote.test", [BOB], stuffed(body)))
                    with lock:
                        accepted[message_id] = body
                        if len(accepted) == 20:
                            server.signal(signal.SIGKILL)
        except Exception as e:  # reported below; a thread cannot fail the test itself
            errors.append(f"client {k}: {e!r}")

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(accepted) == 20, (errors, len(accepted))
    assert server.wait(10) == -signal.SIGKILL

    server.start()
    got = {parse_stored(m).received_fields["id"]: parse_stored(m).original for m in server.messages(BOB)}
    assert sorted(got) == sorted(accepted), "stored ids differ from the accepted ones"
    for message_id, body in accepted.items():
        assert got[message_id] == body, f"{message_id}: body differs after restart"


def test_sigkill_during_data_stores_nothing_and_leaves_no_temp_file(server):
    # One complete message first, which must survive.
    kept = b"Subject: kept\r\n\r\nkept\r\n"
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [ALICE], kept))

    body = b"Subject: torn\r\n\r\n" + (b"t" * 500 + b"\r\n") * 4000  # 2 MB: half spills to disk
    half = body[: len(body) // 2]
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<sender@remote.test>").code == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>").code == 250
        assert c.cmd(f"RCPT TO:<{BOB}>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(half)
        wait_for_temp_file(server)
        server.signal(signal.SIGKILL)
        assert server.wait(10) == -signal.SIGKILL

    server.start()
    temp_dir = server.data_dir / "blobs" / "tmp"
    leftovers = sorted(p.name for p in temp_dir.iterdir()) if temp_dir.exists() else []
    assert leftovers == [], f"crash leftovers in {temp_dir}: {leftovers}"
    assert server.bodies(ALICE) == [kept]
    assert server.mail_list(BOB) == []

    # The store still works for the same recipients after recovery.
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [ALICE, BOB], body))
    assert server.bodies(ALICE) == [kept, body]
    assert server.bodies(BOB) == [body]


def test_sigkill_during_bdat_stores_nothing(server):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<sender@remote.test>").code == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>").code == 250
        chunk = b"Subject: torn bdat\r\n\r\n" + (b"b" * 500 + b"\r\n") * 1200  # 600 KB
        c.send(f"BDAT {len(chunk)}\r\n".encode() + chunk)
        assert c.reply().code == 250
        c.send(f"BDAT {len(chunk)} LAST\r\n".encode() + chunk[:1000])
        wait_for_temp_file(server)
        server.signal(signal.SIGKILL)
        assert server.wait(10) == -signal.SIGKILL
    server.start()
    temp_dir = server.data_dir / "blobs" / "tmp"
    leftovers = sorted(p.name for p in temp_dir.iterdir()) if temp_dir.exists() else []
    assert leftovers == [], f"crash leftovers in {temp_dir}: {leftovers}"
    assert server.mail_list(ALICE) == []
