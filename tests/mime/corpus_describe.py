"""Describes messages the way redoubt_mime_dump does, using Python's email package.

Imported by test_corpus.py; also runnable alone:  python3 corpus_describe.py FILE...
"""

import email
import email.policy
import json
import sys

# message/* subtypes whose body is an encapsulated message in IMAP (RFC 9051 §7.5.2) and in
# redoubt::mime. Python's email parses every message/* body as a message; see docs/mime.md.
ENCAPSULATING = {"message/rfc822", "message/global"}


def strip_mbox_from(data: bytes) -> bytes:
    if data.startswith(b"From "):
        lf = data.find(b"\n")
        return b"" if lf < 0 else data[lf + 1:]
    return data


def _safe(fn, default=""):
    try:
        value = fn()
    except Exception as e:  # Python's email raises on some malformed input
        return "<error %s>" % type(e).__name__
    return default if value is None else value


def describe_message(data: bytes) -> list:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    parts = []

    def walk(part, path):
        ctype = _safe(part.get_content_type)
        entry = {
            "path": path,
            "type": ctype,
            "charset": _safe(part.get_content_charset),
            "filename": _safe(lambda: (part.get_filename() or "").strip()),
            "children": 0,
        }
        parts.append(entry)
        payload = part.get_payload()
        if part.is_multipart() and (not ctype.startswith("message/") or ctype in ENCAPSULATING):
            entry["children"] = len(payload)
            for n, sub in enumerate(payload, 1):
                walk(sub, f"{path}.{n}" if path else str(n))
        elif ctype.startswith("text/") and not part.is_multipart():
            entry["text"] = _safe(part.get_content)

    walk(msg, "")
    return parts


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            print(json.dumps({"file": path, "parts": describe_message(strip_mbox_from(f.read()))}))
