"""IMAP mailboxes: SELECT/EXAMINE, CREATE, DELETE, RENAME, LIST (LIST-EXTENDED, LIST-STATUS,
SPECIAL-USE, CHILDREN), SUBSCRIBE/UNSUBSCRIBE/LSUB, NAMESPACE, STATUS (RFC 9051 §6.3, RFC 5258,
RFC 5819, RFC 6154, RFC 8438, RFC 7889).

One module server; every test works in mailboxes of its own (named by unique()), except the
INBOX tests, which use bob@ (nothing else in this module touches bob@'s INBOX)."""

from __future__ import annotations

import re

import pytest

from imap_support import sessions  # noqa: F401 (fixture)
from imap_support import ALICE, BOB, connect, message, parse, quote, unique

DEFAULTS = [
    b'* LIST (\\HasNoChildren \\Archive) "/" Archive',
    b'* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
    b'* LIST (\\HasNoChildren) "/" INBOX',
    b'* LIST (\\HasNoChildren \\Junk) "/" Junk',
    b'* LIST (\\HasNoChildren \\Sent) "/" Sent',
    b'* LIST (\\HasNoChildren \\Trash) "/" Trash',
]


@pytest.fixture
def alice(shared_server, sessions):
    return sessions.get(ALICE)


def listed(r) -> list[bytes]:
    return r.lines("LIST")


def names(r) -> list[str]:
    """Mailbox names of LIST/LSUB responses, in order."""
    return [parse(line)[4].decode() if isinstance(parse(line)[4], bytes) else str(parse(line)[4])
            for line in r.untagged if line.startswith((b"* LIST", b"* LSUB"))]


def attributes(r) -> dict[str, list[str]]:
    out = {}
    for line in r.untagged:
        if line.startswith((b"* LIST", b"* LSUB")):
            values = parse(line)
            name = values[4].decode() if isinstance(values[4], bytes) else str(values[4])
            out[name] = [str(a) for a in values[2]]
    return out


def status_of(c, mailbox: str, items: str = "MESSAGES") -> dict[str, int]:
    r = c.ok(f"STATUS {quote(mailbox)} ({items})")
    assert len(r.untagged) == 1
    values = parse(r.untagged[0])
    assert values[:2] == ["*", "STATUS"]
    pairs = values[3]
    return {str(k): int(v) for k, v in zip(pairs[0::2], pairs[1::2])}


# --------------------------------------------------------------------------------------------
# Default mailboxes, SELECT and EXAMINE


def test_new_account_has_inbox_and_special_use_mailboxes(shared_server):
    c = connect(shared_server, BOB)
    try:
        r = c.ok('LIST "" "%"')
        assert [line for line in listed(r) if line in DEFAULTS] == DEFAULTS
        r = c.ok('LIST (SPECIAL-USE) "" "*"')
        assert listed(r) == [line for line in DEFAULTS if b"INBOX" not in line]
    finally:
        c.close()


def test_select_reports_mailbox_state(alice):
    box = unique("sel")
    alice.ok(f"CREATE {box}")
    uids = [alice.append_uid(box, message(f"s{i}"), flags) for i, flags in
            enumerate(["\\Seen", "\\Seen $Label1", "", "\\Seen"])]
    r = alice.ok(f"SELECT {box}")
    uidvalidity = re.search(rb"\[UIDVALIDITY (\d+)\]", repr(r).encode()).group(1).decode()
    highest = re.search(rb"\[HIGHESTMODSEQ (\d+)\]", repr(r).encode()).group(1).decode()
    assert r.untagged == [
        b"* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Label1)",
        b"* 4 EXISTS",
        b"* 0 RECENT",
        b"* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Label1 \\*)] Flags permitted",
        b"* OK [UNSEEN 3] First unseen",
        f"* OK [UIDVALIDITY {uidvalidity}] UIDs valid".encode(),
        f"* OK [UIDNEXT {uids[-1] + 1}] Predicted next UID".encode(),
        f"* OK [HIGHESTMODSEQ {highest}] Highest".encode(),
    ]
    assert r.tagged.endswith(b"OK [READ-WRITE] SELECT completed")
    assert status_of(alice, box, "UIDVALIDITY HIGHESTMODSEQ") == {
        "UIDVALIDITY": int(uidvalidity), "HIGHESTMODSEQ": int(highest)}

    r = alice.ok(f"EXAMINE {box}")
    assert b"* OK [PERMANENTFLAGS ()] Flags permitted" in r.untagged
    assert r.tagged.endswith(b"OK [READ-ONLY] EXAMINE completed")
    # Read-only: no flag changes, and FETCH BODY[] does not set \Seen.
    assert alice.command("STORE 1 +FLAGS (\\Flagged)").code == "READ-ONLY"
    alice.ok("FETCH 3 BODY[]")
    assert alice.ok("FETCH 3 FLAGS").untagged == [b"* 3 FETCH (FLAGS ())"]


def test_select_errors_leave_no_mailbox_selected(alice):
    alice.ok("SELECT INBOX")
    r = alice.command(f"SELECT {unique('missing')}")
    assert (r.status, r.code) == ("NO", "NONEXISTENT")
    # RFC 9051 §6.3.2: a failed SELECT leaves the session in the authenticated state.
    assert alice.command("FETCH 1 FLAGS").tagged.endswith(b"BAD Select a mailbox first")


def test_select_inbox_is_case_insensitive(alice):
    r = alice.ok("SELECT iNbOx")
    assert r.tagged.endswith(b"[READ-WRITE] SELECT completed")
    assert attributes(alice.ok('LIST "" inbox')) == {"INBOX": ["\\HasNoChildren"]}


# --------------------------------------------------------------------------------------------
# CREATE, DELETE, RENAME


def test_create_makes_missing_parents(alice):
    top = unique("tree")
    alice.ok(f"CREATE {top}/a/b")
    r = alice.ok(f'LIST "" "{top}*"')
    assert listed(r) == [
        f'* LIST (\\HasChildren) "/" {top}'.encode(),
        f'* LIST (\\HasChildren) "/" {top}/a'.encode(),
        f'* LIST (\\HasNoChildren) "/" {top}/a/b'.encode(),
    ]
    assert names(alice.ok(f'LIST "" "{top}/%"')) == [f"{top}/a"]
    # The reference is prefixed to the pattern (RFC 9051 §6.3.9).
    assert names(alice.ok(f'LIST "{top}/" "%"')) == [f"{top}/a"]
    assert names(alice.ok(f'LIST "" "{top}/%/%"')) == [f"{top}/a/b"]
    # All the new levels are selectable mailboxes.
    alice.ok(f"SELECT {top}/a")


def test_create_trailing_delimiter_and_errors(alice):
    box = unique("trail")
    alice.ok(f"CREATE {box}/")
    assert names(alice.ok(f'LIST "" "{box}*"')) == [box]
    r = alice.command(f"CREATE {box}")
    assert (r.status, r.code) == ("NO", "ALREADYEXISTS")
    for inbox in ("INBOX", "inbox"):
        r = alice.command(f"CREATE {inbox}")
        assert (r.status, r.code) == ("NO", "ALREADYEXISTS")
    r = alice.command("CREATE Sent")
    assert (r.status, r.code) == ("NO", "ALREADYEXISTS")


def test_delete(alice):
    box = unique("del")
    alice.ok(f"CREATE {box}")
    alice.append(box, message("to be deleted"))
    alice.ok(f"DELETE {box}")
    r = alice.command(f"STATUS {box} (MESSAGES)")
    assert (r.status, r.code) == ("NO", "NONEXISTENT")
    assert names(alice.ok(f'LIST "" "{box}"')) == []
    r = alice.command(f"DELETE {box}")
    assert (r.status, r.code) == ("NO", "NONEXISTENT")
    # A new mailbox of the same name is a new mailbox: new UIDVALIDITY or UIDs from 1 again,
    # never the old messages (RFC 9051 §2.3.1.1).
    alice.ok(f"CREATE {box}")
    assert status_of(alice, box, "MESSAGES") == {"MESSAGES": 0}


def test_delete_inbox_is_refused(alice):
    r = alice.command("DELETE INBOX")
    assert r.status == "NO"
    assert attributes(alice.ok('LIST "" INBOX')) == {"INBOX": ["\\HasNoChildren"]}


def test_delete_parent_keeps_children(alice):
    top = unique("parent")
    alice.ok(f"CREATE {top}/child")
    alice.append(f"{top}/child", message("child message"))
    alice.ok(f"DELETE {top}")
    # RFC 9051 §6.3.5: DELETE never removes inferior names.
    assert status_of(alice, f"{top}/child") == {"MESSAGES": 1}
    assert names(alice.ok(f'LIST "" "{top}/*"')) == [f"{top}/child"]


def test_delete_selected_mailbox(alice):
    box = unique("delsel")
    alice.ok(f"CREATE {box}")
    alice.select(box)
    alice.ok(f"DELETE {box}")
    assert alice.command("NOOP").status == "OK"
    assert alice.command("FETCH 1 FLAGS").status == "BAD"


def test_rename_keeps_messages_and_moves_children(alice):
    old, new = unique("old"), unique("new")
    alice.ok(f"CREATE {old}/kid")
    for i in range(2):
        alice.append(old, message(f"r{i}"))
    alice.append(f"{old}/kid", message("kid"))
    before = status_of(alice, old, "MESSAGES UIDNEXT UIDVALIDITY")
    alice.ok(f"RENAME {old} {new}")
    assert names(alice.ok(f'LIST "" "{old}*"')) == []
    assert names(alice.ok(f'LIST "" "{new}*"')) == [new, f"{new}/kid"]
    assert status_of(alice, new, "MESSAGES UIDNEXT UIDVALIDITY") == before
    assert status_of(alice, f"{new}/kid") == {"MESSAGES": 1}
    alice.select(new)
    r = alice.ok("FETCH 1:* BODY.PEEK[HEADER.FIELDS (Subject)]")
    assert [v["BODY[HEADER.FIELDS (SUBJECT)]"] for v in r.fetches().values()] == [
        b"Subject: r0\r\n\r\n", b"Subject: r1\r\n\r\n"]


def test_rename_errors(alice):
    a, b = unique("ra"), unique("rb")
    alice.ok(f"CREATE {a}")
    alice.ok(f"CREATE {b}")
    r = alice.command(f"RENAME {a} {b}")
    assert (r.status, r.code) == ("NO", "ALREADYEXISTS")
    r = alice.command(f"RENAME {unique('ghost')} {unique('x')}")
    assert (r.status, r.code) == ("NO", "NONEXISTENT")


def test_rename_inbox_moves_its_messages(shared_server):
    c = connect(shared_server, BOB)
    try:
        for i in range(3):
            c.append("INBOX", message(f"inbox {i}", to=BOB))
        uidvalidity = status_of(c, "INBOX", "UIDVALIDITY")["UIDVALIDITY"]
        target = unique("old-inbox")
        c.ok(f"RENAME INBOX {target}")
        # RFC 9051 §6.3.6: the messages move to the new mailbox; INBOX stays, empty.
        assert status_of(c, target) == {"MESSAGES": 3}
        assert status_of(c, "INBOX", "MESSAGES UIDVALIDITY") == {"MESSAGES": 0, "UIDVALIDITY": uidvalidity}
        c.select("INBOX")
    finally:
        c.close()


# --------------------------------------------------------------------------------------------
# LIST


def test_list_empty_pattern_gives_the_delimiter(alice):
    r = alice.ok('LIST "" ""')
    assert r.untagged == [b'* LIST (\\Noselect) "/" ""']


def test_list_multiple_patterns(alice):
    a, b = unique("mpa"), unique("mpb")
    alice.ok(f"CREATE {a}")
    alice.ok(f"CREATE {b}/x")
    r = alice.ok(f'LIST "" ("{a}" "{b}/*")')
    assert sorted(names(r)) == sorted([a, f"{b}/x"])


def test_list_return_children_and_subscribed(alice):
    top = unique("rc")
    alice.ok(f"CREATE {top}/x")
    alice.ok(f"UNSUBSCRIBE {top}")
    alice.ok(f"SUBSCRIBE {top}/x")
    r = alice.ok(f'LIST "" "{top}*" RETURN (CHILDREN SUBSCRIBED)')
    assert attributes(r) == {top: ["\\HasChildren"], f"{top}/x": ["\\HasNoChildren", "\\Subscribed"]}


def test_list_status(alice):
    box = unique("ls")
    alice.ok(f"CREATE {box}")
    alice.append(box, message("one"), "\\Seen")
    alice.append(box, message("two"))
    items = "MESSAGES UNSEEN UIDNEXT UIDVALIDITY DELETED SIZE HIGHESTMODSEQ APPENDLIMIT"
    r = alice.ok(f'LIST "" "{box}" RETURN (STATUS ({items}))')
    assert len(r.untagged) == 2 and r.untagged[0].startswith(b"* LIST ")
    # RFC 5819 §2: the STATUS response follows the mailbox's LIST response and is what STATUS
    # itself would say.
    assert r.untagged[1] == alice.ok(f"STATUS {box} ({items})").untagged[0]


def test_list_special_use_and_create_special_use(alice):
    box, flagged = unique("arch"), unique("flagged")
    alice.ok(f"CREATE {box} (USE (\\Archive))")
    alice.ok(f"CREATE {flagged} (USE (\\Flagged))")
    r = alice.ok(f'LIST "" "{box}" RETURN (SPECIAL-USE)')
    assert attributes(r) == {box: ["\\HasNoChildren", "\\Archive"]}
    r = alice.ok('LIST (SPECIAL-USE) "" "*"')
    assert {box, flagged, "Archive", "Drafts", "Junk", "Sent", "Trash"} <= set(names(r))
    assert "INBOX" not in names(r)
    r = alice.command(f"CREATE {unique('bogus')} (USE (\\Bogus))")
    assert (r.status, r.code) == ("NO", "USEATTR")


def test_list_mutf7_pattern_and_hierarchy(alice):
    """Names travel as modified UTF-7 to clients that did not ENABLE UTF8=ACCEPT (RFC 3501
    §5.1.3); test_imap_utf8.py covers the UTF-8 side."""
    top = unique("mu")
    alice.ok(f"CREATE {top}/&AOk-t&AOk-")
    assert names(alice.ok(f'LIST "" "{top}/*"')) == [f"{top}/&AOk-t&AOk-"]
    assert names(alice.ok(f'LIST "" "{top}/&AOk-*"')) == [f"{top}/&AOk-t&AOk-"]


# --------------------------------------------------------------------------------------------
# Subscriptions


def test_subscribe_unsubscribe_lsub(alice):
    top = unique("sub")
    alice.ok(f"CREATE {top}/child")
    alice.ok(f"UNSUBSCRIBE {top}")
    alice.ok(f"UNSUBSCRIBE {top}/child")
    assert alice.ok(f'LSUB "" "{top}*"').untagged == []
    alice.ok(f"SUBSCRIBE {top}/child")
    assert alice.ok(f'LSUB "" "{top}*"').untagged == [f'* LSUB () "/" {top}/child'.encode()]
    r = alice.ok(f'LIST (SUBSCRIBED) "" "{top}*"')
    assert attributes(r) == {f"{top}/child": ["\\HasNoChildren", "\\Subscribed"]}
    alice.ok(f"UNSUBSCRIBE {top}/child")
    assert alice.ok(f'LSUB "" "{top}*"').untagged == []


def test_lsub_percent_returns_unsubscribed_parent_as_noselect(alice):
    """RFC 3501 §6.3.9: if "foo/bar" is subscribed but "foo" is not, LSUB with "%" "must return
    foo, not foo/bar ... and it MUST be flagged with the \\Noselect attribute"."""
    top = unique("lsp")
    alice.ok(f"CREATE {top}/child")
    alice.ok(f"UNSUBSCRIBE {top}")
    alice.ok(f"SUBSCRIBE {top}/child")
    assert alice.ok(f'LSUB "" "{top[:-1]}%"').untagged == [f'* LSUB (\\Noselect) "/" {top}'.encode()]
    assert alice.ok(f'LSUB "" "{top}/%"').untagged == [f'* LSUB () "/" {top}/child'.encode()]
    assert alice.ok(f'LSUB "" "{top}*"').untagged == [f'* LSUB () "/" {top}/child'.encode()]
    alice.ok(f"SUBSCRIBE {top}")
    assert alice.ok(f'LSUB "" "{top[:-1]}%"').untagged == [f'* LSUB () "/" {top}'.encode()]


def test_subscription_outlives_its_mailbox(alice):
    box = unique("ghost")
    alice.ok(f"CREATE {box}")
    alice.ok(f"SUBSCRIBE {box}")
    alice.ok(f"DELETE {box}")
    # RFC 9051 §6.3.7: a subscription is not removed when the mailbox goes; RFC 5258 §3.1:
    # LIST (SUBSCRIBED) shows it as \NonExistent.
    r = alice.ok(f'LIST (SUBSCRIBED) "" "{box}"')
    assert attributes(r) == {box: ["\\NonExistent", "\\Subscribed"]}
    assert names(alice.ok(f'LIST "" "{box}"')) == []


def test_list_subscribed_reports_children_of_subscribed_mailboxes(alice):
    """\\HasChildren is about the mailboxes that exist, whatever the selection (RFC 5258 §4)."""
    top = unique("subkids")
    alice.ok(f"CREATE {top}/child")
    alice.ok(f"SUBSCRIBE {top}")
    r = alice.ok(f'LIST (SUBSCRIBED) "" "{top}"')
    assert attributes(r) == {top: ["\\HasChildren", "\\Subscribed"]}


def test_list_subscribed_recursivematch_childinfo(alice):
    """RFC 5258 §3.5: with RECURSIVEMATCH, a name whose children are subscribed is returned with
    CHILDINFO ("SUBSCRIBED"), whether or not it is subscribed itself."""
    top = unique("rm")
    alice.ok(f"CREATE {top}/child")
    alice.ok(f"UNSUBSCRIBE {top}")
    alice.ok(f"SUBSCRIBE {top}/child")
    r = alice.ok(f'LIST (SUBSCRIBED RECURSIVEMATCH) "" "{top}"')
    assert r.untagged == [f'* LIST (\\HasChildren) "/" {top} ("CHILDINFO" ("SUBSCRIBED"))'.encode()]
    alice.ok(f"SUBSCRIBE {top}")
    r = alice.ok(f'LIST (SUBSCRIBED RECURSIVEMATCH) "" "{top}"')
    assert r.untagged == [f'* LIST (\\HasChildren \\Subscribed) "/" {top} ("CHILDINFO" ("SUBSCRIBED"))'.encode()]
    # RECURSIVEMATCH alone is a syntax error (RFC 5258 §3).
    assert alice.command(f'LIST (RECURSIVEMATCH) "" "{top}"').status == "BAD"


# --------------------------------------------------------------------------------------------
# NAMESPACE, STATUS


def test_namespace(alice):
    r = alice.ok("NAMESPACE")
    assert r.untagged == [b'* NAMESPACE (("" "/")) NIL NIL']


def test_status_every_item(alice):
    box = unique("st")
    alice.ok(f"CREATE {box}")
    sizes = []
    for flags in ("\\Seen", "\\Deleted", "", "\\Seen \\Deleted"):
        data = message(f"status {flags}")
        sizes.append(len(data))
        alice.append(box, data, flags)
    got = status_of(alice, box, "MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT")
    assert list(got) == ["MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "SIZE",
                         "HIGHESTMODSEQ", "APPENDLIMIT"]
    assert got["MESSAGES"] == 4 and got["RECENT"] == 0 and got["UIDNEXT"] == 5
    assert got["UNSEEN"] == 2 and got["DELETED"] == 2
    assert got["SIZE"] == sum(sizes)
    assert got["APPENDLIMIT"] == 67108864
    assert got["HIGHESTMODSEQ"] >= 4
    # The mailbox's name comes back as sent (astring), the values in the order asked.
    r = alice.ok(f"STATUS {box} (UNSEEN MESSAGES)")
    assert r.untagged == [f"* STATUS {box} (UNSEEN 2 MESSAGES 4)".encode()]


def test_status_errors(alice):
    r = alice.command(f"STATUS {unique('nope')} (MESSAGES)")
    assert (r.status, r.code) == ("NO", "NONEXISTENT")
    assert alice.command("STATUS INBOX ()").status == "BAD"
    assert alice.command("STATUS INBOX (BOGUS)").status == "BAD"
