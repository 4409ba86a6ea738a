"""IMAP AUTHENTICATE SCRAM-SHA-256 (RFC 5802, RFC 7677 over RFC 9051 §6.2.2, RFC 4959 SASL-IR),
against a SCRAM client written here from RFC 5802 §3 with hashlib/hmac/base64, and imaplib's
authenticate(): success with and without an initial response, the server's signature, wrong
password and unknown user (the PLAIN failure answer and delay), cancelling with "*" at every
step, malformed and refused messages, password changes, throttling shared with PLAIN, and
PRIVACYREQUIRED before TLS."""

from __future__ import annotations

import base64
import hashlib
import hmac
import imaplib
import os
import re
import shutil
import socket

import pytest

from conftest import (DOMAIN, HOSTNAME, IO_TIMEOUT, PASSWORD, Server, client_tls_context, make_config_dir,
                      make_data_dir, remove_later)
from imap_support import in_parallel, timed

ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"
FAILED = "NO [AUTHENTICATIONFAILED] Invalid credentials"


# --------------------------------------------------------------------------------------------
# A SCRAM-SHA-256 client (RFC 5802 §3, §7; no SASLprep: the passwords here are ASCII)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def saslname(name: str) -> str:
    return name.replace("=", "=3D").replace(",", "=2C")


class ScramClient:
    def __init__(self, user: str, password: str = PASSWORD, authzid: str = "", cbind: str = "n",
                 nonce: str | None = None):
        self.password = password
        self.nonce = nonce or b64(os.urandom(18))
        self.gs2 = f"{cbind},{'a=' + saslname(authzid) if authzid else ''},"
        self.bare = f"n={saslname(user)},r={self.nonce}"
        self.server_signature = b""

    def first(self) -> bytes:
        return (self.gs2 + self.bare).encode()

    def final(self, server_first: bytes, tamper_nonce: bool = False) -> bytes:
        m = re.fullmatch(rb"r=([\x21-\x2b\x2d-\x7e]+),s=([A-Za-z0-9+/=]+),i=(\d+)", server_first)
        assert m, server_first
        nonce, salt, iterations = m.group(1).decode(), base64.b64decode(m.group(2), validate=True), int(m.group(3))
        assert nonce.startswith(self.nonce) and len(nonce) >= len(self.nonce) + 24, nonce
        if tamper_nonce:
            nonce = nonce[:-1] + ("A" if nonce[-1] != "A" else "B")
        salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, iterations)
        client_key = hmac.digest(salted, b"Client Key", "sha256")
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = f"c={b64(self.gs2.encode())},r={nonce}"
        auth_message = b",".join([self.bare.encode(), server_first, without_proof.encode()])
        signature = hmac.digest(stored_key, auth_message, "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        self.server_signature = hmac.digest(hmac.digest(salted, b"Server Key", "sha256"), auth_message, "sha256")
        return f"{without_proof},p={b64(proof)}".encode()

    def verify(self, server_final: bytes) -> bool:
        """RFC 5802 §5.1: the client authenticates the server by its signature."""
        return hmac.compare_digest(server_final, b"v=" + b64(self.server_signature).encode())


# --------------------------------------------------------------------------------------------
# A line-level IMAP client: SASL needs the "+" lines that imaplib hides


class Imap:
    def __init__(self, port: int, tls: bool = False):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        if tls:
            self.sock = client_tls_context().wrap_socket(self.sock, server_hostname=HOSTNAME)
        self.buffer = b""
        self.greeting = self.line()

    def __enter__(self) -> "Imap":
        return self

    def __exit__(self, *exc) -> None:
        self.sock.close()

    def send(self, line: str | bytes) -> None:
        self.sock.sendall((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"connection closed; unread {self.buffer!r}")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def challenge(self) -> bytes:
        """The next line, which must be a continuation "+ <base64>"; returns the decoded data."""
        line = self.line()
        assert line.startswith(b"+ "), line
        return base64.b64decode(line[2:], validate=True)

    def tagged(self, tag: str) -> str:
        """Reads to the tagged response of `tag`; returns it without the tag."""
        while True:
            line = self.line()
            if line.startswith(tag.encode() + b" "):
                return line[len(tag) + 1:].decode()
            assert line.startswith(b"* "), f"unexpected {line!r} waiting for {tag}"

    def command(self, tag: str, text: str) -> str:
        self.send(f"{tag} {text}")
        return self.tagged(tag)

    def logged_in(self) -> bool:
        return self.command("Z1", "SELECT INBOX").startswith("OK")

    def scram(self, client: ScramClient, initial_response: bool = True, tag: str = "A1") -> tuple[str, bool]:
        """A whole exchange; returns (tagged response, server signature verified)."""
        if initial_response:
            self.send(f"{tag} AUTHENTICATE SCRAM-SHA-256 {b64(client.first())}")
        else:
            self.send(f"{tag} AUTHENTICATE SCRAM-SHA-256")
            assert self.line() == b"+ "
            self.send(b64(client.first()))
        self.send(b64(client.final(self.challenge())))
        line = self.line()
        if not line.startswith(b"+ "):
            return line.decode().split(" ", 1)[1], False
        verified = client.verify(base64.b64decode(line[2:], validate=True))
        self.send(b"" if verified else b"*")
        return self.tagged(tag), verified


def imap_port(server: Server) -> int:
    return server.ports["imap"][0]


def plain_ir(user: str, password: str = PASSWORD) -> str:
    return b64(f"\0{user}\0{password}".encode())


@pytest.fixture
def private_server(populated_template):
    """Factory: a server on a private copy of the populated data folder, with [imap] settings;
    for tests whose failures must not count against the shared server's address."""
    made: list[Server] = []

    def factory(imap: dict | None = None) -> Server:
        data_dir, conf_dir = make_data_dir(), make_config_dir()
        try:
            shutil.copytree(populated_template, data_dir, symlinks=True, dirs_exist_ok=True)
            s = Server(data_dir, conf_dir, imap=imap)
        except BaseException:
            remove_later(data_dir, conf_dir)
            raise
        made.append(s)
        return s.start()

    yield factory
    for s in made:
        s.stop(timeout=5)
        s.cleanup()


# --------------------------------------------------------------------------------------------
# Success


def test_advertised_before_login_only(shared_server):
    with Imap(imap_port(shared_server)) as c:
        assert b" AUTH=SCRAM-SHA-256 " in c.greeting
        response, verified = c.scram(ScramClient(ALICE))
        assert verified
        assert response.startswith("OK [CAPABILITY ") and "AUTH=" not in response


def test_initial_response_rfc7677_exchange(shared_server):
    with Imap(imap_port(shared_server)) as c:
        client = ScramClient(ALICE)
        c.send(f"A1 AUTHENTICATE SCRAM-SHA-256 {b64(client.first())}")
        server_first = c.challenge()
        # r=<client nonce><server nonce>,s=<16-byte salt>,i=4096 (RFC 7677 §4 minimum).
        m = re.fullmatch(rb"r=([^,]+),s=([^,]+),i=4096", server_first)
        assert m and m.group(1).startswith(client.nonce.encode()), server_first
        assert len(base64.b64decode(m.group(2))) == 16
        c.send(b64(client.final(server_first)))
        server_final = c.challenge()
        assert client.verify(server_final) and server_final.startswith(b"v=")
        c.send(b"")
        response = c.tagged("A1")
        assert response.startswith("OK [CAPABILITY IMAP4rev1 ") and response.endswith("] Logged in")
        assert c.logged_in()


def test_empty_challenge_first_and_authzid(shared_server):
    with Imap(imap_port(shared_server)) as c:
        response, verified = c.scram(ScramClient(BOB, authzid=BOB, cbind="y"), initial_response=False)
        assert verified and response.endswith("] Logged in")
        assert c.logged_in()


def test_username_case_and_escaping(shared_server):
    with Imap(imap_port(shared_server)) as c:
        # The address is looked up normalized, as for LOGIN.
        response, verified = c.scram(ScramClient(ALICE.upper()))
        assert verified and response.endswith("] Logged in")


def test_imaplib_authenticate(shared_server):
    """imaplib answers each "+" with its handler's bytes (no SASL-IR), "" as an empty line."""
    client = ScramClient(ALICE)
    steps = iter([lambda _: client.first(), client.final, lambda v: b"" if client.verify(v) else None])
    m = imaplib.IMAP4("127.0.0.1", imap_port(shared_server), timeout=IO_TIMEOUT)
    try:
        assert "AUTH=SCRAM-SHA-256" in m.capabilities
        typ, data = m.authenticate("SCRAM-SHA-256", lambda challenge: next(steps)(challenge))
        assert typ == "OK" and data[0].endswith(b"] Logged in") and m.state == "AUTH"
        assert m.select("INBOX")[0] == "OK"
        m.logout()
    finally:
        try:
            m.shutdown()
        except OSError:
            pass


# --------------------------------------------------------------------------------------------
# Failures


def test_wrong_password_and_unknown_user_fail_like_plain(private_server):
    port = imap_port(private_server())

    def scram(user, password):
        def run():
            with Imap(port) as c:
                (response, verified), took = timed(lambda: c.scram(ScramClient(user, password)))
                assert not verified and not c.logged_in()
                return response, took
        return run

    def plain():
        with Imap(port) as c:
            return timed(lambda: c.command("P1", f"AUTHENTICATE PLAIN {plain_ir(ALICE, 'nope')}"))

    (wrong, t_wrong), (unknown, t_unknown), (other_domain, t_domain), (via_plain, t_plain) = in_parallel(
        scram(ALICE, "wrong password"), scram(f"nobody@{DOMAIN}", PASSWORD),
        scram("alice@elsewhere.test", PASSWORD), plain)
    assert wrong == unknown == other_domain == via_plain == FAILED
    # Answered after the same fixed delay, counted from the client-final-message.
    for took in (t_wrong, t_unknown, t_domain, t_plain):
        assert 1.9 < took < 4.0, (t_wrong, t_unknown, t_domain, t_plain)


def test_unknown_user_gets_a_stable_plausible_salt(shared_server):
    """RFC 5802 §5.1: an unknown user's server-first-message looks like a real one, and the same
    on every attempt, so it does not tell who exists."""
    def server_first(user: str) -> re.Match:
        with Imap(imap_port(shared_server)) as c:
            c.send(f"A1 AUTHENTICATE SCRAM-SHA-256 {b64(ScramClient(user).first())}")
            first = c.challenge()
            c.send("*")
            assert c.tagged("A1").startswith("BAD ")
            m = re.fullmatch(rb"r=[^,]+,s=([^,]+),i=(\d+)", first)
            assert m, first
            return m

    nobody1, nobody2 = server_first(f"nobody@{DOMAIN}"), server_first(f"nobody@{DOMAIN}")
    alice1, alice2 = server_first(ALICE), server_first(ALICE)
    assert nobody1.group(1) == nobody2.group(1) and alice1.group(1) == alice2.group(1)
    assert nobody1.group(1) != alice1.group(1)
    assert len(base64.b64decode(nobody1.group(1))) == len(base64.b64decode(alice1.group(1))) == 16
    assert nobody1.group(2) == alice1.group(2) == b"4096"
    assert server_first(f"other@{DOMAIN}").group(1) != nobody1.group(1)


def test_client_rejects_a_tampered_server_signature(shared_server):
    """The client's check of "v=" is real: a flipped bit fails it. A client that rejects the
    server's signature cancels with "*", and the server must not log it in."""
    with Imap(imap_port(shared_server)) as c:
        client = ScramClient(ALICE)
        c.send(f"A1 AUTHENTICATE SCRAM-SHA-256 {b64(client.first())}")
        c.send(b64(client.final(c.challenge())))
        server_final = c.challenge()
        assert client.verify(server_final)
        signature = bytearray(base64.b64decode(server_final[2:]))
        signature[0] ^= 1
        assert not client.verify(b"v=" + base64.b64encode(bytes(signature)))
        assert not client.verify(server_final + b"A")
        c.send("*")
        assert c.tagged("A1") == "BAD Authentication cancelled"
        assert not c.logged_in()
        # The session goes on, and a full exchange still works.
        assert c.scram(ScramClient(ALICE), tag="A2")[1]


def test_cancel_at_every_step(shared_server):
    with Imap(imap_port(shared_server)) as c:
        c.send("A1 AUTHENTICATE SCRAM-SHA-256")
        assert c.line() == b"+ "
        c.send("*")
        assert c.tagged("A1") == "BAD Authentication cancelled"

        client = ScramClient(ALICE)
        c.send(f"A2 AUTHENTICATE SCRAM-SHA-256 {b64(client.first())}")
        c.challenge()
        c.send("*")
        assert c.tagged("A2") == "BAD Authentication cancelled"
        assert not c.logged_in()

        # Anything but an empty line after the server's signature is no acknowledgement.
        client = ScramClient(ALICE)
        c.send(f"A3 AUTHENTICATE SCRAM-SHA-256 {b64(client.first())}")
        c.send(b64(client.final(c.challenge())))
        assert client.verify(c.challenge())
        c.send(b64(b"v=again"))
        assert c.tagged("A3").startswith("BAD ")
        assert not c.logged_in()
        assert c.scram(ScramClient(ALICE), tag="A4")[1]


def test_malformed_and_refused_messages(shared_server):
    with Imap(imap_port(shared_server)) as c:
        def first(message: bytes, tag: str) -> str:
            return c.command(tag, f"AUTHENTICATE SCRAM-SHA-256 {b64(message)}")

        # Not base64 (the IMAP parser refuses it), not strict base64, not SCRAM.
        assert c.command("B1", "AUTHENTICATE SCRAM-SHA-256 %%%%").startswith("BAD ")
        assert c.command("B2", "AUTHENTICATE SCRAM-SHA-256 biw").startswith("BAD ")
        assert c.command("B3", "AUTHENTICATE SCRAM-SHA-256 =").startswith("BAD ")
        assert first(b"n,,r=abc,n=user", "B4").startswith("BAD ")
        assert first(b"n,,n=us=41er,r=abc", "B5").startswith("BAD ")
        assert first(b"n,,n=" + b"a" * 600 + b",r=abc", "B6").startswith("BAD ")
        # Channel binding and mandatory extensions are not offered; nor is proxy authorization.
        assert first(f"p=tls-unique,,n={ALICE},r=abc".encode(), "B7") == \
            "NO [CANNOT] Channel binding is not supported"
        assert first(f"n,,m=x,n={ALICE},r=abc".encode(), "B8").startswith("NO [CANNOT] ")
        assert first(f"n,a={BOB},n={ALICE},r=abc".encode(), "B9") == \
            "NO [AUTHORIZATIONFAILED] Authorization identity not allowed"
        # A malformed client-final-message.
        client = ScramClient(ALICE)
        c.send(f"B10 AUTHENTICATE SCRAM-SHA-256 {b64(client.first())}")
        final = client.final(c.challenge())
        c.send(b64(final.replace(b",p=", b",q=")))
        assert c.tagged("B10").startswith("BAD ")
        assert not c.logged_in()


def test_wrong_nonce_or_channel_binding_is_a_failed_login(private_server):
    port = imap_port(private_server())

    def nonce():
        with Imap(port) as c:
            client = ScramClient(ALICE)
            c.send(f"A1 AUTHENTICATE SCRAM-SHA-256 {b64(client.first())}")
            c.send(b64(client.final(c.challenge(), tamper_nonce=True)))
            return c.tagged("A1")

    def binding():
        with Imap(port) as c:
            client = ScramClient(ALICE)
            c.send(f"A1 AUTHENTICATE SCRAM-SHA-256 {b64(client.first())}")
            final = client.final(c.challenge())
            c.send(b64(final.replace(b"c=biws,", b"c=eSws,")))  # "y,," instead of "n,,"
            return c.tagged("A1")

    assert in_parallel(nonce, binding) == [FAILED, FAILED]


def test_failures_are_throttled_with_plain(private_server):
    """SCRAM failures count against the address and the account like PLAIN's, and a throttled
    SCRAM exchange fails at the proof like any other."""
    server = private_server()
    port = imap_port(server)

    def salt(user: str) -> bytes:
        with Imap(port) as c:
            c.send(f"A1 AUTHENTICATE SCRAM-SHA-256 {b64(ScramClient(user).first())}")
            first = c.challenge()
            c.send("*")
            assert c.tagged("A1").startswith("BAD ")
            return re.search(rb",s=([^,]+),", first).group(1)

    salt_before = salt(ALICE)

    def fail_once():
        with Imap(port) as c:
            return c.scram(ScramClient(ALICE, "guess"))[0]

    assert in_parallel(*[fail_once] * 10) == [FAILED] * 10
    with Imap(port) as c:
        assert c.command("A1", f"AUTHENTICATE PLAIN {plain_ir(ALICE)}") == FAILED
    with Imap(port) as c:
        (response, verified), took = timed(lambda: c.scram(ScramClient(BOB)))
        assert (response, verified) == (FAILED, False) and took > 1.9
    # Throttling shows nowhere in the exchange: the real salt, then the ordinary failure.
    assert salt(ALICE) == salt_before
    assert "throttled=true" in server.log()


def test_password_change_applies_to_scram(private_server):
    server = private_server()
    port = imap_port(server)
    server.cli("account", "passwd", ALICE, stdin="a new password\n", check=True)
    with Imap(port) as c:
        assert c.scram(ScramClient(ALICE, "a new password"))[1]
    with Imap(port) as c:
        assert c.scram(ScramClient(ALICE, PASSWORD))[0] == FAILED


def test_privacy_required_before_tls(private_server):
    server = private_server(imap={"loopback_plaintext_auth": False})
    with Imap(imap_port(server)) as c:
        assert b"AUTH=SCRAM-SHA-256" not in c.greeting and b"LOGINDISABLED" in c.greeting
        response, took = timed(lambda: c.command("A1", f"AUTHENTICATE SCRAM-SHA-256 {b64(ScramClient(ALICE).first())}"))
        assert response.startswith("NO [PRIVACYREQUIRED] ") and took < 1.0
    with Imap(server.ports["imaps"][0], tls=True) as c:
        assert b" AUTH=SCRAM-SHA-256 " in c.greeting
        assert c.scram(ScramClient(ALICE))[1]
        assert c.logged_in()


def test_admin_refuses_a_password_saslprep_refuses(private_server):
    """The admin CLI makes the Argon2id hash and the SCRAM credentials from one password; one that
    SASLprep refuses (RFC 4013 §2.3: control characters) is refused whole, and nothing changes."""
    server = private_server()
    result = server.cli("account", "passwd", ALICE, stdin="bad\x01password\n")
    assert result.returncode == 1
    assert b"SASLprep" in result.stderr and result.stderr.count(b"\n") == 1, result.stderr
    with Imap(imap_port(server)) as c:
        assert c.scram(ScramClient(ALICE))[1]
