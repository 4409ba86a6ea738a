#!/usr/bin/env bash
# Quick start: installs what is missing, builds, prepares a development domain and account on first
# run, and starts the server in the foreground on loopback (Ctrl-C stops it).
#   REDOUBT_DATA=dir   data folder (default ./data)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake --preset release >/dev/null
cmake --build build/release --target redoubt
bin=build/release/redoubt
data=${REDOUBT_DATA:-./data}

if ! "$bin" domain list --data "$data" | grep -qx example.test; then
  "$bin" domain add example.test --data "$data" >/dev/null
  password=$(openssl rand -base64 12)
  printf '%s\n' "$password" | "$bin" account add dev@example.test --data "$data" >/dev/null
  "$bin" alias add postmaster@example.test dev@example.test --data "$data" >/dev/null
  cat <<MSG

Development domain ready: example.test
  account:  dev@example.test
  password: $password   (shown once; change it with: $bin account passwd dev@example.test --data $data)
MSG
fi
cat <<MSG

Redoubt is starting on 127.0.0.1 (data in $data). In another terminal:
  send mail:  swaks --server 127.0.0.1:2525 --to dev@example.test
  or TLS:     swaks --server 127.0.0.1:2525 --to dev@example.test --tls --tls-verify=no
  read it:    any mail client over IMAP: server 127.0.0.1, port 2143 (STARTTLS) or 2993 (TLS),
              user dev@example.test (the certificate is self-signed: accept it once), e.g.
              python3 -c "import imaplib; m = imaplib.IMAP4('127.0.0.1', 2143); m.login('dev@example.test', input('password: ')); print(m.select(), m.fetch('1:*', '(ENVELOPE)'))"
  or locally: $bin mail list dev@example.test --data $data
              $bin mail cat dev@example.test 1 --data $data
  more:       $bin --help
MSG
exec "$bin" serve --data "$data"
