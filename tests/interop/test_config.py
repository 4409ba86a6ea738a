"""Configuration errors: `redoubt serve` (and the admin CLI) refuse a bad file with exit code 1
and one line on stderr that names the offending key, section or file."""

import subprocess

import pytest

from conftest import CLI_TIMEOUT, config_text, make_config_dir, make_data_dir, remove_later, require_binary


@pytest.fixture
def folders():
    data, conf = make_data_dir(), make_config_dir()
    yield data, conf
    remove_later(data, conf)


def serve(config_path, data_dir, timeout=CLI_TIMEOUT):
    """Runs `serve`; a config error must make it exit by itself, well within `timeout`."""
    proc = subprocess.Popen([str(require_binary()), "serve", "--config", str(config_path), "--data", str(data_dir)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        pytest.fail("serve kept running with a bad configuration")
    return proc.returncode, err.decode(errors="replace")


def assert_one_line_error(code, err, *words):
    assert code == 1, f"exit {code}, stderr {err!r}"
    assert len(err.strip().splitlines()) == 1, f"expected one line on stderr, got {err!r}"
    for word in words:
        assert word in err, f"{word!r} not named in {err!r}"


BASE = ('[server]\nhostname = "mx.test"\n[imap]\nlisten = ["127.0.0.1:0"]\nlisten_tls = ["127.0.0.1:0"]\n'
        '[smtp]\nlisten = ["127.0.0.1:0"]\n')


@pytest.mark.parametrize(
    "extra, key",
    [
        ("max_recipients = \"ten\"", "smtp.max_recipients"),
        ("max_recipients = 0", "smtp.max_recipients"),
        ("max_recipients = 1.5", "smtp.max_recipients"),
        ("max_message_size = 100", "smtp.max_message_size"),
        ("max_message_size = -1", "smtp.max_message_size"),
        ("max_connections = true", "smtp.max_connections"),
        ("max_connections_per_ip = 0", "smtp.max_connections_per_ip"),
        ("max_errors = \"3\"", "smtp.max_errors"),
        ("command_timeout = 0", "smtp.command_timeout"),
        ("data_timeout = \"10s\"", "smtp.data_timeout"),
        ("greeting_timeout = -5", "smtp.greeting_timeout"),
        ("colour = \"blue\"", "smtp.colour"),
    ],
)
def test_bad_smtp_key(folders, extra, key):
    data, conf = folders
    path = conf / "bad.toml"
    path.write_text(BASE + extra + "\n")
    code, err = serve(path, data)
    assert_one_line_error(code, err, key)


@pytest.mark.parametrize(
    "text, key",
    [
        ('[server]\nhostname = 42\n', "server.hostname"),
        ('[server]\nhostname = ""\n', "server.hostname"),
        ('[server]\nhostname = "mx.test"\nnonsense = 1\n', "server.nonsense"),
        (BASE + '[log]\nlevel = "loud"\n', "log.level"),
        ('[server]\nhostname = "mx.test"\n[smtp]\nlisten = "127.0.0.1:0"\n', "smtp.listen"),
        ('[server]\nhostname = "mx.test"\n[smtp]\nlisten = ["127.0.0.1"]\n', "smtp.listen"),
        ('[server]\nhostname = "mx.test"\n[smtp]\nlisten = ["127.0.0.1:99999"]\n', "smtp.listen"),
    ],
)
def test_bad_key_in_other_sections(folders, text, key):
    data, conf = folders
    path = conf / "bad.toml"
    path.write_text(text)
    code, err = serve(path, data)
    assert_one_line_error(code, err, key)


def test_unknown_section(folders):
    data, conf = folders
    path = conf / "bad.toml"
    path.write_text(BASE + "[pop3]\nlisten = []\n")
    code, err = serve(path, data)
    assert_one_line_error(code, err, "pop3")


def test_section_that_is_not_a_table(folders):
    data, conf = folders
    path = conf / "bad.toml"
    path.write_text('smtp = 5\n[server]\nhostname = "mx.test"\n')
    code, err = serve(path, data)
    assert_one_line_error(code, err, "smtp")


def test_toml_syntax_error_names_file_and_line(folders):
    data, conf = folders
    path = conf / "bad.toml"
    path.write_text('[server]\nhostname = "mx.test"\n[smtp\nlisten = []\n')
    code, err = serve(path, data)
    assert_one_line_error(code, err, str(path))


def test_missing_config_file(folders):
    data, conf = folders
    path = conf / "does-not-exist.toml"
    code, err = serve(path, data)
    assert_one_line_error(code, err, str(path))


def test_the_error_names_the_file(folders):
    data, conf = folders
    path = conf / "named.toml"
    path.write_text(BASE + "max_recipients = \"x\"\n")
    code, err = serve(path, data)
    assert_one_line_error(code, err, "named.toml", "smtp.max_recipients")


def test_admin_cli_refuses_a_bad_config_too(folders):
    data, conf = folders
    path = conf / "bad.toml"
    path.write_text(BASE + "max_errors = 0\n")
    result = subprocess.run([str(require_binary()), "domain", "list", "--config", str(path), "--data", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=CLI_TIMEOUT)
    assert_one_line_error(result.returncode, result.stderr.decode(errors="replace"), "smtp.max_errors")


def test_port_in_use_is_a_clean_error(make_server, folders):
    running = make_server()
    data, conf = folders
    path = conf / "clash.toml"
    path.write_text(config_text(smtp={"listen": [f"127.0.0.1:{running.port}"]}))
    code, err = serve(path, data)
    assert code == 1, err
    assert str(running.port) in err, err
    assert running.running(), "the first server must be unaffected"


def test_valid_config_with_every_smtp_key_starts(make_server):
    s = make_server(smtp={
        "max_message_size": 1024,
        "max_recipients": 1,
        "max_connections": 1,
        "max_connections_per_ip": 1,
        "max_errors": 1,
        "command_timeout": 1,
        "data_timeout": 1,
        "greeting_timeout": 1,
    })
    assert s.running()
    assert s.stop() == 0
