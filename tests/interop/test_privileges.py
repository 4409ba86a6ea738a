"""Privileges (root only): after binding, `serve` runs as the unprivileged `redoubt` user, owns
its data folder, and the admin CLI keeps every file in that folder owned by the same user."""

import os
import pwd

import pytest

from conftest import DOMAIN, RawSmtp, stored_id

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="privilege drop happens only when started as root")

ALICE = f"alice@{DOMAIN}"


@pytest.fixture
def redoubt_user():
    try:
        return pwd.getpwnam("redoubt")
    except KeyError:
        pytest.fail("system user `redoubt` is missing (tools/deps.sh creates it)")


def status_ids(pid: int, field: str) -> list[int]:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return [int(x) for x in line.split()[1:]]
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_server_runs_as_redoubt_user(server, redoubt_user):
    uids = status_ids(server.pid, "Uid")  # real, effective, saved, filesystem
    gids = status_ids(server.pid, "Gid")
    assert uids[0] == redoubt_user.pw_uid, f"real uid {uids}"
    assert uids[1] == redoubt_user.pw_uid, f"effective uid {uids}"
    assert uids[2] == redoubt_user.pw_uid, f"saved uid {uids}: root could be regained"
    assert gids[0] == redoubt_user.pw_gid and gids[1] == redoubt_user.pw_gid, f"gids {gids}"
    groups = status_ids(server.pid, "Groups")
    assert 0 not in groups, f"supplementary groups still include root: {groups}"


def test_every_thread_dropped_privileges(server, redoubt_user):
    # Threads started before the switch must not keep root (setuid applies process-wide via glibc).
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [ALICE], b"Subject: t\r\n\r\nt\r\n"))
    for tid in os.listdir(f"/proc/{server.pid}/task"):
        with open(f"/proc/{server.pid}/task/{tid}/status") as f:
            uid_line = next(line for line in f if line.startswith("Uid:"))
        uids = [int(x) for x in uid_line.split()[1:]]
        assert set(uids) == {redoubt_user.pw_uid}, f"thread {tid}: {uids}"


def test_data_folder_owned_by_redoubt_user(server, redoubt_user):
    st = os.stat(server.data_dir)
    assert st.st_uid == redoubt_user.pw_uid, f"data folder owner uid {st.st_uid}"


def test_files_created_by_server_and_cli_keep_one_owner(server, redoubt_user):
    # The fixture ran the admin CLI as root; now deliver, then run the CLI again.
    with RawSmtp(server.host, server.port) as c:
        c.ehlo()
        stored_id(c.transaction("sender@remote.test", [ALICE], b"Subject: owner\r\n\r\nx\r\n"))
    server.add_account(f"carol@{DOMAIN}")
    wrong = []
    for root, dirs, files in os.walk(server.data_dir):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            if st.st_uid != redoubt_user.pw_uid:
                wrong.append(f"{path} uid={st.st_uid}")
    assert wrong == [], "files not owned by the redoubt user:\n" + "\n".join(wrong)
