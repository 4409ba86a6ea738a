"""BDAT (RFC 3030 CHUNKING): chunk replies, exact storage without dot-unstuffing, pipelined
chunks, and refusals (out of order, too big, bare CR/LF, DATA after BDAT).

swaks 20201014 (Debian 12) has no BDAT support, so these use a raw socket."""

import time

import pytest

from conftest import DOMAIN, RawSmtp, parse_stored, stored_id

ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"


def begin(c: RawSmtp, rcpts=(ALICE,)):
    c.ehlo()
    assert c.cmd("MAIL FROM:<sender@remote.test>").code == 250
    for r in rcpts:
        assert c.cmd(f"RCPT TO:<{r}>").code == 250


def bdat(c: RawSmtp, chunk: bytes, last: bool = False):
    c.send(f"BDAT {len(chunk)}{' LAST' if last else ''}\r\n".encode() + chunk)
    return c.reply()


def test_chunks_then_last(server):
    chunks = [b"Subject: chunked\r\n\r\n", b"first part, ", b"second part\r\n"]
    with RawSmtp(server.host, server.port) as c:
        begin(c)
        for chunk in chunks[:-1]:
            reply = bdat(c, chunk)
            assert (reply.code, reply.enhanced) == (250, "2.0.0"), reply
            assert f"{len(chunk)} octets received" in reply.text, reply
        reply = bdat(c, chunks[-1], last=True)
        message_id = stored_id(reply)
    stored = server.only_message(ALICE)
    assert stored.original == b"".join(chunks)
    assert stored.received_fields["id"] == message_id
    assert stored.received_fields["protocol"] == "ESMTP"
    assert stored.return_path == b"<sender@remote.test>"


def test_single_last_chunk(server):
    body = b"Subject: one chunk\r\n\r\nbody\r\n"
    with RawSmtp(server.host, server.port) as c:
        begin(c)
        stored_id(bdat(c, body, last=True))
    assert server.bodies(ALICE) == [body]


def test_empty_last_chunk(server):
    body = b"Subject: zero last\r\n\r\nbody\r\n"
    with RawSmtp(server.host, server.port) as c:
        begin(c)
        assert bdat(c, body).code == 250
        stored_id(bdat(c, b"", last=True))
    assert server.bodies(ALICE) == [body]


def test_bdat_does_not_unstuff_dots(server):
    """BDAT octets are taken as they are: a leading dot is data, and CRLF.CRLF does not end anything."""
    body = b"Subject: dots\r\n\r\n..two dots\r\n.\r\n.one dot\r\n"
    with RawSmtp(server.host, server.port) as c:
        begin(c)
        stored_id(bdat(c, body, last=True))
    assert server.bodies(ALICE) == [body]


def test_crlf_split_between_chunks(server):
    with RawSmtp(server.host, server.port) as c:
        begin(c)
        assert bdat(c, b"Subject: split\r").code == 250
        assert bdat(c, b"\n\r\nbody\r").code == 250
        stored_id(bdat(c, b"\n", last=True))
    assert server.bodies(ALICE) == [b"Subject: split\r\n\r\nbody\r\n"]


def test_chunk_octets_arriving_slowly(server):
    body = b"Subject: slow\r\n\r\n" + b"z" * 500 + b"\r\n"
    with RawSmtp(server.host, server.port) as c:
        begin(c)
        c.send(f"BDAT {len(body)} LAST\r\n".encode())
        for i in range(0, len(body), 100):
            c.send(body[i:i + 100])
            time.sleep(0.02)
        stored_id(c.reply())
    assert server.bodies(ALICE) == [body]


def test_pipelined_bdat_transaction(server):
    """RFC 3030 §4.2: with PIPELINING the whole transaction can go in one write."""
    part1 = b"Subject: pipelined bdat\r\n\r\n"
    part2 = b"hello\r\n"
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        c.send(
            b"MAIL FROM:<sender@remote.test>\r\n"
            + f"RCPT TO:<{ALICE}>\r\nRCPT TO:<{BOB}>\r\n".encode()
            + f"BDAT {len(part1)}\r\n".encode() + part1
            + f"BDAT {len(part2)} LAST\r\n".encode() + part2
            + b"NOOP\r\n"
        )
        codes = [c.reply() for _ in range(5)]
        assert [r.code for r in codes] == [250, 250, 250, 250, 250], codes
        stored_id(codes[-1])
        assert c.reply().code == 250  # NOOP
    assert server.bodies(ALICE) == [part1 + part2]
    assert server.bodies(BOB) == [part1 + part2]


def test_chunk_holding_a_command_line_is_data(server):
    """A chunk's octets are never parsed as commands, even when they look like one."""
    body = b"QUIT\r\n"
    with RawSmtp(server.host, server.port) as c:
        begin(c)
        stored_id(bdat(c, body, last=True))
        assert c.cmd("NOOP").code == 250
    assert server.bodies(ALICE) == [body]


def test_bdat_without_mail_is_refused_and_its_octets_skipped(server):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        reply = bdat(c, b"QUIT\r\n", last=True)
        assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply
        # The chunk's "QUIT" must have been swallowed as data, not run.
        reply = c.cmd("NOOP")
        assert reply.code == 250, reply


def test_bdat_without_recipients_is_refused(server):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<sender@remote.test>").code == 250
        reply = bdat(c, b"QUIT\r\n", last=True)
        assert reply.code in (503, 554), reply
        assert c.cmd("NOOP").code == 250
    assert server.mail_list(ALICE) == []


def test_data_after_bdat_is_refused(server):
    with RawSmtp(server.host, server.port) as c:
        begin(c)
        assert bdat(c, b"Subject: mixed\r\n\r\n").code == 250
        reply = c.cmd("DATA")
        assert (reply.code, reply.enhanced) == (503, "5.5.1"), reply


@pytest.mark.parametrize(
    "chunks",
    [
        pytest.param([b"Subject: x\r\n\r\nbare\nLF\r\n"], id="bare-lf"),
        pytest.param([b"Subject: x\r\n\r\nbare\rCR\r\n"], id="bare-cr"),
        pytest.param([b"Subject: x\r\n\r\nends in CR\r"], id="trailing-cr"),
        pytest.param([b"Subject: x\r\n\r\nab", b"\n"], id="bare-lf-at-chunk-start"),
        pytest.param([b"Subject: x\r\n\r\n" + b"q" * 999 + b"\r\n"], id="line-999"),
    ],
)
def test_malformed_bdat_message_is_rejected(server, chunks):
    with RawSmtp(server.host, server.port) as c:
        begin(c)
        for chunk in chunks[:-1]:
            assert bdat(c, chunk).code == 250
        reply = bdat(c, chunks[-1], last=True)
        assert (reply.code, reply.enhanced) == (550, "5.6.0"), reply
        assert c.cmd("NOOP").code == 250, "the session must continue"
    assert server.mail_list(ALICE) == []


def test_bdat_over_max_message_size(make_server):
    s = make_server(smtp={"max_message_size": 4096}, populated=True)
    with RawSmtp(s.host, s.port) as c:
        begin(c)
        assert bdat(c, b"Subject: big\r\n\r\n" + (b"a" * 98 + b"\r\n") * 30).code == 250
        reply = bdat(c, (b"b" * 98 + b"\r\n") * 30, last=True)
        assert (reply.code, reply.enhanced) == (552, "5.3.4"), reply
        assert c.cmd("NOOP").code == 250
        # A message under the limit still goes through on the same session.
        c.cmd("RSET")
        begin(c)
        stored_id(bdat(c, b"Subject: small\r\n\r\nok\r\n", last=True))
    assert s.bodies(ALICE) == [b"Subject: small\r\n\r\nok\r\n"]


def test_bdat_declared_size_over_limit_at_mail(make_server):
    s = make_server(smtp={"max_message_size": 4096}, populated=True)
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        reply = c.cmd("MAIL FROM:<sender@remote.test> SIZE=4097")
        assert (reply.code, reply.enhanced) == (552, "5.3.4"), reply


def test_bdat_after_starttls_is_esmtps(server):
    body = b"Subject: tls bdat\r\n\r\nx\r\n"
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        assert c.cmd("STARTTLS").code == 220
        c.starttls()
        begin(c)
        stored_id(bdat(c, body, last=True))
    stored = parse_stored(server.messages(ALICE)[0])
    assert stored.received_fields["protocol"] == "ESMTPS"
    assert stored.original == body
