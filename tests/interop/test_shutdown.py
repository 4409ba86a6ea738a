"""Graceful shutdown on SIGTERM: idle sessions hear 421 4.3.2, a DATA transaction in progress is
finished and stored, and the process exits 0."""

import signal
import time

from conftest import DOMAIN, RawSmtp, parse_stored, stored_id

ALICE = f"alice@{DOMAIN}"


def test_sigterm_with_no_sessions_exits_zero(server):
    server.signal(signal.SIGTERM)
    assert server.wait(10) == 0, server.log()


def test_sigterm_closes_idle_session_with_421(server):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        time.sleep(0.2)  # let the session go back to waiting for a command
        server.signal(signal.SIGTERM)
        reply = c.reply()
        assert (reply.code, reply.enhanced) == (421, "4.3.2"), reply
        assert c.is_closed(5)
    assert server.wait(10) == 0, server.log()


def test_sigterm_closes_session_that_has_not_said_ehlo(server):
    with RawSmtp(server.host, server.port) as c:
        time.sleep(0.2)
        server.signal(signal.SIGTERM)
        reply = c.reply()
        assert (reply.code, reply.enhanced) == (421, "4.3.2"), reply
    assert server.wait(10) == 0, server.log()


def test_sigterm_during_data_finishes_the_transaction(server):
    first_half = b"Subject: in flight\r\n\r\nfirst half\r\n"
    second_half = b"second half\r\n"
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<sender@remote.test>").code == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(first_half)
        time.sleep(0.2)
        server.signal(signal.SIGTERM)
        time.sleep(0.5)
        assert server.running(), "the server must wait for the open transaction"
        c.send(second_half + b".\r\n")
        message_id = stored_id(c.reply())
        # After the transaction the session is told the server is going away (or closed).
        rest = c.pending(2.0)
        assert rest == b"" or rest.startswith(b"421 4.3.2"), rest
    assert server.wait(10) == 0, server.log()
    # The admin CLI works with the server stopped.
    stored = parse_stored(server.messages(ALICE)[0])
    assert stored.original == first_half + second_half
    assert stored.received_fields["id"] == message_id


def test_sigterm_refuses_new_transactions_on_open_sessions(server):
    with RawSmtp(server.host, server.port) as busy, RawSmtp(server.host, server.port) as other:
        busy.ehlo()
        other.ehlo()
        assert busy.cmd("MAIL FROM:<sender@remote.test>").code == 250
        assert busy.cmd(f"RCPT TO:<{ALICE}>").code == 250
        assert busy.cmd("DATA").code == 354
        busy.send(b"Subject: busy\r\n\r\n")
        time.sleep(0.2)
        server.signal(signal.SIGTERM)
        reply = other.reply()
        assert (reply.code, reply.enhanced) == (421, "4.3.2"), reply
        busy.send(b"done\r\n.\r\n")
        stored_id(busy.reply())
    assert server.wait(10) == 0, server.log()
    assert len(server.mail_list(ALICE)) == 1


def test_restart_after_sigterm_keeps_mail_and_serves_again(server):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [ALICE], b"Subject: one\r\n\r\n1\r\n"))
    assert server.stop() == 0
    server.start()
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [ALICE], b"Subject: two\r\n\r\n2\r\n"))
    assert server.bodies(ALICE) == [b"Subject: one\r\n\r\n1\r\n", b"Subject: two\r\n\r\n2\r\n"]
