#!/usr/bin/env bash
# The local stack: Postgres, Redis and HAProxy from Debian's packages on loopback, with all state
# under .dev/, plus the services. Used by `make up`, `make down` and `make test`.
#
#   stack.sh deps       install what is missing (postgresql, redis-server, haproxy, wrk)
#   stack.sh infra      start Postgres and Redis (idempotent)
#   stack.sh migrate    apply migrations to the dev database
#   stack.sh services   start every service and HAProxy, wait until ready
#   stack.sh stop-services  stop the services and HAProxy, keep Postgres and Redis
#   stack.sh up         all of the above, then print the URL
#   stack.sh down       stop everything this script started
#   stack.sh status     show what runs
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEV=${DJB_DEV_DIR:-$ROOT/.dev}
PG_PORT=${DJB_PG_PORT:-55432}
REDIS_PORT=${DJB_REDIS_PORT:-56379}
HTTP_PORT=${DJB_HTTP_PORT:-8000}
# The offline fake LLM (libs/llm-fake) `make up` starts for demos: agents reach it as a custom
# provider with base URL http://127.0.0.1:$LLM_FAKE_PORT/v1 (docs/llm-fake.md).
LLM_FAKE_PORT=${DJB_LLM_FAKE_PORT:-8090}
DB_NAME=${DJB_DB_NAME:-djinnbot}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PROFILE=${DJB_PROFILE:-debug}
PY_ENV=${DJB_PY_ENV:-$HOME/.cache/djinnbot-py}
SCHEMATHESIS_VERSION=4.32.5
SERVICES="auth-svc:8010:auth_svc project-svc:8020:project_svc agent-svc:8030:agent_svc
sse-relay:8040:sse_relay memory-svc:8050:memory_svc engine-svc:8060:engine_svc
slack-svc:8070:slack_svc mcp-svc:8001:mcp_svc webhook-gw:8002:webhook_gw"

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else die "need root to run: $*"; fi; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

deps() {
  local missing=()
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v haproxy >/dev/null || missing+=(haproxy)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  # No TLS library: every binary uses rustls (kit::tls); the servers' CAs come from ca-certificates.
  [ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # schemathesis (PyPI) for the fuzz test in `make test` and `make fuzz`, in a venv outside the
  # clone so CI reuses it; the version is pinned so a run is reproducible.
  if [ ! -x "$PY_ENV/bin/st" ]; then
    log "installing schemathesis into $PY_ENV"
    python3 -m venv "$PY_ENV"
    "$PY_ENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" >/dev/null
  fi
  # Debian's packages start their own servers on the default ports; ours use other ports.
  if ! command -v cargo-nextest >/dev/null && ! cargo nextest --version >/dev/null 2>&1; then
    log "installing cargo-nextest"
    cargo install --locked cargo-nextest >/dev/null
  fi
}

# Postgres refuses to run as root: run it as the postgres user when we are root.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_up() { as_pg "$(pg_bin)/pg_ctl" -D "$DEV/pg/data" status >/dev/null 2>&1; }

start_postgres() {
  mkdir -p "$DEV/pg" "$DEV/logs"
  [ "$(id -u)" = 0 ] && chown postgres "$DEV/pg"
  if [ ! -f "$DEV/pg/data/PG_VERSION" ]; then
    log "initialising Postgres in $DEV/pg/data"
    as_pg "$(pg_bin)/initdb" -D "$DEV/pg/data" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null
  fi
  if ! pg_up; then
    log "starting Postgres on 127.0.0.1:$PG_PORT"
    touch "$DEV/logs/postgres.log"; [ "$(id -u)" = 0 ] && chown postgres "$DEV/logs/postgres.log"
    as_pg "$(pg_bin)/pg_ctl" -D "$DEV/pg/data" -l "$DEV/logs/postgres.log" -w -t 60 start \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$DEV/pg \
          -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" >/dev/null
  fi
  psql_admin -tAc "select 1 from pg_database where datname = '$DB_NAME'" | grep -q 1 \
    || psql_admin -qc "create database $DB_NAME"
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }

redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; }

start_redis() {
  mkdir -p "$DEV/redis" "$DEV/logs" "$DEV/run"
  if ! redis_up; then
    log "starting Redis on 127.0.0.1:$REDIS_PORT"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save '' --appendonly no \
      --dir "$DEV/redis" --pidfile "$DEV/run/redis.pid" --logfile "$DEV/logs/redis.log"
    for _ in $(seq 50); do redis_up && return 0; sleep 0.1; done
    die "Redis did not start (see $DEV/logs/redis.log)"
  fi
}

infra() { start_postgres; start_redis; }

bin() { echo "$TARGET/$PROFILE/$1"; }

build() {
  log "building services ($PROFILE)"
  local flag=(); [ "$PROFILE" = release ] && flag=(--release)
  (cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build "${flag[@]}" --bins -q)
}

migrate() {
  log "applying migrations to $DB_NAME"
  MIGRATION_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/$DB_NAME" DJB_DEV_MODE=true \
    RUST_LOG=warn "$(bin auth-svc)" migrate
}

# Writes a file of secrets once, atomically: the value goes to a private temp file that is then
# hard-linked into place (a link never replaces an existing file), so nobody ever reads a
# half-written secret and a second writer keeps the first one's value. Kept across restarts.
write_once() { # path generator-function
  local f=$1 tmp
  [ -s "$f" ] && return 0
  mkdir -p "$(dirname "$f")"
  tmp=$(umask 077; mktemp "$f.XXXXXX")
  "$2" >"$tmp"
  ln "$tmp" "$f" 2>/dev/null || true
  rm -f "$tmp"
}

random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# The dev encryption key: secrets stored by the services must stay readable across restarts, so
# it is never regenerated (delete .dev/ to start over).
new_secret_key() { random_hex 32; }

# The first login of the dev platform: auth-svc creates this platform administrator at start-up
# (BOOTSTRAP_ADMIN_*) unless one exists. Printed by `up`; kept in .dev/ (mode 600).
new_first_login() {
  echo "BOOTSTRAP_ADMIN_EMAIL=admin@djinnbot.local"
  echo "BOOTSTRAP_ADMIN_PASSWORD=$(random_hex 12)"
}

# Both files exist before any service starts; services only read them.
first_run_secrets() {
  write_once "$DEV/secret-encryption-key" new_secret_key
  write_once "$DEV/first-login" new_first_login
  SECRET_KEY=$(cat "$DEV/secret-encryption-key")
  [ ${#SECRET_KEY} = 64 ] || die "$DEV/secret-encryption-key is not 64 hex characters (delete it to make a new one)"
}

first_login() { grep "^$1=" "$DEV/first-login" | cut -d= -f2-; }

# One Redis ACL user per service (security review H2): each service reaches only the keys and
# channels bus::acl grants it, so a leaked REDIS_URL is not the whole platform. The binary
# prints its own `ACL SETUSER` line (rules from libs/bus/src/acl.rs; the password only as a
# SHA-256); passwords are kept in .dev/redis-acl/ (mode 600) across restarts.
# DJB_REDIS_ACL=0 keeps every service on Redis's default user.
REDIS_PREFIX_DEV=${REDIS_PREFIX:-djinnbot}
new_redis_password() { random_hex 24; }

redis_users() {
  [ "${DJB_REDIS_ACL:-1}" = 0 ] && return 0
  local name out
  for entry in $SERVICES; do
    name=${entry%%:*}
    write_once "$DEV/redis-acl/$name" new_redis_password
    out=$(REDIS_ACL_PASSWORD=$(cat "$DEV/redis-acl/$name") REDIS_PREFIX=$REDIS_PREFIX_DEV \
      "$(bin "$name")" redis-acl | redis-cli -h 127.0.0.1 -p "$REDIS_PORT")
    [ "$out" = OK ] || die "could not create the Redis user of $name: $out"
  done
}

redis_url_of() { # service name
  if [ "${DJB_REDIS_ACL:-1}" = 0 ]; then
    echo "redis://127.0.0.1:$REDIS_PORT"
  else
    echo "redis://$REDIS_PREFIX_DEV-$1:$(cat "$DEV/redis-acl/$1")@127.0.0.1:$REDIS_PORT"
  fi
}

service_env() { # name port role
  echo DJB_DEV_MODE=true HOST=127.0.0.1 PORT="$2" SECRET_ENCRYPTION_KEY="$SECRET_KEY" \
    DATABASE_URL="postgres://$3@127.0.0.1:$PG_PORT/$DB_NAME" \
    REDIS_URL="$(redis_url_of "$1")" REDIS_PREFIX="$REDIS_PREFIX_DEV" \
    DATA_PATH="$DEV/data" SKILLS_DIR="$ROOT/skills" AGENT_TEMPLATES_DIR="$ROOT/agent-templates" \
    PROJECT_TEMPLATES_DIR="$ROOT/project-templates" PIPELINES_DIR="$ROOT/pipelines" \
    AUTH_SECRET_KEY="${AUTH_SECRET_KEY:-dev-only-insecure-auth-secret-change-me-0123456789}"
  [ "$1" = auth-svc ] && cat "$DEV/first-login"
  return 0
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_llm_fake() {
  local pidf="$DEV/run/llm-fake.pid"
  running "$pidf" && return 0
  "$TARGET/$PROFILE/djb-llm-fake" --listen "127.0.0.1:$LLM_FAKE_PORT" >>"$DEV/logs/llm-fake.log" 2>&1 &
  echo $! >"$pidf"
  wait_http "http://127.0.0.1:$LLM_FAKE_PORT/_fake/health" llm-fake
}

start_services() {
  mkdir -p "$DEV/run" "$DEV/logs"
  first_run_secrets
  redis_users
  start_llm_fake
  echo "$PROFILE" >"$DEV/run/profile"
  for entry in $SERVICES; do
    IFS=: read -r name port role <<<"$entry"
    local pidf="$DEV/run/$name.pid"
    running "$pidf" && continue
    # shellcheck disable=SC2046
    env $(service_env "$name" "$port" "$role") "$(bin "$name")" serve >>"$DEV/logs/$name.log" 2>&1 &
    echo $! >"$pidf"
  done
  for entry in $SERVICES; do
    IFS=: read -r name port _ <<<"$entry"
    wait_http "http://127.0.0.1:$port/health/ready" "$name"
  done
  start_haproxy
}

start_haproxy() {
  local pidf="$DEV/run/haproxy.pid"
  running "$pidf" && return 0
  log "starting HAProxy on 127.0.0.1:$HTTP_PORT"
  # Foreground master (master-worker is set in dev.cfg) so its JSON logs reach the log file.
  DJB_HTTP_PORT=$HTTP_PORT DJB_DEV_DIR=$DEV/run \
    AUTH_SECRET_KEY="${AUTH_SECRET_KEY:-dev-only-insecure-auth-secret-change-me-0123456789}" \
    nohup haproxy -db -f "$ROOT/haproxy/dev.cfg" >>"$DEV/logs/haproxy.log" 2>&1 &
  echo $! >"$pidf"
  wait_http "http://127.0.0.1:$HTTP_PORT/health/auth-svc" haproxy
}

wait_http() {
  for _ in $(seq 150); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  die "$2 is not ready at $1 (see $DEV/logs/$2.log)"
}

stop_pidfile() {
  local pidf=$1
  if running "$pidf"; then
    local pid; pid=$(cat "$pidf")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidf"
}

stop_services() {
  stop_pidfile "$DEV/run/haproxy.pid"
  for entry in $SERVICES; do stop_pidfile "$DEV/run/${entry%%:*}.pid"; done
  stop_pidfile "$DEV/run/llm-fake.pid"
}

down() {
  stop_services
  if redis_up; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; fi
  if [ -d "$DEV/pg/data" ] && pg_up; then
    as_pg "$(pg_bin)/pg_ctl" -D "$DEV/pg/data" -m fast -w stop >/dev/null
  fi
  log "stopped"
}

status() {
  pg_up && echo "postgres  up   127.0.0.1:$PG_PORT" || echo "postgres  down"
  redis_up && echo "redis     up   127.0.0.1:$REDIS_PORT" || echo "redis     down"
  for entry in $SERVICES haproxy:: llm-fake:$LLM_FAKE_PORT:; do
    IFS=: read -r name port _ <<<"$entry"
    running "$DEV/run/$name.pid" && echo "$name up ${port:+127.0.0.1:$port}" || echo "$name down"
  done
}

up() {
  local started=$SECONDS
  deps; infra; build; migrate; start_services
  log "DjinnBot is up in $((SECONDS - started)) s: http://127.0.0.1:$HTTP_PORT (logs in $DEV/logs, stop with make down)"
  log "fake LLM for offline agents: http://127.0.0.1:$LLM_FAKE_PORT/v1 (docs/llm-fake.md)"
  log "first login (platform administrator; kept in $DEV/first-login):"
  printf '    email:    %s\n    password: %s\n' \
    "$(first_login BOOTSTRAP_ADMIN_EMAIL)" "$(first_login BOOTSTRAP_ADMIN_PASSWORD)" >&2
}

case "${1:-}" in
  deps) deps ;;
  infra) infra ;;
  build) build ;;
  migrate) migrate ;;
  services) start_services ;;
  stop-services) stop_services ;;
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: $0 deps|infra|build|migrate|services|up|down|status" ;;
esac
