# Everyday commands. `make up` starts the platform, `make test` runs the tests; both install what
# is missing (Debian packages: postgresql, redis-server, haproxy, wrk) and start it under .dev/.

SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/djinnbot-target
STACK := deploy/scripts/stack.sh
PG_PORT ?= 55432
REDIS_PORT ?= 56379

# What the test harness connects to: a superuser for per-test databases, Redis database 15.
export DJB_TEST_PG_URL ?= postgres://postgres@127.0.0.1:$(PG_PORT)/postgres
export DJB_TEST_REDIS_URL ?= redis://127.0.0.1:$(REDIS_PORT)/15
export DJB_BIN_DIR ?= $(CARGO_TARGET_DIR)/debug

.PHONY: up down status test lint keys-lint fmt bench bench-engine fuzz build clean-test-dbs haproxy-check contract-check

up: ## start Postgres, Redis, every service and HAProxy; print the URL
	@$(STACK) up

down: ## stop what `make up` started
	@$(STACK) down

status:
	@$(STACK) status

build:
	cargo build --workspace --bins

test: ## set up the servers and run every test (cargo nextest)
	@$(STACK) deps
	@$(STACK) infra
	@$(MAKE) --no-print-directory keys-lint haproxy-check contract-check clean-test-dbs
	cargo build --workspace --bins
	cargo nextest run --workspace --no-fail-fast

# Per-test databases and Redis keys are disposable: start every run from a clean slate.
clean-test-dbs:
	@psql -X -q -h 127.0.0.1 -p $(PG_PORT) -U postgres -d postgres -tAc \
	  "select datname from pg_database where datname like 'test\_%'" \
	  | while read -r db; do psql -X -q -h 127.0.0.1 -p $(PG_PORT) -U postgres -d postgres -c "drop database if exists \"$$db\"" >/dev/null; done
	@redis-cli -h 127.0.0.1 -p $(REDIS_PORT) -n 15 flushdb >/dev/null

lint: keys-lint haproxy-check contract-check ## fmt, clippy, the key lint and the contract check
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

contract-check: ## every monolith operation of auth/agent/project-svc is served in full or listed as later
	@deploy/scripts/contract-diff.py --fail-on-missing

keys-lint: ## no Redis key literal outside libs/bus (and the lint catches one)
	@deploy/scripts/lint-keys.sh --self-test
	@deploy/scripts/lint-keys.sh

haproxy-check:
	@haproxy/check.sh

fmt:
	cargo fmt --all

fuzz: ## schemathesis against every running service's OpenAPI; fails on any 5xx (needs make up)
	@deploy/scripts/fuzz.sh

bench: ## run the benchmarks in benches/ against a running stack and print one table
	@$(STACK) deps
	@benches/run.sh

bench-engine: ## the engine end to end (own stacks of release binaries, fake LLM); prints tables
	@$(STACK) deps
	@$(STACK) infra
	@benches/engine.sh
