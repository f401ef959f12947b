#!/usr/bin/env bash
# The real dependencies of Helix's tests, started on loopback on non-default ports with all their
# state under one directory, so they never meet a developer's own PostgreSQL or Redis.
#
#   scripts/services.sh start [NAME...]   install what is missing, start, wait until each answers
#   scripts/services.sh stop  [NAME...]   end exactly the processes this script started (pid files)
#   scripts/services.sh status            one line per service
#   scripts/services.sh env               `export HELIX_TEST_...=` lines for the tests
#
# NAME is one of: postgres pgbouncer redis nats prometheus alertmanager chromium git.
# HELIX_SERVICES_DIR (default: $TMPDIR/helix-services) holds data, logs, configs and pid files.
set -euo pipefail

ALL_SERVICES=(postgres pgbouncer redis nats prometheus alertmanager chromium git)

DIR=${HELIX_SERVICES_DIR:-${TMPDIR:-/tmp}/helix-services}
RUN=$DIR/run
LOGS=$DIR/logs

PG_PORT=${HELIX_PG_PORT:-25432}
PGBOUNCER_PORT=${HELIX_PGBOUNCER_PORT:-26432}
REDIS_PORT=${HELIX_REDIS_PORT:-26379}
NATS_PORT=${HELIX_NATS_PORT:-24222}
NATS_MONITOR_PORT=${HELIX_NATS_MONITOR_PORT:-28222}
PROMETHEUS_PORT=${HELIX_PROMETHEUS_PORT:-29090}
ALERTMANAGER_PORT=${HELIX_ALERTMANAGER_PORT:-29093}
CHROMIUM_PORT=${HELIX_CHROMIUM_PORT:-29222}
GIT_PORT=${HELIX_GIT_PORT:-28418}

READY_TIMEOUT=${HELIX_SERVICES_TIMEOUT:-60}

log() { printf 'services: %s\n' "$*" >&2; }

# PostgreSQL and PgBouncer refuse to run as root; CI runs as root.
if [[ $(id -u) -eq 0 ]]; then
  SERVICE_USER=postgres
  AS_SERVICE_USER=(setpriv --reuid=postgres --regid=postgres --init-groups --)
else
  SERVICE_USER=$(id -un)
  AS_SERVICE_USER=()
fi

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/initdb ]] && { printf '%s' "$d"; return 0; }
  done
  return 1
}

# ---------------------------------------------------------------- install
# Debian package that provides each command the services need.
declare -A PACKAGE_OF=(
  [pgbouncer]=pgbouncer
  [redis-server]=redis-server
  [redis-cli]=redis-tools
  [nats-server]=nats-server
  [prometheus]=prometheus
  [prometheus-alertmanager]=prometheus-alertmanager
  [chromium]=chromium
  [lighttpd]=lighttpd
  [git]=git
  [curl]=curl
  [psql]=postgresql-client
  [pg_isready]=postgresql-client
  [setpriv]=util-linux
)

install_missing() {
  local missing=() cmd
  for cmd in "${!PACKAGE_OF[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${PACKAGE_OF[$cmd]}")
  done
  pg_bin >/dev/null || missing+=(postgresql)
  [[ ${#missing[@]} -eq 0 ]] && return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing Debian packages: ${missing[*]}"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  # Packages must not start their system-wide daemons: only this script's instances run.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod +x "$policy"
    created_policy=1
  fi
  local rc=0
  { "${sudo[@]}" apt-get update -qq &&
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$DIR/apt.log" 2>&1 || rc=$?
  [[ $created_policy -eq 1 ]] && "${sudo[@]}" rm -f "$policy"
  if [[ $rc -ne 0 ]]; then
    log "apt-get failed (exit $rc); last lines of $DIR/apt.log:"
    tail -n 20 "$DIR/apt.log" >&2
    return 1
  fi
}

# ---------------------------------------------------------------- process bookkeeping
pid_file() { printf '%s/%s.pid' "$RUN" "$1"; }

running_pid() {
  local f pid
  f=$(pid_file "$1")
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
  printf '%s' "$pid"
}

# Starts a command in its own session (so its children form one process group we can end) and
# records its pid. setsid does not fork here: a background job of a script leads no group.
launch() {
  local name=$1; shift
  setsid "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$(pid_file "$name")"
}

wait_until() {
  local name=$1; shift
  local deadline=$((SECONDS + READY_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if ! running_pid "$name" >/dev/null; then
      log "$name: exited during start-up; last lines of $LOGS/$name.log:"
      tail -n 20 "$LOGS/$name.log" >&2 || true
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "$name: did not answer within ${READY_TIMEOUT}s; last lines of $LOGS/$name.log:"
      tail -n 20 "$LOGS/$name.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

stop_one() {
  local name=$1 pid signal=TERM i
  pid=$(running_pid "$name") || { rm -f "$(pid_file "$name")"; return 0; }
  [[ $name == postgres ]] && signal=INT # fast shutdown: do not wait for clients to leave
  kill -s "$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  # Anything of its process group still there (browser renderers, CGI children) ends now.
  kill -s KILL -- "-$pid" 2>/dev/null || true
  rm -f "$(pid_file "$name")"
  log "$name: stopped (pid $pid)"
}

secret() {
  local f=$DIR/secrets/$1
  if [[ ! -s $f ]]; then
    (umask 077; od -An -tx1 -N24 /dev/urandom | tr -d " \n" >"$f")
  fi
  cat "$f"
}

# ---------------------------------------------------------------- services
start_postgres() {
  local bin data=$DIR/postgres/data
  bin=$(pg_bin)
  if [[ ! -f $data/PG_VERSION ]]; then
    mkdir -p "$data"
    local pwfile=$DIR/postgres/pwfile
    (umask 077; secret postgres >"$pwfile")
    chown -R "$SERVICE_USER" "$DIR/postgres"
    chmod 700 "$data"
    "${AS_SERVICE_USER[@]}" "$bin/initdb" -D "$data" --username=helix --pwfile="$pwfile" \
      --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >>"$LOGS/postgres.log" 2>&1
    rm -f "$pwfile"
  fi
  launch postgres "${AS_SERVICE_USER[@]}" "$bin/postgres" -D "$data" \
    -c listen_addresses=127.0.0.1 -c port="$PG_PORT" -c unix_socket_directories="$DIR/postgres" \
    -c max_connections=300 -c shared_buffers=256MB -c logging_collector=off \
    -c log_min_messages=warning
  wait_until postgres pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
  # The database every connection string names; tests make their own schemas inside it.
  if [[ $(PGPASSWORD=$(secret postgres) psql -h 127.0.0.1 -p "$PG_PORT" -U helix -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'helix'") != 1 ]]; then
    PGPASSWORD=$(secret postgres) psql -q -h 127.0.0.1 -p "$PG_PORT" -U helix -d postgres -c 'CREATE DATABASE helix' >>"$LOGS/postgres.log" 2>&1
  fi
}

start_pgbouncer() {
  local conf=$DIR/pgbouncer/pgbouncer.ini
  mkdir -p "$DIR/pgbouncer"
  (umask 077; printf '"helix" "%s"\n' "$(secret postgres)" >"$DIR/pgbouncer/userlist.txt")
  cat >"$conf" <<EOF
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGBOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $DIR/pgbouncer/userlist.txt
admin_users = helix
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 50
max_db_connections = 200
ignore_startup_parameters = extra_float_digits
server_lifetime = 600
EOF
  chown -R "$SERVICE_USER" "$DIR/pgbouncer"
  launch pgbouncer "${AS_SERVICE_USER[@]}" pgbouncer "$conf"
  wait_until pgbouncer pg_isready -q -h 127.0.0.1 -p "$PGBOUNCER_PORT" -d helix
}

start_redis() {
  mkdir -p "$DIR/redis"
  launch redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR/redis" \
    --save '' --appendonly no --daemonize no --protected-mode yes
  wait_until redis redis_ping
}
redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping) == PONG ]]; }

start_nats() {
  mkdir -p "$DIR/nats/store"
  cat >"$DIR/nats/nats.conf" <<EOF
listen: 127.0.0.1:$NATS_PORT
http: 127.0.0.1:$NATS_MONITOR_PORT
max_payload: 8MB
jetstream {
  store_dir: "$DIR/nats/store"
  max_memory_store: 1GB
  # Streams reserve their MaxBytes against this at creation; tests create many, at once.
  max_file_store: 1TB
}
EOF
  launch nats nats-server -c "$DIR/nats/nats.conf"
  wait_until nats curl -fsS "http://127.0.0.1:$NATS_MONITOR_PORT/healthz"
}

start_prometheus() {
  mkdir -p "$DIR/prometheus/data" "$DIR/prometheus/targets" "$DIR/prometheus/rules"
  # Tests extend this by dropping files: targets/*.json (file_sd, picked up within a second)
  # and rules/*.yml (then POST /-/reload).
  cat >"$DIR/prometheus/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:$ALERTMANAGER_PORT"]
rule_files:
  - "$DIR/prometheus/rules/*.yml"
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:$PROMETHEUS_PORT"]
  - job_name: helix-tests
    file_sd_configs:
      - files: ["$DIR/prometheus/targets/*.json"]
        refresh_interval: 1s
EOF
  launch prometheus prometheus --config.file="$DIR/prometheus/prometheus.yml" \
    --storage.tsdb.path="$DIR/prometheus/data" --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" \
    --web.enable-lifecycle --log.level=warn
  wait_until prometheus curl -fsS "http://127.0.0.1:$PROMETHEUS_PORT/-/ready"
}

start_alertmanager() {
  mkdir -p "$DIR/alertmanager/data"
  # Tests rewrite this file (adding routes to their own webhook receivers), then POST /-/reload.
  if [[ ! -f $DIR/alertmanager/alertmanager.yml ]]; then
    cat >"$DIR/alertmanager/alertmanager.yml" <<EOF
route:
  receiver: default
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: default
EOF
  fi
  launch alertmanager prometheus-alertmanager --config.file="$DIR/alertmanager/alertmanager.yml" \
    --storage.path="$DIR/alertmanager/data" --web.listen-address="127.0.0.1:$ALERTMANAGER_PORT" \
    --cluster.listen-address= --log.level=warn
  wait_until alertmanager curl -fsS "http://127.0.0.1:$ALERTMANAGER_PORT/-/ready"
}

start_chromium() {
  rm -rf "$DIR/chromium"
  mkdir -p "$DIR/chromium"
  local sandbox=()
  [[ $(id -u) -eq 0 ]] && sandbox=(--no-sandbox) # Chromium's sandbox cannot start as root
  # No background networking: this machine reaches no outside host, and Chromium would keep trying.
  launch chromium chromium --headless "${sandbox[@]}" --disable-gpu --disable-dev-shm-usage \
    --disable-quic --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --disable-extensions --remote-debugging-address=127.0.0.1 \
    --remote-debugging-port="$CHROMIUM_PORT" --user-data-dir="$DIR/chromium" about:blank
  wait_until chromium curl -fsS "http://127.0.0.1:$CHROMIUM_PORT/json/version"
}

start_git() {
  mkdir -p "$DIR/git/repos" "$DIR/git/www"
  (umask 077; printf 'helix:%s\n' "$(secret git)" >"$DIR/git/users")
  # Smart HTTP through git-http-backend; every request authenticated, as a hosted git server is.
  cat >"$DIR/git/lighttpd.conf" <<EOF
server.modules = ("mod_alias", "mod_setenv", "mod_auth", "mod_authn_file", "mod_cgi")
server.bind = "127.0.0.1"
server.port = $GIT_PORT
server.document-root = "$DIR/git/www"
server.errorlog = "$LOGS/git-error.log"
server.max-request-size = 0
alias.url = ("/git/" => "/usr/lib/git-core/git-http-backend/")
\$HTTP["url"] =~ "^/git/" {
  cgi.assign = ("" => "")
  setenv.set-environment = ("GIT_PROJECT_ROOT" => "$DIR/git/repos", "GIT_HTTP_EXPORT_ALL" => "1")
  auth.backend = "plain"
  auth.backend.plain.userfile = "$DIR/git/users"
  auth.require = ("" => ("method" => "basic", "realm" => "helix-git", "require" => "valid-user"))
}
EOF
  if [[ ! -d $DIR/git/repos/probe.git ]]; then
    git init -q --bare "$DIR/git/repos/probe.git"
  fi
  launch git lighttpd -D -f "$DIR/git/lighttpd.conf"
  wait_until git git_probe
}
git_probe() {
  GIT_TERMINAL_PROMPT=0 git ls-remote "http://helix:$(secret git)@127.0.0.1:$GIT_PORT/git/probe.git"
}

# ---------------------------------------------------------------- commands
selected() {
  if [[ $# -eq 0 ]]; then
    printf '%s\n' "${ALL_SERVICES[@]}"
    return
  fi
  local s
  for s in "$@"; do
    [[ " ${ALL_SERVICES[*]} " == *" $s "* ]] || { log "unknown service '$s' (one of: ${ALL_SERVICES[*]})"; exit 2; }
    printf '%s\n' "$s"
  done
}

cmd_start() {
  mkdir -p "$DIR" "$RUN" "$LOGS" "$DIR/secrets"
  chmod 700 "$DIR/secrets"
  install_missing
  local failed=() s
  for s in $(selected "$@"); do
    if running_pid "$s" >/dev/null; then
      log "$s: already running"
      continue
    fi
    rm -f "$(pid_file "$s")"
    if "start_$s"; then
      log "$s: ready"
    else
      failed+=("$s")
      stop_one "$s" >/dev/null 2>&1 || true
    fi
  done
  if [[ ${#failed[@]} -gt 0 ]]; then
    log "failed to start: ${failed[*]}"
    return 1
  fi
}

cmd_stop() {
  local services s
  mapfile -t services < <(selected "$@")
  [[ -d $RUN ]] || return 0
  # Reverse order: PgBouncer before PostgreSQL, and so on.
  for ((i = ${#services[@]} - 1; i >= 0; i--)); do
    stop_one "${services[$i]}"
  done
}

cmd_status() {
  local s pid
  for s in "${ALL_SERVICES[@]}"; do
    if pid=$(running_pid "$s"); then
      printf '%-13s running (pid %s)\n' "$s" "$pid"
    else
      printf '%-13s stopped\n' "$s"
    fi
  done
}

cmd_env() {
  [[ -d $DIR/secrets ]] || { log "not started: run '$0 start' first"; exit 1; }
  local pg_password git_token
  pg_password=$(secret postgres)
  git_token=$(secret git)
  cat <<EOF
export HELIX_TEST_SERVICES_DIR='$DIR'
export HELIX_TEST_POSTGRES='Host=127.0.0.1;Port=$PG_PORT;Database=helix;Username=helix;Password=$pg_password'
export HELIX_TEST_PGBOUNCER='Host=127.0.0.1;Port=$PGBOUNCER_PORT;Database=helix;Username=helix;Password=$pg_password'
export HELIX_TEST_REDIS='127.0.0.1:$REDIS_PORT'
export HELIX_TEST_NATS_URL='nats://127.0.0.1:$NATS_PORT'
export HELIX_TEST_NATS_MONITOR_URL='http://127.0.0.1:$NATS_MONITOR_PORT'
export HELIX_TEST_PROMETHEUS_URL='http://127.0.0.1:$PROMETHEUS_PORT'
export HELIX_TEST_PROMETHEUS_TARGETS_DIR='$DIR/prometheus/targets'
export HELIX_TEST_PROMETHEUS_RULES_DIR='$DIR/prometheus/rules'
export HELIX_TEST_ALERTMANAGER_URL='http://127.0.0.1:$ALERTMANAGER_PORT'
export HELIX_TEST_ALERTMANAGER_CONFIG='$DIR/alertmanager/alertmanager.yml'
export HELIX_TEST_CHROMIUM_CDP_URL='http://127.0.0.1:$CHROMIUM_PORT'
export HELIX_TEST_GIT_URL='http://127.0.0.1:$GIT_PORT/git'
export HELIX_TEST_GIT_ROOT='$DIR/git/repos'
export HELIX_TEST_GIT_USERNAME='helix'
export HELIX_TEST_GIT_TOKEN='$git_token'
EOF
}

case ${1:-} in
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
