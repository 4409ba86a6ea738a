"""DATA (RFC 5321 §4.1.1.4, §4.5.2): what is stored (trace fields on top of the exact bytes sent,
dot-unstuffed), the Received protocol keyword (RFC 3848, RFC 6531), and the refusals that keep
SMTP smuggling out: bare CR / bare LF, over-long lines."""

import smtplib

import pytest

from conftest import DOMAIN, HOSTNAME, RawSmtp, assert_recent_date, parse_stored, stored_id, swaks

ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"


def open_data(c: RawSmtp, sender="sender@remote.test", rcpts=(ALICE,), mail_params=""):
    assert c.cmd(f"MAIL FROM:<{sender}>{mail_params}").code == 250
    for r in rcpts:
        assert c.cmd(f"RCPT TO:<{r}>").code == 250
    reply = c.cmd("DATA")
    assert reply.code == 354, reply


def test_stored_message_has_trace_fields_and_exact_body(server):
    body = (b"From: Sender <sender@remote.test>\r\n"
            b"To: alice@example.test\r\n"
            b"Subject: exact bytes\r\n"
            b"\r\n"
            b"line one\r\n"
            b"  indented line with trailing space \r\n"
            b"\r\n"
            b"\ttab\r\n")
    with RawSmtp(server.host, server.port) as c:
        c.ehlo("client.test")
        reply = c.transaction("sender@remote.test", [ALICE], body)
        message_id = stored_id(reply)
        assert reply.enhanced == "2.0.0", reply
    raw = server.messages(ALICE)[0]
    stored = parse_stored(raw)
    assert stored.return_path == b"<sender@remote.test>"
    assert stored.original == body
    f = stored.received_fields
    assert f["helo"] == "client.test"
    assert f["ip"] == "127.0.0.1"
    assert f["by"] == HOSTNAME
    assert f["protocol"] == "ESMTP"
    assert f["id"] == message_id
    assert f["for"] == ALICE
    assert_recent_date(f["date"])
    # `mail list` reports the stored size, trace fields included.
    (listed,) = server.mail_list(ALICE)
    assert (listed.mailbox, listed.uid) == ("INBOX", 1)
    assert listed.size == len(raw)


def test_stored_event_is_logged_with_the_id(server):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        message_id = stored_id(c.transaction("sender@remote.test", [ALICE], b"Subject: log\r\n\r\nx\r\n"))
    stored_lines = [line for line in server.log().splitlines() if "event=stored" in line]
    assert len(stored_lines) == 1, server.log()
    assert f"id={message_id}" in stored_lines[0].split(), stored_lines[0]
    assert " smtp " in stored_lines[0] and f"session={message_id.split('.')[0]}" in stored_lines[0]


def test_null_reverse_path(server):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("", [ALICE], b"Subject: bounce\r\n\r\nx\r\n"))
    assert server.only_message(ALICE).return_path == b"<>"


@pytest.mark.parametrize(
    "hello, mail_params, tls, protocol",
    [
        ("EHLO", "", False, "ESMTP"),
        ("HELO", "", False, "SMTP"),
        ("EHLO", " SMTPUTF8", False, "UTF8SMTP"),
        ("EHLO", "", True, "ESMTPS"),
        ("EHLO", " SMTPUTF8", True, "UTF8SMTPS"),
    ],
)
def test_received_protocol_keyword(server, hello, mail_params, tls, protocol):
    with RawSmtp(server.host, server.port) as c:
        if tls:
            c.ehlo()
            assert c.cmd("STARTTLS").code == 220
            c.starttls()
        assert c.cmd(f"{hello} client.test").code == 250
        open_data(c, mail_params=mail_params)
        c.send(b"Subject: proto\r\n\r\nx\r\n.\r\n")
        stored_id(c.reply())
    assert server.only_message(ALICE).received_fields["protocol"] == protocol


def test_smtputf8_sender(server):
    body = "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\ncaf\u00e9 \u2603\r\n".encode()
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        reply = c.cmd("MAIL FROM:<j\u00f6rg@b\u00fccher.example> SMTPUTF8".encode())
        assert reply.code == 250, reply
        assert c.cmd(f"RCPT TO:<{ALICE}>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(body + b".\r\n")
        stored_id(c.reply())
    stored = server.only_message(ALICE)
    assert stored.return_path == "<j\u00f6rg@b\u00fccher.example>".encode()
    assert stored.received_fields["protocol"] == "UTF8SMTP"
    assert stored.original == body


def test_eight_bit_body_is_stored_byte_exact(server):
    body = b"Subject: 8bit\r\nContent-Type: text/plain; charset=latin1\r\n\r\n" + bytes(
        b for b in range(1, 256) if b not in (0x0A, 0x0D)
    ) + b"\r\n"
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        open_data(c, mail_params=" BODY=8BITMIME")
        c.send(body + b".\r\n")
        stored_id(c.reply())
    assert server.bodies(ALICE) == [body]


def test_dot_unstuffing(server):
    sent = (b"Subject: dots\r\n\r\n"
            b"..leading dot\r\n"
            b"...two leading dots\r\n"
            b"..\r\n"
            b"middle . dot\r\n"
            b". \r\n"
            b"end.\r\n")
    expected = (b"Subject: dots\r\n\r\n"
                b".leading dot\r\n"
                b"..two leading dots\r\n"
                b".\r\n"
                b"middle . dot\r\n"
                b" \r\n"
                b"end.\r\n")
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [ALICE], sent))
    assert server.bodies(ALICE) == [expected]


def test_smtplib_dot_stuffs_and_server_unstuffs(server):
    body = b"Subject: smtplib\r\n\r\n.starts with a dot\r\n.\r\n..\r\nlast\r\n"
    with smtplib.SMTP(server.host, server.port, local_hostname="client.test", timeout=10) as client:
        assert client.sendmail("sender@remote.test", [ALICE], body) == {}
    assert server.bodies(ALICE) == [body]


def test_end_of_data_split_across_writes(server):
    """CRLF.CRLF arriving one octet at a time still ends the data."""
    import time

    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        open_data(c)
        c.send(b"Subject: split\r\n\r\nbody")
        for octet in b"\r\n.\r\n":
            time.sleep(0.05)
            c.send(bytes([octet]))
        stored_id(c.reply())
    assert server.bodies(ALICE) == [b"Subject: split\r\n\r\nbody\r\n"]


def test_large_message_is_stored_byte_exact(make_server):
    s = make_server(smtp={"max_message_size": 8 * 1024 * 1024}, populated=True)
    lines = [f"{n:06d} ".encode() + bytes((65 + (n + k) % 26) for k in range(90)) for n in range(30000)]
    body = b"Subject: big\r\n\r\n" + b"\r\n".join(lines) + b"\r\n"  # about 2.9 MB
    with RawSmtp(s.host, s.port, timeout=30) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [ALICE], body))
    (raw,) = s.messages(ALICE)
    assert parse_stored(raw).original == body
    assert s.mail_list(ALICE)[0].size == len(raw)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"Subject: x\r\n\r\nbare LF\nhere\r\n", id="bare-lf"),
        pytest.param(b"Subject: x\r\n\r\nbare CR\rhere\r\n", id="bare-cr"),
        pytest.param(b"Subject: x\nTo: y\r\n\r\nheader bare LF\r\n", id="bare-lf-in-header"),
        pytest.param(b"Subject: x\r\n\r\nends with CR\r\r\n", id="cr-cr-lf"),
    ],
)
def test_bare_cr_or_lf_rejects_the_message(server, payload):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        reply = c.transaction("sender@remote.test", [ALICE], payload)
        assert (reply.code, reply.enhanced) == (550, "5.6.0"), reply
        assert c.cmd("NOOP").code == 250, "the session must continue after a rejected message"
    assert server.mail_list(ALICE) == []


SMUGGLED = (
    b"RSET\r\n"
    b"MAIL FROM:<admin@example.test>\r\n"
    b"RCPT TO:<bob@example.test>\r\n"
    b"DATA\r\n"
    b"Subject: smuggled\r\n\r\nsmuggled\r\n"
)


@pytest.mark.parametrize(
    "fake_end",
    [b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r\n.\n", b"\r\n.\r", b"\r.\r\n"],
    ids=["LF.LF", "CR.CR", "LF.CRLF", "CRLF.LF", "CRLF.CR", "CR.CRLF"],
)
def test_smuggling_sequences_never_end_data(server, fake_end):
    """Only CRLF.CRLF ends DATA; a message holding another end-of-data look-alike is refused whole,
    and the commands hidden after it are never run."""
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        open_data(c)
        c.send(b"Subject: legit\r\n\r\nlegit" + fake_end + SMUGGLED + b"\r\n.\r\n")
        reply = c.reply()
        assert (reply.code, reply.enhanced) == (550, "5.6.0"), reply
        # Had the fake end ended the data, the smuggled RSET/MAIL/RCPT/DATA would answer next.
        reply = c.cmd("NOOP")
        assert reply.code == 250 and reply.lines == [reply.lines[0]], reply
        assert c.pending(0.3) == b"", "unexpected extra replies"
    assert server.mail_list(ALICE) == []
    assert server.mail_list(BOB) == []


def test_smuggling_split_across_writes(server):
    """The same, with the bare LF arriving in its own write."""
    import time

    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        open_data(c)
        for piece in (b"Subject: legit\r\n\r\nlegit", b"\n", b".", b"\n", SMUGGLED, b"\r\n.\r\n"):
            c.send(piece)
            time.sleep(0.05)
        reply = c.reply()
        assert (reply.code, reply.enhanced) == (550, "5.6.0"), reply
        assert c.cmd("NOOP").code == 250
    assert server.mail_list(ALICE) == [] and server.mail_list(BOB) == []


def test_line_of_998_octets_is_accepted(server):
    body = b"Subject: long\r\n\r\n" + b"x" * 998 + b"\r\n"
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [ALICE], body))
    assert server.bodies(ALICE) == [body]


@pytest.mark.parametrize("length", [999, 5000, 100_000])
def test_line_over_998_octets_rejects_the_message(server, length):
    body = b"Subject: long\r\n\r\n" + b"x" * length + b"\r\nshort\r\n"
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        reply = c.transaction("sender@remote.test", [ALICE], body)
        assert (reply.code, reply.enhanced) == (550, "5.6.0"), reply
        assert c.cmd("NOOP").code == 250
    assert server.mail_list(ALICE) == []


def test_next_transaction_after_a_rejected_one(server):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        assert c.transaction("sender@remote.test", [ALICE], b"Subject: bad\r\n\r\nbare\nLF\r\n").code == 550
        good = b"Subject: good\r\n\r\nfine\r\n"
        stored_id(c.transaction("sender@remote.test", [ALICE], good))
    assert server.bodies(ALICE) == [good]


def test_swaks_body_is_stored_as_sent(server):
    # swaks ends the data with CRLF.CRLF itself, so the file has no final line break; swaks
    # dot-stuffs ".dot line" and the server must unstuff it.
    data = (b"From: swaks@remote.test\r\n"
            b"To: alice@example.test\r\n"
            b"Subject: swaks data\r\n"
            b"\r\n"
            b"first\r\n"
            b".dot line\r\n"
            b"last")
    result = swaks(server, "--from", "swaks@remote.test", "--to", ALICE, "--helo", "swaks.test",
                   "--data", "-", stdin=data)
    out = result.stdout.decode(errors="replace")
    assert result.returncode == 0, out
    assert " -> ..dot line" in out, "swaks should have dot-stuffed the line"
    stored = server.only_message(ALICE)
    assert stored.return_path == b"<swaks@remote.test>"
    assert stored.received_fields["helo"] == "swaks.test"
    assert stored.original == data + b"\r\n"
