//! agent-runtime: runs inside the process, container or Pod engine-svc starts for one run.
//!
//! It speaks the runtime protocol of CONTRACTS.md §5.2 (`shared_schemas::runtime`): commands
//! arrive over pub/sub on `…:t:{tenant}:run:{run}:commands`, everything it says goes to one
//! stream `…:t:{tenant}:run:{run}:runtime`. Its rooms follow the services' (ARCHITECTURE §3)
//! where they apply: `config` (what the engine hands it), `domain/` (the protocol, pure),
//! `flows/` (the session with the engine, the agent loop), `llm/` (the two provider wires),
//! `tools/` (the workspace tools), `emit` (the one ordered writer of the stream), `calls` (the
//! LLM call log in agent-svc), `tls` (the Redis client and its CA). It serves no HTTP. See docs/agent-runtime.md.

pub mod calls;
pub mod config;
pub mod domain;
pub mod emit;
pub mod flows;
pub mod llm;
pub mod tls;
pub mod tools;

pub use config::RuntimeConfig;
pub use flows::session::run;
