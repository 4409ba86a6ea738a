#!/usr/bin/env bash
# SMTP delivery benchmark: pushes the same load, with Postfix's smtp-source, into Redoubt and into
# Debian's Postfix (local delivery to a Maildir), one after the other, on 127.0.0.1 only. Prints
# messages/s for each and the ratio, Redoubt's peak memory and its memory per idle connection.
# A benchmark, not a test: run it by hand, as root, on an otherwise idle machine. Never in CI.
#
#   sudo bash bench/smtp/run.sh
#
# Environment (defaults in brackets):
#   N [20000] SESSIONS [16] SIZE [2048]  messages, parallel sessions, payload bytes per message
#   REPEAT [1]          measured runs of each server (each printed; the report uses the median)
#   KEEPALIVE [0]       1: smtp-source -d, several messages per connection (default: one each)
#   IDLE [1000]         idle connections for Redoubt's memory-per-connection figure
#   POSTFIX_IDLE [50]   the same for Postfix (one smtpd process each; 0 skips it)
#   POSTFIX_LOCAL_CONCURRENCY []  local_destination_concurrency_limit (empty: Postfix's default, 2)
#   PROFILE [0]         1: after the measured runs, where the time goes: one Redoubt run with info
#                       logging (store_us per message), fsync+fdatasync calls per message of each
#                       server (perf stat on syscall tracepoints), a flat perf profile of Redoubt
#   REDOUBT_BIN [build/release/redoubt] the binary to measure
#   POSTFIX_PORT [2526] WORK [/var/tmp/redoubt-bench] TIMEOUT [900] (seconds, per wait) KEEP [0]
#
# Durability on both sides: Redoubt answers 250 only once the message and its row are on disk
# (group commit), so its rate is N / smtp-source's wall time. Postfix answers 250 once the queue
# file is fsynced, and fsyncs the Maildir file on delivery, so its rate is measured end to end:
# from the start of smtp-source until N files are in the recipient's Maildir/new.
#
# The machine is left as found: Postfix's main.cf/master.cf are restored (main.cf removed if there
# was none), Postfix stopped, the benchuser account removed if this script created it, and WORK
# deleted (KEEP=1 keeps it: logs, perf data).
set -euo pipefail

N=${N:-20000}
SESSIONS=${SESSIONS:-16}
SIZE=${SIZE:-2048}
REPEAT=${REPEAT:-1}
KEEPALIVE=${KEEPALIVE:-0}
IDLE=${IDLE:-1000}
POSTFIX_IDLE=${POSTFIX_IDLE:-50}
POSTFIX_LOCAL_CONCURRENCY=${POSTFIX_LOCAL_CONCURRENCY:-}
PROFILE=${PROFILE:-0}
POSTFIX_PORT=${POSTFIX_PORT:-2526}
WORK=${WORK:-/var/tmp/redoubt-bench}
TIMEOUT=${TIMEOUT:-900}
KEEP=${KEEP:-0}

cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/bench/smtp
BIN=${REDOUBT_BIN:-$ROOT/build/release/redoubt}
SMTP_SOURCE=/usr/sbin/smtp-source
BENCH_USER=benchuser
BENCH_HOME=$WORK/home
LOCK=/run/lock/redoubt-bench-smtp.lock

die() { echo "bench/smtp: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for v in N SESSIONS SIZE REPEAT IDLE POSTFIX_IDLE POSTFIX_PORT TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number"
done
((N > 0 && SESSIONS > 0 && REPEAT > 0)) || die "N, SESSIONS and REPEAT must be positive"
[[ $(id -u) -eq 0 ]] || die "run as root (it configures and starts Postfix, and a system user)"
[[ $WORK == /var/tmp/* || $WORK == /tmp/* || -n ${WORK_ANYWHERE:-} ]] || die "WORK should be under /var/tmp (it is deleted)"

# One run at a time on this machine: two would fight over Postfix and the disk.
exec 9>"$LOCK"
flock -n 9 || die "another run holds $LOCK"

# ---------------------------------------------------------------------------------------------
# Cleanup, whatever happens.
REDOUBT_PID=""
POSTFIX_STARTED=0
POSTFIX_SAVED=""
USER_CREATED=0
stop_redoubt() {
  [[ -n $REDOUBT_PID ]] || return 0
  kill -TERM "$REDOUBT_PID" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$REDOUBT_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$REDOUBT_PID" 2>/dev/null || true
  wait "$REDOUBT_PID" 2>/dev/null || true
  REDOUBT_PID=""
}
cleanup() {
  local rc=$?
  set +e
  stop_redoubt
  [[ -n ${PERF_PID:-} ]] && kill -INT "$PERF_PID" 2>/dev/null && wait "$PERF_PID" 2>/dev/null
  if ((POSTFIX_STARTED)); then
    postfix stop >/dev/null 2>&1
    for _ in $(seq 100); do postfix status >/dev/null 2>&1 || break; sleep 0.1; done
    postsuper -d ALL >/dev/null 2>&1  # only our test mail: the queue was checked empty first
  fi
  if [[ -n $POSTFIX_SAVED ]]; then
    if [[ -f $POSTFIX_SAVED/main.cf ]]; then cp -p "$POSTFIX_SAVED/main.cf" /etc/postfix/main.cf; else rm -f /etc/postfix/main.cf; fi
    if [[ -f $POSTFIX_SAVED/master.cf ]]; then cp -p "$POSTFIX_SAVED/master.cf" /etc/postfix/master.cf; fi
    rm -rf "$POSTFIX_SAVED"
  fi
  ((USER_CREATED)) && userdel "$BENCH_USER" >/dev/null 2>&1
  if [[ $KEEP == 1 ]]; then echo "bench/smtp: kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# 1. Dependencies and the binary.
bash tools/deps.sh bench
[[ -x $SMTP_SOURCE ]] || die "$SMTP_SOURCE missing (Debian package postfix)"
if [[ ! -x $BIN ]]; then
  log "building $BIN"
  cmake --preset release >/dev/null && cmake --build build/release --target redoubt
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

rm -rf "$WORK"
mkdir -p "$WORK"
chmod 755 "$WORK"

# Hardware context: synchronous 4 KiB appends on the disk that holds both servers' data.
FSYNC_RATE=$(python3 "$HERE/util.py" fsync-rate "$WORK" 2)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "disk: $FSYNC_RATE fsync/s (4 KiB append + fsync, one thread, $(df --output=source "$WORK" | tail -1)); load average $LOAD_BEFORE"
awk '{ exit !($1 > 1.0) }' /proc/loadavg && log "warning: the machine is busy (load average $LOAD_BEFORE): figures will be noisy"

# ---------------------------------------------------------------------------------------------
# 2. Postfix: local delivery to benchuser's Maildir, on 127.0.0.1:POSTFIX_PORT only.
postfix status >/dev/null 2>&1 && die "Postfix is already running here: stop it first (this script reconfigures it)"
for q in incoming active deferred hold maildrop; do
  if [[ -d /var/spool/postfix/$q ]] && [[ -n $(find "/var/spool/postfix/$q" -type f -print -quit) ]]; then
    die "Postfix's queue is not empty (/var/spool/postfix/$q): not touching it"
  fi
done
POSTFIX_SAVED=$(mktemp -d /var/tmp/redoubt-bench-postfix-saved.XXXXXX)
[[ -f /etc/postfix/main.cf ]] && cp -p /etc/postfix/main.cf "$POSTFIX_SAVED/"
[[ -f /etc/postfix/master.cf ]] && cp -p /etc/postfix/master.cf "$POSTFIX_SAVED/"

if getent passwd "$BENCH_USER" >/dev/null; then
  [[ $(getent passwd "$BENCH_USER" | cut -d: -f6) == "$BENCH_HOME" ]] ||
    die "user $BENCH_USER exists with another home than $BENCH_HOME"
else
  useradd --system --user-group --home-dir "$BENCH_HOME" --no-create-home --shell /usr/sbin/nologin "$BENCH_USER"
  USER_CREATED=1
fi
mkdir -p "$BENCH_HOME"
chown "$BENCH_USER:$BENCH_USER" "$BENCH_HOME"
chmod 700 "$BENCH_HOME"

: >/etc/postfix/main.cf.bench
mv /etc/postfix/main.cf.bench /etc/postfix/main.cf
postconf -e \
  "compatibility_level = 3.6" \
  "myhostname = bench.test" \
  "mydomain = bench.test" \
  "myorigin = bench.test" \
  "mydestination = bench.test, localhost" \
  "inet_interfaces = loopback-only" \
  "inet_protocols = ipv4" \
  "mynetworks = 127.0.0.0/8" \
  "relayhost =" \
  "home_mailbox = Maildir/" \
  "mailbox_command =" \
  "alias_maps =" \
  "alias_database =" \
  "biff = no" \
  "append_dot_mydomain = no" \
  "content_filter =" \
  "smtpd_client_connection_count_limit = 0" \
  "smtpd_client_connection_rate_limit = 0" \
  "smtpd_client_message_rate_limit = 0" \
  "smtpd_client_recipient_rate_limit = 0" \
  "smtpd_client_event_limit_exceptions = 127.0.0.0/8" \
  "default_process_limit = 100" \
  "smtpd_tls_security_level = none"
if [[ -n $POSTFIX_LOCAL_CONCURRENCY ]]; then
  postconf -e "local_destination_concurrency_limit = $POSTFIX_LOCAL_CONCURRENCY"
fi
# The dedicated listener; no port 25; no chroot (a chroot needs copies of /etc files that
# Debian's init script makes, and changes nothing to the work done per message).
postconf -MX smtp/inet 2>/dev/null || true
postconf -Me "127.0.0.1:$POSTFIX_PORT/inet = 127.0.0.1:$POSTFIX_PORT inet n - n - - smtpd"
postconf -F '*/*/chroot = n'
postfix check >/dev/null 2>&1 || postfix set-permissions >/dev/null 2>&1 || true
postfix start >/dev/null 2>&1 || die "postfix start failed (postfix check: $(postfix check 2>&1 | head -3))"
POSTFIX_STARTED=1
wait_port() {  # host port seconds
  local deadline=$((SECONDS + $3))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}
wait_port 127.0.0.1 "$POSTFIX_PORT" 30 || die "Postfix does not listen on 127.0.0.1:$POSTFIX_PORT"
POSTFIX_VERSION=$(postconf -h mail_version)
POSTFIX_MASTER=$(awk '{ print $1; exit }' /var/spool/postfix/pid/master.pid)
log "Postfix $POSTFIX_VERSION on 127.0.0.1:$POSTFIX_PORT, delivering to $BENCH_HOME/Maildir"

# ---------------------------------------------------------------------------------------------
# Helpers for one run.
LOAD_ARGS=(-4 -s "$SESSIONS" -m "$N" -l "$SIZE" -M bench.test -f sender@bench.test -t "$BENCH_USER@bench.test")
[[ $KEEPALIVE == 1 ]] && LOAD_ARGS=(-d "${LOAD_ARGS[@]}")
load() {  # port [prefix command...]: runs smtp-source, fails on any error or the time limit
  local port=$1
  shift
  "$@" timeout "$TIMEOUT" "$SMTP_SOURCE" "${LOAD_ARGS[@]}" "127.0.0.1:$port" >"$WORK/smtp-source.out" 2>&1 ||
    die "smtp-source failed against port $port: $(tail -3 "$WORK/smtp-source.out")"
}
cpu_line() { head -1 /proc/stat; }
cpu_use() {  # "cpu ..." before, after -> "busy% iowait%" of all cores
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, x); split(b, y); total = 0
    for (i = 2; i <= 9; i++) total += y[i] - x[i]
    idle = y[5] - x[5]; io = y[6] - x[6]
    printf "%.0f %.0f", 100 * (total - idle - io) / total, 100 * io / total }'
}

REDOUBT_PORT=""
start_redoubt() {  # name level -> REDOUBT_PID, REDOUBT_PORT, REDOUBT_DATA, REDOUBT_CONF
  REDOUBT_DATA=$WORK/redoubt-$1
  REDOUBT_CONF=$WORK/redoubt-$1.toml
  rm -rf "$REDOUBT_DATA"
  mkdir -p "$REDOUBT_DATA"
  cat >"$REDOUBT_CONF" <<EOF
[server]
hostname = "bench.test"

[smtp]
listen = ["127.0.0.1:0"]
max_connections = 5000
max_connections_per_ip = 5000

[imap]
listen = []
listen_tls = []

[log]
level = "$2"
EOF
  chmod 644 "$REDOUBT_CONF"
  "$BIN" domain add bench.test --data "$REDOUBT_DATA" --config "$REDOUBT_CONF" >/dev/null
  echo pw | "$BIN" account add "$BENCH_USER@bench.test" --data "$REDOUBT_DATA" --config "$REDOUBT_CONF" >/dev/null
  "$BIN" serve --config "$REDOUBT_CONF" --data "$REDOUBT_DATA" 2>"$WORK/redoubt-$1.log" &
  REDOUBT_PID=$!
  local deadline=$((SECONDS + 30))
  until [[ -s $REDOUBT_DATA/run/ports ]]; do
    kill -0 "$REDOUBT_PID" 2>/dev/null || die "redoubt serve exited: $(tail -3 "$WORK/redoubt-$1.log")"
    ((SECONDS < deadline)) || die "redoubt serve wrote no $REDOUBT_DATA/run/ports in 30 s"
    sleep 0.1
  done
  REDOUBT_PORT=$(awk '$1 == "smtp" { n = split($2, a, ":"); print a[n]; exit }' "$REDOUBT_DATA/run/ports")
  [[ -n $REDOUBT_PORT ]] || die "no smtp line in $REDOUBT_DATA/run/ports"
  wait_port 127.0.0.1 "$REDOUBT_PORT" 10 || die "Redoubt does not accept on 127.0.0.1:$REDOUBT_PORT"
}
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
redoubt_count() {
  "$BIN" mail list "$BENCH_USER@bench.test" --data "$REDOUBT_DATA" --config "$REDOUBT_CONF" | wc -l
}

R_RATE=() R_ELAPSED=() R_HWM=() R_CPU=() R_CORES=() R_SYS=()
run_redoubt() {  # rep
  start_redoubt "run$1" warn
  sync
  sleep 1
  local cpu0 stat0 t0 t1 cpu1 count
  cpu0=$(python3 "$HERE/util.py" cpu-ticks "$REDOUBT_PID")
  stat0=$(cpu_line)
  t0=$(now)
  load "$REDOUBT_PORT"
  t1=$(now)
  R_SYS+=("$(cpu_use "$stat0" "$(cpu_line)")")
  cpu1=$(python3 "$HERE/util.py" cpu-ticks "$REDOUBT_PID")
  R_HWM+=("$(status_kib "$REDOUBT_PID" VmHWM)")
  count=$(redoubt_count)
  [[ $count -eq $N ]] || die "Redoubt: $count messages in the mailbox, expected $N"
  R_ELAPSED+=("$(calc "$t1 - $t0" 2)")
  R_RATE+=("$(calc "$N / ($t1 - $t0)" 0)")
  R_CPU+=("$(calc "($cpu1 - $cpu0) * 1e6 / $N" 0)")
  R_CORES+=("$(calc "($cpu1 - $cpu0) / ($t1 - $t0)" 2)")
  grep -iE '\b(error|critical)\b' "$WORK/redoubt-run$1.log" | head -3 >&2 || true
  stop_redoubt
  rm -rf "$REDOUBT_DATA"
  log "Redoubt run $1: $N messages in ${R_ELAPSED[-1]} s = ${R_RATE[-1]} msg/s; peak RSS ${R_HWM[-1]} KiB; ${R_CPU[-1]} us CPU/message (${R_CORES[-1]} cores); CPU busy/iowait ${R_SYS[-1]// //}%"
}

P_RATE=() P_ELAPSED=() P_SRC_ELAPSED=() P_SRC_RATE=() P_CPU=() P_CORES=() P_SYS=()
run_postfix() {  # rep
  rm -rf "$BENCH_HOME/Maildir"
  sync
  sleep 1
  local stat0 t0 t1 t2 cpu0 cpu1
  cpu0=$(python3 "$HERE/util.py" tree-cpu "$POSTFIX_MASTER")
  stat0=$(cpu_line)
  t0=$(now)
  load "$POSTFIX_PORT"
  t1=$(now)
  t2=$(python3 "$HERE/util.py" wait-count "$BENCH_HOME/Maildir/new" "$N" "$TIMEOUT") ||
    die "Postfix did not deliver $N messages in $TIMEOUT s: $(postqueue -p 2>&1 | tail -1)"
  P_SYS+=("$(cpu_use "$stat0" "$(cpu_line)")")
  cpu1=$(python3 "$HERE/util.py" tree-cpu "$POSTFIX_MASTER")
  local files
  files=$(find "$BENCH_HOME/Maildir/new" -maxdepth 1 -type f | wc -l)
  [[ $files -eq $N ]] || die "Postfix: $files messages in Maildir/new, expected $N"
  P_SRC_ELAPSED+=("$(calc "$t1 - $t0" 2)")
  P_SRC_RATE+=("$(calc "$N / ($t1 - $t0)" 0)")
  P_ELAPSED+=("$(calc "$t2 - $t0" 2)")
  P_RATE+=("$(calc "$N / ($t2 - $t0)" 0)")
  P_CPU+=("$(calc "($cpu1 - $cpu0) * 1e6 / $N" 0)")
  P_CORES+=("$(calc "($cpu1 - $cpu0) / ($t2 - $t0)" 2)")
  log "Postfix run $1: $N messages delivered in ${P_ELAPSED[-1]} s = ${P_RATE[-1]} msg/s (smtp-source alone: ${P_SRC_ELAPSED[-1]} s = ${P_SRC_RATE[-1]} msg/s); ${P_CPU[-1]} us CPU/message (${P_CORES[-1]} cores); CPU busy/iowait ${P_SYS[-1]// //}%"
}

# ---------------------------------------------------------------------------------------------
# 3. Memory of Postfix per idle session, on a fresh Postfix (no smtpd left over from a load).
P_IDLE="skipped"
if ((POSTFIX_IDLE > 0)); then
  if out=$(python3 "$HERE/idle_connections.py" --port "$POSTFIX_PORT" --tree "$POSTFIX_MASTER" --count "$POSTFIX_IDLE" 2>&1); then
    P_IDLE=$(sed -n 's/^per_connection_kib=//p' <<<"$out")
    log "Postfix: $P_IDLE KiB Pss per idle session ($POSTFIX_IDLE sessions, master and children)"
  else
    log "Postfix idle measure failed: $out"
  fi
  sleep 1
fi

# 4. The load, REPEAT times each, alternating.
log "load: smtp-source ${LOAD_ARGS[*]} (N=$N SESSIONS=$SESSIONS SIZE=$SIZE KEEPALIVE=$KEEPALIVE)"
for rep in $(seq "$REPEAT"); do
  run_redoubt "$rep"
  run_postfix "$rep"
done

# 5. Redoubt's memory per idle connection, on a fresh process.
start_redoubt idle warn
out=$(python3 "$HERE/idle_connections.py" --port "$REDOUBT_PORT" --pid "$REDOUBT_PID" --count "$IDLE") ||
  die "idle connections: $out"
R_IDLE_BEFORE=$(sed -n 's/^before_kib=//p' <<<"$out")
R_IDLE_AFTER=$(sed -n 's/^after_kib=//p' <<<"$out")
R_IDLE=$(sed -n 's/^per_connection_kib=//p' <<<"$out")
stop_redoubt
log "Redoubt: RSS $R_IDLE_BEFORE KiB -> $R_IDLE_AFTER KiB with $IDLE idle connections = $R_IDLE KiB each"

# 6. Optional profile: where Redoubt's time goes, and how many fsyncs each server makes per message.
PROFILE_LINES=()
if [[ $PROFILE == 1 ]]; then
  FSYNC_EVENTS=syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync
  count_syncs() { awk '/sys_enter_f(data)?sync/ { gsub(",", "", $1); s += $1 } END { print s + 0 }' "$1"; }
  have_perf=0
  command -v perf >/dev/null && perf stat -e "$FSYNC_EVENTS" true >/dev/null 2>&1 && have_perf=1
  ((have_perf)) || log "perf (Debian package linux-perf) missing or not allowed: no fsync counts nor CPU profile"

  # a. Info logging gives store_us per message (blob fsync + group commit). perf stat only counts
  #    fsync calls (cheap), so this run's rate stays comparable to the measured ones.
  start_redoubt profile info
  sync
  sleep 1
  t0=$(now)
  if ((have_perf)); then
    load "$REDOUBT_PORT" perf stat -a -e "$FSYNC_EVENTS" -o "$WORK/fsync-redoubt.txt" --
  else
    load "$REDOUBT_PORT"
  fi
  t1=$(now)
  stop_redoubt
  PROFILE_LINES+=("Redoubt with info logging: $(calc "$N / ($t1 - $t0)" 0) msg/s; $(python3 "$HERE/util.py" store-us "$WORK/redoubt-profile.log")")
  ((have_perf)) && PROFILE_LINES+=("Redoubt: $(calc "$(count_syncs "$WORK/fsync-redoubt.txt") / $N" 2) fsync+fdatasync calls per message (whole machine)")

  if ((have_perf)); then
    # b. Postfix's fsync calls per message, end to end.
    rm -rf "$BENCH_HOME/Maildir"
    sync
    cat >"$WORK/postfix-load.sh" <<EOF
timeout "$TIMEOUT" "$SMTP_SOURCE" ${LOAD_ARGS[*]} 127.0.0.1:$POSTFIX_PORT >/dev/null &&
  python3 "$HERE/util.py" wait-count "$BENCH_HOME/Maildir/new" "$N" "$TIMEOUT" >/dev/null
EOF
    perf stat -a -e "$FSYNC_EVENTS" -o "$WORK/fsync-postfix.txt" -- bash "$WORK/postfix-load.sh" ||
      die "Postfix profile run failed"
    PROFILE_LINES+=("Postfix: $(calc "$(count_syncs "$WORK/fsync-postfix.txt") / $N" 2) fsync+fdatasync calls per message (whole machine)")

    # c. Where Redoubt's CPU goes: a flat on-CPU profile of the server process.
    start_redoubt perf warn
    sync
    sleep 1
    perf record -q -F 999 -p "$REDOUBT_PID" -o "$WORK/perf.data" >/dev/null 2>&1 &
    PERF_PID=$!
    sleep 0.5
    cpu0=$(python3 "$HERE/util.py" cpu-ticks "$REDOUBT_PID")
    t0=$(now)
    load "$REDOUBT_PORT"
    t1=$(now)
    cpu1=$(python3 "$HERE/util.py" cpu-ticks "$REDOUBT_PID")
    kill -INT "$PERF_PID" 2>/dev/null || true
    wait "$PERF_PID" 2>/dev/null || true
    PERF_PID=""
    stop_redoubt
    PROFILE_LINES+=("Redoubt under perf record: $(calc "$N / ($t1 - $t0)" 0) msg/s, $(calc "($cpu1 - $cpu0) / ($t1 - $t0)" 2) cores busy")
    trim() { sed -E 's/[[:space:]-]+$//' | cut -c1-100; }
    perf report -i "$WORK/perf.data" --stdio --no-children --percent-limit 2 --sort dso 2>/dev/null |
      grep -vE '^(#|$)' | trim >"$WORK/perf-dso.txt" || true
    perf report -i "$WORK/perf.data" --stdio --no-children --percent-limit 1 --sort dso,symbol 2>/dev/null |
      grep -vE '^(#|$)' | head -25 | trim >"$WORK/perf-top.txt" || true
    PROFILE_LINES+=("Redoubt on-CPU samples by binary (>= 2%):")
    while IFS= read -r line; do PROFILE_LINES+=("  $line"); done <"$WORK/perf-dso.txt"
    PROFILE_LINES+=("Redoubt on-CPU samples by symbol (>= 1%):")
    while IFS= read -r line; do PROFILE_LINES+=("  $line"); done <"$WORK/perf-top.txt"
  fi
fi

# ---------------------------------------------------------------------------------------------
# 7. Report.
FSYNC_RATE_AFTER=$(python3 "$HERE/util.py" fsync-rate "$WORK" 2)
r_rate=$(median "${R_RATE[@]}")
p_rate=$(median "${P_RATE[@]}")
r_elapsed=$(median "${R_ELAPSED[@]}")
p_elapsed=$(median "${P_ELAPSED[@]}")
p_src_rate=$(median "${P_SRC_RATE[@]}")
p_src_elapsed=$(median "${P_SRC_ELAPSED[@]}")
r_hwm=$(median "${R_HWM[@]}")
r_cpu=$(median "${R_CPU[@]}")
r_cores=$(median "${R_CORES[@]}")
p_cpu=$(median "${P_CPU[@]}")
p_cores=$(median "${P_CORES[@]}")
ratio=$(calc "$r_rate / $p_rate" 2)
cat <<EOF

SMTP delivery benchmark  $(date -u +%Y-%m-%dT%H:%MZ)
machine:  $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), disk $FSYNC_RATE fsync/s before, $FSYNC_RATE_AFTER after (4 KiB append+fsync, 1 thread)
          load average before: $LOAD_BEFORE
load:     smtp-source ${LOAD_ARGS[*]} 127.0.0.1:PORT   (runs per server: $REPEAT, median shown)
peers:    Redoubt $("$BIN" --version 2>/dev/null | head -1 || echo "?") (binary of $(date -u -r "$BIN" +%Y-%m-%dT%H:%MZ)) | Postfix $POSTFIX_VERSION, local(8) to Maildir/

                      msgs/s   elapsed s   notes
  Redoubt           $(printf '%8s %11s' "$r_rate" "$r_elapsed")   250 = stored durably; runs: ${R_RATE[*]}
  Postfix           $(printf '%8s %11s' "$p_rate" "$p_elapsed")   until all $N in Maildir/new; runs: ${P_RATE[*]}
  Postfix (accept)  $(printf '%8s %11s' "$p_src_rate" "$p_src_elapsed")   smtp-source only (250 = queued)
  ratio Redoubt/Postfix: ${ratio}x   (target >= 3x)

  CPU per message (server processes only): Redoubt $r_cpu us ($r_cores cores busy), Postfix $p_cpu us ($p_cores cores busy, all its processes)
  Redoubt peak RSS (VmHWM) after the load: $r_hwm KiB
  Redoubt per idle connection: $R_IDLE KiB  ($IDLE connections after EHLO, VmRSS $R_IDLE_BEFORE -> $R_IDLE_AFTER KiB; target < 64 KiB)
  Postfix per idle session:    $P_IDLE KiB Pss  ($POSTFIX_IDLE sessions, one smtpd process each)
  machine CPU busy/iowait during load (% of all cores): Redoubt ${R_SYS[*]// //}%   Postfix ${P_SYS[*]// //}%
EOF
for line in "${PROFILE_LINES[@]}"; do echo "  $line"; done
