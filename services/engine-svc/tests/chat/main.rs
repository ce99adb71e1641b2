//! Chat sessions end to end inside the engine: the chat consumer, the session drivers and the
//! real agent-runtime binary answering through the fake LLM, on real Postgres and Redis, with
//! the agent-svc stand-in ([`chat_agent_svc`]) until agent-svc's chat routes exist.
//!
//! Build the runtime first: `cargo build -p agent-runtime`.

mod answers;
mod chat_agent_svc;
mod continuity;
mod control;
mod support;
mod walls;
