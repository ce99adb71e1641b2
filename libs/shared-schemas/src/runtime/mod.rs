//! The engine ⇄ agent-runtime protocol (CONTRACTS §5.2, ARCHITECTURE §6), typed once for both
//! sides.
//!
//! - Commands, engine → runtime: JSON [`RuntimeCommand`] on the pub/sub channel
//!   `keys.run_commands(t, r)`. The runtime subscribes before it reports `ready`, the engine sends
//!   only after reading `ready`, treats `busy{requestId}` as the acknowledgement and may resend a
//!   command once; the runtime ignores a `requestId` it has already accepted.
//! - Everything runtime → engine (status, output deltas, events): one Redis stream
//!   `keys.run_runtime(t, r)`, `XADD … MAXLEN ~ 10000 * data <json>` with a [`RuntimeMessage`],
//!   so an engine replica that takes a run over reads on from the last id it saw.
//! - Per request, always: `busy` → `stepStart` → deltas and tool events → exactly one `stepEnd` →
//!   exactly one `idle` (also on abort, error and timeout).
//!
//! Every message carries `timestamp` (Unix milliseconds); readers default it to 0 when missing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::ids::RunId;

/// `maxSteps` when the engine does not say: effectively unbounded, the step timeout governs.
pub const DEFAULT_MAX_STEPS: u32 = 999;
/// The approximate cap of the runtime stream (`XADD MAXLEN ~`).
pub const RUNTIME_STREAM_MAXLEN: usize = 10_000;
/// The field of a runtime stream entry that holds the JSON message.
pub const RUNTIME_STREAM_FIELD: &str = "data";

mod commands;
pub use commands::*;

/// Everything the runtime writes to its stream, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum RuntimeMessage {
    // status
    Ready(RuntimeReady),
    Busy(RuntimeBusy),
    Idle(RuntimeIdle),
    Error(RuntimeError),
    Exiting(RuntimeExiting),
    // output deltas
    Stdout(RuntimeOutput),
    Stderr(RuntimeOutput),
    // events
    StepStart(StepStart),
    StepEnd(StepEnd),
    ToolStart(ToolStart),
    ToolEnd(ToolEnd),
    FileChange(FileChange),
    Thinking(Thinking),
    ContextUsage(ContextUsage),
}

impl RuntimeMessage {
    /// The request this message belongs to, when it belongs to one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Busy(m) => Some(&m.request_id),
            Self::Idle(m) => m.request_id.as_deref(),
            Self::Error(m) => m.request_id.as_deref(),
            Self::Stdout(m) | Self::Stderr(m) => m.request_id.as_deref(),
            Self::StepStart(m) => Some(&m.request_id),
            Self::StepEnd(m) => Some(&m.request_id),
            Self::ToolStart(m) => Some(&m.request_id),
            Self::ToolEnd(m) => Some(&m.request_id),
            Self::Thinking(m) => Some(&m.request_id),
            Self::ContextUsage(m) => m.request_id.as_deref(),
            Self::Ready(_) | Self::Exiting(_) | Self::FileChange(_) => None,
        }
    }
}

/// The runtime is subscribed to its command channel and takes commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeReady {
    pub run_id: RunId,
    #[serde(default)]
    pub timestamp: u64,
}

/// The runtime accepted a request (the engine's acknowledgement).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeBusy {
    pub run_id: RunId,
    pub request_id: String,
    #[serde(default)]
    pub timestamp: u64,
}

/// The runtime finished a request (exactly once per accepted request) and takes the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeIdle {
    pub run_id: RunId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default)]
    pub timestamp: u64,
}

/// A command could not be taken (malformed, unsupported, busy) or a request failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeError {
    pub run_id: RunId,
    pub message: String,
    /// `malformed_command`, `unsupported_command`, `busy`, `llm_error`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default)]
    pub timestamp: u64,
}

/// The runtime is about to exit with `code`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeExiting {
    pub run_id: RunId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<i32>,
    #[serde(default)]
    pub timestamp: u64,
}

/// Who produced an output delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutputSource {
    /// The model's visible text.
    Assistant,
    /// A tool's output (bash's stdout and stderr).
    Tool,
}

/// A chunk of `stdout` or `stderr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeOutput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub data: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<OutputSource>,
    #[serde(default)]
    pub timestamp: u64,
}

/// A request started (`stepNumber` counts the runtime's requests from 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepStart {
    pub request_id: String,
    pub step_number: u32,
    #[serde(default)]
    pub timestamp: u64,
}

/// Tokens one request used, summed over its LLM calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenUsage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    #[serde(default)]
    pub cache_read_tokens: u64,
    #[serde(default)]
    pub cache_write_tokens: u64,
    /// LLM calls made.
    #[serde(default)]
    pub calls: u32,
}

/// A request ended; exactly one per accepted request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepEnd {
    pub request_id: String,
    pub step_number: u32,
    /// The final text: the `complete` summary, the last answer, the structured JSON as text, or
    /// why it failed (`aborted`, `timeout`, …).
    pub result: String,
    pub success: bool,
    /// True when the model called `complete` or `fail` rather than stopping on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explicit_completion: Option<bool>,
    /// The outputs the model passed to `complete`, as given (never parsed from the summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<BTreeMap<String, String>>,
    /// The parsed answer of a `structuredOutput` request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub structured: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    #[serde(default)]
    pub timestamp: u64,
}

/// A tool call started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolStart {
    pub request_id: String,
    pub tool_call_id: String,
    pub tool_name: String,
    pub args: Value,
    #[serde(default)]
    pub timestamp: u64,
}

/// A tool call ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolEnd {
    pub request_id: String,
    pub tool_call_id: String,
    pub tool_name: String,
    pub result: String,
    pub success: bool,
    pub duration_ms: u64,
    #[serde(default)]
    pub timestamp: u64,
}

/// How a workspace file changed through a tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileChangeType {
    Create,
    Modify,
    Delete,
}

/// A tool created, modified or deleted a workspace file (`path` relative to the workspace).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileChange {
    pub path: String,
    pub change_type: FileChangeType,
    #[serde(default)]
    pub timestamp: u64,
}

/// A chunk of the model's reasoning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Thinking {
    pub request_id: String,
    pub thinking: String,
    #[serde(default)]
    pub timestamp: u64,
}

/// An estimate of how full the model's context is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContextUsage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub used_tokens: u64,
    pub context_window: u64,
    pub percent: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default)]
    pub timestamp: u64,
}
