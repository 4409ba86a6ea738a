"""STARTTLS (RFC 3207): upgrade with smtplib, swaks and a raw client; EHLO after TLS; state reset;
and the STARTTLS command-injection class (CVE-2011-0411): plaintext pipelined after STARTTLS
must never be executed inside TLS."""

import smtplib
import ssl

from conftest import DOMAIN, HOSTNAME, RawSmtp, client_tls_context, stored_id, swaks

ALICE = f"alice@{DOMAIN}"
BODY = b"Subject: over tls\r\n\r\nsecret\r\n"


def test_starttls_with_smtplib(server):
    with smtplib.SMTP(server.host, server.port, local_hostname="client.test", timeout=10) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        code, _ = client.starttls(context=client_tls_context())
        assert code == 220
        assert isinstance(client.sock, ssl.SSLSocket)
        code, _ = client.ehlo()
        assert code == 250
        assert not client.has_extn("starttls"), "STARTTLS must not be offered inside TLS"
        for extension in ("pipelining", "size", "8bitmime", "chunking"):
            assert client.has_extn(extension), extension
        assert client.sendmail("sender@remote.test", [ALICE], BODY) == {}
    stored = server.only_message(ALICE)
    assert stored.original == BODY
    assert stored.received_fields["protocol"] == "ESMTPS"


def test_server_presents_a_certificate_for_its_hostname(shared_server):
    with RawSmtp(shared_server.host, shared_server.port) as c:
        c.ehlo()
        assert c.cmd("STARTTLS").code == 220
        c.starttls()
        der = c.sock.getpeercert(binary_form=True)
        assert der, "no certificate"
        assert HOSTNAME.encode() in der, "the self-signed certificate should name server.hostname"
        assert c.sock.version() in ("TLSv1.2", "TLSv1.3"), c.sock.version()


def test_starttls_reply_code(raw):
    raw.ehlo()
    reply = raw.cmd("STARTTLS")
    assert (reply.code, reply.enhanced) == (220, "2.0.0"), reply


def test_starttls_before_ehlo_is_out_of_order(raw):
    reply = raw.cmd("STARTTLS")
    assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply


def test_starttls_inside_a_transaction_is_refused(raw):
    raw.ehlo()
    assert raw.cmd("MAIL FROM:<sender@remote.test>").code == 250
    reply = raw.cmd("STARTTLS")
    assert reply.code == 503, reply


def test_starttls_twice_is_refused(raw):
    raw.ehlo()
    assert raw.cmd("STARTTLS").code == 220
    raw.starttls()
    raw.ehlo()
    reply = raw.cmd("STARTTLS")
    assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply


def test_state_is_forgotten_after_starttls(raw):
    """RFC 3207 §4.2: the client must EHLO again; MAIL right after the handshake is out of order."""
    raw.ehlo()
    assert raw.cmd("STARTTLS").code == 220
    raw.starttls()
    reply = raw.cmd("MAIL FROM:<sender@remote.test>")
    assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply
    reply = raw.ehlo()
    assert not any(b"STARTTLS" in line.upper() for line in reply.lines), reply


def test_starttls_injection_is_discarded(server):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        # One write: STARTTLS plus plaintext commands an attacker on the path could have appended.
        c.send(b"STARTTLS\r\nNOOP\r\nMAIL FROM:<injected@evil.test>\r\n")
        reply = c.reply()
        assert reply.code == 220, reply
        assert c.buffer == b"", f"plaintext reply to the injected commands: {c.buffer!r}"
        c.starttls()
        extra = c.pending(0.7)
        assert extra == b"", f"the injected commands were answered inside TLS: {extra!r}"
        # The first reply inside TLS belongs to our EHLO, and no transaction was started.
        reply = c.cmd("EHLO client.test")
        assert reply.code == 250 and reply.lines[0].startswith(f"250-{HOSTNAME}".encode()), reply
        reply = c.cmd("MAIL FROM:<sender@remote.test>")
        assert reply.code == 250, f"an injected MAIL must not be in progress: {reply!r}"
        assert c.cmd(f"RCPT TO:<{ALICE}>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(BODY + b".\r\n")
        stored_id(c.reply())
    stored = server.only_message(ALICE)
    assert stored.return_path == b"<sender@remote.test>"


def test_plaintext_after_starttls_reply_is_not_a_command(shared_server):
    """Same class, with the plaintext command sent in a second write, after the 220."""
    with RawSmtp(shared_server.host, shared_server.port) as c:
        c.ehlo()
        c.send(b"STARTTLS\r\n")
        assert c.reply().code == 220
        # A record that is not TLS makes the handshake fail: the server must drop the connection,
        # never answer the text as a command.
        c.send(b"NOOP\r\n")
        data = c.pending(1.0)
        assert b"250" not in data, f"plaintext NOOP answered after 220: {data!r}"
        assert c.is_closed(5), "a failed TLS handshake must end the connection"


def test_swaks_starttls(server):
    result = swaks(server, "--tls", "--from", "sender@remote.test", "--to", ALICE, "--helo", "swaks.test",
                   "--body", "over tls by swaks")
    out = result.stdout.decode(errors="replace")
    assert result.returncode == 0, out
    assert "stored as" in out, out
    stored = server.only_message(ALICE)
    assert stored.received_fields["protocol"] == "ESMTPS"
    assert stored.received_fields["helo"] == "swaks.test"
    assert b"\r\n\r\nover tls by swaks\r\n" in stored.original, stored.original


def test_swaks_starttls_with_pipelining(server):
    result = swaks(server, "--tls", "--pipeline", "--from", "sender@remote.test", "--to", ALICE,
                   "--body", "tls and pipelining")
    out = result.stdout.decode(errors="replace")
    assert result.returncode == 0, out
    assert server.only_message(ALICE).received_fields["protocol"] == "ESMTPS"
