#!/usr/bin/env bash
# Makes the previous release's databases, which the suite migrates and reads back unchanged
# (tests/release_fixture.rs). Run by hand with that release's binary, once per release:
#   git worktree add /tmp/rel <release commit> && (cd /tmp/rel && cargo build --bin candor)
#   scripts/make-release-fixture.sh /tmp/rel/target/debug/candor tests/fixtures/<name>
# It runs `candor demo` on SQLite and on a throwaway PostgreSQL, moves the open cycle's end far
# out (so the fixture never closes by itself), and records what the API answers then.
set -euo pipefail
bin=$(realpath "$1"); out=$2
mkdir -p "$out"; out=$(realpath "$out")
work=$(mktemp -d); chmod 755 "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() { as_pg "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

# One run of the demo against $CANDOR_DATABASE_URL, then the API's answers into $1/.
record() {
  local into=$1 port; port=$(free_port)
  export CANDOR_LISTEN=127.0.0.1:$port CANDOR_PUBLIC_URL=http://127.0.0.1:$port
  export CANDOR_KEY_FILE=$work/candor.key CANDOR_MAIL_DIR=$work/mail
  "$bin" demo >"$work/demo.log" 2>&1 & local pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  local key; key=$("$bin" api-key create --name fixture --scope admin | tail -n 1)
  api() { curl -fsS -H "Authorization: Bearer $key" -H 'content-type: application/json' "$@"; }
  local base=http://127.0.0.1:$port/api/v1
  # The open cycle as the demo made it, ending in 2099 instead of in 40 days.
  api "$base/cycles/demo-2026-Q4" | python3 -c '
import json, sys
c = json.load(sys.stdin)
body = {k: c[k] for k in ("id", "title", "period", "opens_at", "min_raters", "weights")}
body["closes_at"] = "2099-12-31T23:59:59Z"
print(json.dumps(body))' | api -X POST --data-binary @- "$base/cycles" >/dev/null
  mkdir -p "$into"
  api "$base/cycles" >"$into/cycles.json"
  for c in demo-2026-Q3 demo-2026-Q4; do
    api "$base/cycles/$c/scores" >"$into/scores-$c.json"
    api "$base/cycles/$c/progress" >"$into/progress-$c.json"
  done
  api "$base/scores?period=2026" >"$into/scores-2026.json"
  api "$base/people" >"$into/people.json"
  api "$base/customers" >"$into/customers.json"
  kill -TERM $pid; wait $pid || true
}

# SQLite: the database file (its WAL folded in) and the key it was sealed with.
export CANDOR_DATABASE_URL="sqlite://$work/candor.db"
record "$out/expected"
python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); c.execute('PRAGMA journal_mode=DELETE'); c.close()" "$work/candor.db"
cp "$work/candor.db" "$out/candor.db"
cp "$work/candor.key" "$out/server-key"

# PostgreSQL: a plain-SQL dump of a demo made the same way, with the same key.
port=$(free_port)
mkdir "$work/pg"; chmod 700 "$work/pg"
if [ "$(id -u)" = 0 ]; then chown postgres "$work" "$work/pg"; fi
as_pg "$pg_bin/initdb" -D "$work/pg" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o "-p $port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
export CANDOR_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
record "$work/pg-expected"
# INSERTs, and no psql meta-commands (\restrict): the test replays it as plain SQL.
"$pg_bin/pg_dump" --inserts --no-owner --no-privileges --no-comments -h 127.0.0.1 -p "$port" -U postgres postgres \
  | grep -v '^\\' >"$out/postgres.sql"
cp -r "$work/pg-expected" "$out/expected-postgres"
echo "fixture written to $out"
