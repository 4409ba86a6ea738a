"""IMAP FETCH from what delivery saved, and bodies streamed from the blob.

- SMTP delivery and APPEND save each message's ENVELOPE, BODY and BODYSTRUCTURE (table
  blob_summaries); FETCH answers them from there, and gives the same bytes as parsing the message
  when the row is missing (messages stored before summaries existed).
- A large BODY[] goes to the client straight from the blob's mapping: while the client is slow to
  read it, the server's anonymous memory does not grow by the size of the message.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import time

from conftest import RawSmtp
from imap_support import ALICE, connect, deliver, message
from test_imap_fetch import ENVELOPE, MULTIPART

ITEMS = "UID ENVELOPE BODY BODYSTRUCTURE"


def summaries(server) -> dict[str, tuple]:
    """blob hash -> (version, envelope, body, body_structure), straight from the database."""
    db = sqlite3.connect(f"file:{server.data_dir / 'metadata.sqlite'}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT hash, version, envelope, body, body_structure FROM blob_summaries").fetchall()
        return {row[0]: row[1:] for row in rows}
    finally:
        db.close()


def blob_hashes(server, box: str) -> dict[int, str]:
    db = sqlite3.connect(f"file:{server.data_dir / 'metadata.sqlite'}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT m.uid, m.blob_hash FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id "
            "JOIN accounts a ON a.id = b.account_id WHERE a.address = ? AND b.name = ?", (ALICE, box)).fetchall()
        return dict(rows)
    finally:
        db.close()


def fetch_all(server, box: str) -> tuple[bytes, dict]:
    """The untagged responses to a FETCH of ITEMS for every message, as sent and parsed."""
    c = connect(server)
    try:
        c.ok(f"EXAMINE {box}")
        response = c.ok(f"UID FETCH 1:* ({ITEMS})")
        return b"".join(response.untagged), response.fetches()
    finally:
        c.close()


def edit_database(server, *statements: tuple) -> None:
    db = sqlite3.connect(server.data_dir / "metadata.sqlite")
    try:
        for statement in statements:
            db.execute(*statement)
        db.commit()
    finally:
        db.close()


def test_delivery_and_append_save_what_fetch_answers(server):
    deliver(server, ALICE, MULTIPART)
    c = connect(server)
    c.append("INBOX", message("appended", body="plain text\r\n"))
    c.close()

    hashes = blob_hashes(server, "INBOX")
    assert len(hashes) == 2
    saved = summaries(server)
    for hash in hashes.values():
        version, envelope, body, structure = saved[hash]
        assert version == 1
        assert envelope.startswith("(") and body.startswith("(") and structure.startswith("(")

    cached, fetched = fetch_all(server, "INBOX")
    assert fetched[1]["ENVELOPE"] == ENVELOPE
    assert fetched[2]["ENVELOPE"][1] == b"appended"

    # FETCH reads the saved row: change it (server stopped), and FETCH shows the change.
    server.stop()
    marker = '(NIL "from the saved summary" NIL NIL NIL NIL NIL NIL NIL NIL)'
    edit_database(server, ("UPDATE blob_summaries SET envelope = ? WHERE hash = ?", (marker, hashes[min(hashes)])))
    server.start()
    assert fetch_all(server, "INBOX")[1][1]["ENVELOPE"][1] == b"from the saved summary"

    # Without rows (messages stored by older versions) the answer is parsed: the same bytes.
    server.stop()
    edit_database(server, ("DELETE FROM blob_summaries",))
    server.start()
    assert fetch_all(server, "INBOX")[0] == cached


def test_summary_of_another_version_is_not_used(server):
    deliver(server, ALICE, message("versioned"))
    c = connect(server)
    c.ok("EXAMINE INBOX")
    before = b"".join(c.ok(f"FETCH * ({ITEMS})").untagged)
    c.close()
    server.stop()
    edit_database(server, ("UPDATE blob_summaries SET version = 99, envelope = '(bogus)'",))
    server.start()
    c = connect(server)
    c.ok("EXAMINE INBOX")
    after = b"".join(c.ok(f"FETCH * ({ITEMS})").untagged)
    c.close()
    assert after == before and b"bogus" not in after


def rss_anon_kib(pid: int) -> int:
    status = open(f"/proc/{pid}/status").read()
    return int(re.search(r"^RssAnon:\s+(\d+) kB", status, re.M).group(1))


def test_large_body_streams_from_the_blob(server):
    # 20 MiB through SMTP (the blob writer spills to disk as it arrives).
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-streamed-body-line\r\n"
    body = b"Subject: big\r\nMessage-ID: <big@remote.test>\r\n\r\n" + line * (20 * 1024 * 1024 // len(line))
    with RawSmtp(server.host, server.port) as smtp:
        smtp.ehlo()
        assert smtp.transaction("carol@other.test", [ALICE], body).code == 250

    c = connect(server)
    c.ok("SELECT INBOX")
    uid = int(c.ok("UID SEARCH SUBJECT big").lines("SEARCH")[0].split()[-1])
    baseline = rss_anon_kib(server.pid)
    # Ask for the body, then read only a little of it: the server must wait on the socket with
    # the rest still in the mapping, not in its heap.
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    c.send(f"f1 UID FETCH {uid} BODY.PEEK[]\r\n")
    received = b""
    while len(received) < 256 * 1024:
        received += c.sock.recv(65536)
    time.sleep(0.5)
    during = rss_anon_kib(server.pid)
    assert during - baseline < 8 * 1024, (baseline, during)

    while not received.rstrip().endswith(b"f1 OK FETCH completed"):
        chunk = c.sock.recv(1 << 20)
        assert chunk, "connection closed"
        received += chunk
    start = received.index(b"BODY[] {")
    size = int(received[start + 8:received.index(b"}", start)])
    data_at = received.index(b"}\r\n", start) + 3
    stored = received[data_at:data_at + size]
    assert size == len(stored) and stored.endswith(line)
    assert stored.split(b"\r\n\r\n", 1)[1] == body.split(b"\r\n\r\n", 1)[1]
    c.close()


def test_large_binary_part_is_decoded_exactly(server):
    # A 3 MiB attachment in base64: BINARY[2] is sent from the decoded copy the server keeps once.
    import base64
    payload = bytes(range(256)) * (3 * 4096)
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    body = (b"Subject: attachment\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
            b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + encoded + b"--b--\r\n")
    deliver(server, ALICE, body)
    c = connect(server)
    c.ok("EXAMINE INBOX")
    fetched = c.ok("FETCH * (BINARY.PEEK[2] BINARY.PEEK[2]<1000.70000> BINARY.SIZE[2])").fetches()
    values = next(iter(fetched.values()))
    assert values["BINARY[2]"] == payload
    assert values["BINARY[2]<1000>"] == payload[1000:71000]
    assert int(values["BINARY.SIZE[2]"]) == len(payload)
    c.close()
