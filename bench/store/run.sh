#!/usr/bin/env bash
# Builds redoubt_store_bench (preset "bench") and runs it on a store in WORK, which must be on the
# disk the server would use: on tmpfs an fsync costs nothing and the figures mean nothing.
#   bench/store/run.sh [THREADS [WRITES]]        (defaults: 16 threads, 2000 writes)
#   WORK [/var/tmp/redoubt-bench-store]          removed at the end
#   SLOW_FSYNC_US [unset]                        if set, every fsync takes that many microseconds
#                                                more (slow_fsync.cc), e.g. 3800 for ~260 fsync/s
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"

cmake --preset bench >/dev/null
cmake --build build/bench --target redoubt_store_bench redoubt_slow_fsync

work=${WORK:-/var/tmp/redoubt-bench-store}
if [[ $(stat -f -c %T "$(dirname "$work")") == tmpfs ]]; then
  echo "bench/store: $(dirname "$work") is tmpfs, where fsync is free: set WORK to a real disk" >&2
  exit 1
fi
preload=()
if [[ -n ${SLOW_FSYNC_US:-} ]]; then
  preload=(env "LD_PRELOAD=$root/build/bench/bench/store/libredoubt_slow_fsync.so"
           "REDOUBT_SLOW_FSYNC_US=$SLOW_FSYNC_US")
fi
rm -rf "$work"
trap 'rm -rf "$work"' EXIT
"${preload[@]}" build/bench/bench/store/redoubt_store_bench "$work" "${1:-16}" "${2:-2000}"
