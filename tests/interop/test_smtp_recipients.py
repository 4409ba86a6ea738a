"""RCPT TO resolution (RFC 5321 §4.1.1.3): local accounts, aliases with fan-out, subaddresses,
catch-all, <Postmaster>, case-insensitive matching; rejections for unknown users and relaying."""

import smtplib

import pytest

from conftest import DOMAIN, HOSTNAME, RawSmtp

ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"
BODY = b"Subject: recipients\r\n\r\nhello\r\n"


def send(server, recipients, body=BODY, sender="sender@remote.test"):
    """One transaction through smtplib; returns smtplib's refused-recipients dict."""
    with smtplib.SMTP(server.host, server.port, local_hostname="client.test", timeout=10) as client:
        return client.sendmail(sender, recipients, body)


def rcpt_reply(server, address):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<sender@remote.test>").code == 250
        return c.cmd(f"RCPT TO:<{address}>")


def test_exact_account(server):
    assert send(server, [ALICE]) == {}
    stored = server.only_message(ALICE)
    assert stored.original == BODY
    assert stored.received_fields["for"] == ALICE
    assert server.messages(BOB) == []


@pytest.mark.parametrize("address", ["ALICE@example.test", "alice@EXAMPLE.TEST", "Alice@Example.Test"])
def test_addresses_match_case_insensitively(server, address):
    reply = rcpt_reply(server, address)
    assert (reply.code, reply.enhanced) == (250, "2.1.5"), reply
    assert send(server, [address]) == {}
    assert server.bodies(ALICE) == [BODY]


def test_domain_added_in_upper_case_matches(make_server):
    s = make_server()
    s.add_domain("Mixed.Example")
    s.add_account("carol@mixed.example")
    assert send(s, ["carol@MIXED.example"]) == {}
    assert s.bodies("carol@mixed.example") == [BODY]


def test_unknown_user_in_local_domain(shared_server):
    reply = rcpt_reply(shared_server, f"nobody@{DOMAIN}")
    assert (reply.code, reply.enhanced) == (550, "5.1.1"), reply


def test_foreign_domain_is_relay_denied(shared_server):
    reply = rcpt_reply(shared_server, "someone@elsewhere.test")
    assert (reply.code, reply.enhanced) == (554, "5.7.1"), reply
    assert "Relay access denied" in reply.text, reply


def test_mixed_good_and_bad_recipients(server):
    with smtplib.SMTP(server.host, server.port, local_hostname="client.test", timeout=10) as client:
        refused = client.sendmail("sender@remote.test", [ALICE, f"ghost@{DOMAIN}", "x@elsewhere.test", BOB], BODY)
    assert set(refused) == {f"ghost@{DOMAIN}", "x@elsewhere.test"}
    assert refused[f"ghost@{DOMAIN}"][0] == 550
    assert refused["x@elsewhere.test"][0] == 554
    assert server.bodies(ALICE) == [BODY]
    assert server.bodies(BOB) == [BODY]


def test_several_recipients_one_copy_each_and_no_for_clause(server):
    assert send(server, [ALICE, BOB]) == {}
    for who in (ALICE, BOB):
        stored = server.only_message(who)
        assert stored.original == BODY
        assert stored.received_fields["for"] is None, f"'for' must only name a single recipient: {stored.received}"


def test_same_account_twice_is_stored_once(server):
    assert send(server, [ALICE, ALICE.upper(), "alice+x@example.test"]) == {}
    assert len(server.messages(ALICE)) == 1


def test_alias_with_several_targets_fans_out(server):
    server.add_alias(f"team@{DOMAIN}", ALICE, BOB)
    assert send(server, [f"team@{DOMAIN}"]) == {}
    assert server.bodies(ALICE) == [BODY]
    assert server.bodies(BOB) == [BODY]


def test_alias_and_its_target_together_give_one_copy_per_account(server):
    server.add_alias(f"team@{DOMAIN}", ALICE, BOB)
    server.add_alias(f"sales@{DOMAIN}", BOB)
    assert send(server, [f"team@{DOMAIN}", ALICE, f"sales@{DOMAIN}"]) == {}
    assert len(server.messages(ALICE)) == 1
    assert len(server.messages(BOB)) == 1


def test_subaddress_delivers_to_the_base_account(server):
    reply = rcpt_reply(server, f"alice+newsletters@{DOMAIN}")
    assert reply.code == 250, reply
    assert send(server, [f"alice+newsletters@{DOMAIN}"]) == {}
    assert server.bodies(ALICE) == [BODY]


def test_subaddress_of_unknown_user_is_unknown(shared_server):
    reply = rcpt_reply(shared_server, f"ghost+tag@{DOMAIN}")
    assert (reply.code, reply.enhanced) == (550, "5.1.1"), reply


def test_catch_all_takes_unknown_local_parts(server):
    server.add_alias(f"@{DOMAIN}", BOB)
    assert send(server, [f"whatever@{DOMAIN}"]) == {}
    assert server.bodies(BOB) == [BODY]
    # An existing account still gets its own mail.
    assert send(server, [ALICE]) == {}
    assert server.bodies(ALICE) == [BODY]
    assert len(server.messages(BOB)) == 1


def test_catch_all_does_not_open_relaying(server):
    server.add_alias(f"@{DOMAIN}", BOB)
    reply = rcpt_reply(server, "x@elsewhere.test")
    assert (reply.code, reply.enhanced) == (554, "5.7.1"), reply


@pytest.mark.parametrize("postmaster", ["Postmaster", "postmaster", "POSTMASTER"])
def test_bare_postmaster_resolves_to_postmaster_at_hostname(server, postmaster):
    server.add_domain(HOSTNAME)
    server.add_alias(f"postmaster@{HOSTNAME}", ALICE)
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<sender@remote.test>").code == 250
        reply = c.cmd(f"RCPT TO:<{postmaster}>")
        assert reply.code == 250, reply
        assert c.cmd("DATA").code == 354
        c.send(BODY + b".\r\n")
        assert c.reply().code == 250
    assert server.bodies(ALICE) == [BODY]


def test_postmaster_account_at_hostname(server):
    server.add_domain(HOSTNAME)
    server.add_account(f"postmaster@{HOSTNAME}")
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        assert c.cmd("MAIL FROM:<>").code == 250
        assert c.cmd("RCPT TO:<Postmaster>").code == 250
        assert c.cmd("DATA").code == 354
        c.send(BODY + b".\r\n")
        assert c.reply().code == 250
    stored = server.only_message(f"postmaster@{HOSTNAME}")
    assert stored.return_path == b"<>"
    assert stored.original == BODY


def test_account_added_while_serving_receives_mail(server):
    reply = rcpt_reply(server, f"late@{DOMAIN}")
    assert reply.code == 550, reply
    server.add_account(f"late@{DOMAIN}")
    assert send(server, [f"late@{DOMAIN}"]) == {}
    assert server.bodies(f"late@{DOMAIN}") == [BODY]


def test_alias_added_while_serving_takes_effect(server):
    assert rcpt_reply(server, f"help@{DOMAIN}").code == 550
    server.add_alias(f"help@{DOMAIN}", BOB)
    assert send(server, [f"help@{DOMAIN}"]) == {}
    assert server.bodies(BOB) == [BODY]


def test_removed_account_is_unknown_while_serving(server):
    assert rcpt_reply(server, BOB).code == 250
    assert server.cli("account", "remove", BOB).returncode == 0
    reply = rcpt_reply(server, BOB)
    assert (reply.code, reply.enhanced) == (550, "5.1.1"), reply
