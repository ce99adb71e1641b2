//! Engine → runtime: the commands on the run's pub/sub channel (see the module above).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::DEFAULT_MAX_STEPS;
use crate::pipeline::{OutputMethod, OutputSchema};

/// A command the engine publishes on the run's command channel, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum RuntimeCommand {
    AgentStep(AgentStep),
    StructuredOutput(StructuredOutputRequest),
    Tool(ToolCommand),
    Abort(Abort),
    Shutdown(Shutdown),
    ChangeModel(ChangeModel),
    GetContextUsage(GetContextUsage),
    CompactSession(CompactSession),
}

impl RuntimeCommand {
    /// The request this command starts or concerns, when it has one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::AgentStep(c) => Some(&c.request_id),
            Self::StructuredOutput(c) => Some(&c.request_id),
            Self::Tool(c) => Some(&c.request_id),
            Self::Abort(c) => Some(&c.request_id),
            Self::GetContextUsage(c) => Some(&c.request_id),
            Self::CompactSession(c) => Some(&c.request_id),
            Self::Shutdown(_) | Self::ChangeModel(_) => None,
        }
    }
}

fn default_max_steps() -> u32 {
    DEFAULT_MAX_STEPS
}

fn default_true() -> bool {
    true
}

/// Run the agent loop on a prompt until it completes, fails, runs out of turns or times out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentStep {
    pub request_id: String,
    pub prompt: String,
    /// Tool names the step may use; empty means the runtime's default set.
    #[serde(default)]
    pub tools: Vec<String>,
    /// LLM turns before the step gives up.
    #[serde(default = "default_max_steps")]
    pub max_steps: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
    /// `provider/model`, overriding the runtime's model for this request only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Replaces the runtime's system prompt for this request only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    #[serde(default)]
    pub timestamp: u64,
}

/// A file attached to a chat message (agent-svc's attachment record).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub id: String,
    pub filename: String,
    pub mime_type: String,
    pub size_bytes: u64,
    pub is_image: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_tokens: Option<u64>,
}

/// One LLM call whose answer must match a JSON schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StructuredOutputRequest {
    pub request_id: String,
    pub prompt: String,
    pub system_prompt: String,
    pub output_schema: OutputSchema,
    /// `response_format` (default; falls back to `tool_use` when the provider refuses it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_method: Option<OutputMethod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default)]
    pub timestamp: u64,
}

/// Run one tool directly, outside the agent loop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolCommand {
    pub request_id: String,
    pub tool_name: String,
    #[serde(default)]
    pub args: Value,
    #[serde(default)]
    pub timestamp: u64,
}

/// Cancel the request in flight (its stream and tool); it still ends with `stepEnd` and `idle`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Abort {
    pub request_id: String,
    #[serde(default)]
    pub timestamp: u64,
}

/// Stop the runtime (aborting the request in flight first), then `exiting` and exit 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Shutdown {
    #[serde(default = "default_true")]
    pub graceful: bool,
    #[serde(default)]
    pub timestamp: u64,
}

/// Use another `provider/model` from the next request on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangeModel {
    pub model: String,
    #[serde(default)]
    pub timestamp: u64,
}

/// Ask for a `contextUsage` estimate of the session history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GetContextUsage {
    pub request_id: String,
    #[serde(default)]
    pub timestamp: u64,
}

/// Summarise the session history to free context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompactSession {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    #[serde(default)]
    pub timestamp: u64,
}
