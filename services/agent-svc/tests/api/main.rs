//! agent-svc against real Postgres and Redis.

mod agents;
mod creds;
mod helpers;
mod llm_calls;
mod providers;
mod settings;
mod shares;
