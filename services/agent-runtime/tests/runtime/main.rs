//! agent-runtime's integration tests (one binary): the runtime in-process or as the real binary,
//! on real Redis (`DJB_TEST_REDIS_URL`, a key prefix per test), against `libs/llm-fake`; the
//! `rediss://` test starts its own `redis-server` serving TLS (it must be built with TLS). The
//! team tool tests start the real agent-, memory- and project-svc binaries (`services`), built
//! by `cargo build --workspace --bins`, on a test database (`DJB_TEST_PG_URL`).

mod agent_step;
mod bash_changes;
mod binary;
mod common;
mod control;
mod egress;
mod escape;
mod protocol;
mod services;
mod structured_output;
mod team_locks;
mod team_memory;
mod team_tasks;
mod thinking;
mod tls_redis;
