"""Configured limits as seen on the wire: message size (RFC 1870), recipients per transaction,
connections in total and per IP, errors per session, and the greeting/command/data timeouts."""

import smtplib
import socket
import time

import pytest

from conftest import DOMAIN, RawSmtp, stored_id

ALICE = f"alice@{DOMAIN}"


@pytest.fixture
def limited(make_server):
    """limited(**smtp) -> running server with example.test, alice@ and bob@."""
    def factory(**smtp):
        return make_server(smtp=smtp, populated=True)
    return factory


def test_size_is_advertised_from_config(limited):
    s = limited(max_message_size=123456)
    with RawSmtp(s.host, s.port) as c:
        reply = c.ehlo()
        assert b"250-SIZE 123456" in reply.lines or b"250 SIZE 123456" in reply.lines, reply


def test_message_over_max_size_is_refused_at_end_of_data(limited):
    s = limited(max_message_size=2048)
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        big = b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 60  # ~4.3 KB
        reply = c.transaction("sender@remote.test", [ALICE], big)
        assert (reply.code, reply.enhanced) == (552, "5.3.4"), reply
        small = b"Subject: small\r\n\r\n" + (b"y" * 70 + b"\r\n") * 10
        stored_id(c.transaction("sender@remote.test", [ALICE], small))
    assert s.bodies(ALICE) == [small]


def test_message_far_over_max_size_does_not_hang(limited):
    """The server keeps reading (and dropping) the rest of the data, then answers 552."""
    s = limited(max_message_size=1024)
    with RawSmtp(s.host, s.port, timeout=20) as c:
        c.ehlo()
        body = b"Subject: huge\r\n\r\n" + (b"z" * 998 + b"\r\n") * 2000  # 2 MB
        reply = c.transaction("sender@remote.test", [ALICE], body)
        assert (reply.code, reply.enhanced) == (552, "5.3.4"), reply
        assert c.cmd("NOOP").code == 250
    assert s.mail_list(ALICE) == []


def test_declared_size_over_limit_is_refused_at_mail(limited):
    s = limited(max_message_size=2048)
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        reply = c.cmd("MAIL FROM:<sender@remote.test> SIZE=2049")
        assert (reply.code, reply.enhanced) == (552, "5.3.4"), reply
        reply = c.cmd("MAIL FROM:<sender@remote.test> SIZE=2048")
        assert reply.code == 250, reply


def test_smtplib_sees_size_refusal(limited):
    s = limited(max_message_size=1024)
    with smtplib.SMTP(s.host, s.port, local_hostname="client.test", timeout=10) as client:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail("sender@remote.test", [ALICE], b"Subject: x\r\n\r\n" + b"a" * 5000 + b"\r\n")
        assert refused.value.smtp_code == 552


def test_too_many_recipients(limited):
    s = limited(max_recipients=3)
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<sender@remote.test>").code == 250
        for n in range(3):
            assert c.cmd(f"RCPT TO:<alice+{n}@{DOMAIN}>").code == 250
        reply = c.cmd(f"RCPT TO:<alice+3@{DOMAIN}>")
        assert (reply.code, reply.enhanced) == (452, "4.5.3"), reply
        assert c.cmd("DATA").code == 354
        c.send(b"Subject: four\r\n\r\nx\r\n.\r\n")
        stored_id(c.reply())
    assert len(s.mail_list(ALICE)) == 1


def test_per_ip_connection_limit(limited):
    s = limited(max_connections_per_ip=2)
    first = RawSmtp(s.host, s.port)
    second = RawSmtp(s.host, s.port)
    try:
        assert first.greeting.code == 220 and second.greeting.code == 220
        with RawSmtp(s.host, s.port) as third:
            assert (third.greeting.code, third.greeting.enhanced) == (421, "4.7.0"), third.greeting
            assert third.is_closed(5), "the refused connection must be closed"
        # Closing one frees a slot.
        first.cmd("QUIT")
        first.close()
        deadline = time.monotonic() + 5
        while True:
            with RawSmtp(s.host, s.port) as again:
                if again.greeting.code == 220:
                    assert again.cmd("NOOP").code == 250
                    break
            assert time.monotonic() < deadline, "slot not freed after QUIT"
            time.sleep(0.1)
    finally:
        first.close()
        second.close()


def test_total_connection_limit(limited):
    s = limited(max_connections=2)
    first = RawSmtp(s.host, s.port)
    second = RawSmtp(s.host, s.port)
    try:
        assert first.greeting.code == 220 and second.greeting.code == 220
        # Connections beyond the limit must not get a working session.
        extra = socket.create_connection((s.host, s.port), timeout=5)
        try:
            extra.settimeout(2)
            try:
                data = extra.recv(1024)
            except (socket.timeout, TimeoutError):
                data = b""
            assert not data.startswith(b"220"), f"extra connection got a session: {data!r}"
            if data:
                assert data.startswith(b"421"), data
        finally:
            extra.close()
    finally:
        first.close()
        second.close()


def test_too_many_errors_ends_the_session(limited):
    s = limited(max_errors=3)
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        for n in range(3):
            reply = c.cmd(f"BOGUS{n}")
            assert reply.code == 500, f"error {n + 1}: {reply!r}"
        reply = c.reply()
        assert (reply.code, reply.enhanced) == (421, "4.7.0"), reply
        assert c.is_closed(5)


def test_errors_of_different_kinds_add_up(limited):
    s = limited(max_errors=4)
    with RawSmtp(s.host, s.port) as c:
        replies = [c.cmd("MAIL FROM:<a@b.test>").code]  # 503: before EHLO
        c.ehlo()
        replies.append(c.cmd("BOGUS").code)  # 500
        replies.append(c.cmd("MAIL FROM:broken").code)  # 501
        replies.append(c.cmd("RCPT TO:<x@y.test>").code)  # 503: no MAIL
        assert replies == [503, 500, 501, 503], replies
        reply = c.reply()
        assert (reply.code, reply.enhanced) == (421, "4.7.0"), reply
        assert c.is_closed(5)


def test_framing_errors_count_too_and_close_the_session(limited):
    """Lines the session refuses before parsing (bare LF, over-long) count toward max_errors."""
    s = limited(max_errors=2)
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        c.send(b"NOOP\n")  # bare LF: 500 5.5.2
        reply = c.reply()
        assert (reply.code, reply.enhanced) == (500, "5.5.2"), reply
        c.send(b"X" * 5000 + b"\r\n")  # over-long: 500 5.5.2, and the limit is reached
        assert c.reply().code == 500
        reply = c.reply()
        assert (reply.code, reply.enhanced) == (421, "4.7.0"), reply
        assert c.is_closed(5)


def test_successful_commands_do_not_count_as_errors(limited):
    s = limited(max_errors=2)
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        assert c.cmd("BOGUS").code == 500
        for _ in range(20):
            assert c.cmd("NOOP").code == 250
        c.ehlo()
        assert c.cmd("QUIT").code == 221


def test_command_timeout(limited):
    s = limited(command_timeout=1)
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        started = time.monotonic()
        reply = c.reply()  # nothing sent: the server speaks first when it gives up
        assert (reply.code, reply.enhanced) == (421, "4.4.2"), reply
        assert time.monotonic() - started < 8
        assert c.is_closed(5)


def test_greeting_timeout(limited):
    s = limited(greeting_timeout=1, command_timeout=60)
    with RawSmtp(s.host, s.port) as c:
        reply = c.reply()
        assert (reply.code, reply.enhanced) == (421, "4.4.2"), reply
        assert c.is_closed(5)


def test_activity_keeps_the_session_alive(limited):
    s = limited(command_timeout=2)
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        for _ in range(4):
            time.sleep(0.8)
            assert c.cmd("NOOP").code == 250
        assert c.cmd("QUIT").code == 221


def test_data_timeout(limited):
    s = limited(data_timeout=2, command_timeout=60)
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<sender@remote.test>").code == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(b"Subject: stalled\r\n\r\nhalf a messa")
        reply = c.reply()
        assert reply.code == 421, reply
        assert c.is_closed(5)
    assert s.mail_list(ALICE) == []
