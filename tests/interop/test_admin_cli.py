"""The admin CLI: domains, accounts, aliases and the mail reader, with the server running or not.
Errors are one line on stderr and exit code 1; passwords come from stdin, never argv."""

import subprocess

import pytest

from conftest import DOMAIN, PASSWORD, RawSmtp, stored_id

ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"


def lines(result) -> list[str]:
    return [line for line in result.stdout.decode().splitlines() if line.strip()]


def assert_error(result, *words):
    err = result.stderr.decode(errors="replace")
    assert result.returncode == 1, f"exit {result.returncode}, stderr {err!r}"
    assert len(err.strip().splitlines()) == 1, f"expected one line on stderr, got {err!r}"
    for word in words:
        assert word.lower() in err.lower(), f"{word!r} not in {err!r}"


@pytest.fixture
def admin(make_server):
    """A running server on an empty data folder (no domains, no accounts)."""
    return make_server()


# -- domains ------------------------------------------------------------------------------------


def test_domain_add_list_remove(admin):
    assert lines(admin.cli("domain", "list", check=True)) == []
    admin.cli("domain", "add", "one.test", check=True)
    admin.cli("domain", "add", "two.test", check=True)
    assert sorted(lines(admin.cli("domain", "list", check=True))) == ["one.test", "two.test"]
    admin.cli("domain", "remove", "one.test", check=True)
    assert lines(admin.cli("domain", "list", check=True)) == ["two.test"]


def test_domain_add_twice_is_an_error(admin):
    admin.add_domain("one.test")
    assert_error(admin.cli("domain", "add", "one.test"), "one.test")
    assert_error(admin.cli("domain", "add", "ONE.test"), "one.test")


def test_domain_remove_unknown_is_an_error(admin):
    assert_error(admin.cli("domain", "remove", "nothere.test"), "nothere.test")


@pytest.mark.parametrize("name", ["", "no spaces.test", "a@b.test"])
def test_domain_add_invalid_name(admin, name):
    assert_error(admin.cli("domain", "add", name))
    assert lines(admin.cli("domain", "list", check=True)) == []


def test_domain_with_accounts_cannot_be_removed(server):
    assert_error(server.cli("domain", "remove", DOMAIN), DOMAIN)
    assert lines(server.cli("domain", "list", check=True)) == [DOMAIN]
    server.cli("account", "remove", ALICE, check=True)
    server.cli("account", "remove", BOB, check=True)
    server.cli("domain", "remove", DOMAIN, check=True)
    assert lines(server.cli("domain", "list", check=True)) == []


def test_domain_with_alias_cannot_be_removed(server):
    server.add_domain("other.test")
    server.add_alias("info@other.test", ALICE)
    assert_error(server.cli("domain", "remove", "other.test"), "other.test")
    server.cli("alias", "remove", "info@other.test", check=True)
    server.cli("domain", "remove", "other.test", check=True)


# -- accounts -----------------------------------------------------------------------------------


def test_account_add_list_remove(server):
    server.add_domain("other.test")
    server.add_account("carol@other.test")
    assert sorted(lines(server.cli("account", "list", check=True))) == [ALICE, BOB, "carol@other.test"]
    assert sorted(lines(server.cli("account", "list", DOMAIN, check=True))) == [ALICE, BOB]
    assert lines(server.cli("account", "list", "other.test", check=True)) == ["carol@other.test"]
    server.cli("account", "remove", BOB, check=True)
    assert sorted(lines(server.cli("account", "list", check=True))) == [ALICE, "carol@other.test"]


def test_account_in_unknown_domain_is_an_error(admin):
    assert_error(admin.cli("account", "add", "x@nowhere.test", stdin=PASSWORD + "\n"), "nowhere.test")
    assert lines(admin.cli("account", "list", check=True)) == []


def test_account_add_twice_is_an_error(server):
    assert_error(server.cli("account", "add", ALICE, stdin=PASSWORD + "\n"), ALICE)
    assert_error(server.cli("account", "add", ALICE.upper(), stdin=PASSWORD + "\n"))
    assert sorted(lines(server.cli("account", "list", check=True))) == [ALICE, BOB]


@pytest.mark.parametrize("address", ["no-at-sign", "@example.test", "a b@example.test"])
def test_account_add_invalid_address(server, address):
    assert_error(server.cli("account", "add", address, stdin=PASSWORD + "\n"))
    assert sorted(lines(server.cli("account", "list", check=True))) == [ALICE, BOB]


def test_account_remove_unknown_is_an_error(server):
    assert_error(server.cli("account", "remove", f"ghost@{DOMAIN}"), f"ghost@{DOMAIN}")


def test_account_needs_a_password_on_stdin(server):
    assert_error(server.cli("account", "add", f"carol@{DOMAIN}", stdin=b""))
    assert_error(server.cli("account", "add", f"carol@{DOMAIN}", stdin=b"\n"))
    assert sorted(lines(server.cli("account", "list", check=True))) == [ALICE, BOB]


def test_password_is_never_taken_from_argv(server):
    carol = f"carol@{DOMAIN}"
    result = server.cli("account", "add", carol, "s3cret-on-argv", stdin=PASSWORD + "\n")
    assert result.returncode != 0, "an extra argument (a password on argv) must be refused"
    assert b"s3cret-on-argv" not in result.stdout
    result = server.cli("account", "passwd", ALICE, "s3cret-on-argv", stdin=PASSWORD + "\n")
    assert result.returncode != 0, "passwd must refuse a password on argv too"
    for flag in ("--password", "-p"):
        result = server.cli("account", "add", carol, flag, "s3cret", stdin=PASSWORD + "\n")
        assert result.returncode != 0, f"{flag} must not exist"
    assert sorted(lines(server.cli("account", "list", check=True))) == [ALICE, BOB]


def test_usage_errors_exit_1_with_one_line(server):
    """The documented error contract (one line on stderr, exit 1) also holds for bad arguments."""
    assert_error(server.cli("account", "add", f"carol@{DOMAIN}", "extra-arg", stdin=PASSWORD + "\n"))
    assert_error(server.cli("domain", "frobnicate"))
    assert_error(server.cli("alias", "add", f"x@{DOMAIN}"))


def test_account_passwd(server):
    server.cli("account", "passwd", ALICE, stdin="another password\n", check=True)
    assert_error(server.cli("account", "passwd", f"ghost@{DOMAIN}", stdin="another password\n"), f"ghost@{DOMAIN}")
    assert_error(server.cli("account", "passwd", ALICE, stdin=b""))


def test_password_read_from_first_line_only(server):
    server.cli("account", "add", f"carol@{DOMAIN}", stdin="first line\nsecond line\n", check=True)
    assert f"carol@{DOMAIN}" in lines(server.cli("account", "list", check=True))


# -- aliases ------------------------------------------------------------------------------------


def test_alias_add_list_remove(server):
    assert lines(server.cli("alias", "list", check=True)) == []
    server.cli("alias", "add", f"team@{DOMAIN}", ALICE, BOB, check=True)
    server.cli("alias", "add", f"@{DOMAIN}", ALICE, check=True)
    listed = sorted(lines(server.cli("alias", "list", check=True)))
    assert listed == sorted([f"team@{DOMAIN} -> {ALICE}", f"team@{DOMAIN} -> {BOB}", f"@{DOMAIN} -> {ALICE}"])
    server.cli("alias", "remove", f"team@{DOMAIN}", BOB, check=True)
    listed = sorted(lines(server.cli("alias", "list", check=True)))
    assert listed == sorted([f"team@{DOMAIN} -> {ALICE}", f"@{DOMAIN} -> {ALICE}"])
    server.cli("alias", "remove", f"@{DOMAIN}", check=True)
    assert lines(server.cli("alias", "list", check=True)) == [f"team@{DOMAIN} -> {ALICE}"]


def test_alias_remove_without_target_removes_all(server):
    server.add_alias(f"team@{DOMAIN}", ALICE, BOB)
    server.cli("alias", "remove", f"team@{DOMAIN}", check=True)
    assert lines(server.cli("alias", "list", check=True)) == []


def test_alias_errors(server):
    # Target that is not a local account or alias.
    assert_error(server.cli("alias", "add", f"team@{DOMAIN}", "someone@elsewhere.test"))
    assert_error(server.cli("alias", "add", f"team@{DOMAIN}", f"ghost@{DOMAIN}"))
    # Alias in a domain that is not local.
    assert_error(server.cli("alias", "add", "team@nowhere.test", ALICE), "nowhere.test")
    # Removing what does not exist.
    assert_error(server.cli("alias", "remove", f"nothing@{DOMAIN}"))
    server.add_alias(f"team@{DOMAIN}", ALICE)
    assert_error(server.cli("alias", "remove", f"team@{DOMAIN}", BOB))
    assert lines(server.cli("alias", "list", check=True)) == [f"team@{DOMAIN} -> {ALICE}"]


# -- reading mail -------------------------------------------------------------------------------


def test_mailboxes_of_a_new_account(server):
    rows = [line.split() for line in lines(server.cli("mail", "mailboxes", ALICE, check=True))]
    names = [r[0] for r in rows]
    assert sorted(names) == sorted(["INBOX", "Sent", "Drafts", "Trash", "Junk", "Archive"]), rows
    for row in rows:
        assert len(row) in (4, 5), row
        assert all(field.isdigit() for field in row[1:4]), row
        assert int(row[1]) > 0, f"UIDVALIDITY must be non-zero: {row}"
        assert int(row[2]) >= 1, f"UIDNEXT starts at 1 or more: {row}"
    special = {r[0]: (r[4] if len(r) == 5 else "") for r in rows}
    assert special["Sent"] == "\\Sent" and special["Drafts"] == "\\Drafts" and special["Trash"] == "\\Trash"
    assert special["Junk"] == "\\Junk" and special["Archive"] == "\\Archive"


def test_mail_list_and_cat_on_empty_account(server):
    assert server.mail_list(ALICE) == []
    assert_error(server.cli("mail", "cat", ALICE, "1"))


def test_mail_commands_for_unknown_account(server):
    ghost = f"ghost@{DOMAIN}"
    assert_error(server.cli("mail", "list", ghost))
    assert_error(server.cli("mail", "mailboxes", ghost))
    assert_error(server.cli("mail", "cat", ghost, "1"))


def test_mail_list_cat_and_mailboxes_after_delivery(server):
    bodies = [f"Subject: n{n}\r\n\r\nbody {n}\r\n".encode() for n in range(3)]
    before = {r.split()[0]: r.split() for r in lines(server.cli("mail", "mailboxes", ALICE, check=True))}
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        for body in bodies:
            stored_id(c.transaction("sender@remote.test", [ALICE], body))
    listed = server.mail_list(ALICE)
    assert [m.mailbox for m in listed] == ["INBOX"] * 3
    uids = [m.uid for m in listed]
    assert uids == sorted(uids) and len(set(uids)) == 3
    modseqs = [m.modseq for m in listed]
    assert all(x > 0 for x in modseqs), listed
    for m, body in zip(listed, bodies):
        raw = server.mail_cat(ALICE, m.uid)
        assert raw.endswith(body)
        assert len(raw) == m.size
        assert server.mail_cat(ALICE, m.uid, mailbox="INBOX") == raw
    after = {r.split()[0]: r.split() for r in lines(server.cli("mail", "mailboxes", ALICE, check=True))}
    assert after["INBOX"][1] == before["INBOX"][1], "UIDVALIDITY must not change"
    assert int(after["INBOX"][2]) > max(uids), "UIDNEXT must be above every UID"
    assert int(after["INBOX"][3]) >= max(modseqs), "HIGHESTMODSEQ must cover every message"
    assert after["Sent"][2] == before["Sent"][2]
    # Other mailboxes are empty.
    assert_error(server.cli("mail", "cat", ALICE, str(uids[0]), "--mailbox", "Trash"))
    assert_error(server.cli("mail", "cat", ALICE, str(uids[0]), "--mailbox", "NoSuchBox"))


def test_account_remove_removes_its_mail(server):
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [BOB], b"Subject: x\r\n\r\nx\r\n"))
    server.cli("account", "remove", BOB, check=True)
    server.add_account(BOB)
    assert server.mail_list(BOB) == []


def test_cli_works_with_the_server_stopped_and_server_sees_the_result(make_server):
    s = make_server(start=False)
    s.add_domain(DOMAIN)
    s.add_account(ALICE)
    s.add_alias(f"team@{DOMAIN}", ALICE)
    assert lines(s.cli("domain", "list", check=True)) == [DOMAIN]
    assert lines(s.cli("account", "list", check=True)) == [ALICE]
    assert lines(s.cli("alias", "list", check=True)) == [f"team@{DOMAIN} -> {ALICE}"]
    s.start()
    with RawSmtp(s.host, s.port) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [f"team@{DOMAIN}"], b"Subject: x\r\n\r\nx\r\n"))
    assert s.stop() == 0
    assert s.bodies(ALICE) == [b"Subject: x\r\n\r\nx\r\n"]


def test_cli_with_missing_data_option_uses_config_or_fails_cleanly(make_server):
    """Without --data the CLI falls back on server.data_dir; pointed at an unusable folder it fails
    with one line and exit 1 (it must not create mail somewhere surprising)."""
    s = make_server(start=False, server={"data_dir": "/proc/redoubt-cannot-exist"})
    result = subprocess.run([str(s.bin), "domain", "list", "--config", str(s.config_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    assert_error(result)
