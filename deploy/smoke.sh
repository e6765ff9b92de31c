#!/usr/bin/env bash
# The production stack on this machine, end to end (docs/deploy.md, "Try it
# here"): a fresh PostgreSQL database, migrate, collectstatic, the demo data,
# gunicorn with DEBUG=0, the background worker and an SMTP server that keeps
# what it receives; then the smoke test over HTTP (deploy/smoke.py) and, with
# --load SECONDS, a bounded locust run whose writes are checked against the
# database (loadtest/). Everything it started is stopped when it ends.
#
#   deploy/smoke.sh                # smoke test only
#   deploy/smoke.sh --load 30      # and 30 s of load with 10 users
set -euo pipefail
cd "$(dirname "$0")/.."

LOAD_SECONDS=0
LOAD_USERS=${LOAD_USERS:-10}
if [ "${1:-}" = "--load" ]; then LOAD_SECONDS=${2:?--load takes a number of seconds}; fi

DB_NAME=${SMOKE_DB_NAME:-petcare_smoke}
PORT=${SMOKE_PORT:-8765}
SMTP_PORT=${SMOKE_SMTP_PORT:-8725}
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

start() {  # start NAME COMMAND...: in its own process group, output to $WORK/NAME.log
  local name=$1; shift
  setsid "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}

export DATABASE_URL="postgres://postgres:${PGPASSWORD:-}@127.0.0.1:5432/$DB_NAME"
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB_NAME" -c "CREATE DATABASE $DB_NAME"

# Production settings, for everything but the demo data. PLAIN_HTTP_ON_LOOPBACK
# is the one switch that lets a server on 127.0.0.1 be tried without TLS.
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
PRODUCTION=(
  DEBUG=0 SECRET_KEY="$SECRET_KEY" ALLOWED_HOSTS=127.0.0.1 PLAIN_HTTP_ON_LOOPBACK=1
  STATIC_ROOT="$WORK/static" EMAIL_HOST=127.0.0.1 EMAIL_PORT="$SMTP_PORT" EMAIL_USE_TLS=0
  BIND="127.0.0.1:$PORT" WEB_CONCURRENCY="${WEB_CONCURRENCY:-4}" DATABASE_POOL_MAX_SIZE=4
)

echo "==> collectstatic (production), while the demo data loads (DEBUG on: it publishes its passwords)"
env "${PRODUCTION[@]}" uv run --locked python manage.py collectstatic --noinput --verbosity 0 &
COLLECTSTATIC=$!
DEBUG=1 uv run --locked python manage.py demo --no-serve --verbosity 0 >/dev/null 2>&1
wait "$COLLECTSTATIC"

export "${PRODUCTION[@]}"
echo "==> migrate, check --deploy"
uv run --locked python manage.py migrate --noinput --verbosity 0
# The deployment checks pass with every HTTPS setting on: the switch is all
# that differs.
PLAIN_HTTP_ON_LOOPBACK=0 uv run --locked python manage.py check --deploy --fail-level WARNING

echo "==> start: SMTP sink, gunicorn, worker"
start smtp uv run --locked python deploy/smtp_sink.py 127.0.0.1 "$SMTP_PORT" "$WORK/mailbox"
start web uv run --locked gunicorn --config deploy/gunicorn.conf.py
start worker uv run --locked python manage.py db_worker --interval 0.5
for _ in $(seq 1 60); do
  python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)" \
    2>/dev/null && break
  sleep 0.5
done

echo "==> smoke test"
if ! uv run --locked python deploy/smoke.py "http://127.0.0.1:$PORT" "$WORK/mailbox"; then
  echo "--- gunicorn ---"; tail -n 40 "$WORK/web.log"
  echo "--- worker ---"; tail -n 40 "$WORK/worker.log"
  exit 1
fi

if [ "$LOAD_SECONDS" -gt 0 ]; then
  echo "==> load: $LOAD_USERS users for ${LOAD_SECONDS}s"
  export LOAD_LEDGER="$WORK/ledger.json"
  uv run --locked locust -f loadtest/locustfile.py --config loadtest/locust.conf \
    --host "http://127.0.0.1:$PORT" --users "$LOAD_USERS" --run-time "${LOAD_SECONDS}s" \
    --exit-code-on-error 1
  uv run --locked python loadtest/check.py "$LOAD_LEDGER"
fi

# No server error anywhere in the run.
if grep -E "status=5[0-9][0-9]|Traceback" "$WORK/web.log" "$WORK/worker.log"; then
  echo "server errors above"; exit 1
fi
echo "==> all stopped cleanly"
