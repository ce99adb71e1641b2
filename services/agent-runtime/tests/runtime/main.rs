//! agent-runtime's integration tests (one binary): the runtime in-process or as the real binary,
//! on real Redis (`DJB_TEST_REDIS_URL`, a key prefix per test), against `libs/llm-fake`.

mod agent_step;
mod binary;
mod common;
mod control;
mod escape;
mod protocol;
mod structured_output;
