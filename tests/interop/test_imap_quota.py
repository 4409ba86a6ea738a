"""IMAP QUOTA (RFC 9208): GETQUOTAROOT / GETQUOTA with and without a storage limit, SETQUOTA refused,
and the limit enforced on APPEND, MULTIAPPEND, COPY and SMTP delivery ([OVERQUOTA]).

The limit is the administrator's. `redoubt account quota ADDRESS BYTES` is used when the CLI has
it; until then the test sets accounts.quota_bytes with the server stopped (setup only: every
check goes through IMAP or SMTP)."""

from __future__ import annotations

import sqlite3

import pytest

from conftest import RawSmtp
from imap_support import ALICE, BOB, Literal, connect, imap_server, message, parse, unique

LIMIT = 20 * 1024  # bytes


def set_quota(server, address: str, limit: int) -> None:
    if "quota" in server.cli("account", "--help").stdout.decode():
        server.cli("account", "quota", address, str(limit), check=True)
        return
    running = server.running()
    if running:
        assert server.stop() == 0
    db = sqlite3.connect(server.data_dir / "metadata.sqlite")
    try:
        with db:
            changed = db.execute("UPDATE accounts SET quota_bytes = ? WHERE address = ?", (limit, address)).rowcount
        assert changed == 1
    finally:
        db.close()
    if running:
        server.start()


@pytest.fixture(scope="module")
def quota_server(populated_template):
    s = imap_server(populated_template, start=False)
    try:
        set_quota(s, ALICE, LIMIT)
        s.start()
    except BaseException:
        s.cleanup()
        raise
    yield s
    s.stop(timeout=5)
    s.cleanup()


def quota_line(c) -> tuple[int, int]:
    r = c.ok('GETQUOTA ""')
    assert len(r.untagged) == 1
    values = parse(r.untagged[0])
    assert values[:3] == ["*", "QUOTA", b""] and values[3][0] == "STORAGE"
    return int(values[3][1]), int(values[3][2])


def account_size(c) -> int:
    r = c.ok('LIST "" "*" RETURN (STATUS (SIZE))')
    total = 0
    for line in r.lines("STATUS"):
        values = parse(line)[3]
        total += int(values[1])
    return total


def test_quota_root_and_usage(quota_server):
    c = connect(quota_server, ALICE)
    try:
        r = c.ok("GETQUOTAROOT INBOX")
        # RFC 9208 §4.3: the mailbox's roots, then each root's QUOTA.
        used_kib = (account_size(c) + 1023) // 1024
        assert r.untagged == [b'* QUOTAROOT INBOX ""', f'* QUOTA "" (STORAGE {used_kib} {LIMIT // 1024})'.encode()]
        box = unique("q")
        c.ok(f"CREATE {box}")
        c.append(box, b"Subject: q\r\n\r\n" + b"x" * 3000 + b"\r\n")
        used, limit = quota_line(c)
        # STORAGE is in units of 1024 octets (RFC 9208 §5.1), counting every mailbox.
        assert (used, limit) == ((account_size(c) + 1023) // 1024, LIMIT // 1024)
        assert used >= 3
        r = c.ok(f"GETQUOTAROOT {box}")
        assert r.untagged[0] == f'* QUOTAROOT {box} ""'.encode()
    finally:
        c.close()


def test_quota_errors(quota_server):
    c = connect(quota_server, ALICE)
    try:
        r = c.command('GETQUOTA "other"')
        assert (r.status, r.code) == ("NO", "NONEXISTENT")
        r = c.command(f"GETQUOTAROOT {unique('missing')}")
        assert (r.status, r.code) == ("NO", "NONEXISTENT")
        # Limits are set by the administrator (RFC 9208 §4.1 allows refusing SETQUOTA).
        r = c.command('SETQUOTA "" (STORAGE 1000000)')
        assert (r.status, r.code) == ("NO", "NOPERM")
        assert quota_line(c)[1] == LIMIT // 1024
    finally:
        c.close()


def test_account_without_limit_has_no_quota_root(quota_server):
    c = connect(quota_server, BOB)
    try:
        assert c.ok("GETQUOTAROOT INBOX").untagged == [b"* QUOTAROOT INBOX"]
        r = c.command('GETQUOTA ""')
        assert (r.status, r.code) == ("NO", "NONEXISTENT")
    finally:
        c.close()


def test_append_and_copy_over_quota(quota_server):
    c = connect(quota_server, ALICE)
    try:
        box = unique("full")
        c.ok(f"CREATE {box}")
        room = LIMIT - account_size(c)
        assert room > 4000
        big = b"Subject: big\r\n\r\n" + b"y" * (room - 1000) + b"\r\n"
        c.append(box, big)
        before = account_size(c)
        # RFC 9208 §4.3 / §7: [OVERQUOTA], and nothing stored.
        r = c.command(f"APPEND {box} ", Literal(b"Subject: over\r\n\r\n" + b"z" * 2000 + b"\r\n"))
        assert (r.status, r.code) == ("NO", "OVERQUOTA")
        # MULTIAPPEND: the first message would fit, the two together do not; neither is stored.
        r = c.command(f"APPEND {box} ", Literal(message("small")), " ", Literal(b"Subject: x\r\n\r\n" + b"z" * 2000))
        assert (r.status, r.code) == ("NO", "OVERQUOTA")
        assert account_size(c) == before
        c.select(box)
        r = c.command("COPY 1 INBOX")
        assert (r.status, r.code) == ("NO", "OVERQUOTA")
        assert account_size(c) == before
        # MOVE needs no room; expunging makes room again.
        c.ok("MOVE 1 INBOX")
        c.select("INBOX")
        c.ok("UID STORE 1:* +FLAGS.SILENT (\\Deleted)")
        c.ok("EXPUNGE")
        c.append(box, b"Subject: fits again\r\n\r\n" + b"z" * 2000 + b"\r\n")
    finally:
        c.close()


def test_smtp_delivery_over_quota(quota_server):
    c = connect(quota_server, ALICE)
    try:
        filler = unique("filler")
        c.ok(f"CREATE {filler}")
        room = LIMIT - account_size(c)
        c.append(filler, b"Subject: filler\r\n\r\n" + b"f" * (room - 200) + b"\r\n")
        before = account_size(c)
        with RawSmtp(quota_server.host, quota_server.port) as smtp:
            smtp.ehlo()
            assert smtp.cmd("MAIL FROM:<carol@other.test>").code == 250
            rcpt = smtp.cmd(f"RCPT TO:<{ALICE}>")
            if rcpt.code == 250:
                assert smtp.cmd("DATA").code == 354
                smtp.send(message("over quota by smtp", body="w" * 900 + "\r\n" + "w" * 900 + "\r\n") + b".\r\n")
                reply = smtp.reply()
            else:
                reply = rcpt
            # RFC 3463 X.2.2 mailbox full; RFC 5321 452 (temporary) or 552.
            assert reply.code in (452, 552) and reply.enhanced in ("4.2.2", "5.2.2"), reply
        assert account_size(c) == before
    finally:
        c.close()
