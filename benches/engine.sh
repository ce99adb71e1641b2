#!/usr/bin/env bash
# The engine benchmark (benches/src/bin/engine-bench): starts its own stacks of release binaries
# (every service, HAProxy, engine-svc spawning agent-runtime processes) on free loopback ports
# against Postgres and Redis of `make test`, with the fake LLM in-process; prints markdown tables.
#   BENCH_RUNS (100), BENCH_SEQUENTIAL (20), BENCH_HOLD_RUNS (100), BENCH_HOLD_SECS (60);
#   BENCH_PROFILE=debug uses the debug binaries instead (much slower; say so with the numbers).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PROFILE=${BENCH_PROFILE:-release}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
export DJB_TEST_PG_URL=${DJB_TEST_PG_URL:-postgres://postgres@127.0.0.1:55432/postgres}
export DJB_TEST_REDIS_URL=${DJB_TEST_REDIS_URL:-redis://127.0.0.1:56379/15}

if [[ $PROFILE == release ]]; then
  cargo build --release -q --workspace --bins
else
  cargo build -q --workspace --bins
fi
export DJB_BIN_DIR=$TARGET/$PROFILE BENCH_PROFILE=$PROFILE
exec "$TARGET/$PROFILE/engine-bench"
