//! One test binary for the fake LLM server: each wire as its client sees it, the scripting
//! and the admin API.

mod admin;
mod anthropic;
mod anthropic_faults;
mod openai;
mod openai_faults;
mod scripting;
mod support;
