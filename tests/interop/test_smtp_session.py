"""SMTP session commands (RFC 5321 §4.1, RFC 2920 pipelining): greeting, EHLO/HELO, the simple
commands, reply codes for commands out of order, unknown or malformed, and pipelined batches."""

import smtplib

import pytest

from conftest import DOMAIN, HOSTNAME, RawSmtp, parse_stored, stored_id, swaks

ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"


def test_greeting_names_host_and_protocol(shared_server):
    with RawSmtp(shared_server.host, shared_server.port) as c:
        assert c.greeting.code == 220
        assert c.greeting.lines == [f"220 {HOSTNAME} ESMTP Redoubt".encode()]


def test_ehlo_advertises_extensions(raw):
    reply = raw.cmd("EHLO client.test")
    assert reply.code == 250, reply
    assert all(line.startswith(b"250-") for line in reply.lines[:-1]) and reply.lines[-1].startswith(b"250 ")
    assert reply.lines[0][4:].startswith(HOSTNAME.encode()), reply
    keywords = {line[4:].decode().split(" ")[0].upper(): line[4:].decode() for line in reply.lines[1:]}
    for extension in ["PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "CHUNKING", "DSN",
                      "STARTTLS", "HELP"]:
        assert extension in keywords, f"EHLO lacks {extension}: {reply!r}"
    size = keywords["SIZE"].split(" ")
    assert len(size) == 2 and size[1].isdigit() and int(size[1]) > 0, keywords["SIZE"]


def test_ehlo_through_smtplib(shared_server):
    with smtplib.SMTP(shared_server.host, shared_server.port, local_hostname="client.test", timeout=10) as client:
        code, _ = client.ehlo()
        assert code == 250
        for extension in ["pipelining", "size", "8bitmime", "smtputf8", "enhancedstatuscodes", "chunking", "dsn",
                          "starttls", "help"]:
            assert client.has_extn(extension), extension


def test_helo_is_a_single_line(raw):
    reply = raw.cmd("HELO client.test")
    assert reply.code == 250 and len(reply.lines) == 1, reply


@pytest.mark.parametrize(
    "command, code, enhanced",
    [
        ("NOOP", 250, ""),
        ("RSET", 250, ""),
        ("VRFY alice", 252, ""),
        ("EXPN staff", 502, ""),
        ("HELP", 214, ""),
    ],
)
def test_simple_commands(raw, command, code, enhanced):
    raw.ehlo()
    reply = raw.cmd(command)
    assert reply.code == code, reply
    if enhanced:
        assert reply.enhanced == enhanced, reply


def test_noop_and_rset_work_before_ehlo(raw):
    assert raw.cmd("NOOP").code == 250
    assert raw.cmd("RSET").code == 250


def test_quit_replies_221_and_closes(raw):
    reply = raw.cmd("QUIT")
    assert reply.code == 221, reply
    assert raw.is_closed(), "connection still open after 221"


def test_commands_are_case_insensitive(raw):
    assert raw.cmd("ehlo client.test").code == 250
    assert raw.cmd(f"mail from:<sender@remote.test>").code == 250
    assert raw.cmd(f"rcpt to:<{ALICE}>").code == 250
    assert raw.cmd("rset").code == 250


def test_unknown_command(raw):
    raw.ehlo()
    reply = raw.cmd("FROBNICATE now")
    assert (reply.code, reply.enhanced) == (500, "5.5.1"), reply
    assert raw.cmd("NOOP").code == 250, "the session must survive an unknown command"


@pytest.mark.parametrize(
    "line",
    [
        "EHLO",
        "HELO",
        "MAIL FROM:sender@remote.test",
        "MAIL FROM:<sender@remote.test",
        "MAIL TO:<sender@remote.test>",
        "MAIL FROM:<not an address>",
    ],
)
def test_bad_syntax_501(raw, line):
    if not line.startswith(("EHLO", "HELO")):
        raw.ehlo()
    reply = raw.cmd(line)
    assert reply.code == 501, reply


@pytest.mark.parametrize("line", ["RCPT TO:alice@example.test", "RCPT TO:<>", "RCPT TO:<alice@>", "RCPT FROM:<x@y>"])
def test_bad_rcpt_syntax_501(raw, line):
    raw.ehlo()
    assert raw.cmd("MAIL FROM:<sender@remote.test>").code == 250
    reply = raw.cmd(line)
    assert reply.code == 501, reply


def test_mail_before_ehlo_is_out_of_order(raw):
    reply = raw.cmd("MAIL FROM:<sender@remote.test>")
    assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply


def test_rcpt_before_mail_is_out_of_order(raw):
    raw.ehlo()
    reply = raw.cmd(f"RCPT TO:<{ALICE}>")
    assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply


def test_data_before_mail_is_out_of_order(raw):
    raw.ehlo()
    reply = raw.cmd("DATA")
    assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply
    assert raw.cmd("NOOP").code == 250, "DATA refused must not enter data mode"


def test_data_without_recipients_is_refused(raw):
    raw.ehlo()
    assert raw.cmd("MAIL FROM:<sender@remote.test>").code == 250
    reply = raw.cmd("DATA")
    # RFC 5321 §3.3 allows 503 (out of sequence) or 554 (no valid recipients).
    assert reply.code in (503, 554), reply
    assert raw.cmd("NOOP").code == 250, "DATA refused must not enter data mode"


def test_nested_mail_is_out_of_order(raw):
    raw.ehlo()
    assert raw.cmd("MAIL FROM:<a@remote.test>").code == 250
    reply = raw.cmd("MAIL FROM:<b@remote.test>")
    assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply


def test_rset_ends_the_transaction(raw):
    raw.ehlo()
    assert raw.cmd("MAIL FROM:<a@remote.test>").code == 250
    assert raw.cmd(f"RCPT TO:<{ALICE}>").code == 250
    assert raw.cmd("RSET").code == 250
    reply = raw.cmd("DATA")
    assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply
    assert raw.cmd("MAIL FROM:<b@remote.test>").code == 250, "a new transaction must start after RSET"


def test_ehlo_again_resets_the_transaction(raw):
    raw.ehlo()
    assert raw.cmd("MAIL FROM:<a@remote.test>").code == 250
    raw.ehlo("again.test")
    reply = raw.cmd(f"RCPT TO:<{ALICE}>")
    assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply


@pytest.mark.parametrize(
    "line",
    ["MAIL FROM:<a@remote.test> FOO=BAR", "MAIL FROM:<a@remote.test> XYZZY"],
)
def test_unknown_mail_parameter(raw, line):
    raw.ehlo()
    reply = raw.cmd(line)
    assert (reply.code, reply.enhanced) == (555, "5.5.4"), reply


def test_unknown_rcpt_parameter(raw):
    raw.ehlo()
    assert raw.cmd("MAIL FROM:<a@remote.test>").code == 250
    reply = raw.cmd(f"RCPT TO:<{ALICE}> FOO=BAR")
    assert (reply.code, reply.enhanced) == (555, "5.5.4"), reply


def test_known_parameters_are_accepted(raw):
    """SIZE (RFC 1870), BODY=8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), DSN's RET/ENVID/NOTIFY/ORCPT
    (RFC 3461) are all advertised, so they must be accepted."""
    raw.ehlo()
    reply = raw.cmd("MAIL FROM:<a@remote.test> SIZE=100 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=abc123")
    assert reply.code == 250, reply
    reply = raw.cmd(f"RCPT TO:<{ALICE}> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;{ALICE}")
    assert reply.code == 250, reply
    reply = raw.cmd(f"RCPT TO:<{BOB}> NOTIFY=NEVER")
    assert reply.code == 250, reply


def test_command_with_bare_lf_is_refused(raw):
    raw.send(b"NOOP\n")
    reply = raw.reply()
    assert (reply.code, reply.enhanced) == (500, "5.5.2"), reply
    assert raw.cmd("NOOP").code == 250, "the session must go on after a bare-LF command"


def test_too_long_command_line_in_one_write(raw):
    raw.ehlo()
    raw.send(b"NOOP " + b"x" * 10000 + b"\r\n")
    reply = raw.reply()
    assert (reply.code, reply.enhanced) == (500, "5.5.2"), reply
    # One error for the whole line: the next reply belongs to the next command.
    reply = raw.cmd("NOOP")
    assert reply.code == 250, reply


def test_too_long_command_line_arriving_in_pieces(raw):
    import time

    raw.ehlo()
    raw.send(b"MAIL FROM:<" + b"a" * 3000)
    time.sleep(0.2)
    raw.send(b"b" * 3000)
    time.sleep(0.2)
    raw.send(b"@remote.test>\r\n")
    reply = raw.reply()
    assert (reply.code, reply.enhanced) == (500, "5.5.2"), reply
    reply = raw.cmd("NOOP")
    assert reply.code == 250, f"the rest of the long line must be discarded, got {reply!r}"
    # The long MAIL must not have started a transaction.
    assert raw.cmd("MAIL FROM:<ok@remote.test>").code == 250


def test_pipelined_transaction_in_one_write(server):
    """RFC 2920: a client may send MAIL, RCPT... and DATA in one packet; replies come back in order."""
    raw = RawSmtp(server.host, server.port)
    raw.ehlo()
    raw.send(
        "MAIL FROM:<sender@remote.test>\r\n"
        f"RCPT TO:<{ALICE}>\r\n"
        "RCPT TO:<nobody@elsewhere.test>\r\n"
        f"RCPT TO:<{BOB}>\r\n"
        "DATA\r\n"
    )
    codes = [raw.reply().code for _ in range(5)]
    assert codes == [250, 250, 554, 250, 354], codes
    body = b"Subject: pipelined\r\n\r\nhello\r\n"
    raw.send(body + b".\r\nNOOP\r\nQUIT\r\n")
    stored = raw.reply()
    stored_id(stored)
    assert raw.reply().code == 250
    assert raw.reply().code == 221
    raw.close()
    assert server.bodies(ALICE) == [body]
    assert server.bodies(BOB) == [body]


def test_whole_session_pipelined_in_one_write(server):
    """Everything after the greeting in one write, including two messages and QUIT."""
    with RawSmtp(server.host, server.port) as c:
        c.send(
            b"EHLO client.test\r\n"
            b"MAIL FROM:<a@remote.test>\r\n"
            b"RCPT TO:<alice@example.test>\r\n"
            b"DATA\r\n"
            b"Subject: one\r\n\r\nfirst\r\n.\r\n"
            b"MAIL FROM:<b@remote.test>\r\n"
            b"RCPT TO:<alice@example.test>\r\n"
            b"DATA\r\n"
            b"Subject: two\r\n\r\nsecond\r\n.\r\n"
            b"QUIT\r\n"
        )
        replies = [c.reply() for _ in range(9)]
        assert [r.code for r in replies] == [250, 250, 250, 354, 250, 250, 250, 354, 250], replies
        assert c.reply().code == 221
    assert server.bodies(ALICE) == [b"Subject: one\r\n\r\nfirst\r\n", b"Subject: two\r\n\r\nsecond\r\n"]


def test_multiple_transactions_per_session_get_distinct_ids(server):
    with smtplib.SMTP(server.host, server.port, local_hostname="client.test", timeout=10) as client:
        ids = []
        for n in range(3):
            msg = f"Subject: n{n}\r\n\r\nmessage {n}\r\n".encode()
            client.ehlo_or_helo_if_needed()
            client.mail("sender@remote.test")
            client.rcpt(ALICE)
            code, text = client.data(msg)
            assert code == 250, text
            ids.append(text.decode().rsplit(" ", 1)[-1])
    assert len(set(ids)) == 3, ids
    stored = [parse_stored(m) for m in server.messages(ALICE)]
    assert [s.received_fields["id"] for s in stored] == ids


def test_swaks_plain_delivery(server):
    result = swaks(server, "--from", "sender@remote.test", "--to", ALICE, "--helo", "swaks.test",
                   "--header", "Subject: via swaks", "--body", "hello from swaks")
    out = result.stdout.decode(errors="replace")
    assert result.returncode == 0, out
    assert "stored as" in out, out
    stored = server.only_message(ALICE)
    assert stored.received_fields["helo"] == "swaks.test"
    assert stored.received_fields["protocol"] == "ESMTP"
    assert b"Subject: via swaks\r\n" in stored.original
    # swaks's template puts the body after the blank line and adds blank lines of its own.
    assert b"\r\n\r\nhello from swaks\r\n" in stored.original, stored.original


def test_swaks_pipelining(server):
    result = swaks(server, "--pipeline", "--from", "sender@remote.test", "--to", f"{ALICE},{BOB}",
                   "--helo", "swaks.test", "--body", "pipelined by swaks")
    out = result.stdout.decode(errors="replace")
    assert result.returncode == 0, out
    assert "stored as" in out, out
    for who in (ALICE, BOB):
        stored = server.only_message(who)
        assert b"\r\n\r\npipelined by swaks\r\n" in stored.original, stored.original
