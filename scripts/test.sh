#!/usr/bin/env bash
# Runs the whole test suite against SQLite and a throwaway PostgreSQL cluster, after
# installing whatever it needs that is missing (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${CANDOR_SKIP_SETUP:-}" ] || scripts/setup.sh

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pg_bin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)"; exit 1; }
work=$(mktemp -d /tmp/candor-pg.XXXXXX)
chmod 755 "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
cleanup() { as_pg "$pg_bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
as_pg "$pg_bin/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/data" -l "$work/log" -w \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off" start >/dev/null
export CANDOR_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
export CANDOR_REQUIRE_POSTGRES=1
echo "PostgreSQL for tests on 127.0.0.1:$port"
scripts/msrv.sh
# Benchmarks are measured with `cargo bench` (docs/PERFORMANCE.md), never run as tests.
cargo test --lib --bins --tests "$@"
# The whole suite (no filter) runs the benchmarks of admin operations at a small size, in the
# debug build, so they cannot rot (their figures are not checked here), and ends with the
# API's conformance: the OpenAPI document validates and Schemathesis, driven by it, finds
# nothing against the real binary.
if [ $# -eq 0 ]; then
  BENCH_EMAILS=200 BENCH_SEALED=300 BENCH_RUNS=1 BENCH_PEOPLE=200 \
    cargo test --bench email --bench close --bench launch --bench stall
  scripts/conformance.sh
fi
